import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import PromExposition
import ServiceSupport
import Testing
import TestSupport
import ThreatRules

import DetectorService

/// The detector's per-stream state is bounded by `DETECTOR_MAX_STREAMS`, and what it keeps and
/// forgets is exported.
@Suite("detector: streams kept and forgotten are exported")
struct StreamMetricsTests {
    static func window(interface: String) -> String {
        #"{"packets_per_second": 10, "bytes_per_second": 1000, "unique_ips": 1, "unique_ports": 1, "tcp_packets": 10, "udp_packets": 0, "syn_packets": 1, "interface": "\#(interface)", "source": "xdp"}"#
    }

    @Test("3 streams through a table of 2: ml_detector_streams{table=\"state\"} 1, ml_detector_stream_evictions_total 2")
    func evictionsAreCounted() async throws {
        let detector = try ThreatDetector(
            thresholds: RuleThresholds(), networkEnsemble: Fixture.networkEnsemble,
            authenticationEnsemble: Fixture.authenticationEnsemble, maximumStreams: 2)
        let routes = DetectorRoutes(
            detector: detector, metrics: DetectorMetrics(), token: nil, training: [:], logger: Logger(label: "detector-test"))
        try await Application(router: routes.router()).test(.router) { client in
            for interface in ["eth0", "eth1", "eth2"] {
                let response = try await client.execute(
                    uri: "/detect", method: .post, headers: Fixture.jsonHeaders, body: ByteBuffer(string: Self.window(interface: interface)))
                #expect(response.status == .ok, "\(String(buffer: response.body))")
            }
            let metrics = try await client.execute(uri: "/metrics", method: .get)
            let text = String(buffer: metrics.body)
            let samples = PrometheusText.samples(text)
            // One probation place: each new stream pushed out the one before. The windows carry
            // no delivery stream, so the ledger holds none.
            #expect(samples["\(MetricName.detectorStreams){table=\"state\"}"] == 1, "\(text)")
            #expect(samples["\(MetricName.detectorStreamEvictions){table=\"state\"}"] == 2)
            #expect(samples["\(MetricName.detectorStreams){table=\"ledger\"}"] == 0)
            #expect(samples["\(MetricName.detectorStreamEvictions){table=\"ledger\"}"] == 0)
        }
    }

    @Test("300 made-up delivery streams after a monitor's: its repeat is still answered from the ledger, the 249 forgotten counted")
    func theLedgerKeepsAMonitorsStream() async throws {
        let routes = try Fixture.routes()
        @Sendable func window(stream: String, sequence: Int) -> String {
            #"{"packets_per_second": 10, "bytes_per_second": 1000, "unique_ips": 1, "unique_ports": 1, "tcp_packets": 10, "udp_packets": 0, "syn_packets": 1, "stream": "\#(stream)", "sequence": \#(sequence)}"#
        }
        try await Application(router: routes.router()).test(.router) { client in
            func post(_ body: String) async throws -> String {
                let response = try await client.execute(uri: "/detect", method: .post, headers: Fixture.jsonHeaders, body: ByteBuffer(string: body))
                #expect(response.status == .ok, "\(String(buffer: response.body))")
                return String(buffer: response.body)
            }
            _ = try await post(window(stream: "monitor", sequence: 0))
            let first = try await post(window(stream: "monitor", sequence: 1))
            for number in 0..<300 { _ = try await post(window(stream: "made-up-\(number)", sequence: 0)) }
            #expect(try await post(window(stream: "monitor", sequence: 1)) == first)
            let text = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            let samples = PrometheusText.samples(text)
            #expect(samples[MetricName.detectorDuplicateWindows] == 1)
            // 256 streams, a fifth (51) of them probation, through which the made-up ones cycled.
            #expect(samples["\(MetricName.detectorStreamEvictions){table=\"ledger\"}"] == 249, "\(text)")
            #expect(samples["\(MetricName.detectorStreams){table=\"ledger\"}"] == 52)
        }
        #expect(routes.stats().network.verdicts == 302)
    }

    @Test("DETECTOR_MAX_STREAMS: the default, a value, and an unusable value named")
    func theSettingIsRead() throws {
        #expect(try DetectorConfiguration(settings: Settings(environment: [:])).maximumStreams == ThreatDetector.defaultMaximumStreams)
        #expect(try DetectorConfiguration(settings: Settings(environment: ["DETECTOR_MAX_STREAMS": "20000"])).maximumStreams == 20_000)
        for bad in ["0", "-5", "many", "1000001"] {
            #expect {
                try DetectorConfiguration(settings: Settings(environment: ["DETECTOR_MAX_STREAMS": bad]))
            } throws: { error in
                "\(error)".contains("DETECTOR_MAX_STREAMS")
            }
        }
    }
}
