import ArgumentParser
import DetectorService
import Logging
import ServiceSupport

/// The detector service (port 5000): rules and the ML ensemble behind an HTTP API. Reads its
/// configuration and hands it to ``DetectorServer``; the work is in the libraries.
@main
struct Detector: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "detector",
        abstract: "Threat detection service: rules with attribution plus a calibrated DBSCAN/VAE/ZMAD ensemble.",
        discussion: """
            Every option can also be set by the environment variable in brackets; the flag wins.
            Endpoints: POST /detect, GET /detect/prom, POST /classify_username, POST /train, GET /health, /stats, /metrics.
            """)

    @Option(name: .customLong("http-addr"), help: "Listen address host:port [HTTP_ADDR] (default 0.0.0.0:5000).")
    var httpAddr: String?
    @Option(name: .customLong("idle-timeout"), help: "Close a connection that sends no complete request part for this long, e.g. 30s [IDLE_TIMEOUT] (default 30s).")
    var idleTimeout: String?
    @Option(name: .customLong("model-dir"), help: "Directory for the trained models [MODEL_DIR]; without it models live in memory only.")
    var modelDir: String?
    @Option(name: .customLong("training-interval"), help: "Retrain every interval when ≥ 50 new samples [TRAINING_INTERVAL] (default 30s).")
    var trainingInterval: String?
    @Option(name: .customLong("prometheus-url"), help: "Prometheus scraping the monitor, for GET /detect/prom [PROMETHEUS_URL] (default http://127.0.0.1:9090).")
    var prometheusURL: String?
    @Option(name: .customLong("prometheus-range"), help: "Range of the rates /detect/prom queries [PROMETHEUS_RANGE] (default 1m).")
    var prometheusRange: String?
    @Option(name: .customLong("thresholds"), help: "JSON file of rule thresholds [THRESHOLDS_FILE]; RULE_* variables override it.")
    var thresholdsFile: String?
    @Option(name: .customLong("metrics-top-ips"), help: "Most source_ip series in /metrics [METRICS_TOP_IPS] (default 20).")
    var metricsTopIPs: Int?
    @Option(name: .customLong("max-streams"), help: "Most window streams whose state is kept [DETECTOR_MAX_STREAMS] (default 1024).")
    var maxStreams: Int?
    @Flag(name: .customLong("rules-only"), help: "Rules without the models (no scores, no training) [DETECTOR_RULES_ONLY=1]; for comparison.")
    var rulesOnly = false
    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error [LOG_LEVEL].")
    var logLevel: String?

    func run() async throws {
        let settings = Settings(flags: [
            "HTTP_ADDR": httpAddr, "IDLE_TIMEOUT": idleTimeout, "MODEL_DIR": modelDir, "TRAINING_INTERVAL": trainingInterval,
            "PROMETHEUS_URL": prometheusURL, "PROMETHEUS_RANGE": prometheusRange, "THRESHOLDS_FILE": thresholdsFile,
            "METRICS_TOP_IPS": metricsTopIPs.map(String.init), "DETECTOR_MAX_STREAMS": maxStreams.map(String.init),
            "DETECTOR_RULES_ONLY": rulesOnly ? "1" : nil,
            "LOG_LEVEL": logLevel,
        ])
        settings.bootstrapLogging()
        let configuration: DetectorConfiguration
        do {
            configuration = try DetectorConfiguration(settings: settings)
        } catch let error as SettingError {
            throw ValidationError(error.description)
        }
        try await DetectorServer(configuration: configuration, logger: Logger(label: "detector")).run()
    }
}
