import Synchronization

/// A clock that moves only when the test says so, for the timing logic of the libraries (back-off,
/// batching pauses): a 60 s outage runs in milliseconds, and the test sees every pause the code
/// asked for.
///
/// `sleep(until:)` suspends until ``advance(by:)`` moves ``now`` to the deadline (or the task is
/// cancelled); ``waitForSleepers(_:)`` lets a test wait until the code under test is asleep
/// before it advances, so no pause is missed.
public final class TestClock: Clock, Sendable {
    /// A point on the test clock: the time since the clock was made.
    public struct Instant: InstantProtocol, CustomStringConvertible {
        /// Time since the clock was made.
        public var offset: Duration

        public func advanced(by duration: Duration) -> Instant { Instant(offset: offset + duration) }
        public func duration(to other: Instant) -> Duration { other.offset - offset }
        public static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.offset < rhs.offset }
        public var description: String { "\(offset)" }
    }

    private struct Sleeper {
        var deadline: Instant
        var continuation: CheckedContinuation<Void, any Error>?
        var cancelled = false
    }

    private struct State {
        var now = Instant(offset: .zero)
        var sleepers: [UInt64: Sleeper] = [:]
        var nextID: UInt64 = 0
        var requested: [Duration] = []
    }

    private let state = Mutex(State())

    /// A clock at offset zero with no one asleep.
    public init() {}

    public var now: Instant { state.withLock { $0.now } }
    public var minimumResolution: Duration { .zero }

    /// Every pause asked for, in order (the deadline's distance from ``now`` when asked).
    public var requestedSleeps: [Duration] { state.withLock { $0.requested } }

    /// Tasks asleep on the clock now.
    public var sleepers: Int { state.withLock { $0.sleepers.values.count { $0.continuation != nil } } }

    public func sleep(until deadline: Instant, tolerance: Duration? = nil) async throws {
        let id = state.withLock { state -> UInt64 in
            state.requested.append(state.now.duration(to: deadline))
            state.nextID += 1
            state.sleepers[state.nextID] = Sleeper(deadline: deadline)
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let outcome = state.withLock { state -> Result<Void, any Error>? in
                    guard let sleeper = state.sleepers[id] else { return .success(()) }
                    if sleeper.cancelled {
                        state.sleepers[id] = nil
                        return .failure(CancellationError())
                    }
                    if sleeper.deadline <= state.now {
                        state.sleepers[id] = nil
                        return .success(())
                    }
                    state.sleepers[id]?.continuation = continuation
                    return nil
                }
                if let outcome { continuation.resume(with: outcome) }
            }
        } onCancel: {
            let continuation = state.withLock { state -> CheckedContinuation<Void, any Error>? in
                guard let sleeper = state.sleepers[id] else { return nil }
                guard let continuation = sleeper.continuation else {
                    state.sleepers[id]?.cancelled = true
                    return nil
                }
                state.sleepers[id] = nil
                return continuation
            }
            continuation?.resume(throwing: CancellationError())
        }
    }

    /// Moves the clock on by `duration` and wakes every task whose deadline it reached.
    public func advance(by duration: Duration) {
        let woken = state.withLock { state -> [CheckedContinuation<Void, any Error>] in
            state.now = state.now.advanced(by: duration)
            let due = state.sleepers.filter { $0.value.continuation != nil && $0.value.deadline <= state.now }
            for id in due.keys { state.sleepers[id] = nil }
            return due.values.compactMap(\.continuation)
        }
        for continuation in woken { continuation.resume() }
    }

    /// Moves the clock to the earliest deadline of the tasks asleep (if any) and wakes them.
    /// - Returns: How far the clock moved; nil when no one was asleep.
    @discardableResult
    public func advanceToNextDeadline() -> Duration? {
        let step = state.withLock { state -> Duration? in
            state.sleepers.values.filter { $0.continuation != nil }.map(\.deadline).min().map { state.now.duration(to: $0) }
        }
        guard let step else { return nil }
        advance(by: max(.zero, step))
        return step
    }

    /// Waits (polling, real time) until at least `count` tasks are asleep on the clock.
    /// - Returns: False when they were not within `timeout`.
    public func waitForSleepers(_ count: Int = 1, timeout: Duration = .seconds(120)) async throws -> Bool {
        try await Poll.until(timeout: timeout, every: .milliseconds(1)) { self.sleepers >= count }
    }
}
