// model-bench: times the AnomalyModels library on data files written by
// Benchmarks/models/reference.py, for Benchmarks/models/bench-models.sh.
//
// Data file format (little-endian): int64 rows, int64 columns, then rows × columns float64 in
// row-major order. Every subcommand prints one JSON object on stdout.

import AnomalyModels
import ArgumentParser
import Foundation

@main
struct ModelBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model-bench",
        abstract: "Times DBSCAN, VAE training, ensemble retraining and scoring on data files.",
        discussion: """
            Data files: little-endian int64 rows, int64 columns, then rows × columns float64, \
            row-major (written by Benchmarks/models/reference.py generate).
            """,
        subcommands: [DBSCANCommand.self, VAECommand.self, RetrainCommand.self, ScoreCommand.self, InfoCommand.self]
    )
}

// MARK: - Subcommands

struct DBSCANCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dbscan", abstract: "Best fit time of DBSCANModel.fit over --repeat runs; writes the labels.")

    @Option(help: "Points (data file format above).") var data: String
    @Option(help: "ε, the neighbourhood radius.") var eps: Double
    @Option(name: .customLong("min-points"), help: "minPoints (scikit-learn's min_samples).") var minPoints: Int
    @Option(name: .customLong("labels-out"), help: "Labels, one per line, -1 for noise.") var labelsOut: String?
    @Option(name: .customLong("repeat"), help: "Fits to run; the best time is reported.") var repetitions = 3
    @Flag(help: "Count neighbours on every core (the library's default); without it one core, like the reference.")
    var parallel = false

    func run() throws {
        let points = try readMatrix(data)
        DBSCANModel.parallelFit = parallel
        let parameters = DBSCANParameters(epsilon: eps, minPoints: minPoints)
        var best = Double.infinity
        var last: DBSCANResult?
        for _ in 0..<max(1, repetitions) {
            let (seconds, fitted) = try measure { try DBSCANModel.fit(points, parameters: parameters) }
            best = min(best, seconds)
            last = fitted.result
        }
        guard let result = last else { return }
        if let labelsOut {
            var text = ""
            text.reserveCapacity(result.labels.count * 3)
            for label in result.labels {
                text += String(label.clusterID ?? -1)
                text += "\n"
            }
            try text.write(toFile: labelsOut, atomically: true, encoding: .utf8)
        }
        printJSON([
            "seconds": best, "clusters": result.clusterCount, "noise": result.noiseCount,
            "rows": points.rows, "blas_threads": BLAS.threads, "parallel_fit": parallel,
        ])
    }
}

struct VAECommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vae", abstract: "Training time of VariationalAutoencoder.train (best of --repeat).")

    @Option(help: "Training rows (data file format above).") var data: String
    @Option var epochs = 50
    @Option var batch = 64
    @Option var hidden = 32
    @Option var latent = 4
    @Option(name: .customLong("learning-rate")) var learningRate = 1e-3
    @Option var seed: UInt64 = 42
    @Option(name: .customLong("repeat"), help: "Trainings to run; the best time is reported.") var repetitions = 1

    func run() throws {
        let rows = try readMatrix(data)
        var configuration = VAEConfiguration(inputDimension: rows.columns)
        configuration.hiddenUnits = hidden
        configuration.latentDimension = latent
        configuration.epochs = epochs
        configuration.batchSize = batch
        configuration.learningRate = learningRate
        configuration.seed = seed
        var best = Double.infinity
        var losses: [Double] = []
        for _ in 0..<max(1, repetitions) {
            let (seconds, trained) = try measure {
                try VariationalAutoencoder.train(rows, configuration: configuration, sampleWeights: nil)
            }
            best = min(best, seconds)
            losses = trained.report.epochLosses
        }
        printJSON([
            "seconds": best, "first_loss": losses.first ?? .nan, "last_loss": losses.last ?? .nan,
            "rows": rows.rows, "blas_threads": BLAS.threads,
        ])
    }
}

struct RetrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retrain",
        abstract: "Time of a full AnomalyEnsemble.train on the windows (EnsembleConfiguration defaults).")

    @Option(help: "Windows, time-ordered, one per row (data file format above).") var data: String
    @Option(name: .customLong("repeat"), help: "Retrains to run; the best time is reported.") var repetitions = 1

    func run() throws {
        let windows = try readMatrix(data)
        DBSCANModel.parallelFit = false  // one core, like the reference
        let training = TrainingData(vectors: windows.rowArrays)
        let configuration = EnsembleConfiguration(dimension: windows.columns)
        var best = Double.infinity
        var ensemble: AnomalyEnsemble?
        for _ in 0..<max(1, repetitions) {
            let (seconds, trained) = try measure { try AnomalyEnsemble.train(training, configuration: configuration) }
            best = min(best, seconds)
            ensemble = trained
        }
        printJSON([
            "seconds": best, "clusters": ensemble?.dbscanClusterCount ?? 0,
            "noise_fraction": ensemble?.dbscanNoiseFraction ?? .nan, "rows": windows.rows,
            "blas_threads": BLAS.threads,
        ])
    }
}

struct ScoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score",
        abstract: "Median latency of AnomalyEnsemble.score for one vector (with its 9 predecessors as history).")

    @Option(help: "Windows to train on and to score (data file format above).") var data: String
    @Option(help: "Timed calls (after 200 warm-up calls).") var calls = 20_000

    func run() throws {
        let windows = try readMatrix(data)
        let rows = windows.rowArrays
        let ensemble = try AnomalyEnsemble.train(
            TrainingData(vectors: rows), configuration: EnsembleConfiguration(dimension: windows.columns))
        let history = ensemble.historyLength
        precondition(rows.count > history + 1, "score: need more than \(history + 1) rows")
        let histories = (0..<rows.count).map { i in Array(rows[max(0, i - history)..<i]) }

        var sink = 0.0
        for i in 0..<200 {
            let index = history + i % (rows.count - history)
            sink += try ensemble.score(rows[index], history: histories[index]).weightedScore
        }
        let clock = ContinuousClock()
        var nanoseconds: [Double] = []
        nanoseconds.reserveCapacity(calls)
        for c in 0..<max(1, calls) {
            let index = history + c % (rows.count - history)
            let vector = rows[index], past = histories[index]
            let start = clock.now
            let score = try ensemble.score(vector, history: past)
            let elapsed = start.duration(to: clock.now)
            sink += score.weightedScore
            nanoseconds.append(Double(elapsed.components.seconds) * 1e9 + Double(elapsed.components.attoseconds) / 1e9)
        }
        nanoseconds.sort()
        let median = nanoseconds.count % 2 == 1
            ? nanoseconds[nanoseconds.count / 2]
            : (nanoseconds[nanoseconds.count / 2 - 1] + nanoseconds[nanoseconds.count / 2]) / 2
        printJSON([
            "microseconds": median / 1e3, "p99_microseconds": nanoseconds[Int(Double(nanoseconds.count - 1) * 0.99)] / 1e3,
            "calls": nanoseconds.count, "checksum": sink, "blas_threads": BLAS.threads,
        ])
    }
}

struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info", abstract: "The OpenBLAS kernel family and thread count in effect.")

    func run() throws {
        printJSON(["blas_core": BLAS.coreName, "threads": BLAS.threads])
    }
}

// MARK: - Helpers

struct DataFileError: Error, CustomStringConvertible {
    let description: String
}

/// Reads a data file: int64 rows, int64 columns, then row-major float64 (all little-endian).
func readMatrix(_ path: String) throws -> Matrix {
    let data = try Data(contentsOf: URL(fileURLWithPath: path))
    guard data.count >= 16 else { throw DataFileError(description: "\(path): shorter than its 16-byte header") }
    return try data.withUnsafeBytes { raw -> Matrix in
        let rows = Int(Int64(littleEndian: raw.loadUnaligned(fromByteOffset: 0, as: Int64.self)))
        let columns = Int(Int64(littleEndian: raw.loadUnaligned(fromByteOffset: 8, as: Int64.self)))
        guard rows >= 0, columns >= 0, rows.multipliedReportingOverflow(by: columns).overflow == false,
              raw.count == 16 + rows * columns * 8
        else {
            throw DataFileError(description: "\(path): header says \(rows)×\(columns), file has \(raw.count) bytes")
        }
        var values = [Double](repeating: 0, count: rows * columns)
        for i in 0..<values.count {
            let bits = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 16 + i * 8, as: UInt64.self))
            values[i] = Double(bitPattern: bits)
        }
        return Matrix(rows: rows, columns: columns, values: values)
    }
}

/// Runs `body` once and returns its wall-clock time in seconds with its result.
func measure<T>(_ body: () throws -> T) rethrows -> (Double, T) {
    let clock = ContinuousClock()
    let start = clock.now
    let result = try body()
    let elapsed = start.duration(to: clock.now)
    return (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18, result)
}

/// Prints one JSON object (keys sorted).
func printJSON(_ object: [String: Any]) {
    let cleaned = object.mapValues { value -> Any in
        if let d = value as? Double, !d.isFinite { return NSNull() }
        return value
    }
    guard let data = try? JSONSerialization.data(withJSONObject: cleaned, options: [.sortedKeys]),
          let text = String(data: data, encoding: .utf8)
    else { return }
    print(text)
}
