import ArgumentParser
import AsyncHTTPClient
import EBPFCapture
import Foundation
import Hummingbird
import Logging
import PromExposition
import ServiceLifecycle
import ThreatRules
import TrafficFeatures
import UnixSignals

/// The sensor: captures traffic (XDP, a pcap file or simulation), closes a window
/// every STATS_WINDOW, serves /health /ready /metrics /stats, and posts every window
/// to the detector. Configuration and composition only; the work is in the libraries.
@main
struct Monitor: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "monitor",
        abstract: "XDP traffic sensor: per-window features, Prometheus metrics, windows posted to the detector.",
        discussion: """
            Every option can also be set through the environment variable in its help; a flag wins over the \
            environment. Without privileges for XDP (root, or CAP_BPF + CAP_NET_ADMIN + CAP_PERFMON) the monitor \
            falls back to the simulation source unless --require-xdp is given; /ready names the source in use.
            """
    )

    @Option(help: "Interface to attach the XDP program to (INTERFACE, default eth0).")
    var interface: String?

    @Option(help: "XDP attach mode: native, generic or auto (XDP_MODE, default auto).")
    var xdpMode: String?

    @Option(help: "Window length, e.g. 1s or 500ms (STATS_WINDOW, default 1s).")
    var statsWindow: String?

    @Option(help: "Post windows to the detector in batches this far apart; 0 posts each window as it closes (POST_INTERVAL, default 0).")
    var postInterval: String?

    @Option(name: .customLong("ml-detector-url"), help: "Detector base URL; windows go to <url>/detect; 'none' disables posting (ML_DETECTOR_URL, default http://127.0.0.1:5000).")
    var mlDetectorURL: String?

    @Option(help: "Give up on one post after this long and retry later, e.g. 5s (POST_TIMEOUT, default 5s).")
    var postTimeout: String?

    @Option(help: "Bearer token sent to the detector (DETECTOR_API_TOKEN).")
    var detectorToken: String?

    @Option(help: "HTTP listen address host:port (HTTP_ADDR, default 0.0.0.0:8800).")
    var httpAddr: String?

    @Option(help: "BPF object file to load instead of the embedded one (BPF_OBJECT).")
    var bpfObject: String?

    @Option(help: "Replay this capture file instead of capturing live (classic pcap or pcapng).")
    var pcap: String?

    @Flag(help: "With --pcap: run the pipeline in-process as fast as possible, print one JSON line per window, exit.")
    var offline = false

    @Flag(help: "Print a one-line summary of every window on standard output.")
    var printWindows = false

    @Option(help: "Print every window with the detector's verdict on it, as it arrives: text (readable) or json (one line per window, as --offline).")
    var printVerdicts: VerdictOutput?

    @Flag(help: "Use the simulation source (synthetic traffic) instead of XDP.")
    var simulate = false

    @Flag(help: "With --simulate: inject the demo's attacks (port scan, SYN flood, UDP flood, ping sweep, DNS tunnel) from window 10 on, 10 windows apart.")
    var simulateAttacks = false

    @Flag(help: "Fail instead of falling back to simulation when XDP cannot be loaded.")
    var requireXDP = false

    @Option(help: "Sample one packet event in N per CPU to the ring buffer, served at /events; 0 disables (SAMPLE_EVERY, default 0).")
    var sampleEvery: Int?

    @Option(help: "Size of the sampled-event ring buffer in bytes, a power of two (RINGBUF_BYTES, default 262144).")
    var ringbufBytes: Int?

    @Option(help: "Sources per criterion in top_sources (TOP_SOURCES, default 10).")
    var topSources: Int?

    @Option(help: "Windows kept while the detector is unreachable (POST_QUEUE, default 600).")
    var postQueue: Int?

    @Option(help: "Prefix length IPv6 sources are grouped by (IPV6_SOURCE_PREFIX, default 64).")
    var ipv6SourcePrefix: Int?

    @Option(help: "Entries of the kernel per-source table (SOURCE_TABLE_ENTRIES, default 16384).")
    var sourceTableEntries: Int?

    @Option(help: "Entries of each kernel (source, port) / (source, host) table (PAIR_TABLE_ENTRIES, default 65536).")
    var pairTableEntries: Int?

    @Option(help: "Most source_ip series in /metrics (METRICS_TOP_SOURCES, default 20).")
    var metricsTopSources: Int?

    @Flag(help: "Replace another XDP program found on the interface instead of refusing to start.")
    var replaceForeignXDP = false

    @Flag(help: "Enable kernel BPF run statistics while running and export ebpf_program_run* metrics.")
    var programStats = false

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical (LOG_LEVEL, default info).")
    var logLevel: String?

    @Flag(help: "With --offline: print the windows only, without running the rules and models.")
    var windowsOnly = false

    @Option(help: "Write the embedded BPF object to this path and exit.")
    var exportBPFObject: String?

    func run() async throws {
        if let path = exportBPFObject {
            try NetworkMonitorProgram.embeddedObject.write(to: URL(fileURLWithPath: path))
            return
        }
        let settings = Settings()
        settings.bootstrapLogging(logLevel)
        let logger = Logger(label: "monitor")

        let window = try settings.duration(statsWindow, "STATS_WINDOW", default: .seconds(1))
        guard window >= .milliseconds(10), window <= .seconds(WireLimits.windowSeconds.upperBound) else {
            throw ValidationError("STATS_WINDOW must be within 10ms...\(Int(WireLimits.windowSeconds.upperBound))s (the detector accepts no longer window)")
        }
        let aggregation = AggregationSettings(
            ipv6SourcePrefixLength: try settings.int(ipv6SourcePrefix, "IPV6_SOURCE_PREFIX", default: 64, range: 1...128),
            topSourceLimit: try settings.int(topSources, "TOP_SOURCES", default: TopSources.defaultLimit, range: 0...1000))

        if offline {
            guard let pcap else { throw ValidationError("--offline needs --pcap FILE") }
            try await replayOffline(pcap, window: window, aggregation: aggregation, logger: logger)
            return
        }

        let source = try makeSource(settings: settings, window: window, aggregation: aggregation, logger: logger)
        let xdp = source as? XDPCapture
        let metrics = MonitorMetrics(
            topSourceSeriesLimit: try settings.int(metricsTopSources, "METRICS_TOP_SOURCES", default: 20, range: 0...1000),
            programStatistics: xdp?.configuration.enableRunStatistics ?? false)
        let status = CaptureStatus()

        let publisher = try makePublisher(settings: settings, metrics: metrics, logger: logger)
        if printVerdicts != nil, publisher == nil {
            throw ValidationError("--print-verdicts shows the detector's answers: it needs ML_DETECTOR_URL (not 'none')")
        }
        let capture = CaptureService(
            source: source, status: status, keepRunningAfterSourceEnds: source.kind == .pcap, logger: logger
        ) { window in
            metrics.record(WindowObservation(window))
            if let xdp, xdp.configuration.enableRunStatistics {
                let statistics = xdp.statistics
                metrics.programStatistics(runCount: statistics.runCount, runTimeNanoseconds: statistics.runTimeNanoseconds)
            }
            publisher?.enqueue(window)
            metrics.setQueueDepth(publisher?.queueDepth ?? 0)
            if printWindows {
                FileHandle.standardOutput.write(Data((window.summaryLine + "\n").utf8))
            }
        }
        metrics.captureRunning(source: source.kind.rawValue)

        let address = settings.string(httpAddr, "HTTP_ADDR") ?? "0.0.0.0:8800"
        guard let (host, port) = Settings.parseAddress(address) else {
            throw ValidationError("HTTP_ADDR must be host:port, got \"\(address)\"")
        }
        let router = MonitorRoutes(status: status, metrics: metrics, xdp: xdp, sampleEvery: xdp?.configuration.program.sampleEvery ?? 0)
            .router()
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(host, port: port), serverName: "monitor"),
            logger: logger)

        // Shutdown runs in reverse order: capture first (its last window is still
        // delivered), then the publisher's final flush, then the HTTP server.
        var services: [any Service] = [app]
        if let publisher { services.append(publisher) }
        services.append(capture)
        let group = ServiceGroup(
            configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        metrics.captureRunning(source: nil)
    }

    /// Posts windows to `<ML_DETECTOR_URL>/detect`, or nil when posting is disabled.
    private func makePublisher(settings: Settings, metrics: MonitorMetrics, logger: Logger) throws -> WindowPublisher? {
        let detectorURL = settings.string(mlDetectorURL, "ML_DETECTOR_URL") ?? "http://127.0.0.1:5000"
        guard detectorURL.lowercased() != "none" else { return nil }
        let endpoint = detectorURL.hasSuffix("/detect") ? detectorURL : detectorURL.trimmingSuffix("/") + "/detect"
        let configuration = WindowPublisher.Configuration(
            endpoint: endpoint,
            queueCapacity: try settings.int(postQueue, "POST_QUEUE", default: 600, range: 1...1_000_000),
            batchInterval: try settings.duration(postInterval, "POST_INTERVAL", default: .zero),
            requestTimeout: try settings.duration(postTimeout, "POST_TIMEOUT", default: .seconds(5)),
            bearerToken: settings.string(detectorToken, "DETECTOR_API_TOKEN"))
        logger.info("posting windows to the detector", metadata: ["endpoint": "\(endpoint)"])
        var onAnswer: (@Sendable ([Data], Data) -> Void)?
        if let output = printVerdicts {
            onAnswer = { windows, answer in
                do {
                    for judged in try JudgedWindow.pair(postedWindows: windows, answer: answer, receivedAt: Date()) {
                        try output.write(judged)
                    }
                } catch {
                    logger.warning("cannot show the detector's verdict", metadata: ["error": "\(error)"])
                }
            }
        }
        return WindowPublisher(
            configuration: configuration, httpClient: .shared, logger: logger,
            onEvent: { event in
                switch event {
                case let .posted(windows): metrics.windowsPosted(windows)
                case .failed: metrics.postFailed()
                case let .dropped(windows): metrics.windowsDropped(windows)
                case let .rejected(_, windows): metrics.windowsRejected(windows)
                }
            },
            onAnswer: onAnswer)
    }

    private func makeSource(
        settings: Settings, window: Duration, aggregation: AggregationSettings, logger: Logger
    ) throws -> any WindowSource {
        if let pcap {
            return try PcapCapture(
                configuration: .init(path: pcap, windowInterval: window, pacing: .realTime, aggregation: aggregation),
                logger: logger)
        }
        if simulateAttacks, !simulate { throw ValidationError("--simulate-attacks needs --simulate") }
        let simulation = SimulatedCapture(
            configuration: .init(
                windowInterval: window, attacks: simulateAttacks ? SimulatedCapture.ScheduledAttack.demoScenario : [],
                aggregation: aggregation, interface: "simulated"),
            logger: logger)
        if simulate { return simulation }

        let modeText = settings.string(xdpMode, "XDP_MODE") ?? "auto"
        guard let mode = XDPAttachMode(argument: modeText) else {
            throw ValidationError("XDP_MODE must be native, generic or auto, got \"\(modeText)\"")
        }
        let ringBufferBytes = try settings.int(ringbufBytes, "RINGBUF_BYTES", default: 256 * 1024, range: 4096...(1 << 30))
        let program = ProgramConfiguration(
            sampleEvery: try settings.int(sampleEvery, "SAMPLE_EVERY", default: 0, range: 0...1_000_000_000),
            ipv6SourcePrefixLength: aggregation.ipv6SourcePrefixLength,
            sourceTableEntries: try settings.int(sourceTableEntries, "SOURCE_TABLE_ENTRIES", default: 16_384, range: 1...(1 << 24)),
            pairTableEntries: try settings.int(pairTableEntries, "PAIR_TABLE_ENTRIES", default: 65_536, range: 1...(1 << 24)),
            ringBufferBytes: ringBufferBytes,
            ringBufferWakeupBytes: ringBufferBytes / 4,
            objectPath: settings.string(bpfObject, "BPF_OBJECT"))
        let configuration = XDPCapture.Configuration(
            interface: settings.string(interface, "INTERFACE") ?? "eth0", mode: mode, windowInterval: window,
            program: program, topSourceLimit: aggregation.topSourceLimit, replaceForeignProgram: replaceForeignXDP,
            enableRunStatistics: programStats)
        do {
            return try XDPCapture(configuration: configuration, logger: logger)
        } catch let error as CaptureError where error.code == .permissionDenied && !requireXDP {
            logger.warning(
                "no privileges for XDP; using the simulation source (run as root or with CAP_BPF, CAP_NET_ADMIN and CAP_PERFMON, or pass --require-xdp)",
                metadata: ["error": "\(error)"])
            return simulation
        }
    }

    /// `--pcap FILE --offline`: the whole pipeline in-process, one JSON line per window.
    private func replayOffline(
        _ path: String, window: Duration, aggregation: AggregationSettings, logger: Logger
    ) async throws {
        let capture = try PcapCapture(
            configuration: .init(path: path, windowInterval: window, pacing: .asFastAsPossible, aggregation: aggregation),
            logger: logger)
        // Rules and models in-process, as the detector runs them (bootstrap models, learning from
        // the capture as it goes), unless --windows-only.
        let detector = windowsOnly ? nil : try ThreatDetector.standalone(thresholds: RuleThresholds.load(file: nil, environment: Settings().environment))
        let output = FileHandle.standardOutput
        for try await window in capture.windows() {
            var line: Data
            if let detector {
                let verdict = try detector.detect(window)
                line = try JudgedWindow(window: window, verdict: verdict).jsonLine()
            } else {
                line = try window.jsonData()
            }
            line.append(UInt8(ascii: "\n"))
            try output.write(contentsOf: line)
        }
    }
}

/// What `--print-verdicts` prints for every window the detector judged.
enum VerdictOutput: String, ExpressibleByArgument, CaseIterable {
    /// A readable window line, and the threats with their explanations.
    case text
    /// One JSON line per window, as `--offline` prints, plus `verdict_received_at`.
    case json

    func write(_ judged: JudgedWindow) throws {
        var line = switch self {
        case .text: Data(judged.summary.utf8)
        case .json: try judged.jsonLine()
        }
        line.append(UInt8(ascii: "\n"))
        try FileHandle.standardOutput.write(contentsOf: line)
    }
}

extension String {
    fileprivate func trimmingSuffix(_ suffix: String) -> String {
        var text = self
        while text.hasSuffix(suffix) { text.removeLast(suffix.count) }
        return text
    }
}

extension WindowObservation {
    /// The metrics view of a window.
    init(_ window: TrafficWindow) {
        let counters = window.counters
        var packets: [String: Int] = [:]
        var bytes: [String: Int] = [:]
        for bucket in ProtocolBucket.allCases {
            let count = counters.count(of: bucket)
            packets[bucket.rawValue] = count.packets
            bytes[bucket.rawValue] = count.bytes
        }
        let losses = window.losses
        self.init(
            packetsByProtocol: packets, bytesByProtocol: bytes, synPackets: counters.synPackets,
            synAckPackets: counters.synAckPackets, rstPackets: counters.rstPackets, finPackets: counters.finPackets,
            dnsPackets: counters.dnsPackets, dnsBytes: counters.dnsBytes, ipv4Packets: counters.ipv4Packets,
            ipv6Packets: counters.ipv6Packets, nonIPPackets: counters.nonIPPackets,
            fragmentPackets: counters.fragmentPackets, malformedPackets: counters.malformedPackets,
            packetsPerSecond: window.packetsPerSecond, bytesPerSecond: window.bytesPerSecond,
            uniqueIPs: window.uniqueIPs, uniquePorts: window.uniquePorts, windowSeconds: window.windowSeconds,
            topSources: window.topSources.map { ($0.ip, Double($0.packets) / max(window.windowSeconds, 1e-9)) },
            sampledEvents: window.sampledEvents, ringBufferLostEvents: losses.sampledEventsLost,
            insertFailures: [
                "sources": losses.sourceInsertFailures, "port_pairs": losses.portPairInsertFailures,
                "host_pairs": losses.hostPairInsertFailures,
            ],
            evictions: [
                "sources": losses.sourceEntriesEvicted, "port_pairs": losses.portPairsEvicted,
                "host_pairs": losses.hostPairsEvicted,
            ],
            captureTruncatedPackets: losses.captureTruncatedPackets, captureInvalidTimestamps: losses.captureInvalidTimestamps)
    }
}
