// swift-tools-version:6.2
// libFuzzer targets for the inputs the project reads from outside: frames, capture files, the
// detector's JSON bodies, model files and the host's authentication log lines. A package of its own, built with the fuzzer and
// AddressSanitizer instrumentation by scripts/fuzz-targets.sh (make test: bounded; make fuzz:
// longer), never by the root package's builds:
//
//   swift build --build-path .build-fuzz -Xswiftc -sanitize=fuzzer,address --product fuzz-frames
//   .build-fuzz/debug/fuzz-frames --write-seeds seeds/ && .build-fuzz/debug/fuzz-frames seeds/
import PackageDescription

// The root package is a path dependency, so its identity is the name of its directory (the
// checkout may not be called "main").
let root = String(Context.packageDirectory.split(separator: "/").dropLast().last ?? "main")

let settings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

func target(_ name: String, _ products: [String]) -> Target {
    .executableTarget(
        name: name,
        dependencies: ["FuzzSupport"] + products.map { .product(name: $0, package: root) },
        swiftSettings: settings)
}

let package = Package(
    name: "Fuzzing",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: ".."),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
    ],
    targets: [
        // libFuzzer's driver entry point (LLVMFuzzerRunDriver), declared for Swift.
        .target(name: "CFuzzer"),
        .target(
            name: "FuzzSupport", dependencies: [
                "CFuzzer", .product(name: "TrafficFeatures", package: root), .product(name: "WindowFormat", package: root),
            ],
            swiftSettings: settings),
        target("fuzz-frames", ["TrafficFeatures"]),
        .executableTarget(
            name: "fuzz-pcap",
            dependencies: [
                "FuzzSupport", .product(name: "EBPFCapture", package: root), .product(name: "TrafficFeatures", package: root),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: settings),
        target("fuzz-detect-json", ["AnomalyModels", "ThreatRules", "TrafficFeatures", "WindowFormat"]),
        target("fuzz-model-file", ["AnomalyModels", "ThreatRules"]),
        target("fuzz-auth-log", ["AuthEvents", "TrafficFeatures"]),
    ]
)
