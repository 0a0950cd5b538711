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

    @Test("3 streams through a table of 2: ml_detector_streams 1, ml_detector_stream_evictions_total 2")
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
            let samples = PrometheusText.samples(String(buffer: metrics.body))
            // One probation place: each new stream pushed out the one before.
            #expect(samples[MetricName.detectorStreams] == 1)
            #expect(samples[MetricName.detectorStreamEvictions] == 2)
        }
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
