import Foundation
import Testing

@testable import AnomalyModels

/// Synthetic "flattened window sequences": 10 windows × 7 features = 70 values per row, from a
/// smooth 4-parameter process (amplitude, frequency, phase, level) plus small Gaussian noise.
private enum SyntheticSequences {
    static let windows = 10, features = 7
    static let width = windows * features
    /// Per-feature gain, level sensitivity and offset: the features look different, so a
    /// swapped feature order is off the normal manifold.
    static let gain: [Double] = [1.0, 0.6, -0.8, 0.3, 1.2, -0.5, 0.9]
    static let levelSensitivity: [Double] = [0.5, -0.4, 0.2, 0.8, -0.6, 0.1, 0.3]
    static let offset: [Double] = [-1.2, -0.6, 0.0, 0.6, 1.2, -0.3, 0.3]

    static func normal(_ count: Int, _ g: inout SeededGenerator, noise: Double = 0.05) -> [[Double]] {
        (0..<count).map { _ in
            let amplitude = 0.5 + g.nextUniform()
            let frequency = 0.3 + 0.5 * g.nextUniform()
            let phase = 2 * Double.pi * g.nextUniform()
            let level = 0.5 * g.nextGaussian()
            var row: [Double] = []
            row.reserveCapacity(width)
            for t in 0..<windows {
                for f in 0..<features {
                    let wave = amplitude * sin(frequency * Double(t) + phase + 0.7 * Double(f))
                    row.append(gain[f] * wave + levelSensitivity[f] * level + offset[f] + noise * g.nextGaussian())
                }
            }
            return row
        }
    }

    /// Normal rows with one of three injected anomalies each, cycling through:
    /// a spike (+3 on one value), a shifted segment (+1 on all features of 3 consecutive
    /// windows), and a swapped feature order (two features exchanged in every window).
    static func anomalies(_ count: Int, _ g: inout SeededGenerator) -> [[Double]] {
        normal(count, &g).enumerated().map { index, base in
            var row = base
            switch index % 3 {
            case 0:
                let position = Int(g.next() % UInt64(width))
                row[position] += 3
            case 1:
                let start = Int(g.next() % UInt64(windows - 2))
                for t in start..<(start + 3) {
                    for f in 0..<features { row[t * features + f] += 1 }
                }
            default:
                let a = Int(g.next() % UInt64(features))
                let b = (a + 1 + Int(g.next() % UInt64(features - 1))) % features
                for t in 0..<windows { row.swapAt(t * features + a, t * features + b) }
            }
            return row
        }
    }
}

/// ROC-AUC of "anomalies score higher": the fraction of (normal, anomaly) pairs ordered
/// correctly, ties counted half.
private func rocAUC(normal: [Double], anomalous: [Double]) -> Double {
    var correct = 0.0
    for n in normal {
        for a in anomalous {
            if a > n { correct += 1 } else if a == n { correct += 0.5 }
        }
    }
    return correct / Double(normal.count * anomalous.count)
}

/// The `name` of an ``ModelError/invalidParameter(name:value:reason:)`` thrown by `body`, or a
/// description of whatever else happened.
private func invalidParameterName<T>(_ body: () throws(ModelError) -> T) -> String {
    do {
        _ = try body()
        return "no error"
    } catch {
        if case .invalidParameter(let name, _, _) = error { return name }
        return "other error: \(error)"
    }
}

private func randomMatrix(_ rows: Int, _ columns: Int, _ g: inout SeededGenerator, scale: Double = 1) -> Matrix {
    Matrix(rows: rows, columns: columns, values: (0..<(rows * columns)).map { _ in scale * g.nextGaussian() })
}

@Suite("Variational autoencoder")
struct VAETests {
    // MARK: Gradients

    /// Central differences with h = 1e-6 on every one of the 81 parameters of a 5 → 4 → 2
    /// network (batch 3, fixed ε, unequal row weights) for β = 0, 0.7 and 2. The error measure is
    /// |analytic − numeric| / max(|analytic|, |numeric|, 1e-3): relative for components above
    /// 1e-3 and absolute below, where the finite difference itself is only good to about
    /// ε_mach · |loss| / h ≈ 1e-8 here.
    @Test("analytic gradients match central finite differences on every parameter", arguments: [0.0, 0.7, 2.0])
    func gradientCheck(beta: Double) {
        var g = SeededGenerator(seed: 2024)
        var parameters = VAEParameters(inputDimension: 5, hiddenUnits: 4, latentDimension: 2)
        for path in VAEParameters.arrays {
            for i in parameters[keyPath: path].indices { parameters[keyPath: path][i] = 0.6 * g.nextGaussian() }
        }
        // Push one log-variance unit well into the soft clamp's curved region.
        parameters.logVarianceBias[0] += 7
        let batch = randomMatrix(3, 5, &g)
        let epsilon = randomMatrix(3, 2, &g)
        let weights = [1.0, 0.5, 0.2]

        let (loss, analytic) = parameters.lossAndGradients(
            batch: batch, epsilon: epsilon, sampleWeights: weights, klWeight: beta)
        #expect(loss.isFinite && loss > 0)

        let h = 1e-6
        var worst = 0.0, checked = 0, largest = 0.0
        for path in VAEParameters.arrays {
            for i in parameters[keyPath: path].indices {
                var plus = parameters, minus = parameters
                plus[keyPath: path][i] += h
                minus[keyPath: path][i] -= h
                let lossPlus = plus.lossAndGradients(batch: batch, epsilon: epsilon, sampleWeights: weights, klWeight: beta).loss
                let lossMinus = minus.lossAndGradients(batch: batch, epsilon: epsilon, sampleWeights: weights, klWeight: beta).loss
                let numeric = (lossPlus - lossMinus) / (2 * h)
                let exact = analytic[keyPath: path][i]
                let error = abs(exact - numeric) / max(abs(exact), abs(numeric), 1e-3)
                worst = max(worst, error)
                largest = max(largest, abs(exact))
                checked += 1
            }
        }
        #expect(checked == 5 * 4 + 4 + 2 * (4 * 2 + 2) + 2 * 4 + 4 + 4 * 5 + 5)
        #expect(largest > 0.1)  // the check is not vacuous
        #expect(worst < 1e-5, "max relative gradient error \(worst)")
    }

    // MARK: Training

    @Test("the loss falls clearly over training on structured data")
    func lossDecreases() throws {
        var g = SeededGenerator(seed: 1)
        let data = Matrix(rows: SyntheticSequences.normal(800, &g))
        let config = VAEConfiguration(inputDimension: 70, epochs: 20, batchSize: 32, learningRate: 3e-3)
        let (model, report) = try VariationalAutoencoder.train(data, configuration: config)
        #expect(report.epochLosses.count == 20)
        #expect(report.epochLosses.allSatisfy { $0.isFinite })
        let first = try #require(report.epochLosses.first), last = try #require(report.epochLosses.last)
        #expect(last < 0.25 * first, "first \(first), last \(last)")
        #expect(model.parameters.isFinite)
    }

    @Test("held-out normal sequences score below injected anomalies (ROC-AUC ≥ 0.95)")
    func detectsAnomalies() throws {
        var g = SeededGenerator(seed: 99)
        let train = Matrix(rows: SyntheticSequences.normal(2000, &g))
        let heldOut = Matrix(rows: SyntheticSequences.normal(300, &g))
        let anomalies = Matrix(rows: SyntheticSequences.anomalies(300, &g))
        let config = VAEConfiguration(inputDimension: 70, epochs: 30, learningRate: 3e-3)
        let (model, _) = try VariationalAutoencoder.train(train, configuration: config)

        let normalScores = try model.reconstructionErrors(heldOut)
        let anomalyScores = try model.reconstructionErrors(anomalies)
        let auc = rocAUC(normal: normalScores, anomalous: anomalyScores)
        #expect(auc >= 0.95, "ROC-AUC \(auc)")
        // Each kind of anomaly on its own.
        for kind in 0..<3 {
            let scores = anomalyScores.enumerated().filter { $0.offset % 3 == kind }.map(\.element)
            let kindAUC = rocAUC(normal: normalScores, anomalous: scores)
            #expect(kindAUC >= 0.9, "anomaly kind \(kind): ROC-AUC \(kindAUC)")
        }
    }

    @Test("the same seed gives identical weights; another seed does not")
    func deterministic() throws {
        var g = SeededGenerator(seed: 3)
        // 300 rows in batches of 32: the last batch of each epoch has 12 rows.
        let data = Matrix(rows: SyntheticSequences.normal(300, &g))
        let config = VAEConfiguration(inputDimension: 70, hiddenUnits: 16, epochs: 4, batchSize: 32, seed: 7)
        let (a, reportA) = try VariationalAutoencoder.train(data, configuration: config)
        let (b, reportB) = try VariationalAutoencoder.train(data, configuration: config)
        for path in VAEParameters.arrays {
            #expect(a.parameters[keyPath: path] == b.parameters[keyPath: path])
        }
        #expect(a == b)
        #expect(reportA.epochLosses == reportB.epochLosses)

        var other = config
        other.seed = 8
        let (c, _) = try VariationalAutoencoder.train(data, configuration: other)
        #expect(c.parameters.encoderWeights != a.parameters.encoderWeights)
        #expect(c.parameters.outputBias != a.parameters.outputBias)
    }

    // MARK: Sample weights

    @Test("rows of weight 0 do not influence training at all")
    func zeroWeightRowsAreIgnored() throws {
        var g = SeededGenerator(seed: 11)
        let normal = SyntheticSequences.normal(200, &g)
        // Garbage rows interleaved with the normal ones.
        var mixed: [[Double]] = [], weights: [Double] = []
        for (i, row) in normal.enumerated() {
            mixed.append(row)
            weights.append(1)
            if i % 2 == 0 {
                mixed.append((0..<70).map { _ in 20 * g.nextGaussian() })
                weights.append(0)
            }
        }
        let config = VAEConfiguration(inputDimension: 70, hiddenUnits: 16, epochs: 3, batchSize: 32)
        let (clean, cleanReport) = try VariationalAutoencoder.train(Matrix(rows: normal), configuration: config)
        let (weighted, weightedReport) = try VariationalAutoencoder.train(
            Matrix(rows: mixed), configuration: config, sampleWeights: weights)
        #expect(weighted == clean)
        #expect(weightedReport.epochLosses == cleanReport.epochLosses)
    }

    @Test("only relative weights matter: all 0.5 trains exactly like no weights")
    func uniformWeightsAreRelative() throws {
        var g = SeededGenerator(seed: 12)
        let data = Matrix(rows: SyntheticSequences.normal(150, &g))
        let config = VAEConfiguration(inputDimension: 70, hiddenUnits: 8, epochs: 2, batchSize: 40)
        let (plain, _) = try VariationalAutoencoder.train(data, configuration: config)
        let (halved, _) = try VariationalAutoencoder.train(
            data, configuration: config, sampleWeights: Array(repeating: 0.5, count: 150))
        #expect(halved == plain)
    }

    @Test("rows with positive weight are learned; the same rows at weight 0 are not")
    func weightsSteerWhatIsLearned() throws {
        var g = SeededGenerator(seed: 13)
        let normal = SyntheticSequences.normal(600, &g)
        // A second, distinct pattern: a fixed ramp with small noise.
        let other = (0..<200).map { _ in (0..<70).map { 2 - Double($0) / 17.5 + 0.05 * g.nextGaussian() } }
        let data = Matrix(rows: normal + other)
        let config = VAEConfiguration(inputDimension: 70, epochs: 15, learningRate: 3e-3)
        let ignoreOther = Array(repeating: 1.0, count: 600) + Array(repeating: 0.0, count: 200)
        let learnOther = Array(repeating: 1.0, count: 800)
        let (ignoring, _) = try VariationalAutoencoder.train(data, configuration: config, sampleWeights: ignoreOther)
        let (learning, _) = try VariationalAutoencoder.train(data, configuration: config, sampleWeights: learnOther)

        func meanError(_ model: VariationalAutoencoder, _ rows: [[Double]]) throws -> Double {
            try model.reconstructionErrors(Matrix(rows: rows)).reduce(0, +) / Double(rows.count)
        }
        let otherIgnored = try meanError(ignoring, other), otherLearned = try meanError(learning, other)
        #expect(otherLearned * 5 < otherIgnored, "ramp error \(otherLearned) learned vs \(otherIgnored) ignored")
        // Both still reconstruct the normal pattern comparably.
        let normalIgnoring = try meanError(ignoring, normal), normalLearning = try meanError(learning, normal)
        #expect(normalLearning < 3 * normalIgnoring && normalIgnoring < 3 * normalLearning)
    }

    // MARK: Validation

    @Test("bad inputs are refused with the named error")
    func badInputs() throws {
        var g = SeededGenerator(seed: 21)
        let data = Matrix(rows: SyntheticSequences.normal(20, &g))
        let config = VAEConfiguration(inputDimension: 70, hiddenUnits: 4, epochs: 1)

        #expect(throws: ModelError.dimensionMismatch(expected: 71, got: 70)) {
            try VariationalAutoencoder.train(data, configuration: VAEConfiguration(inputDimension: 71))
        }
        var withNaN = data
        withNaN[3, 5] = .nan
        #expect(throws: ModelError.nonFiniteValue(row: 3, column: 5)) {
            try VariationalAutoencoder.train(withNaN, configuration: config)
        }
        var withInfinity = data
        withInfinity[0, 69] = -.infinity
        #expect(throws: ModelError.nonFiniteValue(row: 0, column: 69)) {
            try VariationalAutoencoder.train(withInfinity, configuration: config)
        }
        #expect(throws: ModelError.emptyTrainingSet) {
            try VariationalAutoencoder.train(Matrix(rows: 0, columns: 70), configuration: config)
        }

        func named(_ change: (inout VAEConfiguration) -> Void) -> String {
            var bad = config
            change(&bad)
            return invalidParameterName { () throws(ModelError) in try VariationalAutoencoder.train(data, configuration: bad) }
        }
        #expect(named { $0.batchSize = 0 } == "batchSize")
        #expect(named { $0.epochs = 0 } == "epochs")
        #expect(named { $0.hiddenUnits = -1 } == "hiddenUnits")
        #expect(named { $0.latentDimension = 0 } == "latentDimension")
        #expect(named { $0.inputDimension = 0 } == "inputDimension")
        #expect(named { $0.learningRate = -1e-3 } == "learningRate")
        #expect(named { $0.learningRate = .nan } == "learningRate")
        #expect(named { $0.klWeight = -1 } == "klWeight")

        func weightsName(_ weights: [Double]) -> String {
            invalidParameterName { () throws(ModelError) in
                try VariationalAutoencoder.train(data, configuration: config, sampleWeights: weights)
            }
        }
        #expect(weightsName(Array(repeating: 1, count: 19)) == "sampleWeights")
        #expect(weightsName(Array(repeating: 0, count: 20)) == "sampleWeights")
        #expect(weightsName([1.5] + Array(repeating: 1, count: 19)) == "sampleWeights")
        #expect(weightsName([-0.1] + Array(repeating: 1, count: 19)) == "sampleWeights")
        #expect(weightsName([.nan] + Array(repeating: 1, count: 19)) == "sampleWeights")

        // Scoring validates too.
        let (model, _) = try VariationalAutoencoder.train(data, configuration: config)
        #expect(throws: ModelError.dimensionMismatch(expected: 70, got: 3)) { try model.reconstructionError([1, 2, 3]) }
        #expect(throws: ModelError.nonFiniteValue(row: 0, column: 2)) {
            try model.reconstructionError([0, 0, .nan] + Array(repeating: 0, count: 67))
        }
        #expect(throws: ModelError.dimensionMismatch(expected: 70, got: 69)) {
            try model.reconstructionErrors(Matrix(rows: 2, columns: 69))
        }
        #expect(throws: ModelError.nonFiniteValue(row: 3, column: 5)) { try model.reconstructionErrors(withNaN) }
        #expect(try model.reconstructionErrors(Matrix(rows: 0, columns: 70)) == [])
    }

    @Test("a diverging learning rate is reported instead of returning a broken model")
    func divergenceIsReported() {
        var g = SeededGenerator(seed: 22)
        let data = Matrix(rows: SyntheticSequences.normal(64, &g))
        let config = VAEConfiguration(inputDimension: 70, hiddenUnits: 8, epochs: 5, batchSize: 16, learningRate: 1e200)
        #expect(invalidParameterName { () throws(ModelError) in try VariationalAutoencoder.train(data, configuration: config) } == "learningRate")
    }

    // MARK: Scoring and persistence

    @Test("scoring is deterministic and the single and batched paths agree")
    func scoringPaths() throws {
        var g = SeededGenerator(seed: 31)
        let data = Matrix(rows: SyntheticSequences.normal(200, &g))
        let (model, _) = try VariationalAutoencoder.train(
            data, configuration: VAEConfiguration(inputDimension: 70, hiddenUnits: 16, epochs: 3))
        // More rows than one scoring chunk (1024), so the chunked path is exercised.
        let many = Matrix(rows: SyntheticSequences.normal(1500, &g))
        let batched = try model.reconstructionErrors(many)
        #expect(batched.count == 1500)
        #expect(try model.reconstructionErrors(many) == batched)
        for i in [0, 1, 1023, 1024, 1499] {
            let single = try model.reconstructionError(many.row(i))
            #expect(abs(single - batched[i]) <= 1e-12 * max(1, batched[i]))
            #expect(try model.reconstructionError(many.row(i)) == single)
        }
    }

    @Test("a JSON round trip keeps the weights and the scores exactly")
    func codableRoundTrip() throws {
        var g = SeededGenerator(seed: 41)
        let data = Matrix(rows: SyntheticSequences.normal(300, &g))
        let config = VAEConfiguration(inputDimension: 70, hiddenUnits: 16, latentDimension: 3, epochs: 3, klWeight: 0.5)
        let (model, _) = try VariationalAutoencoder.train(data, configuration: config)
        let encoded = try JSONEncoder().encode(model)
        let decoded = try JSONDecoder().decode(VariationalAutoencoder.self, from: encoded)
        #expect(decoded == model)
        #expect(decoded.configuration == config)
        let probe = Matrix(rows: SyntheticSequences.normal(20, &g) + SyntheticSequences.anomalies(20, &g))
        #expect(try decoded.reconstructionErrors(probe) == model.reconstructionErrors(probe))
        #expect(try decoded.reconstructionError(probe.row(25)) == model.reconstructionError(probe.row(25)))
    }

    @Test("decoding refuses weights that do not fit the configuration")
    func decodingValidatesShapes() throws {
        var g = SeededGenerator(seed: 42)
        let data = Matrix(rows: SyntheticSequences.normal(40, &g))
        let (model, _) = try VariationalAutoencoder.train(
            data, configuration: VAEConfiguration(inputDimension: 70, hiddenUnits: 4, epochs: 1))
        var object = try #require(JSONSerialization.jsonObject(with: JSONEncoder().encode(model)) as? [String: Any])
        var configuration = try #require(object["configuration"] as? [String: Any])
        configuration["hiddenUnits"] = 5
        object["configuration"] = configuration
        let tampered = try JSONSerialization.data(withJSONObject: object)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(VariationalAutoencoder.self, from: tampered) }

        // A weight matrix with one value missing.
        object = try #require(JSONSerialization.jsonObject(with: JSONEncoder().encode(model)) as? [String: Any])
        var parameters = try #require(object["parameters"] as? [String: Any])
        var encoder = try #require(parameters["encoderWeights"] as? [String: Any])
        var values = try #require(encoder["values"] as? [Double])
        values.removeLast()
        encoder["values"] = values
        parameters["encoderWeights"] = encoder
        object["parameters"] = parameters
        let truncated = try JSONSerialization.data(withJSONObject: object)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(VariationalAutoencoder.self, from: truncated) }
    }
}
