import AnomalyModels
public import ThreatRules

/// The body of `GET /stats`: per model set, what it has seen and learned, then the rule
/// thresholds in force and the uptime.
public struct DetectorStats: Encodable, Sendable {
    /// One model set (network or authentication).
    public struct Model: Encodable, Sendable {
        /// `none` (no models), `bootstrap` (not retrained yet) or `trained`.
        public var state: ModelState
        /// Verdicts given since the routes were created.
        public var verdicts: Int
        /// Verdicts that reported a threat.
        public var threatsDetected: Int
        /// Samples held for the next training.
        public var trainingSamples: Int
        /// Samples in the high-confidence training window.
        public var highConfidenceSamples: Int
        /// Samples in the recent training window.
        public var recentSamples: Int
        /// Samples kept out of training because a rule fired or the models flagged them.
        public var rejectedSamples: Int
        /// Completed trainings.
        public var trainings: Int
        /// Trainings that failed (the previous models stayed in use).
        public var trainingFailures: Int
        /// How long the last training took; null before the first.
        @EncodedAsNull public var lastTrainingSeconds: Double?
        /// Samples the current models were trained on; null without models.
        @EncodedAsNull public var modelTrainingSamples: Int?
        /// Clusters the current DBSCAN model found; null without models.
        @EncodedAsNull public var dbscanClusters: Int?
        /// The share of the DBSCAN training samples that are noise; null without models.
        @EncodedAsNull public var dbscanNoiseFraction: Double?
        /// The feature names the models score, in order.
        public var features: [String]

        enum CodingKeys: String, CodingKey {
            case state, verdicts, threatsDetected = "threats_detected", trainingSamples = "training_samples"
            case highConfidenceSamples = "high_confidence_samples", recentSamples = "recent_samples"
            case rejectedSamples = "rejected_samples", trainings, trainingFailures = "training_failures"
            case lastTrainingSeconds = "last_training_seconds", modelTrainingSamples = "model_training_samples"
            case dbscanClusters = "dbscan_clusters", dbscanNoiseFraction = "dbscan_noise_fraction", features
        }
    }

    /// The network model set.
    public var network: Model
    /// The authentication model set.
    public var authentication: Model
    /// The rule thresholds in force.
    public var thresholds: RuleThresholds
    /// Seconds since the routes were created.
    public var uptimeSeconds: Double

    enum CodingKeys: String, CodingKey {
        case network, authentication, thresholds, uptimeSeconds = "uptime_seconds"
    }
}

/// Where a model set stands (`/health`, `/stats`, and the `ml_detector_model_status` gauge).
public enum ModelState: String, Encodable, Sendable {
    /// No models: the detector runs rules only.
    case none
    /// Started from the bootstrap models and not retrained yet.
    case bootstrap
    /// Retrained on this host's data at least once.
    case trained

    /// The state of `model`.
    init(_ model: AnomalyDetector) {
        self = model.ensemble == nil ? .none : model.statistics.trainings > 0 ? .trained : .bootstrap
    }

    /// The gauge value: 0 none, 0.5 bootstrap, 1 trained.
    var gauge: Double {
        switch self {
        case .none: 0
        case .bootstrap: 0.5
        case .trained: 1
        }
    }
}

/// An optional that is encoded as `null` when absent (the synthesized encoding would leave the
/// key out), so every /stats body has the same keys.
@propertyWrapper
public struct EncodedAsNull<Value: Encodable & Sendable>: Encodable, Sendable {
    /// The value; nil is encoded as `null`.
    public var wrappedValue: Value?

    /// Wraps `wrappedValue`.
    ///
    /// - Parameter wrappedValue: The value, or nil for `null`.
    public init(wrappedValue: Value?) { self.wrappedValue = wrappedValue }

    /// Encodes the value, or `null` when it is nil.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if let wrappedValue { try container.encode(wrappedValue) } else { try container.encodeNil() }
    }
}
