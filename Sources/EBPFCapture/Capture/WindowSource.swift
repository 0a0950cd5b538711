public import Logging
public import ServiceLifecycle
import Synchronization
public import TrafficFeatures

/// Anything that produces closed traffic windows: ``XDPCapture`` (live interface),
/// ``PcapCapture`` (capture file) and ``SimulatedCapture`` (synthetic traffic).
public protocol WindowSource: AnyObject, Sendable {
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
    public enum Phase: String, Sendable, Equatable {
        case starting, running, finished, failed
    }

    public struct Snapshot: Sendable {
        public var phase: Phase
        public var kind: CaptureSourceKind?
        public var summary: String
        public var failure: String?
        public var windowsClosed: Int
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

    public let historyLimit: Int
    private let state = Mutex(State())

    public init(historyLimit: Int = 300) {
        self.historyLimit = max(1, historyLimit)
    }

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

    public func running(_ source: any WindowSource) {
        state.withLock {
            $0.phase = .running
            $0.kind = source.kind
            $0.summary = source.summary
        }
    }

    public func record(_ window: TrafficWindow) {
        state.withLock { state in
            state.windowsClosed += 1
            state.history.append(window)
            if state.history.count > historyLimit {
                state.history.removeFirst(state.history.count - historyLimit)
            }
        }
    }

    public func finished() {
        state.withLock { $0.phase = .finished }
    }

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
    public let source: any WindowSource
    public let status: CaptureStatus
    /// Keep running (serving the last windows) after a capture file has been read.
    public let keepRunningAfterSourceEnds: Bool
    private let logger: Logger
    private let onWindow: @Sendable (TrafficWindow) async -> Void

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
