import AnomalyModels
import Testing

@Suite("AnomalyModels: extreme but finite vectors score, train and stay bounded")
struct ExtremeVectorTests {
    static let trained = try! AnomalyEnsemble.train(TrainingData(vectors: normalStream(count: 300, seed: 11)), configuration: smallConfiguration())

    static let extremes: [[Double]] = [
        Array(repeating: 1e300, count: 7),
        Array(repeating: -1e300, count: 7),
        Array(repeating: .greatestFiniteMagnitude, count: 7),
        [1e300, -1e300, 1e300, -1e300, 1e300, -1e300, 1e300],
        Array(repeating: .leastNonzeroMagnitude, count: 7),
        Array(repeating: -0.0, count: 7),
        [9_007_199_254_740_992, 0, 0, 0, 0, 0, 0],
    ]

    static func isValid(_ score: EnsembleScore) -> Bool {
        [score.dbscan, score.vae, score.zmad].allSatisfy { (0...1).contains($0.percentile) && !$0.raw.isNaN }
            && (0...1).contains(score.weightedScore)
    }

    @Test("scoring gives percentiles in [0, 1], alone and after extreme history", arguments: extremes)
    func scores(_ vector: [Double]) throws {
        let alone = try Self.trained.score(vector)
        #expect(Self.isValid(alone), "\(alone)")
        let afterHistory = try Self.trained.score(normalStream(count: 1, seed: 12)[0], history: Self.extremes)
        #expect(Self.isValid(afterHistory), "\(afterHistory)")
    }

    @Test("huge values far from the data are anomalous for every model")
    func hugeIsAnomalous() throws {
        let score = try Self.trained.score(Array(repeating: 1e300, count: 7))
        #expect(score.consensus && score.votes == 3, "\(score)")
    }

    @Test("training data holding an extreme vector trains, and the ensemble then scores validly", arguments: extremes)
    func trainingWithAnExtreme(_ extreme: [Double]) throws {
        var vectors = normalStream(count: 200, seed: 13)
        vectors[100] = extreme
        let ensemble = try AnomalyEnsemble.train(TrainingData(vectors: vectors), configuration: smallConfiguration())
        #expect(Self.isValid(try ensemble.score(vectors[50])))
        #expect(Self.isValid(try ensemble.score(extreme)))
    }
}

@Suite("AnomalyDetector: a batch of training vectors is taken whole or not at all")
struct BatchObserveTests {
    @Test("one bad vector in a batch: the error, and no sample added")
    func badVectorChangesNothing() throws {
        let detector = try AnomalyDetector(configuration: smallConfiguration())
        var batch = normalStream(count: 10, seed: 21).enumerated().map { (vector: $0.element, timestamp: Double($0.offset)) }
        batch[7].vector[2] = .nan
        #expect(throws: ModelError.nonFiniteValue(row: 0, column: 2)) { try detector.observe(contentsOf: batch) }
        batch[7].vector[2] = 1
        batch[3].timestamp = .infinity
        #expect(throws: ModelError.self) { try detector.observe(contentsOf: batch) }
        batch[3].timestamp = 3
        batch[5].vector = [1, 2]
        #expect(throws: ModelError.dimensionMismatch(expected: 7, got: 2)) { try detector.observe(contentsOf: batch) }
        #expect(detector.trainingSampleCount == 0 && detector.statistics.samplesSinceTraining == 0)
        batch[5].vector = normalStream(count: 1, seed: 22)[0]
        let confidences = try detector.observe(contentsOf: batch)
        #expect(confidences.count == 10 && confidences.allSatisfy { (0...1).contains($0) })
        #expect(detector.trainingSampleCount == 10)
    }
}
