import AnomalyModels
import ArgumentParser
import Foundation
import Hummingbird
import Logging
import PromExposition
import ServiceLifecycle
import ThreatRules
import TrafficFeatures
import UnixSignals

/// The detector service (port 5000): rules and the ML ensemble behind an HTTP API. This file
/// only reads configuration and composes the libraries.
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

    @Flag(name: .customLong("rules-only"), help: "Rules without the models (no scores, no training) [DETECTOR_RULES_ONLY=1]; for comparison.")
    var rulesOnly = false

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error [LOG_LEVEL].")
    var logLevel: String?

    func run() async throws {
        let settings = Settings()
        settings.bootstrapLogging(logLevel)
        let logger = Logger(label: "detector")

        let address = settings.string(httpAddr, "HTTP_ADDR") ?? "0.0.0.0:5000"
        guard let (host, port) = Settings.parseAddress(address) else {
            throw ValidationError("HTTP_ADDR must be host:port, got \"\(address)\"")
        }
        let interval = try settings.duration(trainingInterval, "TRAINING_INTERVAL", default: .seconds(30))
        guard interval >= .milliseconds(100) else { throw ValidationError("TRAINING_INTERVAL must be at least 100ms") }
        let thresholds = try RuleThresholds.load(
            file: settings.string(thresholdsFile, "THRESHOLDS_FILE"), environment: settings.environment)
        let token = settings.string(nil, "DETECTOR_API_TOKEN")
        let metrics = DetectorMetrics(
            suspiciousIPLimit: try settings.int(metricsTopIPs, "METRICS_TOP_IPS", default: 20, range: 0...1000))

        // Models: saved ones when usable, else a bootstrap from a synthetic baseline.
        let directory = settings.string(modelDir, "MODEL_DIR")
        let networkStore = directory.map { ModelStore(directory: $0, fileName: "network.amdl") }
        let authenticationStore = directory.map { ModelStore(directory: $0, fileName: "authentication.amdl") }
        func load(_ store: ModelStore?, dimension: Int, bootstrap: () throws(ModelError) -> AnomalyEnsemble) throws -> AnomalyEnsemble {
            guard let store else { return try bootstrap() }
            return try store.loadOrBootstrap(dimension: dimension, logger: logger, bootstrap: bootstrap).ensemble
        }
        let detector = try ThreatDetector(
            thresholds: thresholds,
            networkEnsemble: load(networkStore, dimension: FeatureVector.dimension) { () throws(ModelError) in
                try ThreatDetector.bootstrapNetworkEnsemble()
            },
            authenticationEnsemble: load(authenticationStore, dimension: AuthenticationEvent.featureNames.count) {
                () throws(ModelError) in try ThreatDetector.bootstrapAuthenticationEnsemble()
            },
            modelsEnabled: !(rulesOnly || settings.environment["DETECTOR_RULES_ONLY"] == "1"))
        if directory == nil { logger.notice("MODEL_DIR is not set: trained models are kept in memory only") }

        let training = [
            TrainingService(detector: detector.network, interval: interval, store: networkStore, logger: logger),
            TrainingService(detector: detector.authentication, interval: interval, store: authenticationStore, logger: logger),
        ]
        let prometheus = PrometheusWindowQuery(
            baseURL: settings.string(prometheusURL, "PROMETHEUS_URL") ?? "http://127.0.0.1:9090",
            range: settings.string(prometheusRange, "PROMETHEUS_RANGE") ?? "1m")
        let routes = DetectorRoutes(
            detector: detector, metrics: metrics, token: token, training: training, prometheus: prometheus, logger: logger)
        routes.refreshModelMetrics()
        let app = Application(
            router: routes.router(),
            configuration: .init(address: .hostname(host, port: port), serverName: "detector"),
            logger: logger)
        logger.info("detector listening", metadata: ["address": "\(host):\(port)", "token": "\(token == nil ? "off" : "on")"])
        let group = ServiceGroup(
            configuration: .init(services: [app] + training.map { $0 as any Service }, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}
