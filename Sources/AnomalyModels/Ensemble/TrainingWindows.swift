/// How much a new observation should be trusted as *normal* training data, in [0, 1].
///
/// Instead of a hard "include / exclude" (which teaches a model that every legitimate peak is an
/// anomaly), each sample gets a confidence: the mean of
/// - a **rate factor** (if `rateFeature` is set): `1 / (1 + exp((x − rateMidpoint) / rateWidth))`,
///   a smooth step that is ½ at the midpoint;
/// - a **similarity** to recent history: `1 / (1 + (z / similarityScale)²)`, where z is the
///   largest modified z-score of the sample against the recent window (½ at z = similarityScale;
///   1 when there is no history yet);
/// - an optional **time-of-day prior**: `hourlyPrior[hour]` for the sample's UTC hour.
public struct TrainingConfidence: Codable, Sendable, Equatable {
    /// Index of the feature the rate factor reads; `nil` leaves the rate factor out.
    public var rateFeature: Int?
    /// Value of the rate feature at which the rate factor is ½ (in the feature's units).
    public var rateMidpoint: Double
    /// How sharply the rate factor falls around ``rateMidpoint``, in the feature's units (> 0).
    public var rateWidth: Double
    /// Largest modified z-score at which the similarity factor is ½ (> 0).
    public var similarityScale: Double
    /// 24 values in [0, 1], index = UTC hour; nil disables the factor.
    public var hourlyPrior: [Double]?

    /// A policy from its settings; the defaults use the similarity factor alone. Nothing is
    /// checked here; ``validate(dimension:)`` does.
    public init(rateFeature: Int? = nil, rateMidpoint: Double = 0, rateWidth: Double = 1, similarityScale: Double = 3.5, hourlyPrior: [Double]? = nil) {
        self.rateFeature = rateFeature
        self.rateMidpoint = rateMidpoint
        self.rateWidth = rateWidth
        self.similarityScale = similarityScale
        self.hourlyPrior = hourlyPrior
    }

    /// Checks the settings against a vector width.
    ///
    /// - Throws: ``ModelError/invalidParameter(name:value:reason:)`` naming the first bad
    ///   setting: a `rateFeature` outside `0..<dimension`, a non-finite `rateMidpoint`, a
    ///   `rateWidth` or `similarityScale` that is not finite and positive, or an `hourlyPrior`
    ///   without exactly 24 values in [0, 1].
    public func validate(dimension: Int) throws(ModelError) {
        if let f = rateFeature, !(0..<dimension).contains(f) {
            throw .invalidParameter(name: "rateFeature", value: "\(f)", reason: "must index one of \(dimension) features")
        }
        guard rateMidpoint.isFinite else { throw .invalidParameter(name: "rateMidpoint", value: "\(rateMidpoint)", reason: "must be finite") }
        guard rateWidth.isFinite, rateWidth > 0 else { throw .invalidParameter(name: "rateWidth", value: "\(rateWidth)", reason: "must be finite and positive") }
        guard similarityScale.isFinite, similarityScale > 0 else {
            throw .invalidParameter(name: "similarityScale", value: "\(similarityScale)", reason: "must be finite and positive")
        }
        if let prior = hourlyPrior {
            guard prior.count == 24 else { throw .invalidParameter(name: "hourlyPrior", value: "\(prior.count) values", reason: "needs 24") }
            for p in prior where !(p >= 0 && p <= 1) {
                throw .invalidParameter(name: "hourlyPrior", value: "\(p)", reason: "values must be in [0, 1]")
            }
        }
    }

    /// The confidence of `vector`, in [0, 1], given the recent window's statistics and the
    /// sample's time (seconds since the Unix epoch; `nil` leaves the time-of-day prior out).
    ///
    /// - Precondition: The policy passed ``validate(dimension:)`` for `vector.count`.
    public func confidence(for vector: [Double], recent: ModifiedZScore?, timestamp: Double?) -> Double {
        var factors: [Double] = []
        if let f = rateFeature {
            factors.append(1 / (1 + _exp(Swift.min(700, (vector[f] - rateMidpoint) / rateWidth))))
        }
        if let recent, !recent.history.isEmpty, let z = try? recent.score(vector) {
            let r = z / similarityScale
            factors.append(1 / (1 + r * r))
        } else {
            factors.append(1)
        }
        if let prior = hourlyPrior, let t = timestamp, t.isFinite {
            let hour = Int(((t / 3600).rounded(.down)).truncatingRemainder(dividingBy: 24))
            factors.append(prior[(hour + 24) % 24])
        }
        return Swift.min(1, Swift.max(0, factors.reduce(0, +) / Double(factors.count)))
    }
}

/// The three training windows of the design: **all** normal data, the **high-confidence**
/// subset, and the **recent** ten minutes. Samples a caller marks as attacks never enter them
/// (they are only counted).
public struct TrainingWindows: Sendable {
    /// Bounds of the windows.
    public struct Limits: Codable, Sendable, Equatable {
        /// Most samples kept in the all-data window (oldest dropped first).
        public var allCapacity = 20_000
        /// Most samples kept in the high-confidence window.
        public var highConfidenceCapacity = 10_000
        /// Length of the recent window in seconds.
        public var recentSeconds = 600.0
        /// Confidence needed for the high-confidence window.
        public var highConfidenceThreshold = 0.8
        /// The default limits: 20 000 and 10 000 samples, 600 seconds, threshold 0.8.
        public init() {}
    }

    /// The bounds of these windows.
    public let limits: Limits
    /// All normal samples, oldest first. Trimmed in chunks, so it may briefly hold up to an
    /// eighth more than ``Limits/allCapacity``; ``trainingData`` uses only the newest ones.
    public private(set) var all: [TrainingSample] = []
    /// Samples with confidence ≥ `highConfidenceThreshold`, oldest first (trimmed in chunks,
    /// like ``all``).
    public private(set) var highConfidence: [TrainingSample] = []
    /// Samples offered as attacks and therefore kept out.
    public private(set) var rejectedAttacks = 0
    /// Samples ever accepted (including ones since rolled out).
    public private(set) var acceptedTotal = 0

    /// Empty windows with the given bounds.
    public init(limits: Limits = Limits()) { self.limits = limits }

    /// Adds a normal sample, or only counts it when `isAttack`.
    public mutating func add(_ sample: TrainingSample, isAttack: Bool) {
        if isAttack {
            rejectedAttacks += 1
            return
        }
        acceptedTotal += 1
        all.append(sample)
        if sample.confidence >= limits.highConfidenceThreshold { highConfidence.append(sample) }
        // Trim in chunks so appends stay amortised O(1).
        if all.count > limits.allCapacity + limits.allCapacity / 8 { all.removeFirst(all.count - limits.allCapacity) }
        if highConfidence.count > limits.highConfidenceCapacity + limits.highConfidenceCapacity / 8 {
            highConfidence.removeFirst(highConfidence.count - limits.highConfidenceCapacity)
        }
    }

    /// Samples of the last `recentSeconds` before `now` (seconds since the epoch).
    public func recent(now: Double) -> ArraySlice<TrainingSample> {
        let cutoff = now - limits.recentSeconds
        var low = 0, high = all.count
        while low < high {
            let mid = (low + high) / 2
            if all[mid].timestamp < cutoff { low = mid + 1 } else { high = mid }
        }
        return all[low...]
    }

    /// What training uses: the all-data window (bounded), time-ordered, with confidences.
    public var trainingData: TrainingData { TrainingData(samples: Array(all.suffix(limits.allCapacity))) }

    /// Number of samples training would use.
    public var count: Int { Swift.min(all.count, limits.allCapacity) }
}
