import Foundation
public import Testing

/// A bound on the service processes (`detector`, `monitor`, `prometheus`, …) that the tests of
/// this test process run at the same time.
///
/// `swift test --parallel` runs every suite at once. On a 2-core machine a dozen services started
/// together starve each other and the tests that wait for them, so whether a test passes would
/// depend on how many others happen to run beside it. A test that starts services declares how
/// many it runs at once with ``Testing/Trait/serviceProcesses(_:)``; it starts only when that
/// many slots are free, taken all at once (so two tests can never each hold part of what they
/// need and wait for the rest), and gives them back when it ends. ``MonitorProcess`` records an
/// issue when it is started outside such a test.
///
/// Capacity: `TEST_SERVICE_PROCESSES`, else one more than the number of cores (at least 3, the
/// most any test runs at once). A test asking for more than the capacity waits for all of it.
public actor ServiceSlots {
    /// The slots of this test process.
    public static let shared = ServiceSlots(capacity: ServiceSlots.defaultCapacity)

    /// `TEST_SERVICE_PROCESSES` when set to a positive number, else max(3, cores + 1).
    public static var defaultCapacity: Int {
        if let text = ProcessInfo.processInfo.environment["TEST_SERVICE_PROCESSES"], let value = Int(text), value > 0 { return value }
        return max(3, ProcessInfo.processInfo.activeProcessorCount + 1)
    }

    /// Slots held by the current test (0 outside a test that declared any).
    @TaskLocal public static var held = 0

    public let capacity: Int
    private var inUse = 0
    private var waiters: [(count: Int, continuation: CheckedContinuation<Void, Never>)] = []

    public init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    /// Slots taken now, for diagnostics.
    public var taken: Int { inUse }

    /// Runs `body` holding `count` slots (at most the capacity), waiting in arrival order until
    /// they are free.
    public func withSlots<T: Sendable>(_ count: Int, _ body: @Sendable () async throws -> T) async rethrows -> T {
        let count = min(max(1, count), capacity)
        await acquire(count)
        defer { release(count) }
        return try await ServiceSlots.$held.withValue(count) { try await body() }
    }

    private func acquire(_ count: Int) async {
        // First come, first served: a large request at the head is not overtaken by small ones.
        if waiters.isEmpty && inUse + count <= capacity {
            inUse += count
            return
        }
        await withCheckedContinuation { waiters.append((count, $0)) }
    }

    private func release(_ count: Int) {
        inUse -= count
        while let first = waiters.first, inUse + first.count <= capacity {
            waiters.removeFirst()
            inUse += first.count
            first.continuation.resume()
        }
    }
}

extension ServiceSlots {
    /// Records an issue when a service process is started by a test that did not declare
    /// ``Testing/Trait/serviceProcesses(_:)`` (its start would not be bounded).
    public static func checkHeld(starting executable: String) {
        guard held == 0, Test.current != nil else { return }
        Issue.record(
            "\(URL(fileURLWithPath: executable).lastPathComponent) started by a test without .serviceProcesses(n): declare how many services it runs")
    }
}

/// The scope of ``Testing/Trait/serviceProcesses(_:)``: each test case runs holding its slots.
public struct ServiceProcessesTrait: TestTrait, SuiteTrait, TestScoping {
    /// Service processes the test runs at the same time.
    public let count: Int

    /// On a suite: every test in it.
    public var isRecursive: Bool { true }

    /// Holds the slots for each test case (not for a whole suite, whose tests take their own).
    public func scopeProvider(for test: Test, testCase: Test.Case?) -> Self? {
        testCase == nil ? nil : self
    }

    public func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        try await ServiceSlots.shared.withSlots(count, function)
    }
}

extension Trait where Self == ServiceProcessesTrait {
    /// The test (or each test of the suite) runs up to `count` service processes at once: it
    /// waits until that many of the shared ``ServiceSlots`` are free.
    public static func serviceProcesses(_ count: Int) -> Self {
        ServiceProcessesTrait(count: count)
    }
}
