public import AnomalyModels
import Foundation
import Hummingbird
import NIOCore
public import Logging
import PromExposition
import ServiceLifecycle
public import ServiceSupport
public import ThreatRules
import TrafficFeatures
import UnixSignals
import WindowTransport

/// Everything the detector service is configured with, resolved from flags and the
/// environment (see ``init(settings:)``), with the defaults in one place.
public struct DetectorConfiguration: Sendable {
    /// The default listen address (`HTTP_ADDR`).
    public static let defaultAddress = "0.0.0.0:5000"
    /// The default Prometheus server of `GET /detect/prom` (`PROMETHEUS_URL`).
    public static let defaultPrometheusURL = "http://127.0.0.1:9090"

    /// The host name or address to listen on (`HTTP_ADDR`, default ``defaultAddress``).
    public var host: String
    /// The port to listen on (`HTTP_ADDR`).
    public var port: Int
    /// How long a connection may stay without a complete request part before it is closed
    /// (`IDLE_TIMEOUT`, default 30 s; see `Settings.idleTimeout()`).
    public var idleTimeout: Duration
    /// Where the models are saved and loaded (`MODEL_DIR`); nil keeps them in memory only.
    public var modelDirectory: String?
    /// How often the models retrain when enough new samples arrived (`TRAINING_INTERVAL`).
    public var trainingInterval: Duration
    /// The Prometheus server `GET /detect/prom` queries (`PROMETHEUS_URL`, default
    /// ``defaultPrometheusURL``).
    public var prometheusURL: String
    /// The range of the rates `GET /detect/prom` queries, in Prometheus duration syntax such as
    /// `1m` (`PROMETHEUS_RANGE`).
    public var prometheusRange: String
    /// Rule thresholds: defaults, then `THRESHOLDS_FILE`, then `RULE_*` variables.
    public var thresholds: RuleThresholds
    /// Bearer token of `/detect` and `/train` (`DETECTOR_API_TOKEN`); nil: none.
    public var token: String?
    /// Most `source_ip` series in /metrics (`METRICS_TOP_IPS`).
    public var metricsTopIPs: Int
    /// False runs the rules without the models (`--rules-only`, `DETECTOR_RULES_ONLY=1`).
    public var modelsEnabled: Bool
    /// When the network models alone may alert: `ML_PERSISTENCE` (`3/5`), `ML_MINIMUM_IMPACT`
    /// (`1`), `ML_WARMUP_TRAININGS` (`1`; network models loaded from `MODEL_DIR` count as
    /// warmed up).
    public var modelPolicy: ModelAlertPolicy
    /// Most window streams whose state the detector keeps (`DETECTOR_MAX_STREAMS`, default
    /// `ThreatDetector.defaultMaximumStreams`); see `ThreatDetector.maximumStreams`.
    public var maximumStreams: Int

    /// Resolves every setting; throws `SettingError` (or the thresholds' error) naming the
    /// first unusable one.
    ///
    /// - Parameter settings: The flags and environment to read the settings from.
    /// - Throws: `SettingError` for an unusable setting (for example a `TRAINING_INTERVAL` below
    ///   the training service's minimum), `RuleThresholdsError` for an unreadable thresholds file
    ///   or an unusable threshold.
    public init(settings: Settings) throws {
        (host, port) = try settings.address("HTTP_ADDR", default: Self.defaultAddress)
        idleTimeout = try settings.idleTimeout()
        trainingInterval = try settings.duration("TRAINING_INTERVAL", default: TrainingService.defaultInterval)
        guard trainingInterval >= TrainingService.minimumInterval else {
            throw SettingError("TRAINING_INTERVAL must be at least \(Int(TrainingService.minimumInterval / .milliseconds(1)))ms")
        }
        thresholds = try RuleThresholds.load(file: settings.string("THRESHOLDS_FILE"), environment: settings.environment)
        token = settings.string("DETECTOR_API_TOKEN")
        metricsTopIPs = try settings.int(
            "METRICS_TOP_IPS", default: DetectorMetrics.defaultSuspiciousIPLimit, range: DetectorMetrics.suspiciousIPLimitRange)
        modelDirectory = settings.string("MODEL_DIR")
        prometheusURL = settings.string("PROMETHEUS_URL") ?? Self.defaultPrometheusURL
        prometheusRange = settings.string("PROMETHEUS_RANGE") ?? PrometheusWindowQuery.defaultRange
        modelsEnabled = !settings.isOn("DETECTOR_RULES_ONLY")
        var policy = ModelAlertPolicy()
        if let text = settings.string("ML_PERSISTENCE") {
            guard let (k, n) = ModelAlertPolicy.parsePersistence(text) else {
                throw SettingError("ML_PERSISTENCE must be K/N with 1 <= K <= N <= 1000 (windows of the last N), got \"\(text)\"")
            }
            policy.persistenceWindows = k
            policy.persistenceOf = n
        }
        if let text = settings.string("ML_MINIMUM_IMPACT") {
            guard let value = Double(text), value.isFinite, value >= 0 else {
                throw SettingError("ML_MINIMUM_IMPACT must be a finite number >= 0, got \"\(text)\"")
            }
            policy.minimumImpact = value
        }
        policy.warmUpTrainings = try settings.int("ML_WARMUP_TRAININGS", default: policy.warmUpTrainings, range: 0...1000)
        modelPolicy = policy
        maximumStreams = try settings.int(
            "DETECTOR_MAX_STREAMS", default: ThreatDetector.defaultMaximumStreams, range: ThreatDetector.maximumStreamsRange)
    }
}

/// The detector service composed from a ``DetectorConfiguration``: models loaded from
/// `MODEL_DIR` (or bootstrapped), the rules, background training, and the HTTP API of
/// ``DetectorRoutes``.
public struct DetectorServer: Sendable {
    /// The configuration the server was built from.
    public let configuration: DetectorConfiguration
    /// The HTTP API over the server's detector and training services.
    public let routes: DetectorRoutes
    /// One retraining service per model set.
    public let training: [DetectionType: TrainingService]
    let logger: Logger

    /// Loads or bootstraps the models and builds the routes; throws when saved models cannot
    /// be used and no bootstrap is possible.
    ///
    /// - Parameters:
    ///   - configuration: The resolved settings.
    ///   - logger: Receives the server's and the training services' messages.
    /// - Throws: `ModelError` when the bootstrap models, built wherever saved models are missing
    ///   or unusable, cannot be trained, or do not fit the detector.
    public init(configuration: DetectorConfiguration, logger: Logger) throws {
        self.configuration = configuration
        self.logger = logger
        let metrics = DetectorMetrics(suspiciousIPLimit: configuration.metricsTopIPs)
        let stores = Dictionary(uniqueKeysWithValues: DetectionType.allCases.compactMap { kind in
            configuration.modelDirectory.map { (kind, ModelStore(directory: $0, fileName: "\(kind.rawValue).amdl")) }
        })
        var loadedNetworkModels = false
        func load(_ kind: DetectionType, dimension: Int, bootstrap: () throws(ModelError) -> AnomalyEnsemble) throws -> AnomalyEnsemble {
            guard let store = stores[kind] else { return try bootstrap() }
            let (ensemble, origin) = try store.loadOrBootstrap(dimension: dimension, logger: logger, bootstrap: bootstrap)
            if kind == .network, case .loaded = origin { loadedNetworkModels = true }
            return ensemble
        }
        // Saved models when usable, else a bootstrap from a synthetic baseline.
        let detector = try ThreatDetector(
            thresholds: configuration.thresholds,
            networkEnsemble: load(.network, dimension: FeatureVector.dimension) { () throws(ModelError) in
                try ThreatDetector.bootstrapNetworkEnsemble()
            },
            authenticationEnsemble: load(.authentication, dimension: AuthenticationEvent.featureNames.count) {
                () throws(ModelError) in try ThreatDetector.bootstrapAuthenticationEnsemble()
            },
            modelsEnabled: configuration.modelsEnabled,
            modelPolicy: { () -> ModelAlertPolicy in
                var policy = configuration.modelPolicy
                // Models saved by this detector were trained on this host already.
                if loadedNetworkModels { policy.warmUpTrainings = 0 }
                return policy
            }(),
            maximumStreams: configuration.maximumStreams)
        if configuration.modelDirectory == nil { logger.notice("MODEL_DIR is not set: trained models are kept in memory only") }
        training = Dictionary(uniqueKeysWithValues: DetectionType.allCases.map { kind in
            (kind, TrainingService(detector: detector.model(kind), interval: configuration.trainingInterval, store: stores[kind], logger: logger))
        })
        routes = DetectorRoutes(
            detector: detector, metrics: metrics, token: configuration.token, training: training,
            prometheus: PrometheusWindowQuery(baseURL: configuration.prometheusURL, range: configuration.prometheusRange),
            logger: logger)
        routes.refreshModelMetrics()
    }

    /// Serves until SIGTERM or SIGINT, training in the background.
    ///
    /// - Throws: What the HTTP server or a training service throws, for example when the listen
    ///   address cannot be bound.
    public func run() async throws {
        let app = Application(
            router: routes.router(),
            server: .http1(configuration: .init(idleTimeout: TimeAmount(configuration.idleTimeout))),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "detector"),
            logger: logger)
        logger.info(
            "detector listening",
            metadata: ["address": "\(configuration.host):\(configuration.port)", "token": "\(configuration.token == nil ? "off" : "on")"])
        if configuration.token == nil, !["127.0.0.1", "::1", "localhost"].contains(configuration.host) {
            logger.warning(
                "POST /detect and /train are open to anyone who reaches this address: what they post is judged and learned; set DETECTOR_API_TOKEN or listen on 127.0.0.1 (HTTP_ADDR)",
                metadata: ["address": "\(configuration.host):\(configuration.port)"])
        }
        let services: [any Service] = [app] + DetectionType.allCases.compactMap { training[$0] }
        let group = ServiceGroup(
            configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}
