import TestSupport
import Testing

@testable import PromExposition

/// A random-source flood (every window a new set of sources, every source named as an attacker
/// or a prober) must not grow /metrics: each metric keeps at most its configured number of
/// `source_ip` series, and the whole exposition stays the same size from the first window on.
@Suite("metrics cardinality under a random-source flood")
struct CardinalityTests {
    /// Series per metric name, and the distinct `source_ip` values of each.
    static func series(_ text: String) -> (lines: Int, sourcesByMetric: [String: Set<String>]) {
        var sources: [String: Set<String>] = [:]
        var lines = 0
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            lines += 1
            guard let brace = line.firstIndex(of: "{") else { continue }
            let parts = line.split(separator: #"source_ip=""#, maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2 else { continue }
            let ip = String(parts[1].prefix { $0 != "\"" })
            if !ip.isEmpty { sources[String(line[..<brace]), default: []].insert(ip) }
        }
        return (lines, sources)
    }

    /// SplitMix64 (PromExposition does not depend on TrafficFeatures, which has one).
    struct Random {
        var state: UInt64
        init(seed: UInt64) { state = seed }
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static func randomIP(_ random: inout Random) -> String {
        let n = random.next()
        return "198.\(18 + Int(n & 1)).\(Int((n >> 8) & 0xFF)).\(Int((n >> 16) & 0xFF))"
    }

    @Test("detector: 2,000 verdicts naming 20,000 random sources keep at most METRICS_TOP_IPS series per metric")
    func detector() async throws {
        let limit = DetectorMetrics.defaultSuspiciousIPLimit
        let (named, sizes, final) = try await OwnThread.run {
            let metrics = DetectorMetrics()
            var random = Random(seed: 5)
            var named = Set<String>()
            var sizes: [Int] = []
            for index in 0..<2000 {
                let ips = (0..<10).map { _ in Self.randomIP(&random) }
                named.formUnion(ips)
                metrics.record(
                    VerdictObservation(
                        detectionType: "network", threatTypes: ["port_scan", "ddos", "ml_high_risk"], confidence: 0.9, attackingIPs: ips,
                        threatSources: ["port_scan": Array(ips.prefix(3)), "ddos": ips, "ml_high_risk": ips],
                        sourcePackets: ips.map { SourcePackets(ip: $0, packets: 100) }, processingSeconds: 0.001))
                if index >= 100 && index % 100 == 0 { sizes.append(Self.series(metrics.render()).lines) }
            }
            return (named.count, sizes, Self.series(metrics.render()))
        }
        #expect(named > 15_000)
        #expect(!final.sourcesByMetric.isEmpty)
        for (metric, ips) in final.sourcesByMetric {
            #expect(ips.count <= limit, "\(metric): \(ips.count) sources")
        }
        // The exposition does not grow once the flood has filled the bounded sets.
        #expect(Set(sizes + [final.lines]).count == 1, "series over the flood: \(sizes + [final.lines])")
    }

    @Test("monitor: 2,000 windows of 100 random top sources and probers keep at most METRICS_TOP_SOURCES series per metric")
    func monitor() async throws {
        let limit = MonitorMetrics.defaultTopSourceSeriesLimit
        let (sizes, final) = try await OwnThread.run {
            let metrics = MonitorMetrics()
            var random = Random(seed: 6)
            var sizes: [Int] = []
            for index in 0..<2000 {
                var window = WindowObservation(
                    counts: [CounterSeries.id(MetricName.packetsProcessed, label: ("protocol", "tcp")): 100],
                    packetsPerSecond: 100, windowSeconds: 1,
                    topSources: (0..<100).map { _ in (Self.randomIP(&random), Double(random.next() % 1000)) })
                window.probedBreadth = (0..<50).map { _ in
                    ProbedBreadth(ip: Self.randomIP(&random), horizonSeconds: 60, ports: Int(random.next() % 500), hosts: Int(random.next() % 50))
                }
                metrics.record(window)
                if index >= 100 && index % 100 == 0 { sizes.append(Self.series(metrics.render()).lines) }
            }
            return (sizes, Self.series(metrics.render()))
        }
        #expect(final.sourcesByMetric.keys.contains(MetricName.topSourcePacketsPerSecond) && final.sourcesByMetric.keys.contains(MetricName.sourceProbedPorts))
        for (metric, ips) in final.sourcesByMetric {
            #expect(ips.count <= limit, "\(metric): \(ips.count) sources")
        }
        #expect(Set(sizes + [final.lines]).count == 1, "series over the flood: \(sizes + [final.lines])")
    }
}
