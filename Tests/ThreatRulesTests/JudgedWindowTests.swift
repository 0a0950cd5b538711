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

    @Test("windows and login events posted together come back in order; a login event keeps no name")
    func windowsAndLoginEventsInOrder() throws {
        let detector = Self.detector
        let window = Self.windows()[0]
        let event = AuthenticationEvent(
            totalAttempts: 3, failedAttempts: 3, sourceIP: "198.18.0.2", windowSeconds: 1, service: "sshd",
            usernames: [AuthenticationUsername(name: "P@ssw0rd!", attempts: 3, failed: 3, succeeded: 0, invalid: true)],
            horizons: [AuthenticationHorizon(seconds: 60, totalAttempts: 3, failedAttempts: 3, successfulAttempts: 0, uniqueUsernames: 1)])
        let bodies = [try JSONEncoder().encode(event), try window.jsonData()]
        let answer = try JSONEncoder().encode([try detector.detect(event), try detector.detect(window)])
        let items = try JudgedItem.pair(posted: bodies, answer: answer)
        guard items.count == 2, case .authentication(let login) = items[0], case .window(let judged) = items[1] else {
            Issue.record("not an event then a window: \(items)")
            return
        }
        #expect(login.event.usernames == nil && login.event.sourceIP == "198.18.0.2")
        #expect(!(String(data: try login.jsonLine(), encoding: .utf8) ?? "").contains("P@ssw0rd"))
        #expect(judged.window == window)
        #expect(try JudgedWindow.pair(postedWindows: bodies, answer: answer).count == 1, "windows only")
    }
}
