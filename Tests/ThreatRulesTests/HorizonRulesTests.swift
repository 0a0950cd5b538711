import Foundation
import Testing
import TrafficFeatures

@testable import ThreatRules

private func window(
    horizons: [HorizonSource] = [], reflection: [ReflectionTarget] = [], packets: Int = 10, bytes: Int = 1000,
    uniqueIPs: Int = 1
) -> TrafficWindow {
    var counters = WindowCounters()
    counters.packets = packets
    counters.bytes = bytes
    var window = TrafficWindow(windowStart: nil, windowSeconds: 1, counters: counters, uniqueIPs: uniqueIPs, uniquePorts: 1)
    window.probeHorizons = horizons
    window.reflectionTargets = reflection
    return window
}

private func scan(_ horizon: Double, ports: Int, probes: Int? = nil, hosts: Int = 1, subnetHosts: Int = 1) -> HorizonSource {
    HorizonSource(
        ip: "198.18.0.66", horizonSeconds: horizon, uniquePorts: ports, uniqueHosts: hosts,
        busiestSubnet: "198.18.0.0/24", subnetHosts: subnetHosts, probes: probes ?? max(ports, subnetHosts),
        connectionAttempts: ports, windows: ports, newPorts: ports, newHosts: subnetHosts)
}

/// `port_scan` and `host_sweep` over probe horizons.
@Suite("Rules over probe horizons")
struct HorizonRulesTests {
    @Test func aSlowScanIsReportedAtTheShortestHorizonThatCrossed() throws {
        let findings = NetworkRules.evaluate(
            window(horizons: [scan(10, ports: 10), scan(60, ports: 16), scan(300, ports: 40)]), thresholds: RuleThresholds())
        let finding = try #require(findings.only)
        #expect(finding.threat == .portScan && finding.sourceIP == "198.18.0.66")
        #expect(finding.feature == "horizon_unique_ports" && finding.value == 16 && finding.threshold == 15)
        #expect(finding.explanation.hasPrefix("16 distinct ports probed over the last 1 min > 15 with 16 probes"))
    }

    @Test func atTheThresholdOrWithoutEnoughProbesNothingFires() {
        #expect(NetworkRules.evaluate(window(horizons: [scan(60, ports: 15)]), thresholds: RuleThresholds()).isEmpty)
        #expect(NetworkRules.evaluate(window(horizons: [scan(60, ports: 30, probes: 29)]), thresholds: RuleThresholds()).isEmpty)
    }

    @Test func aScanAlreadyOverTheThresholdIsNotReportedAgain() {
        var going = scan(60, ports: 40)
        going.newPorts = 1
        #expect(NetworkRules.evaluate(window(horizons: [going]), thresholds: RuleThresholds()).isEmpty)
        going.newPorts = 25
        #expect(NetworkRules.evaluate(window(horizons: [going]), thresholds: RuleThresholds()).count == 1)
    }

    @Test func theRuleCanBeDisabledByItsThreshold() {
        var thresholds = RuleThresholds()
        thresholds.portScanHorizonPorts = 1_000_000
        #expect(NetworkRules.evaluate(window(horizons: [scan(300, ports: 400)]), thresholds: thresholds).isEmpty)
    }

    @Test func aSweepOfOneSubnetIsAHostSweep() throws {
        let entry = scan(10, ports: 0, hosts: 40, subnetHosts: 40)
        let finding = try #require(NetworkRules.evaluate(window(horizons: [entry]), thresholds: RuleThresholds()).only)
        #expect(finding.threat == .hostSweep && finding.sourceIP == "198.18.0.66")
        #expect(finding.explanation.hasPrefix("40 hosts of 198.18.0.0/24 probed over the last 10 s > 15"))
    }

    @Test func hostsScatteredOverManySubnetsAreNoSweep() {
        let browsing = scan(300, ports: 2, hosts: 80, subnetHosts: 3)
        #expect(NetworkRules.evaluate(window(horizons: [browsing]), thresholds: RuleThresholds()).isEmpty)
    }
}

/// `reflection` and small-packet floods.
@Suite("Reflection and small-packet floods")
struct ReflectionRulesTests {
    static let backscatter = ReflectionTarget(
        victim: "198.18.0.1", kind: .tcpBackscatter, reflectors: 7000, packets: 8000, bytes: 8000 * 60)

    @Test func synAckBackscatterNamesTheVictimAndTheReflectors() throws {
        let findings = NetworkRules.evaluate(
            window(reflection: [Self.backscatter], packets: 8000, bytes: 480_000, uniqueIPs: 7000), thresholds: RuleThresholds())
        let reflection = try #require(findings.first { $0.threat == .reflection })
        #expect(reflection.victim == "198.18.0.1" && reflection.reflectors == 7000 && reflection.port == nil)
        #expect(reflection.explanation.hasPrefix("198.18.0.1 receives SYN-ACK/RST backscatter"))
        // 8000 small packets a second from 7000 sources is also a DDoS, although under 1 MB/s.
        let ddos = try #require(findings.first { $0.threat == .ddos })
        #expect(ddos.explanation.contains("small packets"))
    }

    @Test func udpReflectionNamesThePort() throws {
        let ntp = ReflectionTarget(victim: "198.18.0.1", kind: .udp, port: 123, reflectors: 300, packets: 3000, bytes: 1_440_000)
        let finding = try #require(NetworkRules.evaluate(window(reflection: [ntp]), thresholds: RuleThresholds()).only)
        #expect(finding.threat == .reflection && finding.port == 123)
        #expect(finding.explanation.contains("UDP from source port 123"))
    }

    @Test func aFewRepliesAreNoReflection() {
        let dns = ReflectionTarget(victim: "198.18.0.1", kind: .udp, port: 53, reflectors: 3, packets: 9, bytes: 900)
        let quiet = ReflectionTarget(victim: "198.18.0.1", kind: .tcpBackscatter, reflectors: 400, packets: 400, bytes: 24_000)
        #expect(NetworkRules.evaluate(window(reflection: [dns, quiet]), thresholds: RuleThresholds()).isEmpty)
    }

    @Test func twoVictimsGiveTwoFindings() {
        var other = Self.backscatter
        other.victim = "198.18.0.9"
        let findings = NetworkRules.evaluate(window(reflection: [Self.backscatter, other]), thresholds: RuleThresholds())
        #expect(findings.filter { $0.threat == .reflection }.compactMap(\.victim) == ["198.18.0.1", "198.18.0.9"])
    }

    @Test func theRuleCanBeDisabledByItsThresholds() {
        var thresholds = RuleThresholds()
        thresholds.reflectionReflectors = 1_000_000
        #expect(NetworkRules.evaluate(window(reflection: [Self.backscatter]), thresholds: thresholds).isEmpty)
    }
}

extension Array {
    fileprivate var only: Element? { count == 1 ? first : nil }
}

/// `dns_tunnel` by the content of a client's questions.
@Suite("DNS tunnels by their questions")
struct DNSContentRulesTests {
    static func activity(names: Int, entropy: Double = 4.6, length: Double = 50, tunnelTypes: Int = 0, queries: Int? = nil)
        -> DNSClientActivity
    {
        DNSClientActivity(
            client: "198.18.0.2", domain: "tunnel.test", horizonSeconds: 60, queries: queries ?? names, distinctNames: names,
            meanEntropy: entropy, meanSubdomainLength: length, maxNameLength: Int(length) + 12, tunnelTypeQueries: tunnelTypes,
            windows: names, newNames: names)
    }

    static func judge(_ entries: [DNSClientActivity], _ thresholds: RuleThresholds = RuleThresholds()) -> [Finding] {
        var w = window()
        w.dnsClients = entries
        return NetworkRules.evaluate(w, thresholds: thresholds)
    }

    @Test func aSlowTunnelIsReportedWithItsClientAndDomain() throws {
        let finding = try #require(Self.judge([Self.activity(names: 25)]).only)
        #expect(finding.threat == .dnsTunnel && finding.sourceIP == "198.18.0.2")
        #expect(finding.explanation.hasPrefix("25 distinct names under tunnel.test asked by 198.18.0.2 over the last 1 min > 20"))
        #expect(finding.explanation.contains("mean entropy 4.60 bits/char > 3.50"))
    }

    @Test func eachSignSufficesAndNoneIsNoTunnel() {
        #expect(Self.judge([Self.activity(names: 25, entropy: 2, length: 40)]).count == 1)
        #expect(Self.judge([Self.activity(names: 25, entropy: 2, length: 8, tunnelTypes: 20)]).count == 1)
        // Many short, word-like A/AAAA names (a CDN's hosts): no tunnel.
        #expect(Self.judge([Self.activity(names: 40, entropy: 2.8, length: 9, tunnelTypes: 2)]).isEmpty)
        // A tunnel-like domain asked about a few times: no tunnel yet.
        #expect(Self.judge([Self.activity(names: 20)]).isEmpty)
        // Reported once, in the window that crossed: later windows of the same tunnel are the same incident.
        var later = Self.activity(names: 60)
        later.newNames = 1
        #expect(Self.judge([later]).isEmpty)
    }

    @Test func theRuleCanBeDisabledByItsThreshold() {
        var thresholds = RuleThresholds()
        thresholds.dnsTunnelHorizonNames = 1e9
        #expect(Self.judge([Self.activity(names: 500)], thresholds).isEmpty)
    }
}
