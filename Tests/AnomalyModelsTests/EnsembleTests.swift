@testable import AnomalyModels
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing

/// A normal stream: 7 correlated AR(1) features around fixed means.
func normalStream(count: Int, seed: UInt64, dimension: Int = 7) -> [[Double]] {
    var generator = SeededGenerator(seed: seed)
    var state = Array(repeating: 0.0, count: dimension)
    return (0..<count).map { _ in
        state = state.map { 0.7 * $0 + 0.714 * generator.nextGaussian() }
        return (0..<dimension).map { j in Double(j + 1) + 0.5 * state[j] + 0.2 * state[(j + 1) % dimension] }
    }
}

func smallConfiguration(dimension: Int = 7) -> EnsembleConfiguration {
    var configuration = EnsembleConfiguration(dimension: dimension)
    configuration.vaeEpochs = 15
    return configuration
}

@Suite("Ensemble: calibration, consensus and decisions")
struct EnsembleTests {
    @Test("normal data is rarely flagged; far outliers reach consensus with graded risk")
    func consensus() throws {
        let ensemble = try AnomalyEnsemble.train(TrainingData(vectors: normalStream(count: 1500, seed: 1)), configuration: smallConfiguration())
        let heldOut = normalStream(count: 1000, seed: 2)
        var history: [[Double]] = []
        var flagged = 0
        for v in heldOut {
            if try ensemble.score(v, history: history).consensus { flagged += 1 }
            history = Array((history + [v]).suffix(ensemble.historyLength))
        }
        #expect(flagged <= 10, "\(flagged) of 1000 held-out normal vectors reached consensus")

        var outlier = heldOut[500]
        outlier[3] += 12  // 24 standard deviations on one feature
        let score = try ensemble.score(outlier, history: history)
        #expect(score.consensus && score.votes >= 2)
        #expect(score.decision == .highConfidenceAttack)
        #expect(score.risk != nil && score.risk! >= .high, "\(score)")
        #expect(score.featureZScores.enumerated().max { abs($0.1) < abs($1.1) }?.offset == 3)

        let normal = try ensemble.score(heldOut[10], history: Array(heldOut[0..<10]))
        #expect(normal.risk == nil && normal.decision == .normalTraffic)
    }

    @Test("decision labels follow which model votes")
    func decisions() throws {
        let ensemble = try AnomalyEnsemble.train(TrainingData(vectors: normalStream(count: 300, seed: 3)), configuration: smallConfiguration())
        let low = 0.0, high = 1e9
        #expect(ensemble.combine(dbscanRaw: low, vaeRaw: low, zmadRaw: low, zScores: []).decision == .normalTraffic)
        #expect(ensemble.combine(dbscanRaw: low, vaeRaw: high, zmadRaw: low, zScores: []).decision == .investigateEdgeCase)
        #expect(ensemble.combine(dbscanRaw: high, vaeRaw: low, zmadRaw: low, zScores: []).decision == .subtleAnomaly)
        #expect(ensemble.combine(dbscanRaw: low, vaeRaw: low, zmadRaw: high, zScores: []).decision == .subtleAnomaly)
        let two = ensemble.combine(dbscanRaw: high, vaeRaw: low, zmadRaw: high, zScores: [])
        #expect(two.consensus && two.decision == .highConfidenceAttack && two.risk == .critical)
    }

    @Test("training refuses too few samples, NaN and bad settings, naming them")
    func badTraining() throws {
        let configuration = smallConfiguration()
        #expect(throws: ModelError.insufficientSamples(needed: 50, got: 49)) {
            try AnomalyEnsemble.train(TrainingData(vectors: normalStream(count: 49, seed: 1)), configuration: configuration)
        }
        var vectors = normalStream(count: 60, seed: 1)
        vectors[7][2] = .nan
        #expect(throws: ModelError.nonFiniteValue(row: 7, column: 2)) {
            try AnomalyEnsemble.train(TrainingData(vectors: vectors), configuration: configuration)
        }
        var bad = configuration
        bad.voteThreshold = 1.5
        #expect(throws: ModelError.invalidParameter(name: "voteThreshold", value: "1.5", reason: "must be in (0, 1)")) {
            try AnomalyEnsemble.train(TrainingData(vectors: normalStream(count: 60, seed: 1)), configuration: bad)
        }
    }

    @Test("same seed and data give the same ensemble")
    func deterministic() throws {
        let data = TrainingData(vectors: normalStream(count: 200, seed: 9))
        let a = try AnomalyEnsemble.train(data, configuration: smallConfiguration())
        let b = try AnomalyEnsemble.train(data, configuration: smallConfiguration())
        #expect(try ModelFileFormat.encode(a) == ModelFileFormat.encode(b))
    }
}

@Suite("Training windows and confidence")
struct TrainingWindowsTests {
    @Test("attack samples never enter the windows; capacities and the recent window hold")
    func windows() {
        var limits = TrainingWindows.Limits()
        limits.allCapacity = 100
        limits.highConfidenceCapacity = 50
        limits.recentSeconds = 10
        var windows = TrainingWindows(limits: limits)
        for i in 0..<300 {
            windows.add(TrainingSample(vector: [Double(i)], confidence: i % 2 == 0 ? 0.9 : 0.5, timestamp: Double(i)), isAttack: i % 3 == 0)
        }
        #expect(windows.rejectedAttacks == 100)
        #expect(windows.all.allSatisfy { Int($0.vector[0]) % 3 != 0 })
        #expect(windows.count == 100)
        #expect(windows.trainingData.samples.count == 100)
        #expect(windows.trainingData.samples.last?.vector == [299])
        #expect(windows.highConfidence.allSatisfy { $0.confidence >= 0.8 })
        #expect(windows.recent(now: 299).map { Int($0.vector[0]) } == (289...299).filter { $0 % 3 != 0 })
    }

    @Test("confidence: a smooth rate factor, similarity to history, time-of-day prior")
    func confidence() throws {
        let policy = TrainingConfidence(rateFeature: 0, rateMidpoint: 300, rateWidth: 50)
        #expect(policy.confidence(for: [300, 0], recent: nil, timestamp: nil) == 0.75)  // (½ + 1) / 2
        let low = policy.confidence(for: [100, 0], recent: nil, timestamp: nil)
        let high = policy.confidence(for: [800, 0], recent: nil, timestamp: nil)
        #expect(low > 0.99 && high < 0.51 && high > 0.5)

        let history = try ModifiedZScore(fitting: Matrix(rows: (0..<50).map { [Double($0 % 10), 1] }))
        let similar = TrainingConfidence().confidence(for: [5, 1], recent: history, timestamp: nil)
        let different = TrainingConfidence().confidence(for: [500, 1], recent: history, timestamp: nil)
        #expect(similar > 0.95 && different < 0.01)

        var prior = Array(repeating: 1.0, count: 24)
        prior[3] = 0.2
        let night = TrainingConfidence(hourlyPrior: prior).confidence(for: [5, 1], recent: nil, timestamp: 3 * 3600 + 60)
        #expect(abs(night - 0.6) < 1e-12)  // (1 + 0.2) / 2
        #expect(throws: ModelError.self) { try TrainingConfidence(rateFeature: 5).validate(dimension: 2) }
    }
}

@Suite("Evaluation harness")
struct EvaluationTests {
    @Test("precision, recall, F1, FPR and latency from hand-checked alarms")
    func metrics() {
        // Two streams: [n n a a a n] and [a a n].
        let attack = [false, false, true, true, true, false, true, true, false]
        let alarms = [false, true, false, true, true, false, false, false, false]
        let scores = [0.1, 0.6, 0.5, 0.9, 0.8, 0.2, 0.4, 0.3, 0.05]
        let m = Evaluation.metrics(scores: scores, alarms: alarms, isAttack: attack, streamStarts: [0, 6])
        #expect(m.truePositives == 2 && m.falsePositives == 1 && m.falseNegatives == 3 && m.trueNegatives == 3)
        #expect(abs(m.precision - 2.0 / 3) < 1e-12 && abs(m.recall - 0.4) < 1e-12)
        #expect(abs(m.f1 - 2 * (2.0 / 3) * 0.4 / (2.0 / 3 + 0.4)) < 1e-12)
        #expect(m.falsePositiveRate == 0.25)
        #expect(m.detectionLatencies == [1, nil])  // first segment flagged one window late, second missed
        #expect(m.meanDetectionLatency == 1)
        // AUC: 5 attacks × 4 normals; count pairs where attack > normal.
        var pairs = 0.0
        for i in attack.indices where attack[i] {
            for j in attack.indices where !attack[j] { pairs += scores[i] > scores[j] ? 1 : scores[i] == scores[j] ? 0.5 : 0 }
        }
        #expect(abs(m.rocAUC! - pairs / 20) < 1e-12)
        #expect(Evaluation.rocAUC(scores: [1, 1, 1], isAttack: [true, false, true]) == 0.5)
        #expect(Evaluation.rocAUC(scores: [1, 2], isAttack: [true, true]) == nil)
    }

    @Test("the harness scores streams and separates injected anomalies")
    func harness() throws {
        let ensemble = try AnomalyEnsemble.train(TrainingData(vectors: normalStream(count: 1000, seed: 4)), configuration: smallConfiguration())
        var vectors = normalStream(count: 300, seed: 5)
        var labels = Array(repeating: false, count: 300)
        for i in 200..<230 {
            vectors[i][0] += 8
            vectors[i][5] -= 6
            labels[i] = true
        }
        let report = try Evaluation.evaluate(ensemble, on: [LabelledStream(name: "synthetic", vectors: vectors, isAttack: labels)])
        #expect(report.results.count == 300)
        #expect(report.ensemble.recall >= 0.9, "\(report.table)")
        #expect(report.ensemble.falsePositiveRate <= 0.02, "\(report.table)")
        #expect(report.ensemble.detectionLatencies == [0])
        #expect((report.ensemble.rocAUC ?? 0) > 0.95)
        #expect(report.table.contains("| ensemble (2 of 3) |"))
    }
}

@Suite("Evaluation plot")
struct EvaluationPlotTests {
    @Test("the SVG is well-formed, shades every attack run in every panel and names every stream")
    func svgPlot() throws {
        let ensemble = try AnomalyEnsemble.train(TrainingData(vectors: normalStream(count: 400, seed: 8)), configuration: smallConfiguration())
        var attack = normalStream(count: 40, seed: 9)
        var labels = Array(repeating: false, count: 40)
        for i in 10..<15 { attack[i][0] += 9; labels[i] = true }  // one run of attack windows
        for i in 30..<33 { attack[i][2] -= 9; labels[i] = true }  // a second run
        let report = try Evaluation.evaluate(ensemble, on: [
            LabelledStream(name: "quiet <host>", vectors: normalStream(count: 30, seed: 10), isAttack: Array(repeating: false, count: 30)),
            LabelledStream(name: "attacked & scanned", vectors: attack, isAttack: labels),
        ])
        let svg = report.svg(title: "lab")
        let parser = XMLParser(data: Data(svg.utf8))
        #expect(parser.parse(), "not well-formed XML: \(parser.parserError.map { "\($0)" } ?? "")")
        #expect(svg.components(separatedBy: "class=\"attack\"").count - 1 == 4 * 2)  // 4 panels × 2 runs
        #expect(svg.components(separatedBy: "<polyline").count - 1 == 4)
        #expect(svg.components(separatedBy: "class=\"alarm\"").count - 1 == report.results.count { $0.score.consensus })
        #expect(svg.contains("1. quiet &lt;host&gt; (normal traffic)"))
        #expect(svg.contains("2. attacked &amp; scanned (with attack windows)"))
        #expect(svg.contains("surprise −log10(1 − percentile)"))
        #expect(svg.contains("windows labelled attack") && svg.contains("vote threshold (p = 0.995)"))
    }
}
