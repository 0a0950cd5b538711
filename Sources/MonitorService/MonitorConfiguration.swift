import AuthEvents
public import EBPFCapture
import Foundation
import PromExposition
public import ServiceSupport
public import ThreatRules
public import TrafficFeatures
public import WindowTransport

/// Everything the monitor is configured with, resolved from flags and the environment (see
/// ``init(settings:options:)``), with defaults and ranges taken from the libraries'
/// configuration types.
public struct MonitorConfiguration: Sendable {
    /// The choices made by command-line switches that have no environment variable.
    public struct Options: Sendable {
        /// Replay this capture file instead of capturing live.
        public var pcap: String?
        /// With ``pcap``: run the pipeline in-process and print one JSON line per window.
        public var offline: Bool
        /// With ``offline``: print the windows without the rules and models.
        public var windowsOnly: Bool
        /// Use the simulation source; with ``simulateAttacks``, inject the demo's attacks.
        public var simulate: Bool
        /// With ``simulate``, inject the demo's attacks into the simulated traffic.
        public var simulateAttacks: Bool
        /// Fail instead of falling back to simulation when XDP cannot be loaded.
        public var requireXDP: Bool
        /// Replace another XDP program on the interface instead of refusing to start.
        public var replaceForeignXDP: Bool
        /// Turn on the kernel's BPF run statistics and export them.
        public var programStatistics: Bool
        /// Print a summary line of every window on standard output.
        public var printWindows: Bool
        /// Print every window with the detector's verdict on it, in this format; nil prints none.
        public var printVerdicts: VerdictOutput?

        /// Creates the options; the defaults are those of a `monitor` run without switches.
        ///
        /// - Parameters:
        ///   - pcap: A capture file to replay instead of capturing live.
        ///   - offline: With `pcap`, run the pipeline in-process and print one JSON line per window.
        ///   - windowsOnly: With `offline`, print the windows without the rules and models.
        ///   - simulate: Use the simulation source.
        ///   - simulateAttacks: With `simulate`, inject the demo's attacks.
        ///   - requireXDP: Fail instead of falling back to simulation when XDP cannot be loaded.
        ///   - replaceForeignXDP: Replace another XDP program on the interface.
        ///   - programStatistics: Turn on and export the kernel's BPF run statistics.
        ///   - printWindows: Print a summary line of every window.
        ///   - printVerdicts: Print every window with the detector's verdict, in this format.
        public init(
            pcap: String? = nil, offline: Bool = false, windowsOnly: Bool = false, simulate: Bool = false,
            simulateAttacks: Bool = false, requireXDP: Bool = false, replaceForeignXDP: Bool = false,
            programStatistics: Bool = false, printWindows: Bool = false, printVerdicts: VerdictOutput? = nil
        ) {
            self.pcap = pcap
            self.offline = offline
            self.windowsOnly = windowsOnly
            self.simulate = simulate
            self.simulateAttacks = simulateAttacks
            self.requireXDP = requireXDP
            self.replaceForeignXDP = replaceForeignXDP
            self.programStatistics = programStatistics
            self.printWindows = printWindows
            self.printVerdicts = printVerdicts
        }
    }

    /// The window lengths the monitor accepts (`STATS_WINDOW`): at least 10 ms, at most the
    /// longest window the detector accepts.
    public static let windowRange = Duration.milliseconds(10)...Duration.seconds(WireLimits.windowSeconds.upperBound)
    /// The default listen address (`HTTP_ADDR`).
    public static let defaultAddress = "0.0.0.0:8800"
    /// The default detector base URL (`ML_DETECTOR_URL`); windows are posted to its `/detect`.
    public static let defaultDetectorURL = "http://127.0.0.1:5000"

    /// The choices of the command-line switches.
    public var options: Options
    /// Window length (`STATS_WINDOW`).
    public var windowInterval: Duration
    /// How windows group sources (`IPV6_SOURCE_PREFIX`) and how many top sources they list
    /// (`TOP_SOURCES`).
    public var aggregation: AggregationSettings
    /// The XDP capture's configuration (interface, mode, kernel tables), used unless a capture
    /// file or the simulation is chosen.
    public var xdp: XDPCapture.Configuration
    /// Where windows are posted; nil when posting is disabled (`ML_DETECTOR_URL=none`).
    public var publisher: WindowPublisher.Configuration?
    /// Most `source_ip` series in /metrics (`METRICS_TOP_SOURCES`).
    public var metricsTopSources: Int
    /// The host name or address the HTTP API listens on (`HTTP_ADDR`, default
    /// ``defaultAddress``).
    public var host: String
    /// The port the HTTP API listens on (`HTTP_ADDR`).
    public var port: Int
    /// How long a connection to the HTTP API may stay without a complete request part before it
    /// is closed (`IDLE_TIMEOUT`, default 30 s; see `Settings.idleTimeout()`).
    public var idleTimeout: Duration
    /// Rule thresholds for `--offline` (`THRESHOLDS_FILE`, `RULE_*`), as the detector reads them.
    public var thresholds: RuleThresholds
    /// The host's authentication logs and journal to follow (`AUTH_LOGS`, `AUTH_JOURNAL`,
    /// `AUTH_STATE_DIR`, `AUTH_PRIVILEGED_ACCOUNTS`); nil when none is read (`AUTH_LOGS=none` and
    /// `AUTH_JOURNAL=none`, nothing found, or `--offline`).
    public var authLogs: AuthLogConfiguration?

    /// Resolves every setting; throws `SettingError` (or the thresholds' error) naming the
    /// first unusable one.
    ///
    /// - Parameters:
    ///   - settings: The flags and environment to read the settings from.
    ///   - options: The choices of the command-line switches.
    /// - Throws: `SettingError` for an unusable setting or a combination of options that does
    ///   not go together (`offline` without `pcap`, `simulateAttacks` without `simulate` or
    ///   `pcap`, `printVerdicts` without a detector), `RuleThresholdsError` for unusable
    ///   thresholds.
    public init(settings: Settings, options: Options) throws {
        self.options = options
        windowInterval = try settings.duration("STATS_WINDOW", default: .seconds(1))
        guard Self.windowRange.contains(windowInterval) else {
            throw SettingError(
                "STATS_WINDOW must be within 10ms...\(Int(WireLimits.windowSeconds.upperBound))s (the detector accepts no longer window)")
        }
        aggregation = AggregationSettings(
            ipv6SourcePrefixLength: try settings.int(
                "IPV6_SOURCE_PREFIX", default: AggregationSettings.defaultIPv6SourcePrefixLength,
                range: AggregationSettings.ipv6SourcePrefixLengthRange),
            topSourceLimit: try settings.int("TOP_SOURCES", default: TopSources.defaultLimit, range: TopSources.limitRange),
            horizons: try Self.horizons(settings))
        thresholds = try RuleThresholds.load(file: settings.string("THRESHOLDS_FILE"), environment: settings.environment)
        if options.offline, options.pcap == nil { throw SettingError("--offline needs --pcap FILE") }
        if options.simulateAttacks, !options.simulate, options.pcap == nil {
            throw SettingError("--simulate-attacks needs --simulate")
        }
        metricsTopSources = try settings.int(
            "METRICS_TOP_SOURCES", default: MonitorMetrics.defaultTopSourceSeriesLimit,
            range: MonitorMetrics.topSourceSeriesLimitRange)
        (host, port) = try settings.address("HTTP_ADDR", default: Self.defaultAddress)
        idleTimeout = try settings.idleTimeout()

        let modeText = settings.string("XDP_MODE") ?? "auto"
        guard let mode = XDPAttachMode(argument: modeText) else {
            throw SettingError("XDP_MODE must be native, generic or auto, got \"\(modeText)\"")
        }
        let ringBufferBytes = try settings.int(
            "RINGBUF_BYTES", default: ProgramConfiguration.defaultRingBufferBytes, range: ProgramConfiguration.ringBufferBytesRange)
        let program = ProgramConfiguration(
            sampleEvery: try settings.int("SAMPLE_EVERY", default: 0, range: ProgramConfiguration.sampleEveryRange),
            ipv6SourcePrefixLength: aggregation.ipv6SourcePrefixLength,
            sourceTableEntries: try settings.int(
                "SOURCE_TABLE_ENTRIES", default: ProgramConfiguration.defaultSourceTableEntries,
                range: ProgramConfiguration.tableEntriesRange),
            pairTableEntries: try settings.int(
                "PAIR_TABLE_ENTRIES", default: ProgramConfiguration.defaultPairTableEntries,
                range: ProgramConfiguration.tableEntriesRange),
            flowTableEntries: try settings.int(
                "FLOW_TABLE_ENTRIES", default: ProgramConfiguration.defaultFlowTableEntries,
                range: ProgramConfiguration.tableEntriesRange),
            ringBufferBytes: ringBufferBytes,
            ringBufferWakeupBytes: ringBufferBytes / 4,
            objectPath: settings.string("BPF_OBJECT"),
            dnsSampling: settings.string("DNS_SAMPLING") != "0",
            dnsRingBufferBytes: try settings.int(
                "DNS_RINGBUF_BYTES", default: ProgramConfiguration.defaultRingBufferBytes,
                range: ProgramConfiguration.ringBufferBytesRange))
        xdp = XDPCapture.Configuration(
            interface: settings.string("INTERFACE") ?? "eth0", mode: mode, windowInterval: windowInterval,
            program: program, topSourceLimit: aggregation.topSourceLimit, replaceForeignProgram: options.replaceForeignXDP,
            enableRunStatistics: options.programStatistics, horizons: aggregation.horizons)

        let detectorURL = settings.string("ML_DETECTOR_URL") ?? Self.defaultDetectorURL
        if detectorURL.lowercased() == "none" {
            publisher = nil
        } else {
            publisher = WindowPublisher.Configuration(
                endpoint: Self.detectEndpoint(detectorURL),
                queueCapacity: try settings.int(
                    "POST_QUEUE", default: WindowPublisher.Configuration.defaultQueueCapacity,
                    range: WindowPublisher.Configuration.queueCapacityRange),
                batchInterval: try settings.duration("POST_INTERVAL", default: .zero),
                requestTimeout: try settings.duration("POST_TIMEOUT", default: WindowPublisher.Configuration.defaultRequestTimeout),
                bearerToken: settings.string("DETECTOR_API_TOKEN"))
        }
        authLogs = options.offline ? nil : try Self.authLogs(settings, windowInterval: windowInterval)
        if options.printVerdicts != nil, publisher == nil, !options.offline {
            throw SettingError("--print-verdicts shows the detector's answers: it needs ML_DETECTOR_URL (not 'none')")
        }
    }

    /// `<url>/detect` for a detector base URL (a URL already ending in `/detect` is kept).
    static func detectEndpoint(_ url: String) -> String {
        if url.hasSuffix("/detect") { return url }
        var base = url
        while base.hasSuffix("/") { base.removeLast() }
        return base + "/detect"
    }

    /// `AUTH_LOGS` (comma-separated files; `none` reads none; default: those of
    /// ``AuthLogConfiguration/defaultPaths`` this process can read), `AUTH_JOURNAL` (`auto`, the
    /// default: the local journal when no log file is followed and `/var/log/journal` or
    /// `/run/log/journal` exists; `system`; `none`; or a directory of journal files, such as a
    /// host's journal mounted into a container), `AUTH_STATE_DIR` (default systemd's
    /// `STATE_DIRECTORY`, else ``AuthLogConfiguration/defaultStateDirectory``; `none` keeps no
    /// positions) and `AUTH_PRIVILEGED_ACCOUNTS` (comma-separated names added to the host's
    /// privileged accounts). Nil when neither a file nor the journal is read.
    static func authLogs(_ settings: Settings, windowInterval: Duration) throws -> AuthLogConfiguration? {
        var paths: [String] = []
        if let text = settings.string("AUTH_LOGS") {
            if text.lowercased() != "none" {
                paths = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
                guard !paths.isEmpty else { throw SettingError("AUTH_LOGS must list log files (comma-separated) or be 'none'") }
                if let relative = paths.first(where: { !$0.hasPrefix("/") }) {
                    throw SettingError("AUTH_LOGS must list absolute paths, got \"\(relative)\"")
                }
            }
        } else {
            paths = AuthLogConfiguration.defaultPaths.filter { access($0, R_OK) == 0 }
        }
        let journalText = settings.string("AUTH_JOURNAL") ?? "auto"
        let journal: JournalFollower.Source?
        switch journalText.lowercased() {
        case "none": journal = nil
        case "system": journal = .system
        case "auto":
            let present = ["/var/log/journal", "/run/log/journal"].contains { FileManager.default.fileExists(atPath: $0) }
            journal = paths.isEmpty && present ? .system : nil
        default:
            guard journalText.hasPrefix("/") else {
                throw SettingError("AUTH_JOURNAL must be auto, system, none or an absolute directory, got \"\(journalText)\"")
            }
            journal = .directory(journalText)
        }
        if paths.isEmpty, journal == nil { return nil }
        let systemd = settings.environment["STATE_DIRECTORY"]?.split(separator: ":").first.map(String.init)
        let directory = settings.string("AUTH_STATE_DIR") ?? systemd ?? AuthLogConfiguration.defaultStateDirectory
        var tracker = AuthActivityTracker.Configuration()
        tracker.privilegedAccounts = AuthLogConfiguration.privilegedAccounts().union(
            (settings.string("AUTH_PRIVILEGED_ACCOUNTS") ?? "").split(separator: ",").map {
                $0.trimmingCharacters(in: .whitespaces)
            }.filter { !$0.isEmpty })
        return AuthLogConfiguration(
            paths: paths, journal: journal, stateDirectory: directory.lowercased() == "none" ? nil : directory,
            windowInterval: windowInterval, tracker: tracker)
    }

    /// `PROBE_HORIZONS` (default `1,10,60,300`) and `HORIZON_SOURCES` (default 4096): the probe
    /// horizons and the most sources the tracker keeps.
    static func horizons(_ settings: Settings) throws -> ProbeHorizons.Configuration {
        var horizons = ProbeHorizons.Configuration.defaultHorizons
        if let text = settings.string("PROBE_HORIZONS") {
            do {
                horizons = try ProbeHorizons.Configuration.parseHorizons(text)
            } catch {
                throw SettingError("PROBE_HORIZONS: \(error)")
            }
        }
        return ProbeHorizons.Configuration(
            horizons: horizons,
            sourceCapacity: try settings.int("HORIZON_SOURCES", default: 4096, range: 1...1_000_000))
    }
}
