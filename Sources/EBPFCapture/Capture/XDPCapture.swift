import Foundation
public import Logging
import Synchronization
public import TrafficFeatures

/// Live capture: the XDP program attached to an interface, read once per window.
///
/// ```swift
/// let capture = try XDPCapture(configuration: .init(interface: "eth0", mode: .generic), logger: logger)
/// for try await window in capture.windows() {
///     print(window.packetsPerSecond, window.topSources)
/// }
/// ```
///
/// Windows are collected on a dedicated thread (map reads and the RCU grace period
/// block), at `windowInterval` boundaries measured on the monotonic clock. The program
/// is detached on ``stop()`` (the final partial window is still delivered), on
/// deinit, and by the kernel if the process dies.
public final class XDPCapture: WindowSource, Sendable {
    public struct Configuration: Sendable {
        public var interface: String
        public var mode: XDPAttachMode
        public var windowInterval: Duration
        public var program: ProgramConfiguration
        public var topSourceLimit: Int
        /// Replace another XDP program found on the interface instead of refusing to start.
        public var replaceForeignProgram: Bool
        /// Turn on the kernel's BPF run-time statistics (`BPF_ENABLE_STATS`) while the
        /// capture lives, so ``XDPCapture/statistics`` counts runs and nanoseconds. It is
        /// host-wide and costs some nanoseconds per program run.
        public var enableRunStatistics: Bool

        public init(
            interface: String,
            mode: XDPAttachMode = .auto,
            windowInterval: Duration = .seconds(1),
            program: ProgramConfiguration = ProgramConfiguration(),
            topSourceLimit: Int = TopSources.defaultLimit,
            replaceForeignProgram: Bool = false,
            enableRunStatistics: Bool = false
        ) {
            self.interface = interface
            self.mode = mode
            self.windowInterval = windowInterval
            self.program = program
            self.topSourceLimit = topSourceLimit
            self.replaceForeignProgram = replaceForeignProgram
            self.enableRunStatistics = enableRunStatistics
        }
    }

    public let configuration: Configuration
    public let program: NetworkMonitorProgram
    public let link: XDPLink
    private let sampler: SampledPacketReader?
    private let runStatistics: RunStatisticsSwitch?
    private let logger: Logger
    private let stopSignal = DispatchSemaphore(value: 0)
    private let lifecycle = Mutex<(started: Bool, stopped: Bool)>((false, false))
    /// When the program was attached: the start of the first window.
    private let attachedAt: DispatchTime
    private let attachedDate: Date

    public var kind: CaptureSourceKind { .xdp }
    public var summary: String { "xdp on \(link.interface) (\(link.mode))" }

    /// Loads the program and attaches it. Throws ``CaptureError`` (e.g.
    /// `.permissionDenied` without CAP_BPF/CAP_NET_ADMIN, `.interfaceNotFound`).
    public init(configuration: Configuration, logger: Logger) throws {
        guard configuration.windowInterval >= .milliseconds(10) else {
            throw CaptureError(
                .invalidConfiguration, operation: "XDPCapture", message: "windowInterval must be at least 10 ms")
        }
        self.configuration = configuration
        self.logger = logger
        let program = try NetworkMonitorProgram(configuration: configuration.program, logger: logger)
        self.program = program
        self.link = try XDPLink.attach(
            program, to: configuration.interface, mode: configuration.mode,
            replaceForeignProgram: configuration.replaceForeignProgram, logger: logger)
        self.attachedAt = DispatchTime.now()
        self.attachedDate = Date()
        self.sampler =
            configuration.program.sampleEvery > 0 ? try SampledPacketReader(eventsMapFD: program.eventsMapFD) : nil
        self.runStatistics = configuration.enableRunStatistics ? try RunStatisticsSwitch() : nil
    }

    deinit {
        sampler?.stop()
        link.detach()
    }

    /// The most recent sampled packets (empty unless `program.sampleEvery > 0`).
    public var sampledPackets: [SampledPacket] { sampler?.events ?? [] }

    /// The program's run statistics (counts and time grow while `kernel.bpf_stats_enabled=1`).
    public var statistics: ProgramStatistics { program.statistics }

    public func windows() -> AsyncThrowingStream<TrafficWindow, any Error> {
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: TrafficWindow.self)
        let alreadyStarted = lifecycle.withLock { state -> Bool in
            defer { state.started = true }
            return state.started
        }
        guard !alreadyStarted else {
            continuation.finish(
                throwing: CaptureError(
                    .invalidConfiguration, operation: "XDPCapture.windows", message: "windows() can be called once"))
            return stream
        }
        sampler?.start()
        let thread = Thread { [self] in
            collect(into: continuation)
        }
        thread.name = "xdp-window-collector"
        thread.start()
        return stream
    }

    public func stop() {
        let signal = lifecycle.withLock { state -> Bool in
            defer { state.stopped = true }
            return !state.stopped
        }
        if signal { stopSignal.signal() }
    }

    private func collect(into continuation: AsyncThrowingStream<TrafficWindow, any Error>.Continuation) {
        let interval = UInt64(configuration.windowInterval.totalNanoseconds)
        var windowStart = attachedAt
        var windowStartDate = attachedDate
        var deadline = attachedAt.uptimeNanoseconds + interval
        var sequence = 0
        var stopping = false
        while true {
            if stopSignal.wait(timeout: DispatchTime(uptimeNanoseconds: deadline)) == .success {
                stopping = true
                // Detach first: no packet can then be counted after the last read.
                link.detach()
            }
            let kernelWindow: KernelWindow
            do {
                kernelWindow = try program.collectWindow()
            } catch {
                logger.error("cannot read the XDP window", metadata: ["error": "\(error)"])
                link.detach()
                sampler?.stop()
                continuation.finish(throwing: error)
                return
            }
            let now = DispatchTime.now()
            let nowDate = Date()
            let seconds = Double(now.uptimeNanoseconds - windowStart.uptimeNanoseconds) / 1e9
            continuation.yield(
                kernelWindow.trafficWindow(
                    start: windowStartDate, duration: seconds, interface: link.interface, sequence: sequence,
                    topSourceLimit: configuration.topSourceLimit))
            sequence += 1
            windowStart = now
            windowStartDate = nowDate
            if stopping { break }
            deadline += interval
            if deadline <= now.uptimeNanoseconds {
                // The process was stalled past a boundary: the window simply ran longer.
                deadline = now.uptimeNanoseconds + interval
            }
        }
        sampler?.stop()
        continuation.finish()
    }
}
