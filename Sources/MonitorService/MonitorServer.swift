import AsyncHTTPClient
public import EBPFCapture
import Foundation
import Hummingbird
import NIOCore
public import Logging
public import PromExposition
import ServiceLifecycle
import ThreatRules
import TrafficFeatures
import UnixSignals
public import WindowTransport

/// The monitor composed from a ``MonitorConfiguration``: a capture source, the metrics, the
/// publisher that posts windows to the detector, and the HTTP API of ``MonitorRoutes``.
public enum MonitorServer {
    /// Runs the monitor until SIGTERM or SIGINT (or, with `--offline`, until the capture file
    /// ends). Throws when the source cannot be opened or the configuration is unusable.
    ///
    /// - Parameters:
    ///   - configuration: The resolved settings.
    ///   - logger: Receives the monitor's messages.
    /// - Throws: `CaptureError` when the capture source cannot be opened, or what the HTTP
    ///   server or the offline replay throws.
    public static func run(_ configuration: MonitorConfiguration, logger: Logger) async throws {
        let options = configuration.options
        if options.offline, let pcap = options.pcap {
            let detector = options.windowsOnly ? nil : try ThreatDetector.standalone(thresholds: configuration.thresholds)
            try await OfflineReplay.printLines(
                path: pcap, windowInterval: configuration.windowInterval, aggregation: configuration.aggregation,
                detector: detector, logger: logger)
            return
        }

        let source = try makeSource(configuration, logger: logger)
        let xdp = source as? XDPCapture
        let metrics = MonitorMetrics(
            topSourceSeriesLimit: configuration.metricsTopSources,
            programStatistics: xdp?.configuration.enableRunStatistics ?? false)
        let status = CaptureStatus()
        let publisher = configuration.publisher.map {
            makePublisher($0, metrics: metrics, printVerdicts: options.printVerdicts, logger: logger)
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
            if options.printWindows {
                FileHandle.standardOutput.write(Data((window.summaryLine + "\n").utf8))
            }
        }
        metrics.captureRunning(source: source.kind.rawValue)

        let router = MonitorRoutes(status: status, metrics: metrics, xdp: xdp, sampleEvery: xdp?.configuration.program.sampleEvery ?? 0)
            .router()
        let app = Application(
            router: router,
            server: .http1(configuration: .init(idleTimeout: TimeAmount(configuration.idleTimeout))),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "monitor"),
            logger: logger)

        // Shutdown runs in reverse order: the authentication logs and the capture first (their
        // last window is still delivered), then the publisher's final flush, then the HTTP server.
        var services: [any Service] = [app]
        if let publisher { services.append(publisher) }
        services.append(capture)
        // The logins' last window is queued before the publisher's final flush.
        if let authLogs = configuration.authLogs {
            services.append(AuthLogService(configuration: authLogs, publisher: publisher, metrics: metrics, logger: logger))
        }
        let group = ServiceGroup(
            configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        metrics.captureRunning(source: nil)
    }

    /// Writes the embedded BPF object (the XDP program the monitor loads) to `path`.
    ///
    /// - Parameter path: The file to write; an existing file is replaced.
    /// - Throws: What `Data.write(to:)` throws when the file cannot be written.
    public static func exportBPFObject(to path: String) throws {
        try NetworkMonitorProgram.embeddedObject.write(to: URL(fileURLWithPath: path))
    }

    /// The capture source: the capture file when one is given, the simulation when asked for,
    /// else XDP on the configured interface — falling back to the simulation when the process
    /// lacks the privileges for XDP, unless `requireXDP` is set.
    ///
    /// - Parameters:
    ///   - configuration: The resolved settings; its ``MonitorConfiguration/options`` choose
    ///     the source.
    ///   - logger: Receives the sources' messages, and the warning about the fallback.
    /// - Returns: The source to capture windows from.
    /// - Throws: `CaptureError` when the capture file or XDP cannot be opened (for XDP without
    ///   privileges only with `requireXDP`).
    public static func makeSource(_ configuration: MonitorConfiguration, logger: Logger) throws -> any WindowSource {
        let options = configuration.options
        if let pcap = options.pcap {
            return try PcapCapture(
                configuration: .init(
                    path: pcap, windowInterval: configuration.windowInterval, pacing: .realTime,
                    aggregation: configuration.aggregation),
                logger: logger)
        }
        let simulation = SimulatedCapture(
            configuration: .init(
                windowInterval: configuration.windowInterval,
                attacks: options.simulateAttacks ? SimulatedCapture.ScheduledAttack.demoScenario : [],
                aggregation: configuration.aggregation, interface: "simulated"),
            logger: logger)
        if options.simulate { return simulation }
        do {
            return try XDPCapture(configuration: configuration.xdp, logger: logger)
        } catch let error as CaptureError where error.code == .permissionDenied && !options.requireXDP {
            logger.warning(
                "no privileges for XDP; using the simulation source (run as root or with CAP_BPF, CAP_NET_ADMIN and CAP_PERFMON, or pass --require-xdp)",
                metadata: ["error": "\(error)"])
            return simulation
        }
    }

    /// Posts windows to the detector and counts every outcome in `metrics`; with `printVerdicts`
    /// prints each window with the detector's verdict on it.
    ///
    /// - Parameters:
    ///   - configuration: Where and how to post.
    ///   - metrics: Counts windows posted, dropped and rejected, and failed posts.
    ///   - printVerdicts: The format to print judged windows in; nil prints none.
    ///   - logger: Receives the publisher's messages.
    /// - Returns: The publisher; run it as a service and enqueue windows into it.
    public static func makePublisher(
        _ configuration: WindowPublisher.Configuration, metrics: MonitorMetrics, printVerdicts: VerdictOutput?, logger: Logger
    ) -> WindowPublisher {
        logger.info("posting windows to the detector", metadata: ["endpoint": "\(configuration.endpoint)"])
        var onAnswer: (@Sendable ([Data], Data) -> Void)?
        if let output = printVerdicts {
            onAnswer = { windows, answer in
                do {
                    for item in try JudgedItem.pair(posted: windows, answer: answer, receivedAt: Date()) {
                        switch item {
                        case .window(let judged): try output.write(judged)
                        case .authentication(let judged): try output.write(judged)
                        }
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
}
