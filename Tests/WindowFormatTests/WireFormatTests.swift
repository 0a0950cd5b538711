import Foundation
import TestSupport
import Testing

@testable import TrafficFeatures
import WindowFormat

@Suite("window wire format")
struct WireFormatTests {
    static func decode(_ json: String) throws -> TrafficWindow {
        try TrafficWindow(json: Data(json.utf8))
    }

    static func sampleWindow() -> TrafficWindow { SampleWindows.scan() }

    @Test func roundTripsExactly() throws {
        let window = Self.sampleWindow()
        let decoded = try TrafficWindow(json: try window.jsonData())
        #expect(decoded == window)
    }


    /// Found by fuzz-pcap: a start of `.249` s came back from JSON as `.24899…` and was written
    /// as `.248`, so every hop (monitor → detector → replay) moved the window a millisecond.
    @Test(arguments: [
        (1_800_000_000.249, "2027-01-15T08:00:00.249Z"), (1_800_000_000.2494, "2027-01-15T08:00:00.249Z"),
        (1_800_000_000.2496, "2027-01-15T08:00:00.250Z"), (1_800_000_000.9999, "2027-01-15T08:00:01.000Z"),
        (0.001, "1970-01-01T00:00:00.001Z"), (-0.25, "1969-12-31T23:59:59.750Z"),
    ])
    func startsKeepTheirMillisecondThroughEveryHop(seconds: Double, text: String) throws {
        #expect(WindowTimestamp.format(Date(timeIntervalSince1970: seconds)) == text)
        var window = Self.sampleWindow()
        window.windowStart = Date(timeIntervalSince1970: seconds)
        let first = try window.jsonData()
        var json = first
        for _ in 0..<5 { json = try TrafficWindow(json: json).jsonData() }
        #expect(json == first)
        #expect(WindowTimestamp.parse(text).map(WindowTimestamp.format) == text)
    }
    @Test func encodesTheSeedFieldsAsSnakeCase() throws {
        let object = try JSONSerialization.jsonObject(with: try Self.sampleWindow().jsonData()) as! [String: Any]
        for key in [
            "packets_per_second", "bytes_per_second", "unique_ips", "unique_ports", "tcp_packets", "udp_packets",
            "syn_packets", "icmp_packets", "window_seconds", "window_start", "interface", "source", "top_sources",
        ] {
            #expect(object[key] != nil, "missing \(key)")
        }
        #expect(object["packets_per_second"] as? Double == 1247)
        #expect(object["window_start"] as? String == "2026-11-24T10:00:00.250Z")
        let top = (object["top_sources"] as! [[String: Any]])[0]
        #expect(top["ip"] as? String == "198.18.0.2")
        #expect(top["unique_ports"] as? Int == 1000)
    }

    @Test func decodesTheSpecExample() throws {
        let window = try Self.decode(
            """
            {"packets_per_second": 1247, "bytes_per_second": 987432, "unique_ips": 23, "unique_ports": 15,
             "tcp_packets": 1200, "udp_packets": 47, "syn_packets": 89,
             "icmp_packets": 0, "window_seconds": 1.0, "window_start": "2026-11-24T10:00:00Z",
             "interface": "eth0", "source": "xdp",
             "top_sources": [{"ip": "198.18.0.2", "packets": 1100, "bytes": 66000, "syn_packets": 1100,
                              "unique_ports": 1000, "unique_hosts": 1}]}
            """)
        #expect(window.uniquePorts == 15)
        #expect(window.windowStart == Date(timeIntervalSince1970: 1_795_514_400))
        #expect(window.counters.packets == 1247)
        #expect(window.counters.otherPackets == 0)
        #expect(window.topSources.first?.uniquePorts == 1000)
    }

    @Test func acceptsTheSeedsSevenFieldMonitorBody() throws {
        let window = try Self.decode(
            """
            {"packets_per_second": 1247, "bytes_per_second": 987432, "unique_ips": 23, "unique_ports": 15,
             "tcp_packets": 1200, "udp_packets": 47, "syn_packets": 89}
            """)
        #expect(window.tcpRatio == 1200.0 / 1247.0)
        #expect(window.windowSeconds == 1)
        #expect(window.windowStart == nil)
        #expect(window.topSources.isEmpty)
    }

    @Test func acceptsTheSeedsTCPRatioBody() throws {
        let window = try Self.decode(
            """
            {"packets_per_second": 1200, "bytes_per_second": 1500000, "unique_ips": 30, "unique_ports": 50,
             "tcp_ratio": 0.95, "syn_packets": 800}
            """)
        #expect(window.tcpRatio == 0.95)
        #expect(window.declaredTCPRatio == 0.95)
        #expect(window.synPackets == 800)
        // Re-encoding keeps the ratio.
        let again = try TrafficWindow(json: try window.jsonData())
        #expect(again.tcpRatio == 0.95)
    }

    static let base = #""packets_per_second": 10, "bytes_per_second": 1000, "unique_ips": 1, "unique_ports": 1, "syn_packets": 0"#

    @Test(arguments: [
        (#"{\#(base), "tcp_packets": -1, "udp_packets": 0}"#, "tcp_packets"),
        (#"{\#(base), "tcp_packets": 1.5, "udp_packets": 0}"#, "tcp_packets"),
        (#"{\#(base), "tcp_packets": "many", "udp_packets": 0}"#, "tcp_packets"),
        (#"{\#(base), "tcp_packets": 1}"#, "udp_packets"),
        (#"{"bytes_per_second": 1, "unique_ips": 1, "unique_ports": 1, "syn_packets": 0, "tcp_packets": 0, "udp_packets": 0}"#, "packets_per_second"),
        (#"{"packets_per_second": -3, "bytes_per_second": 1, "unique_ips": 1, "unique_ports": 1, "syn_packets": 0, "tcp_ratio": 1}"#, "packets_per_second"),
        (#"{"packets_per_second": "NaN", "bytes_per_second": 1, "unique_ips": 1, "unique_ports": 1, "syn_packets": 0, "tcp_ratio": 1}"#, "packets_per_second"),
        (#"{\#(base), "tcp_ratio": 1.5}"#, "tcp_ratio"),
        (#"{\#(base), "tcp_packets": 0, "udp_packets": 0, "window_seconds": 0}"#, "window_seconds"),
        (#"{\#(base), "tcp_packets": 0, "udp_packets": 0, "window_start": "yesterday"}"#, "window_start"),
        (#"{\#(base), "tcp_packets": 0, "udp_packets": 0, "top_sources": [{"ip": "198.18.0.2", "packets": -1}]}"#, "packets"),
        (#"{\#(base), "tcp_packets": 0, "udp_packets": 0, "top_sources": [{"packets": 1}]}"#, "ip"),
        (#"{\#(base), "tcp_packets": 0, "udp_packets": 0, "losses": {"source_entries_evicted": -2}}"#, "source_entries_evicted"),
    ])
    func rejectsBadValuesNamingTheField(json: String, field: String) {
        do {
            _ = try Self.decode(json)
            Issue.record("decoded \(json)")
        } catch {
            #expect("\(error)".contains(field), "error does not name \(field): \(error)")
        }
    }
}
