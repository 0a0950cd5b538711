import Synchronization

/// The stateful front of the library: scores a stream of vectors with the current ensemble,
/// collects training samples with their confidence, and retrains on demand — safe to use from
/// any number of tasks at once.
///
/// Scoring reads the current ensemble under a lock held only to copy a reference; training works
/// on a snapshot without the lock and swaps the new ensemble in at the end. So scoring never waits
/// for training, and every score comes from exactly one, complete ensemble.
public final class AnomalyDetector: Sendable {
    /// Counters describing the detector's state.
    public struct Statistics: Sendable, Equatable {
        /// Samples the next training would use (the all-data window).
        public var trainingSamples = 0
        /// Samples in the high-confidence window.
        public var highConfidenceSamples = 0
        /// Samples in the recent window, counted back from the newest sample's timestamp.
        public var recentSamples = 0
        /// Samples kept out of training because the caller marked them as attacks, or the
        /// ensemble itself flagged them (consensus).
        public var rejectedSamples = 0
        /// Completed trainings (``AnomalyDetector/install(_:)`` does not count).
        public var trainings = 0
        /// Trainings that threw; the ensemble in use stayed.
        public var trainingFailures = 0
        /// Wall time of the last training, in seconds.
        public var lastTrainingSeconds: Double?
        /// Vectors scored.
        public var scored = 0
        /// Samples seen since the current ensemble was trained.
        public var samplesSinceTraining = 0
    }

    private struct State: Sendable {
        var ensemble: AnomalyEnsemble?
        var windows: TrainingWindows
        var recentStatistics: ModifiedZScore
        var history: [[Double]] = []
        var statistics = Statistics()
        var generation = 0  // bumps with every accepted sample
        var trainedGeneration = -1
    }

    /// The settings every training uses.
    public let configuration: EnsembleConfiguration
    /// Computes the training confidence of each observed vector.
    public let confidencePolicy: TrainingConfidence
    /// Keep windows that the ensemble itself flags (consensus) out of training.
    public let excludeFlaggedFromTraining: Bool
    private let state: Mutex<State>

    /// A detector that scores with `ensemble` or, without one, has no models yet
    /// (``score(_:)`` throws ``ModelError/notTrained`` until ``install(_:)`` or ``retrain()``).
    ///
    /// - Parameters:
    ///   - configuration: The settings every training uses.
    ///   - confidence: The policy that gives each observed vector its training confidence.
    ///   - limits: Bounds of the training windows.
    ///   - excludeFlaggedFromTraining: Keep vectors the ensemble reaches consensus on out of
    ///     training in ``process(_:timestamp:isAttack:)``.
    ///   - ensemble: An ensemble to start with, for example one from ``ModelStore/load()``.
    /// - Throws: ``ModelError/invalidParameter(name:value:reason:)`` for an invalid setting of
    ///   `configuration` or `confidence`, ``ModelError/dimensionMismatch(expected:got:)`` when
    ///   `ensemble` has another width.
    public init(
        configuration: EnsembleConfiguration,
        confidence: TrainingConfidence = TrainingConfidence(),
        limits: TrainingWindows.Limits = TrainingWindows.Limits(),
        excludeFlaggedFromTraining: Bool = true,
        ensemble: AnomalyEnsemble? = nil
    ) throws(ModelError) {
        try configuration.validate()
        try confidence.validate(dimension: configuration.dimension)
        if let ensemble, ensemble.dimension != configuration.dimension {
            throw .dimensionMismatch(expected: configuration.dimension, got: ensemble.dimension)
        }
        self.configuration = configuration
        self.confidencePolicy = confidence
        self.excludeFlaggedFromTraining = excludeFlaggedFromTraining
        let recent = try ModifiedZScore(dimension: configuration.dimension, capacity: configuration.zmadHistory)
        state = Mutex(State(ensemble: ensemble, windows: TrainingWindows(limits: limits), recentStatistics: recent))
    }

    /// The ensemble currently used for scoring.
    public var ensemble: AnomalyEnsemble? { state.withLock { $0.ensemble } }

    /// Replaces the ensemble (for example one loaded from disk). Its width must match.
    public func install(_ ensemble: AnomalyEnsemble) throws(ModelError) {
        guard ensemble.dimension == configuration.dimension else {
            throw .dimensionMismatch(expected: configuration.dimension, got: ensemble.dimension)
        }
        state.withLock {
            $0.ensemble = ensemble
            $0.trainedGeneration = $0.generation
            $0.statistics.samplesSinceTraining = 0
        }
    }

    /// Scores `vector` as the next element of the detector's stream (the VAE sees the vectors
    /// scored before it). Does not touch the training data.
    public func score(_ vector: [Double]) throws(ModelError) -> EnsembleScore {
        try AnomalyModels.validate(vector, dimension: configuration.dimension)
        let (ensemble, history) = state.withLock { ($0.ensemble, $0.history) }
        guard let ensemble else { throw .notTrained }
        let result = try ensemble.score(vector, history: history)
        state.withLock {
            $0.history.append(vector)
            if $0.history.count > ensemble.historyLength { $0.history.removeFirst($0.history.count - ensemble.historyLength) }
            $0.statistics.scored += 1
        }
        return result
    }

    /// Offers `vector` for training: computes its confidence and adds it to the windows, unless
    /// `isAttack` (then it is only counted). Returns the confidence (0 for attacks).
    @discardableResult
    public func observe(_ vector: [Double], timestamp: Double, isAttack: Bool = false) throws(ModelError) -> Double {
        try validate(vector, timestamp: timestamp)
        return state.withLock { add(vector, timestamp: timestamp, isAttack: isAttack, to: &$0) }
    }

    /// Offers several normal vectors for training, in order. Every one is checked first, so when
    /// one is invalid the error is thrown and nothing changes. Returns their confidences.
    @discardableResult
    public func observe(contentsOf samples: [(vector: [Double], timestamp: Double)]) throws(ModelError) -> [Double] {
        for sample in samples { try validate(sample.vector, timestamp: sample.timestamp) }
        return state.withLock { s in samples.map { add($0.vector, timestamp: $0.timestamp, isAttack: false, to: &s) } }
    }

    private func validate(_ vector: [Double], timestamp: Double) throws(ModelError) {
        try AnomalyModels.validate(vector, dimension: configuration.dimension)
        guard timestamp.isFinite else { throw .invalidParameter(name: "timestamp", value: "\(timestamp)", reason: "must be finite") }
    }

    private func add(_ vector: [Double], timestamp: Double, isAttack: Bool, to s: inout State) -> Double {
        if isAttack {
            s.windows.add(TrainingSample(vector: vector, confidence: 0, timestamp: timestamp), isAttack: true)
            s.statistics.rejectedSamples += 1
            return 0
        }
        let confidence = confidencePolicy.confidence(for: vector, recent: s.recentStatistics, timestamp: timestamp)
        s.windows.add(TrainingSample(vector: vector, confidence: confidence, timestamp: timestamp), isAttack: false)
        try? s.recentStatistics.append(vector)
        s.generation += 1
        s.statistics.samplesSinceTraining += 1
        return confidence
    }

    /// Scores `vector` and then offers it for training, kept out when `isAttack` or (with
    /// ``excludeFlaggedFromTraining``) when the ensemble reaches consensus on it.
    public func process(_ vector: [Double], timestamp: Double, isAttack: Bool = false) throws(ModelError) -> EnsembleScore {
        let result = try score(vector)
        try observe(vector, timestamp: timestamp, isAttack: isAttack || (excludeFlaggedFromTraining && result.consensus))
        return result
    }

    /// Mean training confidence of the samples the next training would use (0 without samples).
    public var meanTrainingConfidence: Double {
        state.withLock { s in
            let samples = s.windows.all.suffix(s.windows.limits.allCapacity)
            return samples.isEmpty ? 0 : samples.reduce(0) { $0 + $1.confidence } / Double(samples.count)
        }
    }

    /// Number of samples the next training would use.
    public var trainingSampleCount: Int { state.withLock { $0.windows.count } }

    /// True when samples arrived since the current ensemble was trained.
    public var hasNewSamples: Bool { state.withLock { $0.generation != $0.trainedGeneration } }

    /// A snapshot of the counters.
    public var statistics: Statistics {
        state.withLock { s in
            var out = s.statistics
            out.trainingSamples = s.windows.count
            out.highConfidenceSamples = s.windows.highConfidence.count
            out.recentSamples = s.windows.recent(now: s.windows.all.last?.timestamp ?? 0).count
            return out
        }
    }

    /// Trains a new ensemble on a snapshot of the training windows (outside the lock) and swaps
    /// it in. On failure the current ensemble stays and the error is thrown.
    @discardableResult
    public func retrain() throws(ModelError) -> AnomalyEnsemble {
        try retrain(beforeSwap: {})
    }

    /// ``retrain()`` with a hook that runs after the new ensemble is trained and before it is
    /// swapped in, with no lock held (tests score from it).
    func retrain(beforeSwap: () -> Void) throws(ModelError) -> AnomalyEnsemble {
        let (data, generation) = state.withLock { ($0.windows.trainingData, $0.generation) }
        let clock = ContinuousClock()
        let start = clock.now
        do {
            let ensemble = try AnomalyEnsemble.train(data, configuration: configuration)
            beforeSwap()
            let elapsed = clock.now - start
            state.withLock { s in
                s.ensemble = ensemble
                s.trainedGeneration = generation
                s.statistics.trainings += 1
                s.statistics.samplesSinceTraining = s.generation - generation
                s.statistics.lastTrainingSeconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
            }
            return ensemble
        } catch {
            state.withLock { $0.statistics.trainingFailures += 1 }
            throw error
        }
    }
}
