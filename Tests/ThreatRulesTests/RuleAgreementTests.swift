import Foundation
import Testing
import TrafficFeatures

@testable import ThreatRules

/// `ml_detector_model_accuracy`'s source: how often the models' consensus matched the rules.
@Suite("Agreement of the models with the rules")
struct RuleAgreementTests {
    @Test("a record of the latest 1,000 verdicts: the share that agreed, oldest forgotten first")
    func ring() {
        var record = RuleAgreement()
        #expect(record.share == nil)
        for i in 0..<RuleAgreement.capacity { record.append(i % 4 != 0) }
        #expect(record.count == RuleAgreement.capacity && record.share == 0.75)
        // 250 more that agree replace the oldest 250 (of which 63 disagreed).
        for _ in 0..<250 { record.append(true) }
        #expect(record.count == RuleAgreement.capacity)
        #expect(record.share == Double(750 - 187 + 250) / 1000)
    }

    @Test("the detector counts scored, learned verdicts only, by detection type")
    func detector() throws {
        let detector = try ThreatDetector(
            thresholds: RuleThresholds(), networkEnsemble: ThreatDetector.bootstrapNetworkEnsemble(),
            authenticationEnsemble: ThreatDetector.bootstrapAuthenticationEnsemble())
        #expect(detector.ruleAgreement(.network) == nil && detector.ruleAgreement(.authentication) == nil)
        var counters = WindowCounters()
        counters.packets = 200
        counters.bytes = 120_000
        counters.tcpPackets = 200
        counters.tcpBytes = 120_000
        let window = TrafficWindow(
            windowStart: Date(timeIntervalSince1970: 1_800_000_000), windowSeconds: 1, counters: counters, uniqueIPs: 3, uniquePorts: 2,
            interface: "test0", source: .xdp, sequence: 0)
        _ = try detector.detect(window, learn: false)
        #expect(detector.ruleAgreement(.network) == nil, "a verdict that does not learn is not counted")
        let verdict = try detector.detect(window)
        #expect(detector.ruleAgreement(.network) == (verdict.scores.mlBased == verdict.scores.ruleBased ? 1 : 0))
        #expect(detector.ruleAgreement(.authentication) == nil)
    }
}
