import AnomalyModels
import Foundation
import TestSupport
import Testing
import TrafficFeatures

@testable import ThreatRules

/// Alerts from the models alone: severity by impact, persistence, warm-up.
@Suite("Model alerts follow impact and persistence", .serialized)
struct ModelAlertPolicyTests {
    static func window(packets: Int, bytes: Int, ips: Int = 1, ports: Int = 1, sequence: Int, dns: Int = 0, icmp: Int = 0, udp: Int = 0)
        -> TrafficWindow
    {
        var counters = WindowCounters()
        counters.packets = packets
        counters.bytes = bytes
        counters.udpPackets = udp
        counters.udpBytes = udp > 0 ? bytes : 0
        counters.icmpPackets = icmp
        counters.dnsPackets = dns
        counters.otherPackets = packets - udp - icmp
        return TrafficWindow(
            windowStart: Date(timeIntervalSince1970: 1_800_000_000 + Double(sequence)), windowSeconds: 1, counters: counters,
            uniqueIPs: ips, uniquePorts: ports, interface: "test0", source: .xdp, sequence: sequence)
    }

    static let ensemble = Result { try ThreatDetector.bootstrapNetworkEnsemble() }
    static let authentication = Result { try ThreatDetector.bootstrapAuthenticationEnsemble() }

    /// Trains the bootstrap ensembles (seconds of work) on a thread of its own, not the test pool's.
    static func bootstrapped() async throws {
        try await OwnThread.run {
            _ = try ensemble.get()
            _ = try authentication.get()
        }
    }

    static func detector(_ policy: ModelAlertPolicy) throws -> ThreatDetector {
        try ThreatDetector(
            thresholds: RuleThresholds(), networkEnsemble: ensemble.get(), authenticationEnsemble: authentication.get(),
            modelPolicy: policy)
    }

    /// Quiet windows the bootstrap models find unusual (the first of these candidates they agree on).
    static func surprisingQuietWindow(sequence: Int) throws -> TrafficWindow? {
        let candidates = [
            window(packets: 9, bytes: 900, ips: 1, ports: 9, sequence: sequence, dns: 9, udp: 9),
            window(packets: 9, bytes: 9 * 98, ips: 9, ports: 0, sequence: sequence, icmp: 9),
            window(packets: 3, bytes: 4500, ips: 3, ports: 3, sequence: sequence, udp: 3),
            window(packets: 40, bytes: 2400, ips: 1, ports: 40, sequence: sequence),
        ]
        let judge = try detector(.immediate)
        return try candidates.first { try judge.detect($0, learn: false).scores.mlBased }
    }

    @Test func impactScalesWithVolumeAndBreadth() {
        #expect(ModelAlertPolicy.impact(of: Self.window(packets: 9, bytes: 900, sequence: 0)) < 0.05)
        #expect(ModelAlertPolicy.maximumRisk(impact: 0.01) == .low)
        #expect(ModelAlertPolicy.maximumRisk(impact: 0.1) == .medium)
        #expect(ModelAlertPolicy.maximumRisk(impact: 0.3) == .high)
        #expect(ModelAlertPolicy.maximumRisk(impact: 2) == .critical)
        #expect(ModelAlertPolicy.impact(of: Self.window(packets: 8000, bytes: 480_000, ips: 7000, sequence: 0)) > 1)
        #expect(ModelAlertPolicy.parsePersistence("3/5")! == (3, 5))
        #expect(ModelAlertPolicy.parsePersistence("6/5") == nil && ModelAlertPolicy.parsePersistence("x") == nil)
    }

    @Test func aQuietSurpriseIsNeverCriticalAndNeedsToPersist() async throws {
        try await Self.bootstrapped()
        let surprising = try #require(try Self.surprisingQuietWindow(sequence: 0), "no candidate the bootstrap models flag")
        let impact = ModelAlertPolicy.impact(of: surprising)
        try #require(impact < 1)
        // Warmed up (as if trained on this host), 3 of 5 windows.
        let detector = try Self.detector(ModelAlertPolicy(persistenceWindows: 3, persistenceOf: 5, warmUpTrainings: 0))
        var verdicts: [Verdict] = []
        for sequence in 0..<4 {
            var window = surprising
            window.sequence = sequence
            window.windowStart = Date(timeIntervalSince1970: 1_800_000_000 + Double(sequence))
            verdicts.append(try detector.detect(window))
        }
        let agreed = verdicts.map(\.scores.mlBased)
        let firstAlert = try #require(verdicts.firstIndex { $0.threatDetected }, "never reported: \(agreed)")
        #expect(agreed.prefix(firstAlert + 1).count { $0 } >= 3, "reported before 3 agreements: \(agreed)")
        for verdict in verdicts.prefix(firstAlert) {
            #expect(!verdict.threatDetected && verdict.threatTypes.isEmpty)
            if verdict.scores.mlBased { #expect(verdict.explanations.last?.contains("not reported") == true) }
        }
        let maximum = ModelAlertPolicy.maximumRisk(impact: impact)
        for case .model(let risk) in verdicts[firstAlert].threatTypes { #expect(risk <= maximum) }
        #expect(detector.suppressedModelAlerts >= 2)
    }

    @Test func beforeWarmUpOnlyImpactLetsTheModelsAlertAlone() async throws {
        try await Self.bootstrapped()
        let surprising = try #require(try Self.surprisingQuietWindow(sequence: 0))
        let detector = try Self.detector(ModelAlertPolicy(persistenceWindows: 1, persistenceOf: 1, warmUpTrainings: 1))
        let verdict = try detector.detect(surprising)
        #expect(verdict.scores.mlBased && !verdict.threatDetected)
        #expect(verdict.explanations.last?.contains("still learning this host") == true)
        // A flood has the impact to be reported at once, warm or not.
        let flood = Self.window(packets: 30_000, bytes: 45_000_000, ips: 3, ports: 2, sequence: 1, udp: 30_000)
        let loud = try detector.detect(flood)
        #expect(!loud.scores.mlBased || loud.threatDetected)
    }

    @Test func theImmediatePolicyIsTheOldBehaviour() async throws {
        try await Self.bootstrapped()
        let surprising = try #require(try Self.surprisingQuietWindow(sequence: 0))
        let verdict = try Self.detector(.immediate).detect(surprising)
        #expect(verdict.threatDetected && verdict.scores.mlBased)
        #expect(verdict.threatTypes.contains { if case .model = $0 { true } else { false } })
    }
}
