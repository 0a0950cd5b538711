public import Logging
public import ServiceLifecycle
import Synchronization
public import TrafficFeatures

/// Anything that produces closed traffic windows: ``XDPCapture`` (live interface),
/// ``PcapCapture`` (capture file) and ``SimulatedCapture`` (synthetic traffic).
public protocol WindowSource: AnyObject, Sendable {
    /// Which kind of source this is; its windows carry the raw value in their `source` field.
    var kind: CaptureSourceKind { get }
    /// Human-readable description, e.g. `xdp on eth0 (native)`.
    var summary: String { get }
    /// Starts the source and yields each window as it closes. The stream finishes
    /// after ``stop()`` (ending with the partial window in progress, so no packet is
    /// lost) or at the end of a capture file, and throws if the source fails.
    /// Call it once.
    func windows() -> AsyncThrowingStream<TrafficWindow, any Error>
    /// Asks the source to close its current window and finish. Does not block.
    func stop()
}

/// The state `/ready` and `/stats` report: which source runs, whether it is
/// producing windows, the latest window and a bounded history.
public final class CaptureStatus: Sendable {
    /// Where a capture is in its life: `starting` until the source runs, `running` while it
    /// produces windows, `finished` after its stream ended, `failed` after its stream threw.
    public enum Phase: String, Sendable, Equatable {
        case starting, running, finished, failed
    }

    /// The status at one moment, read under one lock by ``CaptureStatus/snapshot``.
    public struct Snapshot: Sendable {
        /// The capture's phase.
        public var phase: Phase
        /// The running source's kind; nil until ``CaptureStatus/running(_:)`` is called.
        public var kind: CaptureSourceKind?
        /// The running source's ``WindowSource/summary``; empty until it runs.
        public var summary: String
        /// The description of the error that ended the capture; nil unless the phase is `failed`.
        public var failure: String?
        /// Windows recorded since the start, including those no longer in the history.
        public var windowsClosed: Int
        /// The most recent window; nil before the first.
        public var latest: TrafficWindow?
    }

    private struct State {
        var phase = Phase.starting
        var kind: CaptureSourceKind?
        var summary = ""
        var failure: String?
        var windowsClosed = 0
        var history: [TrafficWindow] = []
    }

    /// The most windows the history keeps (at least 1).
    public let historyLimit: Int
    private let state = Mutex(State())

    /// Creates a status in the `starting` phase with an empty history.
    ///
    /// - Parameter historyLimit: The most windows to keep; values below 1 are raised to 1.
    public init(historyLimit: Int = 300) {
        self.historyLimit = max(1, historyLimit)
    }

    /// The current phase, source, failure, window count and latest window, read together.
    public var snapshot: Snapshot {
        state.withLock {
            Snapshot(
                phase: $0.phase, kind: $0.kind, summary: $0.summary, failure: $0.failure,
                windowsClosed: $0.windowsClosed, latest: $0.history.last)
        }
    }

    /// The most recent windows, oldest first (at most `historyLimit`).
    public func history(last count: Int? = nil) -> [TrafficWindow] {
        state.withLock { state in
            guard let count else { return state.history }
            return Array(state.history.suffix(max(0, count)))
        }
    }

    /// True while the source is producing windows, and after a capture file has been
    /// read to its end.
    public var isReady: Bool {
        state.withLock { $0.phase == .running || $0.phase == .finished }
    }

    /// Records that `source` is producing windows: sets the phase to `running` and stores the
    /// source's kind and summary. ``CaptureService`` calls it.
    public func running(_ source: any WindowSource) {
        state.withLock {
            $0.phase = .running
            $0.kind = source.kind
            $0.summary = source.summary
        }
    }

    /// Counts `window` and appends it to the history, dropping the oldest windows beyond
    /// ``historyLimit``. ``CaptureService`` calls it for every window.
    public func record(_ window: TrafficWindow) {
        state.withLock { state in
            state.windowsClosed += 1
            state.history.append(window)
            if state.history.count > historyLimit {
                state.history.removeFirst(state.history.count - historyLimit)
            }
        }
    }

    /// Records that the source's stream ended without an error: sets the phase to `finished`.
    public func finished() {
        state.withLock { $0.phase = .finished }
    }

    /// Records that the source failed: sets the phase to `failed` and keeps the description of
    /// `error` as ``CaptureStatus/Snapshot/failure``.
    public func failed(_ error: any Error) {
        state.withLock {
            $0.phase = .failed
            $0.failure = "\(error)"
        }
    }
}

/// Runs a ``WindowSource`` as a swift-service-lifecycle `Service`: every window goes
/// to `status` and then to `onWindow`, in order. On graceful shutdown (SIGTERM,
/// SIGINT) the source is stopped and its last partial window is still delivered.
public struct CaptureService: Service {
    /// The source whose windows the service delivers.
    public let source: any WindowSource
    /// The status the service updates: running, every window, then finished or failed.
    public let status: CaptureStatus
    /// Keep running (serving the last windows) after a capture file has been read.
    public let keepRunningAfterSourceEnds: Bool
    private let logger: Logger
    private let onWindow: @Sendable (TrafficWindow) async -> Void

    /// Creates a service; nothing runs until ``run()``.
    ///
    /// - Parameters:
    ///   - source: The source to run. The service calls its ``WindowSource/windows()``, so it must not
    ///     have been called before.
    ///   - status: Receives the phase changes and every window.
    ///   - keepRunningAfterSourceEnds: When true, ``run()`` waits for graceful shutdown after the
    ///     source's stream ends instead of returning.
    ///   - logger: Receives the start, finish and failure messages.
    ///   - onWindow: Called with every window after it is recorded in `status`, one at a time and in
    ///     order; the next window is not delivered until it returns.
    public init(
        source: any WindowSource, status: CaptureStatus, keepRunningAfterSourceEnds: Bool = false, logger: Logger,
        onWindow: @escaping @Sendable (TrafficWindow) async -> Void
    ) {
        self.source = source
        self.status = status
        self.keepRunningAfterSourceEnds = keepRunningAfterSourceEnds
        self.logger = logger
        self.onWindow = onWindow
    }

    /// Runs the source until its stream ends and delivers every window.
    ///
    /// On graceful shutdown the source is stopped; its final partial window is still delivered
    /// before `run()` returns. When ``keepRunningAfterSourceEnds`` is true and the stream ends
    /// on its own, `run()` returns only at graceful shutdown.
    ///
    /// - Throws: The error the source's stream threw, after recording it in ``status``.
    public func run() async throws {
        let windows = source.windows()
        status.running(source)
        logger.info("capture running", metadata: ["source": "\(source.summary)"])
        do {
            try await withGracefulShutdownHandler {
                for try await window in windows {
                    status.record(window)
                    await onWindow(window)
                }
            } onGracefulShutdown: { [source] in
                source.stop()
            }
        } catch {
            status.failed(error)
            logger.error("capture failed", metadata: ["source": "\(source.summary)", "error": "\(error)"])
            throw error
        }
        status.finished()
        logger.info("capture finished", metadata: ["source": "\(source.summary)"])
        if keepRunningAfterSourceEnds {
            try? await gracefulShutdown()
        }
    }
}
