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
    /// Settings of a live capture.
    public struct Configuration: Sendable {
        /// The name of the network interface to attach to, e.g. `eth0`.
        public var interface: String
        /// How to attach the program; ``XDPAttachMode/auto`` tries native mode, then generic.
        public var mode: XDPAttachMode
        /// The length of each window, measured on the monotonic clock; at least 10 ms.
        public var windowInterval: Duration
        /// Load-time settings of the XDP program: table sizes, IPv6 grouping and sampling.
        public var program: ProgramConfiguration
        /// Sources kept per criterion in each window's `top_sources`.
        public var topSourceLimit: Int
        /// Replace another XDP program found on the interface instead of refusing to start.
        public var replaceForeignProgram: Bool
        /// Turn on the kernel's BPF run-time statistics (`BPF_ENABLE_STATS`) while the
        /// capture lives, so ``XDPCapture/statistics`` counts runs and nanoseconds. It is
        /// host-wide and costs some nanoseconds per program run.
        public var enableRunStatistics: Bool
        /// Horizons and bounds of the probe-horizon tracker (`WindowEnrichment` in TrafficFeatures).
        public var horizons: ProbeHorizons.Configuration

        /// Settings with the given values; each parameter sets the property of the same name.
        /// ``XDPCapture/init(configuration:logger:)`` checks them.
        public init(
            interface: String,
            mode: XDPAttachMode = .auto,
            windowInterval: Duration = .seconds(1),
            program: ProgramConfiguration = ProgramConfiguration(),
            topSourceLimit: Int = TopSources.defaultLimit,
            replaceForeignProgram: Bool = false,
            enableRunStatistics: Bool = false,
            horizons: ProbeHorizons.Configuration = .init()
        ) {
            self.interface = interface
            self.mode = mode
            self.windowInterval = windowInterval
            self.program = program
            self.topSourceLimit = topSourceLimit
            self.replaceForeignProgram = replaceForeignProgram
            self.enableRunStatistics = enableRunStatistics
            self.horizons = horizons
        }
    }

    /// The settings the capture was created with.
    public let configuration: Configuration
    /// The loaded XDP program.
    public let program: NetworkMonitorProgram
    /// The program's attachment to the configured interface, with the mode in use.
    public let link: XDPLink
    private let sampler: SampledPacketReader?
    private let dnsReader: DNSMessageReader?
    private let runStatistics: RunStatisticsSwitch?
    private let logger: Logger
    private let stopSignal = DispatchSemaphore(value: 0)
    private let lifecycle = Mutex<(started: Bool, stopped: Bool)>((false, false))
    /// When the program was attached: the start of the first window.
    private let attachedAt: DispatchTime
    private let attachedDate: Date

    /// Always `.xdp`.
    public var kind: CaptureSourceKind { .xdp }
    /// `xdp on <interface> (<mode>)`, with the mode actually in use, e.g. `xdp on eth0 (native)`.
    public var summary: String { "xdp on \(link.interface) (\(link.mode))" }

    /// Loads the program and attaches it. The first window starts now.
    ///
    /// - Parameters:
    ///   - configuration: The interface, attach mode, window length and program settings.
    ///   - logger: Receives libbpf's messages and the attach and detach messages.
    /// - Throws: ``CaptureError``, e.g. `.permissionDenied` without CAP_BPF, CAP_NET_ADMIN and
    ///   CAP_PERFMON, `.interfaceNotFound`, `.foreignProgramAttached`, `.interfaceBusy`, or
    ///   `.invalidConfiguration` when `windowInterval` is under 10 ms or a program setting is
    ///   out of range.
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
        // What the capture costs the host: the per-source tables are per-CPU, so they grow with
        // the possible CPUs (SOURCE_TABLE_ENTRIES bounds them).
        let memory = program.mapMemory()
        logger.info(
            "BPF maps hold \(memory.summary)",
            metadata: [
                "map_bytes": "\(memory.totalBytes)", "source_table_bytes": "\(memory.sourceTableBytes)",
                "source_table_entries": "\(configuration.program.sourceTableEntries)", "possible_cpus": "\(memory.possibleCPUs)",
            ])
        self.sampler =
            configuration.program.sampleEvery > 0 ? try SampledPacketReader(eventsMapFD: program.eventsMapFD) : nil
        self.dnsReader = configuration.program.dnsSampling ? try DNSMessageReader(mapFD: program.dnsEventsMapFD) : nil
        self.runStatistics = configuration.enableRunStatistics ? try RunStatisticsSwitch() : nil
    }

    deinit {
        sampler?.stop()
        dnsReader?.stop()
        link.detach()
    }

    /// The most recent sampled packets (empty unless `program.sampleEvery > 0`).
    public var sampledPackets: [SampledPacket] { sampler?.events ?? [] }

    /// The program's run statistics (counts and time grow while `kernel.bpf_stats_enabled=1`).
    public var statistics: ProgramStatistics { program.statistics }

    /// Starts collecting on a dedicated thread and returns the stream of windows.
    ///
    /// The first window starts when the program was attached, in ``init(configuration:logger:)``;
    /// each window closes at the next `windowInterval` boundary. When the process stalls past a
    /// boundary, that window lasts longer and the next boundary is one interval after it closed.
    ///
    /// The stream finishes after ``stop()``, ending with the partial window in progress. It throws
    /// a ``CaptureError`` when reading the maps fails; the program is then detached. Call it once:
    /// a second call returns a stream that throws `.invalidConfiguration`.
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
        dnsReader?.start()
        let thread = Thread { [self] in
            collect(into: continuation)
        }
        thread.name = "xdp-window-collector"
        thread.start()
        return stream
    }

    /// Detaches the program, then closes the window in progress and finishes the stream.
    /// Returns at once; the collecting thread does the work. Further calls have no effect.
    /// When ``windows()`` was never called, the program stays attached until deinit.
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
        var enrichment = WindowEnrichment(horizons: configuration.horizons)
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
                dnsReader?.stop()
                continuation.finish(throwing: error)
                return
            }
            let now = DispatchTime.now()
            let nowDate = Date()
            let seconds = Double(now.uptimeNanoseconds - windowStart.uptimeNanoseconds) / 1e9
            var window = kernelWindow.trafficWindow(
                start: windowStartDate, duration: seconds, interface: link.interface, sequence: sequence,
                topSourceLimit: configuration.topSourceLimit)
            // The last window takes every message still in the ring buffer.
            if stopping { dnsReader?.stop() }
            let dns = dnsReader?.take() ?? (questions: [], unparsed: 0, dropped: 0)
            window.losses.dnsSamplesLost += dns.dropped
            window.losses.dnsUnparsed += dns.unparsed
            enrichment.enrich(&window, detail: kernelWindow.detail, questions: dns.questions)
            continuation.yield(window)
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
        dnsReader?.stop()
        continuation.finish()
    }
}
