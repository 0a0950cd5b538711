// swift-tools-version:6.2
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "xdp-threat-detection",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "EBPFCapture", targets: ["EBPFCapture"]),
        .library(name: "TrafficFeatures", targets: ["TrafficFeatures"]),
        .library(name: "WindowFormat", targets: ["WindowFormat"]),
        .library(name: "AuthEvents", targets: ["AuthEvents"]),
        .library(name: "PromExposition", targets: ["PromExposition"]),
        .library(name: "AnomalyModels", targets: ["AnomalyModels"]),
        .library(name: "ThreatRules", targets: ["ThreatRules"]),
        .library(name: "WindowTransport", targets: ["WindowTransport"]),
        .library(name: "ServiceSupport", targets: ["ServiceSupport"]),
        .library(name: "DetectorService", targets: ["DetectorService"]),
        .library(name: "MonitorService", targets: ["MonitorService"]),
        .executable(name: "monitor", targets: ["monitor"]),
        .executable(name: "detector", targets: ["detector"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        // `swift package generate-documentation`: the DocC catalogs of the libraries.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    ],
    targets: [
        // Internal C shims: never re-exported (imported with `internal import`).
        .systemLibrary(
            name: "CLibBPF",
            pkgConfig: "libbpf",
            providers: [.apt(["libbpf-dev", "libelf-dev", "zlib1g-dev"])]
        ),
        .systemLibrary(
            name: "CPcap",
            pkgConfig: "libpcap",
            providers: [.apt(["libpcap-dev"])]
        ),

        .systemLibrary(
            name: "CSystemd",
            pkgConfig: "libsystemd",
            providers: [.apt(["libsystemd-dev"])]
        ),
        .systemLibrary(
            name: "CBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]
        ),
        // glibc's malloc_trim: TrainingService hands training's freed memory back after each training.
        .systemLibrary(name: "CMalloc"),

        // Compiles bpf/network_monitor.bpf.c with clang -target bpf and embeds the object.
        .plugin(name: "BPFObjectPlugin", capability: .buildTool()),
        // Embeds a target's Embedded/ files (the shipped bootstrap models) as base64 literals.
        .plugin(name: "EmbeddedFilesPlugin", capability: .buildTool()),
        // bpf/counters.def, the one table of every counter, in Swift: the structs, their JSON keys,
        // the kernel conversion and the metric series (its counter-schema.awk writes them).
        .plugin(name: "CounterSchemaPlugin", capability: .buildTool()),

        // Windows, features and the frame parser: pure (no HTTP, no services); imports nothing of ours.
        .target(
            name: "TrafficFeatures",
            swiftSettings: swiftSettings,
            plugins: ["CounterSchemaPlugin"]
        ),
        // A window's JSON body: the delivery envelope (stream, the sender's source name), the original
        // design's short forms and the wire timestamps. Foundation only: no HTTP.
        .target(
            name: "WindowFormat",
            dependencies: ["TrafficFeatures"],
            swiftSettings: swiftSettings
        ),
        // The host's logins: sshd and PAM log lines parsed, log files followed through rotations and
        // restarts. Foundation only: no HTTP.
        .target(
            name: "AuthEvents",
            dependencies: ["TrafficFeatures", "CSystemd"],
            swiftSettings: swiftSettings
        ),
        // Windows over HTTP: the publisher that posts them to a detector, and the Prometheus query
        // that builds one from a server scraping the monitor.
        .target(
            name: "WindowTransport",
            dependencies: [
                "TrafficFeatures",
                "WindowFormat",
                "PromExposition",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "EBPFCapture",
            dependencies: [
                "TrafficFeatures",
                "CLibBPF",
                "CPcap",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings,
            plugins: ["BPFObjectPlugin", "CounterSchemaPlugin"]
        ),
        // Scores any fixed-width feature vector; imports nothing of ours.
        .target(
            name: "AnomalyModels",
            dependencies: [
                "CBLAS",
                "CMalloc",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // Rules with attribution, the username-field classifier, and ThreatDetector (rules + models).
        // Embedded/: the bootstrap models, trained once (scripts/update-shipped-models.sh).
        .target(
            name: "ThreatRules",
            dependencies: [
                "TrafficFeatures",
                "WindowFormat",
                "AnomalyModels",
                .product(name: "Logging", package: "swift-log"),
            ],
            exclude: ["Embedded"],
            swiftSettings: swiftSettings,
            plugins: ["EmbeddedFilesPlugin"]
        ),
        .target(
            name: "PromExposition",
            dependencies: [
                .product(name: "Prometheus", package: "swift-prometheus")
            ],
            swiftSettings: swiftSettings,
            plugins: ["CounterSchemaPlugin"]
        ),
        // What the two services share: settings from flags and the environment, logging, JSON answers.
        .target(
            name: "ServiceSupport",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // The detector service: its HTTP API, configuration and composition.
        .target(
            name: "DetectorService",
            dependencies: [
                "ServiceSupport", "ThreatRules", "AnomalyModels", "TrafficFeatures", "WindowFormat", "PromExposition",
                "WindowTransport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // The monitor service: capture source policy, its HTTP API, publishing and offline replay.
        .target(
            name: "MonitorService",
            dependencies: [
                "ServiceSupport", "EBPFCapture", "ThreatRules", "TrafficFeatures", "WindowFormat", "PromExposition",
                "WindowTransport", "AuthEvents",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "monitor",
            dependencies: [
                "MonitorService", "ServiceSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "detector",
            dependencies: [
                "DetectorService", "ServiceSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),

        // Examples: small programs that use the libraries the way other teams would.
        .executableTarget(
            name: "EmbedDetector",
            dependencies: [
                "AnomalyModels",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Examples/EmbedDetector",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "ClassifyUsernames",
            dependencies: [
                "ThreatRules",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Examples/ClassifyUsernames",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "ReplayPcap",
            dependencies: ["MonitorService", "ThreatRules", "TrafficFeatures", .product(name: "Logging", package: "swift-log")],
            path: "Examples/ReplayPcap",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "ReplayWindows",
            dependencies: ["MonitorService", "ThreatRules", "TrafficFeatures", "WindowFormat"],
            path: "Examples/ReplayWindows",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "ModelLab",
            dependencies: [
                "AnomalyModels", "EBPFCapture", "ThreatRules", "TrafficFeatures", "WindowFormat",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Examples/ModelLab",
            swiftSettings: swiftSettings
        ),

        // Test infrastructure shared by the suites: a recording HTTP receiver, process
        // and HTTP helpers, test namespaces. Not a product.
        .target(
            name: "TestSupport",
            dependencies: [
                "TrafficFeatures",
                "WindowFormat",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
            ],
            path: "Tests/TestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "TrafficFeaturesTests",
            dependencies: ["TrafficFeatures", "TestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "WindowFormatTests",
            dependencies: ["WindowFormat", "TrafficFeatures", "TestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "AuthEventsTests",
            dependencies: ["AuthEvents", "TrafficFeatures", "TestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "WindowTransportTests",
            dependencies: ["WindowTransport", "WindowFormat", "TrafficFeatures", "TestSupport", .product(name: "AsyncHTTPClient", package: "async-http-client")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ServiceSupportTests",
            dependencies: ["ServiceSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "EBPFCaptureTests",
            dependencies: ["EBPFCapture", "TrafficFeatures", "TestSupport"],
            swiftSettings: swiftSettings
        ),
        // Test helper: saves models in a loop so a test can kill it mid-save.
        .executableTarget(
            name: "model-save-loop",
            dependencies: ["AnomalyModels"],
            path: "Tests/ModelSaveLoop",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "AnomalyModelsTests",
            dependencies: [
                "AnomalyModels", "TestSupport", "model-save-loop",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            exclude: ["Fixtures"],
            swiftSettings: swiftSettings
        ),
        // The ensemble on real windows: generated traffic and ../shared/data captures.
        .testTarget(
            name: "ModelEvaluationTests",
            dependencies: ["AnomalyModels", "TrafficFeatures", "EBPFCapture", "TestSupport", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ThreatRulesTests",
            dependencies: ["ThreatRules", "TrafficFeatures", "WindowFormat", "AnomalyModels", "TestSupport"],
            swiftSettings: swiftSettings
        ),
        // The detector service through its router and as a process.
        .testTarget(
            name: "DetectorServiceTests",
            dependencies: [
                "DetectorService", "ThreatRules", "TrafficFeatures", "WindowFormat", "AnomalyModels", "PromExposition",
                "WindowTransport", "TestSupport", "detector",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PromExpositionTests",
            dependencies: ["PromExposition", "TestSupport"],
            swiftSettings: swiftSettings
        ),
        // The monitor binary end to end without privileges (offline pcap, simulation,
        // posting to a detector).
        .testTarget(
            name: "MonitorTests",
            dependencies: [
                "MonitorService", "EBPFCapture", "ThreatRules", "TrafficFeatures", "WindowFormat", "PromExposition", "TestSupport",
                "monitor",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            swiftSettings: swiftSettings
        ),
        // The example programs, run on inputs the test generates.
        .testTarget(
            name: "ExamplesTests",
            dependencies: ["EBPFCapture", "TrafficFeatures", "WindowFormat", "TestSupport", "ReplayWindows", "ReplayPcap", "ModelLab"],
            swiftSettings: swiftSettings
        ),
        // Needs root (CAP_BPF, CAP_NET_ADMIN, CAP_PERFMON): BPF_PROG_TEST_RUN, real XDP on
        // veth pairs in test namespaces, and the monitor binary end to end.
        .testTarget(
            name: "PrivilegedTests",
            dependencies: [
                "EBPFCapture", "TrafficFeatures", "WindowFormat", "AuthEvents", "ThreatRules", "TestSupport", "monitor",
                "detector",
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
