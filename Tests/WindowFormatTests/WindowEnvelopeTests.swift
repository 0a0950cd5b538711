import Foundation
import TestSupport
import Testing
import TrafficFeatures
import WindowFormat

/// What delivery adds to a window: the `stream`, and a `source` name of another sender, kept as
/// they came; the typed window holds only this project's capture sources.
@Suite("window envelope: stream and source names as sent")
struct WindowEnvelopeTests {
    static func body(_ extra: String) -> Data {
        Data("""
            {"packets_per_second": 10, "bytes_per_second": 600, "unique_ips": 1, "unique_ports": 1,
             "tcp_packets": 10, "udp_packets": 0, "syn_packets": 0\(extra)}
            """.utf8)
    }

    @Test("a capture source of this project is typed in the window; its name is not kept twice")
    func aKnownSourceIsTyped() throws {
        let envelope = try JSONDecoder().decode(WindowEnvelope.self, from: Self.body(#", "source": "pcap""#))
        #expect(envelope.window.source == .pcap)
        #expect(envelope.otherSource == nil && envelope.source == "pcap")
    }

    @Test("another sender's source name is kept as sent and written back; the window's source is nil")
    func anotherSourceIsKept() throws {
        let envelope = try JSONDecoder().decode(WindowEnvelope.self, from: Self.body(#", "source": "sensor-7", "stream": "s1""#))
        #expect(envelope.window.source == nil)
        #expect(envelope.otherSource == "sensor-7" && envelope.source == "sensor-7")
        let object = try #require(JSONSerialization.jsonObject(with: envelope.jsonData()) as? [String: Any])
        #expect(object["source"] as? String == "sensor-7" && object["stream"] as? String == "s1")
        #expect(try JSONDecoder().decode(WindowEnvelope.self, from: envelope.jsonData()) == envelope)
    }

    @Test("a window's JSON through the envelope: the stream is written only when given, and the window comes back")
    func theStreamIsTheEnvelopes() throws {
        var window = SampleWindows.scan()
        window.sequence = 12
        let bare = try #require(JSONSerialization.jsonObject(with: window.jsonData()) as? [String: Any])
        #expect(bare["stream"] == nil && bare["sequence"] as? Int == 12 && bare["source"] as? String == "xdp")
        let envelope = WindowEnvelope(window, stream: "5f0c")
        let decoded = try JSONDecoder().decode(WindowEnvelope.self, from: envelope.jsonData())
        #expect(decoded == envelope)
        #expect(decoded.stream == "5f0c" && decoded.sequence == 12)
        // Reading only the window checks the stream, then leaves it out.
        #expect(try TrafficWindow(json: envelope.jsonData()) == window)
    }

    @Test("a stream that is empty or longer than the limit is refused naming it", arguments: [0, WindowEnvelope.maximumStreamLength + 1])
    func streamLengthIsChecked(length: Int) {
        let stream = String(repeating: "s", count: length)
        #expect {
            try JSONDecoder().decode(WindowEnvelope.self, from: Self.body(#", "stream": "\#(stream)""#))
        } throws: { error in
            "\(error)".contains("stream must be 1 to \(WindowEnvelope.maximumStreamLength) characters, got \(length)")
        }
    }
}
