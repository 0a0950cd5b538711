import Foundation
import Testing
import ThreatRules
import TrafficFeatures
import WindowFormat

@Suite("Windows paired with the detector's verdicts")
struct JudgedWindowTests {
    /// Bootstrapping trains three models: do it once for the suite (only rules decide below).
    static let detector = try! ThreatDetector.standalone()

    /// Windows of the default synthetic host; the third carries a port scan from 198.18.0.66.
    static func windows() -> [TrafficWindow] {
        var traffic = SyntheticTraffic(seed: 11)
        var aggregator = WindowAggregator()
        let start = Date(timeIntervalSince1970: 1_795_000_000)
        let scan = SyntheticTraffic.Attack.portScan(source: NetworkAddress(ipv4: 198, 18, 0, 66), ports: 1...500, packetsPerSecond: 300)
        return (0..<3).map { i in
            let at = start.addingTimeInterval(Double(i))
            for packet in traffic.packets(start: at, duration: 1, attacks: i == 2 ? [scan] : []) { aggregator.add(packet) }
            return aggregator.close(start: at, duration: 1, source: .simulation, sequence: i)
        }
    }

    @Test func aBatchAnswerIsPairedInOrder() throws {
        let detector = Self.detector
        let windows = Self.windows()
        let verdicts = try windows.map { try detector.detect($0) }
        let answer = try JSONEncoder().encode(verdicts)
        let received = Date(timeIntervalSince1970: 1_795_000_010.5)
        let judged = try JudgedWindow.pair(postedWindows: try windows.map { try $0.jsonData() }, answer: answer, receivedAt: received)
        #expect(judged.map(\.window.sequence) == [0, 1, 2])
        #expect(judged.map(\.verdict) == verdicts)
        #expect(judged[2].verdict.threatTypes.contains(.rule(.portScan)))
        #expect(!judged[0].verdict.threatDetected)

        let line = try JSONSerialization.jsonObject(with: judged[2].jsonLine()) as? [String: Any]
        #expect(line?["verdict_received_at"] as? Double == 1_795_000_010.5)
        #expect(line?["sequence"] as? Int == 2)
        #expect((line?["verdict"] as? [String: Any])?["threat_detected"] as? Bool == true)
        // Offline lines carry no receive time.
        let offline = try JSONSerialization.jsonObject(with: JudgedWindow(window: windows[2], verdict: verdicts[2]).jsonLine()) as? [String: Any]
        #expect(offline?["verdict_received_at"] == nil)
    }

    @Test func oneWindowTakesOneVerdictObject() throws {
        let detector = Self.detector
        let window = Self.windows()[0]
        let judged = try JudgedWindow.pair(postedWindows: [try window.jsonData()], answer: try JSONEncoder().encode(try detector.detect(window)))
        #expect(judged.count == 1 && judged[0].receivedAt == nil)
    }

    @Test func anAnswerThatDoesNotMatchThePostIsAnError() throws {
        let detector = Self.detector
        let windows = Self.windows()
        let bodies = try windows.map { try $0.jsonData() }
        let two = try JSONEncoder().encode(try windows.prefix(2).map { try detector.detect($0) })
        #expect(throws: JudgedWindowError.countMismatch(windows: 3, verdicts: 2)) {
            try JudgedWindow.pair(postedWindows: bodies, answer: two)
        }
        #expect(throws: DecodingError.self) { try JudgedWindow.pair(postedWindows: bodies, answer: Data("{\"error\": 1}".utf8)) }
        #expect(throws: DecodingError.self) { try JudgedWindow.pair(postedWindows: [Data("[]".utf8)], answer: two) }
    }
}
