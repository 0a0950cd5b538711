// swift-tools-version:6.2
// Benchmarks of the AnomalyModels library, a package of its own so the root package does not
// depend on package-benchmark (ordo-one/benchmark, formerly ordo-one/package-benchmark; the
// malloc interposer trait is the only one enabled).
//
//   swift package benchmark                 (from this directory) runs AnomalyModelsBenchmarks
//   make bench-models                        (from the root) runs models/bench-models.sh, which
//                                            builds model-bench and compares it with NumPy,
//                                            scikit-learn (and PyTorch when BENCH_TORCH=1)
import PackageDescription

// The root package is a path dependency, so its identity is the name of its directory (the
// checkout may not be called "main").
let root = String(Context.packageDirectory.split(separator: "/").dropLast().last ?? "main")

let package = Package(
    name: "AnomalyModelsBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
    ],
    targets: [
        // package-benchmark suite: `swift package benchmark`.
        .executableTarget(
            name: "AnomalyModelsBenchmarks",
            dependencies: [
                .product(name: "AnomalyModels", package: root),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "AnomalyModelsBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // Timing driver used by models/bench-models.sh against the Python references.
        .executableTarget(
            name: "model-bench",
            dependencies: [
                .product(name: "AnomalyModels", package: root),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "models/ModelBench"
        ),
    ]
)
