import AnomalyModels
import Foundation
import Testing
import ThreatRules
import TrafficFeatures

@Suite("authentication events: numbers outside WireLimits are refused, naming the field")
struct AuthenticationLimitsTests {
    static let literals = ["1e308", "-1e308", "9007199254740993", "18446744073709551616", "5e-324", "2.5"]

    static func failure(_ json: String) -> (field: String, message: String)? {
        do {
            _ = try JSONDecoder().decode(AuthenticationEvent.self, from: Data(json.utf8))
            return nil
        } catch {
            guard case let .dataCorrupted(context) = error as? DecodingError else { return ("?", "\(error)") }
            return (context.codingPath.map(\.stringValue).joined(separator: "."), context.debugDescription)
        }
    }

    @Test("every count and window_seconds × every extreme value", arguments: literals)
    func extremes(_ literal: String) throws {
        let base = ["total_attempts": "10", "failed_attempts": "1"]
        for field in ["total_attempts", "failed_attempts", "successful_attempts", "unique_source_ips", "privilege_level", "window_seconds"] {
            var fields = base
            fields[field] = literal
            if field == "failed_attempts" { fields["total_attempts"] = "9007199254740991" }
            let json = "{" + fields.map { "\"\($0.key)\": \($0.value)" }.joined(separator: ", ") + "}"
            if field == "window_seconds", literal == "2.5" {
                #expect(Self.failure(json) == nil, "a 2.5 s window is valid")
                continue
            }
            let failure = try #require(Self.failure(json), "\(field) = \(literal) was accepted")
            #expect(failure.field == field, "\(failure)")
            #expect(failure.message.hasPrefix(field), "\(failure.message)")
        }
    }

    @Test("the largest counts are accepted and their sums do not overflow")
    func largestCounts() throws {
        let json = #"{"username_type": "service", "total_attempts": 9007199254740991, "failed_attempts": 9007199254740991, "successful_attempts": 9007199254740991, "unique_source_ips": 9007199254740991, "privilege_level": 9007199254740991}"#
        let failure = try #require(Self.failure(json))
        #expect(failure.field == "successful_attempts")
        let event = try JSONDecoder().decode(
            AuthenticationEvent.self,
            from: Data(#"{"username_type": "service", "total_attempts": 9007199254740991, "failed_attempts": 9007199254740991, "window_seconds": 0.001}"#.utf8))
        let findings = AuthenticationRules.evaluate(event, usernameClass: nil, thresholds: RuleThresholds())
        #expect(findings.map(\.threat) == [.bruteForce, .serviceAccountAbuse])
        #expect(event.featureVector.allSatisfy { $0.isFinite })
    }
}

@Suite("rules and detector: windows built in code with any counts never trap")
struct UnboundedWindowTests {
    static func window(count: Int, rate: Double, seconds: Double = 1, sequence: Int?) -> TrafficWindow {
        let source = SourceStats(
            ip: "198.18.0.2", packets: count, bytes: count, synPackets: count, uniquePorts: count, uniqueHosts: count,
            tcpPackets: count, udpPackets: count, icmpPackets: count, dnsPackets: count, dnsBytes: count, udpSourcePort: 40000)
        var window = craftedWindow(
            seconds: seconds, packets: count, bytes: count, tcp: count, udp: count, icmp: count, syn: count,
            dnsPackets: count, dnsBytes: count, ips: count, ports: count, sources: [source], sequence: sequence)
        window.packetsPerSecond = rate
        window.bytesPerSecond = rate
        return window
    }

    @Test("Int.max counts: every rule evaluates, the tracker follows Int.max sequences, explanations are finite text")
    func intMaxCounts() throws {
        var tracker = NetworkRuleTracker(thresholds: RuleThresholds())
        for sequence in [Int.max, Int.max, 0] {
            let findings = tracker.evaluate(Self.window(count: .max, rate: 1e300, sequence: sequence))
            #expect(Set(findings.map(\.threat)).isSuperset(of: [.portScan, .udpFlood, .hostSweep, .dnsTunnel, .ddos]))
            #expect(findings.allSatisfy { !$0.explanation.isEmpty && $0.value.isFinite })
        }
    }

    @Test(
        "the detector gives a verdict, or a typed error when the features overflow, never a trap",
        arguments: [(1e300, 1.0), (.greatestFiniteMagnitude, 1), (.greatestFiniteMagnitude, 2)])
    func extremeFeatures(_ rate: Double, _ seconds: Double) throws {
        let detector = try ThreatDetector(
            thresholds: RuleThresholds(), networkEnsemble: ThreatDetector.bootstrapNetworkEnsemble(),
            authenticationEnsemble: ThreatDetector.bootstrapAuthenticationEnsemble())
        let before = detector.network.trainingSampleCount
        let window = Self.window(count: .max, rate: rate, seconds: seconds, sequence: 1)
        let vector = FeatureVector(window).values
        if vector.allSatisfy(\.isFinite) {
            let verdict = try detector.detect(window)
            #expect(verdict.threatDetected && verdict.confidence.isFinite)
        } else {
            #expect(throws: ModelError.self) { try detector.detect(window) }
            #expect(detector.network.trainingSampleCount == before)
        }
    }

    @Test("models of the wrong width are a typed error, not a trap")
    func modelsOfTheWrongWidth() throws {
        let network = try ThreatDetector.bootstrapNetworkEnsemble()
        let authentication = try ThreatDetector.bootstrapAuthenticationEnsemble()
        // Each set of models in the other's place.
        #expect(throws: ModelError.dimensionMismatch(expected: FeatureVector.dimension, got: AuthenticationEvent.featureNames.count)) {
            try ThreatDetector(
                thresholds: RuleThresholds(),
                network: try AnomalyDetector(configuration: ThreatDetector.authenticationConfiguration, ensemble: authentication),
                authentication: try AnomalyDetector(configuration: ThreatDetector.authenticationConfiguration, ensemble: authentication),
                classifier: .shared)
        }
        #expect(throws: ModelError.dimensionMismatch(expected: AuthenticationEvent.featureNames.count, got: FeatureVector.dimension)) {
            try ThreatDetector(
                thresholds: RuleThresholds(),
                network: try AnomalyDetector(configuration: ThreatDetector.networkConfiguration, ensemble: network),
                authentication: try AnomalyDetector(configuration: ThreatDetector.networkConfiguration, ensemble: network),
                classifier: .shared)
        }
    }
}
