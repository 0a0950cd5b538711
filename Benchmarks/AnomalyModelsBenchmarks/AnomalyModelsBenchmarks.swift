// package-benchmark suite for AnomalyModels: `cd Benchmarks && swift package benchmark`.
//
// Every data set is generated in memory from a fixed seed (SeededGenerator), outside the measured
// region. OpenBLAS runs on one thread (BLAS.threads = 1), like the comparisons in
// models/bench-models.sh, so the figures do not depend on what else the machine is doing.
//
//   DBSCAN fit 10k×7          DBSCANModel.fit on 10 000 standardised 7-d points (anisotropic
//                             Gaussian blobs + 2 % uniform noise), minPoints 10, ε = the median
//                             distance to the 30th nearest neighbour (mean neighbourhood ≈ tens)
//   VAE train 2 epochs × 10k  VariationalAutoencoder.train: 70 → 32 → 4, batch 64, 2 epochs on
//                             10 000 sequences (10 steps × 7 features of a smooth AR process)
//   Ensemble retrain 5k       AnomalyEnsemble.train on 5 000 traffic-like 7-d windows with the
//                             default EnsembleConfiguration (DBSCAN + VAE 50 epochs + ZMAD +
//                             calibration)
//   Ensemble score 1 vector   AnomalyEnsemble.score of one window with its 9 predecessors

import AnomalyModels
import Benchmark
import Foundation

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal, .mallocCountTotal, .peakMemoryResident],
        warmupIterations: 1,
        maxDuration: .seconds(10),
        maxIterations: 20
    )

    Benchmark(
        "DBSCAN fit 10k×7",
        configuration: .init(timeUnits: .milliseconds, maxDuration: .seconds(5), maxIterations: 50)
    ) { (benchmark: Benchmark, input: DBSCANInput) in
        for _ in benchmark.scaledIterations {
            blackHole(try DBSCANModel.fit(input.points, parameters: input.parameters))
        }
    } setup: {
        BLAS.threads = 1
        let points = BenchmarkData.blobs(count: 10_000, seed: 1)
        let epsilon = BenchmarkData.medianNeighbourDistance(points, k: 30, probes: 500, seed: 2)
        return DBSCANInput(points: points, parameters: DBSCANParameters(epsilon: epsilon, minPoints: 10))
    }

    Benchmark(
        "VAE train 2 epochs × 10k (70→32→4)",
        configuration: .init(timeUnits: .milliseconds, maxIterations: 10)
    ) { (benchmark: Benchmark, data: Matrix) in
        var configuration = VAEConfiguration(inputDimension: 70)
        configuration.hiddenUnits = 32
        configuration.latentDimension = 4
        configuration.epochs = 2
        configuration.batchSize = 64
        for _ in benchmark.scaledIterations {
            blackHole(try VariationalAutoencoder.train(data, configuration: configuration, sampleWeights: nil))
        }
    } setup: {
        BLAS.threads = 1
        return BenchmarkData.sequences(count: 10_000, steps: 10, features: 7, seed: 3)
    }

    Benchmark(
        "Ensemble retrain 5k windows",
        configuration: .init(timeUnits: .milliseconds, warmupIterations: 0, maxDuration: .seconds(20), maxIterations: 5)
    ) { (benchmark: Benchmark, data: TrainingData) in
        for _ in benchmark.scaledIterations {
            blackHole(try AnomalyEnsemble.train(data, configuration: EnsembleConfiguration(dimension: 7)))
        }
    } setup: {
        BLAS.threads = 1
        return TrainingData(vectors: BenchmarkData.trafficWindows(count: 5_000, seed: 4))
    }

    Benchmark(
        "Ensemble score 1 vector",
        configuration: .init(
            // CPU time is sampled in 10 ms steps: meaningless for one call, so wall clock only.
            metrics: [.wallClock, .mallocCountTotal, .throughput],
            timeUnits: .microseconds, warmupIterations: 100, maxDuration: .seconds(3), maxIterations: 100_000)
    ) { (benchmark: Benchmark, state: ScoringInput) in
        var index = state.history
        for _ in benchmark.scaledIterations {
            let past = Array(state.windows[(index - state.history)..<index])
            blackHole(try state.ensemble.score(state.windows[index], history: past))
            index = index + 1 < state.windows.count ? index + 1 : state.history
        }
    } setup: {
        BLAS.threads = 1
        let windows = BenchmarkData.trafficWindows(count: 5_000, seed: 4)
        let ensemble = try AnomalyEnsemble.train(
            TrainingData(vectors: windows), configuration: EnsembleConfiguration(dimension: 7))
        return ScoringInput(ensemble: ensemble, windows: windows, history: ensemble.historyLength)
    }
}

struct DBSCANInput {
    let points: Matrix
    let parameters: DBSCANParameters
}

struct ScoringInput {
    let ensemble: AnomalyEnsemble
    let windows: [[Double]]
    let history: Int
}

/// Seeded synthetic data, the same shapes as Benchmarks/models/reference.py generates.
enum BenchmarkData {
    /// `count` standardised 7-d points: six anisotropic Gaussian blobs of unequal weight (a random
    /// linear map of a Gaussian with axis scales 0.3–1.0, centres in [−10, 10]⁷) and 2 % uniform
    /// noise over the padded bounding box.
    static func blobs(count: Int, seed: UInt64) -> Matrix {
        let d = 7, blobCount = 6
        var geometry = SeededGenerator(seed: 100)
        var generator = SeededGenerator(seed: seed)
        let weights = [0.30, 0.22, 0.18, 0.14, 0.10, 0.06]
        let centres = (0..<blobCount).map { _ in (0..<d).map { _ in geometry.nextUniform() * 20 - 10 } }
        let maps: [[Double]] = (0..<blobCount).map { _ in
            // Axis scales times a random matrix normalised to rows of unit length: anisotropic and rotated.
            let scales = (0..<d).map { _ in 0.3 + 0.7 * geometry.nextUniform() }
            var map = [Double](repeating: 0, count: d * d)
            for r in 0..<d {
                let row = (0..<d).map { _ in geometry.nextGaussian() }
                let norm = row.reduce(0) { $0 + $1 * $1 }.squareRoot()
                for c in 0..<d { map[r * d + c] = scales[r] * row[c] / norm }
            }
            return map
        }
        let noise = Int((0.02 * Double(count)).rounded())
        var values: [Double] = []
        values.reserveCapacity(count * d)
        var cumulative: [Double] = []
        var total = 0.0
        for w in weights { total += w; cumulative.append(total) }
        for _ in 0..<(count - noise) {
            let u = generator.nextUniform() * total
            let b = cumulative.firstIndex { u < $0 } ?? blobCount - 1
            let z = (0..<d).map { _ in generator.nextGaussian() }
            for c in 0..<d {
                var v = centres[b][c]
                for r in 0..<d { v += z[r] * maps[b][r * d + c] }
                values.append(v)
            }
        }
        var low = [Double](repeating: .infinity, count: d), high = [Double](repeating: -.infinity, count: d)
        for (i, v) in values.enumerated() {
            low[i % d] = min(low[i % d], v)
            high[i % d] = max(high[i % d], v)
        }
        for _ in 0..<noise {
            for c in 0..<d {
                let pad = 0.1 * (high[c] - low[c])
                values.append(low[c] - pad + generator.nextUniform() * (high[c] - low[c] + 2 * pad))
            }
        }
        // Shuffle rows so noise and blobs interleave (Fisher–Yates).
        var rows = (0..<count).map { Array(values[($0 * d)..<(($0 + 1) * d)]) }
        rows.shuffle(using: &generator)
        let raw = Matrix(rows: rows)
        // Standardise (mean 0, standard deviation 1 per feature), as scikit-learn's StandardScaler.
        guard let scaler = try? FeatureScaler(fitting: raw, method: .standard) else { return raw }
        return scaler.transform(raw)
    }

    /// Median over `probes` sampled points of the distance to their `k`-th nearest neighbour
    /// (the point itself counted as the first).
    static func medianNeighbourDistance(_ points: Matrix, k: Int, probes: Int, seed: UInt64) -> Double {
        var generator = SeededGenerator(seed: seed)
        let n = points.rows, d = points.columns
        var distances: [Double] = []
        for _ in 0..<min(probes, n) {
            let p = Int(generator.next() % UInt64(n))
            var all = [Double](repeating: 0, count: n)
            for q in 0..<n {
                var s = 0.0
                for j in 0..<d {
                    let delta = points.values[p * d + j] - points.values[q * d + j]
                    s += delta * delta
                }
                all[q] = s
            }
            all.sort()
            distances.append(all[min(k, n) - 1].squareRoot())
        }
        distances.sort()
        return distances[distances.count / 2]
    }

    /// `count` rows of `steps × features`: sliding windows over a smooth AR(2) process (complex
    /// roots, slow oscillations), mixed through a fixed matrix and standardised.
    static func sequences(count: Int, steps: Int, features: Int, seed: UInt64) -> Matrix {
        var generator = SeededGenerator(seed: seed)
        let length = count + steps - 1
        var latent = [Double](repeating: 0, count: length * features)
        for t in 2..<length {
            for j in 0..<features {
                latent[t * features + j] = 1.6 * latent[(t - 1) * features + j] - 0.7 * latent[(t - 2) * features + j]
                    + 0.3 * generator.nextGaussian()
            }
        }
        let mixing = (0..<(features * features)).map { _ in generator.nextGaussian() / Double(features).squareRoot() }
        var series = [Double](repeating: 0, count: length * features)
        for t in 0..<length {
            for c in 0..<features {
                var v = 0.05 * generator.nextGaussian()
                for r in 0..<features { v += latent[t * features + r] * mixing[r * features + c] }
                series[t * features + c] = v
            }
        }
        let raw = Matrix(rows: length, columns: features, values: series)
        let scaled = (try? FeatureScaler(fitting: raw, method: .standard)).map { $0.transform(raw) } ?? raw
        var values: [Double] = []
        values.reserveCapacity(count * steps * features)
        for i in 0..<count {
            values.append(contentsOf: scaled.values[(i * features)..<((i + steps) * features)])
        }
        return Matrix(rows: count, columns: steps * features, values: values)
    }

    /// `count` time-ordered traffic-like 7-d windows: log-normal rates around fixed bases that
    /// follow a slow daily cycle, switch between three regimes, and carry AR(1) noise.
    static func trafficWindows(count: Int, seed: UInt64) -> [[Double]] {
        var generator = SeededGenerator(seed: seed)
        let base = [2000.0, 1.5e6, 40, 60, 0.05, 750, 120].map { log($0) }
        let regimes: [[Double]] = [
            [0, 0, 0, 0, 0, 0, 0],
            [0.6, 0.7, 0.3, 0.4, -0.2, 0.1, 0.5],
            [-0.8, -0.9, -0.5, -0.6, 0.3, -0.1, -0.7],
        ]
        var regime = 0
        var noise = [Double](repeating: 0, count: 7)
        var windows: [[Double]] = []
        windows.reserveCapacity(count)
        for t in 0..<count {
            if generator.nextUniform() < 0.01 { regime = Int(generator.next() % 3) }
            let daily = 0.3 * sin(2 * Double.pi * Double(t) / 1440)
            var window: [Double] = []
            for j in 0..<7 {
                noise[j] = 0.8 * noise[j] + 0.12 * generator.nextGaussian()
                window.append(exp(base[j] + regimes[regime][j] + daily + noise[j]))
            }
            window[4] = min(window[4], 1)
            windows.append(window)
        }
        return windows
    }
}
