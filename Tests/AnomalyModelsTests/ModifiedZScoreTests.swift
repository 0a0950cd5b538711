import AnomalyModels
import Testing

@Suite("Modified z-score (ZMAD)")
struct ModifiedZScoreTests {
    // Feature 0: ordinary MAD. Feature 1: MAD = 0 (mean-AD fallback). Feature 2: constant.
    let history = Matrix(rows: [[1, 5, 2], [2, 5, 2], [3, 5, 2], [4, 5, 2], [100, 9, 2]])

    @Test("values equal hand-computed ones, including MAD = 0 and a constant feature")
    func handComputed() throws {
        let model = try ModifiedZScore(fitting: history)
        #expect(model.medians == [3, 5, 2])
        let z = try model.zScores([5, 7, 2])
        // 0.6745 · (5 − 3) / MAD, MAD = median(|x − 3|) = median(2, 1, 0, 1, 97) = 1
        #expect(abs(z[0] - 0.6745 * 2 / 1) < 1e-12)
        // MAD = 0, mean AD = (0 + 0 + 0 + 0 + 4) / 5 = 0.8: (7 − 5) / (1.253314 · 0.8)
        #expect(abs(z[1] - 2 / (1.253314 * 0.8)) < 1e-12)
        #expect(z[2] == 0)  // constant feature at its constant
        #expect(try model.zScores([3, 5, 3])[2] == 10)  // any change of a constant: ±constantFeatureDeviation
        #expect(try model.zScores([3, 5, 1])[2] == -10)
        #expect(try model.zScores([3, 3, 2])[1] == -2 / (1.253314 * 0.8))
        #expect(abs(try model.score([5, 7, 2]) - 2 / (1.253314 * 0.8)) < 1e-12)  // max |z|
    }

    @Test("the history rolls: only the last `capacity` vectors count")
    func rolling() throws {
        var model = try ModifiedZScore(dimension: 1, capacity: 3)
        #expect(try model.score([42]) == 0)  // no history yet
        for v in [100.0, 1, 2, 3] { try model.append([v]) }
        #expect(model.history == [[1], [2], [3]])
        #expect(model.medians == [2])
        // MAD = median(1, 0, 1) = 1
        #expect(abs(try model.zScores([4])[0] - 0.6745 * 2) < 1e-12)
    }

    @Test("bad input names the problem and leaves the history alone")
    func badInput() throws {
        var model = try ModifiedZScore(fitting: history)
        let before = model
        #expect(throws: ModelError.dimensionMismatch(expected: 3, got: 2)) { try model.append([1, 2]) }
        #expect(throws: ModelError.nonFiniteValue(row: 0, column: 1)) { try model.append([1, .infinity, 2]) }
        #expect(model == before)
        #expect(throws: ModelError.invalidParameter(name: "capacity", value: "0", reason: "must be positive")) {
            try ModifiedZScore(dimension: 2, capacity: 0)
        }
    }
}

@Suite("Score calibration")
struct ScoreCalibrationTests {
    @Test("percentiles follow the empirical distribution and stay below 1 beyond it")
    func percentiles() throws {
        let calibration = try ScoreCalibration(scores: (1...99).map(Double.init))
        #expect(calibration.percentile(0.5) == 0)
        #expect(calibration.percentile(50) == 0.5)  // 50 of 99 scores ≤ 50, / (99 + 1)
        #expect(calibration.percentile(99) == 0.99)
        #expect(abs(calibration.surprise(99) - 2) < 1e-12)
        let beyond = [100.0, 110, 200, 1e6].map(calibration.percentile)
        #expect(beyond == beyond.sorted() && beyond.allSatisfy { $0 > 0.99 && $0 < 1 })
        // Surprise keeps growing (no saturation at p ≈ 1) and stays finite.
        let surprises = [100.0, 110, 200, 1e6].map(calibration.surprise)
        #expect(surprises == surprises.sorted() && surprises[3] > surprises[2] && surprises.allSatisfy(\.isFinite))
    }

    @Test("ties and large sets")
    func tiesAndSubsampling() throws {
        let ties = try ScoreCalibration(scores: Array(repeating: 0, count: 9) + [1])
        #expect(ties.percentile(0) == 9.0 / 11)  // 9 of 10 are ≤ 0, / (10 + 1)
        let large = try ScoreCalibration(scores: (0..<100_000).map { Double($0) })
        #expect(large.sortedScores.count == ScoreCalibration.maximumStoredScores)
        #expect(abs(large.percentile(50_000) - 0.5) < 1e-3)
        #expect(throws: ModelError.emptyTrainingSet) { try ScoreCalibration(scores: []) }
        #expect(throws: ModelError.nonFiniteValue(row: 1, column: 0)) { try ScoreCalibration(scores: [1, .nan]) }
    }
}
