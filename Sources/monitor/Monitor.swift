public import ArgumentParser
import Foundation
import Logging
import MonitorService
import ServiceSupport

/// The sensor: captures traffic (XDP, a pcap file or simulation), closes a window every
/// STATS_WINDOW, serves /health /ready /metrics /stats, and posts every window to the detector.
/// Reads its configuration and hands it to ``MonitorServer``; the work is in the libraries.
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
    @Option(help: "Close an HTTP connection that sends no complete request part for this long, e.g. 30s (IDLE_TIMEOUT, default 30s).")
    var idleTimeout: String?
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
    @Option(help: "Entries of the kernel TCP flow table, behind ACK-probe detection (FLOW_TABLE_ENTRIES, default 65536).")
    var flowTableEntries: Int?
    @Option(help: "Probe horizons, comma-separated durations (PROBE_HORIZONS, default 1,10,60,300; units s, m, h allowed).")
    var probeHorizons: String?
    @Option(help: "Most sources the probe-horizon tracker keeps (HORIZON_SOURCES, default 4096).")
    var horizonSources: Int?
    @Option(help: "Copy UDP port-53 messages to user space for DNS question analysis: 1 or 0 (DNS_SAMPLING, default 1).")
    var dnsSampling: String?
    @Option(help: "Most source_ip series in /metrics (METRICS_TOP_SOURCES, default 20).")
    var metricsTopSources: Int?
    @Flag(help: "Replace another XDP program found on the interface instead of refusing to start.")
    var replaceForeignXDP = false
    @Flag(help: "Enable kernel BPF run statistics while running and export ebpf_program_run* metrics.")
    var programStats = false
    @Option(name: .customLong("thresholds"), help: "JSON file of rule thresholds for --offline (THRESHOLDS_FILE); RULE_* variables override it.")
    var thresholdsFile: String?
    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical (LOG_LEVEL, default info).")
    var logLevel: String?
    @Flag(help: "With --offline: print the windows only, without running the rules and models.")
    var windowsOnly = false
    @Option(help: "Authentication log to follow (sshd and PAM messages), repeatable; 'none' reads none (AUTH_LOGS, comma-separated; default /var/log/auth.log or /var/log/secure when readable).")
    var authLog: [String] = []
    @Option(help: "Read sshd and PAM messages from the systemd journal: auto, system, none, or a directory of journal files (AUTH_JOURNAL, default auto: the local journal when no log file is followed).")
    var authJournal: String?
    @Option(help: "Directory where the authentication logs' read positions are kept; 'none' keeps none (AUTH_STATE_DIR, default $STATE_DIRECTORY or /var/lib/ebpf-monitor).")
    var authStateDir: String?
    @Option(help: "Write the embedded BPF object to this path and exit.")
    var exportBPFObject: String?

    func run() async throws {
        if let path = exportBPFObject {
            try MonitorServer.exportBPFObject(to: path)
            return
        }
        let settings = Settings(flags: [
            "INTERFACE": interface, "XDP_MODE": xdpMode, "STATS_WINDOW": statsWindow, "POST_INTERVAL": postInterval,
            "ML_DETECTOR_URL": mlDetectorURL, "POST_TIMEOUT": postTimeout, "DETECTOR_API_TOKEN": detectorToken,
            "HTTP_ADDR": httpAddr, "IDLE_TIMEOUT": idleTimeout, "BPF_OBJECT": bpfObject, "SAMPLE_EVERY": sampleEvery.map(String.init),
            "RINGBUF_BYTES": ringbufBytes.map(String.init), "TOP_SOURCES": topSources.map(String.init),
            "POST_QUEUE": postQueue.map(String.init), "IPV6_SOURCE_PREFIX": ipv6SourcePrefix.map(String.init),
            "SOURCE_TABLE_ENTRIES": sourceTableEntries.map(String.init), "PAIR_TABLE_ENTRIES": pairTableEntries.map(String.init),
            "FLOW_TABLE_ENTRIES": flowTableEntries.map(String.init),
            "PROBE_HORIZONS": probeHorizons, "HORIZON_SOURCES": horizonSources.map(String.init), "DNS_SAMPLING": dnsSampling,
            "METRICS_TOP_SOURCES": metricsTopSources.map(String.init), "THRESHOLDS_FILE": thresholdsFile, "LOG_LEVEL": logLevel,
            "AUTH_LOGS": authLog.isEmpty ? nil : authLog.joined(separator: ","), "AUTH_STATE_DIR": authStateDir, "AUTH_JOURNAL": authJournal,
        ])
        settings.bootstrapLogging()
        let options = MonitorConfiguration.Options(
            pcap: pcap, offline: offline, windowsOnly: windowsOnly, simulate: simulate, simulateAttacks: simulateAttacks,
            requireXDP: requireXDP, replaceForeignXDP: replaceForeignXDP, programStatistics: programStats,
            printWindows: printWindows, printVerdicts: printVerdicts)
        let configuration: MonitorConfiguration
        do {
            configuration = try MonitorConfiguration(settings: settings, options: options)
        } catch let error as SettingError {
            throw ValidationError(error.description)
        }
        try await MonitorServer.run(configuration, logger: Logger(label: "monitor"))
    }
}

extension VerdictOutput: ExpressibleByArgument {}
