/// Settings of the three-model ensemble. The defaults are the ones the detector uses.
public struct EnsembleConfiguration: Codable, Sendable, Equatable {
    /// Width of every feature vector.
    public var dimension: Int
    /// Optional feature names, used in explanations.
    public var featureNames: [String]?
    /// The VAE sees the last `sequenceLength` vectors (T).
    public var sequenceLength = 10

    /// DBSCAN's minPoints (counts the point itself).
    public var dbscanMinPoints = 5
    /// DBSCAN's ε in scaled units; nil picks it from the data: the `dbscanEpsilonQuantile`
    /// quantile of every training point's distance to its minPoints-th nearest neighbour.
    public var dbscanEpsilon: Double?
    /// The quantile, in (0, 1], that picks ε when ``dbscanEpsilon`` is nil.
    public var dbscanEpsilonQuantile = 0.95
    /// How DBSCAN's inputs are scaled.
    public var dbscanScaling = ScalingMethod.standard
    /// DBSCAN is fitted on at most this many of the most recent samples (bounds time and memory).
    public var dbscanMaximumSamples = 20_000

    /// Units in the VAE's encoder and decoder hidden layers (``VAEConfiguration/hiddenUnits``).
    public var vaeHiddenUnits = 32
    /// Dimension of the VAE's latent space (``VAEConfiguration/latentDimension``).
    public var vaeLatentDimension = 4
    /// Passes of VAE training over its training rows (``VAEConfiguration/epochs``).
    public var vaeEpochs = 50
    /// Rows per VAE mini-batch (``VAEConfiguration/batchSize``).
    public var vaeBatchSize = 64
    /// Adam's step size for the VAE (``VAEConfiguration/learningRate``).
    public var vaeLearningRate = 1e-3
    /// β, the weight of the KL term in the VAE's loss (``VAEConfiguration/klWeight``).
    public var vaeKLWeight = 1.0
    /// How the VAE's inputs are scaled, each vector of a sequence alike.
    public var vaeScaling = ScalingMethod.robust
    /// Samples with at least this training confidence form the high-confidence set the VAE
    /// trains on (when it has enough of them; otherwise all, weighted by confidence).
    public var highConfidenceThreshold = 0.8

    /// ZMAD's history: the most recent normal samples.
    public var zmadHistory = 600
    /// |M| that ZMAD reports when a feature constant over its history changes
    /// (``ModifiedZScore/constantFeatureDeviation``; finite and > 0).
    public var zmadConstantFeatureDeviation = 10.0

    /// A model votes "anomalous" when its calibrated percentile is at least this.
    public var voteThreshold = 0.995
    /// Weights of the models in the weighted score.
    public var weights = ModelWeights()
    /// Weighted-surprise boundaries of the risk levels (surprise 2 = 99th percentile).
    public var riskTiers = RiskTiers()
    /// For the original design's decision labels: a model below this percentile counts as "clearly normal".
    public var clearlyNormalPercentile = 0.9

    /// Share of the training samples held out to calibrate the models (never used to fit them).
    public var calibrationFraction = 0.2
    /// Fewer samples than this and training refuses (``ModelError/insufficientSamples(needed:got:)``).
    public var minimumSamples = 50
    /// Seeds the split, the VAE's initialisation and its mini-batch order.
    public var seed: UInt64 = 42

    /// Settings for vectors of `dimension` features, every other value at its default.
    /// Nothing is checked here; ``validate()`` does.
    public init(dimension: Int, featureNames: [String]? = nil) {
        self.dimension = dimension
        self.featureNames = featureNames
    }

    /// Checks the settings; throws for the first that is out of range.
    ///
    /// ``riskTiers`` and ``clearlyNormalPercentile`` are not checked. The VAE settings and
    /// ``zmadConstantFeatureDeviation`` are checked when a model is trained, by
    /// ``VariationalAutoencoder/train(_:configuration:sampleWeights:)`` and
    /// ``ModifiedZScore/init(fitting:capacity:constantFeatureDeviation:)``.
    ///
    /// - Throws: ``ModelError/invalidParameter(name:value:reason:)`` naming the setting.
    public func validate() throws(ModelError) {
        func require(_ ok: Bool, _ name: String, _ value: Any, _ reason: String) throws(ModelError) {
            if !ok { throw .invalidParameter(name: name, value: "\(value)", reason: reason) }
        }
        try require(dimension > 0, "dimension", dimension, "must be positive")
        try require(featureNames == nil || featureNames!.count == dimension, "featureNames", featureNames?.count ?? 0, "must have one name per feature")
        try require(sequenceLength >= 1, "sequenceLength", sequenceLength, "must be at least 1")
        try require(dbscanMinPoints >= 1, "dbscanMinPoints", dbscanMinPoints, "must be at least 1")
        try require(dbscanEpsilon.map { $0.isFinite && $0 > 0 } ?? true, "dbscanEpsilon", dbscanEpsilon ?? 0, "must be finite and positive")
        try require(dbscanEpsilonQuantile > 0 && dbscanEpsilonQuantile <= 1, "dbscanEpsilonQuantile", dbscanEpsilonQuantile, "must be in (0, 1]")
        try require(dbscanMaximumSamples >= minimumSamples, "dbscanMaximumSamples", dbscanMaximumSamples, "must be at least minimumSamples")
        try require(voteThreshold > 0 && voteThreshold < 1, "voteThreshold", voteThreshold, "must be in (0, 1)")
        try require(calibrationFraction > 0 && calibrationFraction < 1, "calibrationFraction", calibrationFraction, "must be in (0, 1)")
        try require(minimumSamples >= 10, "minimumSamples", minimumSamples, "must be at least 10")
        try require(highConfidenceThreshold >= 0 && highConfidenceThreshold <= 1, "highConfidenceThreshold", highConfidenceThreshold, "must be in [0, 1]")
        try require(zmadHistory >= 1, "zmadHistory", zmadHistory, "must be positive")
        try weights.validate()
    }
}

/// Weights of the three models in the ensemble's weighted score.
///
/// Each weight must be finite and ≥ 0, and at least one > 0 (checked by
/// ``EnsembleConfiguration/validate()``).
public struct ModelWeights: Codable, Sendable, Equatable {
    /// Weight of DBSCAN.
    public var dbscan = 1.0
    /// Weight of the VAE.
    public var vae = 1.0
    /// Weight of ZMAD.
    public var zmad = 1.0
    /// Weights as given (equal weights by default).
    public init(dbscan: Double = 1, vae: Double = 1, zmad: Double = 1) {
        self.dbscan = dbscan
        self.vae = vae
        self.zmad = zmad
    }
    func validate() throws(ModelError) {
        for (name, w) in [("weights.dbscan", dbscan), ("weights.vae", vae), ("weights.zmad", zmad)] where !(w.isFinite && w >= 0) {
            throw .invalidParameter(name: name, value: "\(w)", reason: "must be finite and non-negative")
        }
        guard dbscan + vae + zmad > 0 else { throw .invalidParameter(name: "weights", value: "0", reason: "at least one must be positive") }
    }
}

/// Boundaries of the risk levels on the weighted surprise `−log10(1 − percentile)`.
public struct RiskTiers: Codable, Sendable, Equatable {
    /// At or above: `ml_medium_risk` (default 2.5, between the 99th and 99.9th percentile).
    public var medium = 2.5
    /// At or above: `ml_high_risk` (default 3: beyond the 99.9th percentile).
    public var high = 3.0
    /// At or above: `ml_critical_risk` (default 4).
    public var critical = 4.0
    /// Boundaries as given. Nothing checks them; keep `medium < high < critical` so that every
    /// level is reachable.
    public init(medium: Double = 2.5, high: Double = 3, critical: Double = 4) {
        self.medium = medium
        self.high = high
        self.critical = critical
    }
}

/// The ensemble's risk level when at least two models agree.
public enum RiskLevel: String, Codable, Sendable, CaseIterable, Comparable {
    /// Weighted surprise below ``RiskTiers/medium``.
    case low = "ml_low_risk"
    /// Weighted surprise at least ``RiskTiers/medium``.
    case medium = "ml_medium_risk"
    /// Weighted surprise at least ``RiskTiers/high``.
    case high = "ml_high_risk"
    /// Weighted surprise at least ``RiskTiers/critical``.
    case critical = "ml_critical_risk"

    /// Orders the levels `low < medium < high < critical`.
    public static func < (a: RiskLevel, b: RiskLevel) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// The original design's decision labels (docs/original-design.md). DBSCAN, trained on all data, is the *adaptive* model; the
/// VAE, trained on high-confidence data, the *conservative* one; ZMAD the statistical baseline.
public enum Decision: String, Codable, Sendable, CaseIterable {
    /// At least two models vote anomalous (the consensus).
    case highConfidenceAttack = "high_confidence_attack"
    /// Only the conservative model votes, and the adaptive one finds the window clearly normal:
    /// rare but probably legitimate traffic — investigate, no alert.
    case investigateEdgeCase = "investigate_edge_case"
    /// Only one model votes otherwise: a subtle anomaly — no alert.
    case subtleAnomaly = "subtle_anomaly"
    /// No model votes.
    case normalTraffic = "normal_traffic"
}

/// One model's view of one input.
public struct ModelScore: Codable, Sendable, Equatable {
    /// The model's own score (DBSCAN: distance to the nearest core point / ε; VAE: mean squared
    /// reconstruction error; ZMAD: max |modified z|).
    public var raw: Double
    /// Calibrated percentile in [0, 1) (see ``ScoreCalibration``).
    public var percentile: Double
    /// `−log10(1 − percentile)`, extended beyond the calibration data.
    public var surprise: Double
    /// `percentile ≥ voteThreshold`.
    public var vote: Bool
}

/// The ensemble's verdict on one input.
public struct EnsembleScore: Codable, Sendable, Equatable {
    /// DBSCAN's view of the input.
    public var dbscan: ModelScore
    /// The VAE's view of the sequence that ends with the input.
    public var vae: ModelScore
    /// ZMAD's view of the input.
    public var zmad: ModelScore
    /// Number of models voting anomalous.
    public var votes: Int
    /// At least two of three vote.
    public var consensus: Bool
    /// Weighted mean of the three percentiles, in [0, 1).
    public var weightedScore: Double
    /// Weighted mean of the three surprises (graded beyond the calibration range).
    public var weightedSurprise: Double
    /// Set only with consensus.
    public var risk: RiskLevel?
    /// The original design's label for the pattern of votes.
    public var decision: Decision
    /// ZMAD's modified z-score per feature (explains which features are unusual).
    public var featureZScores: [Double]
}

/// A trained, immutable three-model ensemble: DBSCAN (spatial), VAE over the last T vectors
/// (temporal) and ZMAD (statistical), each with its scaler and calibration.
///
/// Scoring is a pure function of the models, so one instance can be shared by any number of
/// concurrent callers; retraining builds a new instance.
public struct AnomalyEnsemble: Codable, Sendable {
    /// The settings the ensemble was trained with.
    public let configuration: EnsembleConfiguration
    /// Scales inputs for DBSCAN; fitted on DBSCAN's training rows.
    public let dbscanScaler: FeatureScaler
    /// The fitted DBSCAN model, in the scaled space of ``dbscanScaler``.
    public let dbscan: DBSCANModel
    /// Maps DBSCAN's raw scores to percentiles.
    public let dbscanCalibration: ScoreCalibration
    /// Scales each vector of the VAE's input sequence; fitted on the rows not held out for
    /// calibration.
    public let vaeScaler: FeatureScaler
    /// The trained VAE, over sequences of ``EnsembleConfiguration/sequenceLength`` scaled vectors.
    public let vae: VariationalAutoencoder
    /// Maps the VAE's reconstruction errors to percentiles.
    public let vaeCalibration: ScoreCalibration
    /// The ZMAD model; its history is the most recent samples not held out for calibration
    /// (unscaled).
    public let zmad: ModifiedZScore
    /// Maps ZMAD's raw scores to percentiles.
    public let zmadCalibration: ScoreCalibration
    /// How many samples trained and calibrated this ensemble.
    public let trainingSampleCount: Int
    /// Clusters DBSCAN found in its training rows.
    public let dbscanClusterCount: Int
    /// Share of DBSCAN's training rows labelled noise, in [0, 1].
    public let dbscanNoiseFraction: Double
    /// Mean ELBO loss per VAE epoch.
    public let vaeEpochLosses: [Double]

    /// Vectors of history ``score(_:history:)`` uses (T − 1).
    public var historyLength: Int { configuration.sequenceLength - 1 }
    /// Width of every vector the ensemble scores.
    public var dimension: Int { configuration.dimension }

    /// Trains all three models on `data` (time-ordered, normal samples only: callers keep windows
    /// they know to be attacks out, as ``TrainingWindows`` does).
    ///
    /// A seeded `calibrationFraction` of the samples is held out; the models are fitted on the
    /// rest and calibrated on the held-out scores, so a percentile reflects unseen normal data.
    public static func train(_ data: TrainingData, configuration: EnsembleConfiguration) throws(ModelError) -> AnomalyEnsemble {
        try configuration.validate()
        let samples = data.samples
        guard !samples.isEmpty else { throw .emptyTrainingSet }
        guard samples.count >= configuration.minimumSamples else {
            throw .insufficientSamples(needed: configuration.minimumSamples, got: samples.count)
        }
        let d = configuration.dimension
        for (i, s) in samples.enumerated() {
            guard s.vector.count == d else { throw .dimensionMismatch(expected: d, got: s.vector.count) }
            for (j, v) in s.vector.enumerated() where !v.isFinite { throw .nonFiniteValue(row: i, column: j) }
            guard s.confidence.isFinite, s.confidence >= 0, s.confidence <= 1 else {
                throw .invalidParameter(name: "confidence", value: "\(s.confidence)", reason: "sample \(i): must be in [0, 1]")
            }
        }

        // Seeded hold-out split.
        var generator = SeededGenerator(seed: configuration.seed)
        var order = Array(samples.indices)
        order.shuffle(using: &generator)
        let holdOut = Swift.max(10, Int((Double(samples.count) * configuration.calibrationFraction).rounded()))
        let calibrationSet = Set(order.prefix(holdOut))
        let fitIndices = samples.indices.filter { !calibrationSet.contains($0) }
        let calibrationIndices = samples.indices.filter { calibrationSet.contains($0) }
        let all = Matrix(rows: samples.map(\.vector))

        // DBSCAN on all (recent) fitting samples.
        let dbscanRows = Array(fitIndices.suffix(configuration.dbscanMaximumSamples))
        let dbscanScaler = try FeatureScaler(fitting: all.selectingRows(dbscanRows), method: configuration.dbscanScaling)
        let dbscanTraining = dbscanScaler.transform(all.selectingRows(dbscanRows))
        let epsilon: Double
        if let fixed = configuration.dbscanEpsilon {
            epsilon = fixed
        } else {
            epsilon = automaticEpsilon(
                dbscanTraining, minPoints: configuration.dbscanMinPoints,
                quantile: configuration.dbscanEpsilonQuantile, generator: &generator)
        }
        let (dbscan, clustering) = try DBSCANModel.fit(
            dbscanTraining, parameters: DBSCANParameters(epsilon: epsilon, minPoints: configuration.dbscanMinPoints))
        let dbscanCalibration = try ScoreCalibration(
            scores: dbscan.scores(dbscanScaler.transform(all.selectingRows(calibrationIndices))))

        // VAE on sequences ending at high-confidence samples, weighted by confidence.
        let vaeScaler = try FeatureScaler(fitting: all.selectingRows(fitIndices), method: configuration.vaeScaling)
        let scaled = vaeScaler.transform(all)
        let sequences = sequenceMatrix(scaled, length: configuration.sequenceLength)
        let confidences = samples.map(\.confidence)
        let sequenceWeights = (0..<samples.count).map { i in
            let window = Swift.max(0, i - configuration.sequenceLength + 1)...i
            return confidences[window].reduce(0, +) / Double(window.count)
        }
        var vaeRows = fitIndices.filter { confidences[$0] >= configuration.highConfidenceThreshold }
        if vaeRows.count < configuration.minimumSamples { vaeRows = fitIndices }
        var vaeWeights = vaeRows.map { sequenceWeights[$0] }
        if vaeWeights.allSatisfy({ $0 == 0 }) { vaeWeights = vaeWeights.map { _ in 1 } }
        var vaeConfiguration = VAEConfiguration(inputDimension: d * configuration.sequenceLength)
        vaeConfiguration.hiddenUnits = configuration.vaeHiddenUnits
        vaeConfiguration.latentDimension = configuration.vaeLatentDimension
        vaeConfiguration.epochs = configuration.vaeEpochs
        vaeConfiguration.batchSize = configuration.vaeBatchSize
        vaeConfiguration.learningRate = configuration.vaeLearningRate
        vaeConfiguration.klWeight = configuration.vaeKLWeight
        vaeConfiguration.seed = configuration.seed
        let (vae, vaeReport) = try VariationalAutoencoder.train(
            sequences.selectingRows(vaeRows), configuration: vaeConfiguration, sampleWeights: vaeWeights)
        let vaeCalibration = try ScoreCalibration(
            scores: vae.reconstructionErrors(sequences.selectingRows(calibrationIndices)))

        // ZMAD over the most recent fitting samples.
        let zmad = try ModifiedZScore(
            fitting: all.selectingRows(fitIndices.suffix(configuration.zmadHistory)),
            capacity: configuration.zmadHistory,
            constantFeatureDeviation: configuration.zmadConstantFeatureDeviation)
        var zmadScores: [Double] = []
        for i in calibrationIndices { zmadScores.append(try zmad.score(samples[i].vector)) }
        let zmadCalibration = try ScoreCalibration(scores: zmadScores)

        let noise = clustering.labels.count { $0 == .noise }
        return AnomalyEnsemble(
            configuration: configuration,
            dbscanScaler: dbscanScaler, dbscan: dbscan, dbscanCalibration: dbscanCalibration,
            vaeScaler: vaeScaler, vae: vae, vaeCalibration: vaeCalibration,
            zmad: zmad, zmadCalibration: zmadCalibration,
            trainingSampleCount: samples.count,
            dbscanClusterCount: clustering.clusterCount,
            dbscanNoiseFraction: Double(noise) / Double(Swift.max(1, clustering.labels.count)),
            vaeEpochLosses: vaeReport.epochLosses)
    }

    /// Scores `vector` given the vectors that came just before it (oldest first; only the last
    /// T − 1 are used). With less history the VAE's sequence is padded at the front by repeating
    /// the oldest vector available (the vector itself when there is no history).
    public func score(_ vector: [Double], history: [[Double]] = []) throws(ModelError) -> EnsembleScore {
        try AnomalyModels.validate(vector, dimension: dimension)
        let recent = history.suffix(historyLength)
        for h in recent { try AnomalyModels.validate(h, dimension: dimension) }

        let dbscanRaw = try dbscan.score(dbscanScaler.transform(vector))
        var sequence: [Double] = []
        sequence.reserveCapacity(dimension * configuration.sequenceLength)
        let padding = configuration.sequenceLength - 1 - recent.count
        let first = recent.first ?? vector
        for _ in 0..<padding { sequence.append(contentsOf: vaeScaler.transform(first)) }
        for h in recent { sequence.append(contentsOf: vaeScaler.transform(h)) }
        sequence.append(contentsOf: vaeScaler.transform(vector))
        let vaeRaw = try vae.reconstructionError(sequence)
        let zScores = try zmad.zScores(vector)
        let zmadRaw = zScores.reduce(0) { Swift.max($0, abs($1)) }
        return combine(dbscanRaw: dbscanRaw, vaeRaw: vaeRaw, zmadRaw: zmadRaw, zScores: zScores)
    }

    func combine(dbscanRaw: Double, vaeRaw: Double, zmadRaw: Double, zScores: [Double]) -> EnsembleScore {
        func model(_ raw: Double, _ calibration: ScoreCalibration) -> ModelScore {
            let p = calibration.percentile(raw)
            return ModelScore(raw: raw, percentile: p, surprise: calibration.surprise(raw), vote: p >= configuration.voteThreshold)
        }
        let d = model(dbscanRaw, dbscanCalibration)
        let v = model(vaeRaw, vaeCalibration)
        let z = model(zmadRaw, zmadCalibration)
        let w = configuration.weights
        let total = w.dbscan + w.vae + w.zmad
        let weighted = (w.dbscan * d.percentile + w.vae * v.percentile + w.zmad * z.percentile) / total
        let weightedSurprise = (w.dbscan * d.surprise + w.vae * v.surprise + w.zmad * z.surprise) / total
        let votes = [d, v, z].count(where: \.vote)
        let consensus = votes >= 2
        var risk: RiskLevel?
        if consensus {
            let tiers = configuration.riskTiers
            risk = weightedSurprise >= tiers.critical ? .critical
                : weightedSurprise >= tiers.high ? .high
                : weightedSurprise >= tiers.medium ? .medium : .low
        }
        let decision: Decision
        if consensus {
            decision = .highConfidenceAttack
        } else if votes == 1, v.vote, d.percentile < configuration.clearlyNormalPercentile {
            decision = .investigateEdgeCase
        } else if votes == 1 {
            decision = .subtleAnomaly
        } else {
            decision = .normalTraffic
        }
        return EnsembleScore(
            dbscan: d, vae: v, zmad: z, votes: votes, consensus: consensus,
            weightedScore: weighted, weightedSurprise: weightedSurprise,
            risk: risk, decision: decision, featureZScores: zScores)
    }

    /// Row i = rows i−T+1 … i of `data` concatenated (oldest first), padded at the front with
    /// row 0 for the first T − 1 rows.
    static func sequenceMatrix(_ data: Matrix, length: Int) -> Matrix {
        let d = data.columns
        var out = Matrix(rows: data.rows, columns: d * length)
        for i in 0..<data.rows {
            for step in 0..<length {
                let source = Swift.max(0, i - (length - 1) + step)
                for j in 0..<d { out.values[i * d * length + step * d + j] = data.values[source * d + j] }
            }
        }
        return out
    }

    /// ε from the data: the `quantile` of the distance from (up to 1000 sampled) points to their
    /// minPoints-th nearest neighbour, counting the point itself as the first.
    static func automaticEpsilon(_ data: Matrix, minPoints: Int, quantile: Double, generator: inout SeededGenerator) -> Double {
        let n = data.rows, d = data.columns
        let k = Swift.min(minPoints, n)
        var probes = Array(0..<n)
        if n > 1000 {
            probes.shuffle(using: &generator)
            probes = Array(probes.prefix(1000))
        }
        var kDistances: [Double] = []
        kDistances.reserveCapacity(probes.count)
        data.values.withUnsafeBufferPointer { x in
            var nearest = [Double](repeating: .infinity, count: k)  // ascending squared distances
            for p in probes {
                for i in 0..<k { nearest[i] = .infinity }
                for q in 0..<n {
                    var s = 0.0
                    for j in 0..<d {
                        let delta = x[p * d + j] - x[q * d + j]
                        s += delta * delta
                    }
                    if s < nearest[k - 1] {
                        var i = k - 1
                        while i > 0, nearest[i - 1] > s {
                            nearest[i] = nearest[i - 1]
                            i -= 1
                        }
                        nearest[i] = s
                    }
                }
                kDistances.append(nearest[k - 1].squareRoot())
            }
        }
        let epsilon = Quantile.sorted(kDistances.sorted(), quantile)
        // All-duplicate data has zero spread: any positive ε then clusters it.
        return epsilon > 1e-9 ? epsilon : 1e-3
    }
}

/// One observation offered for training.
public struct TrainingSample: Codable, Sendable, Equatable {
    /// The feature vector.
    public var vector: [Double]
    /// Training confidence in [0, 1] (see ``TrainingConfidence``).
    public var confidence: Double
    /// Seconds since the Unix epoch (used by the recent window); 0 when unknown.
    public var timestamp: Double

    /// A sample, by default fully trusted and of unknown time.
    public init(vector: [Double], confidence: Double = 1, timestamp: Double = 0) {
        self.vector = vector
        self.confidence = confidence
        self.timestamp = timestamp
    }
}

/// Time-ordered normal samples for ``AnomalyEnsemble/train(_:configuration:)``.
public struct TrainingData: Sendable {
    /// The samples, oldest first.
    public var samples: [TrainingSample]
    /// Training data made of `samples`, which should be time-ordered (the VAE learns sequences).
    public init(samples: [TrainingSample]) { self.samples = samples }
    /// Every vector with confidence 1.
    public init(vectors: [[Double]]) { samples = vectors.map { TrainingSample(vector: $0) } }
}
