import Foundation
import TestSupport
import Testing
import ThreatRules
import TrafficFeatures

@testable import EBPFCapture

/// Real probes from a test namespace (nmap, hping3), counted by XDP on the host end of the veth
/// and judged by the network rules: every scan and sweep kind, a slow scan, spoofed reflection.
/// Each attack is also judged with its rule disabled, and must then go unreported: the finding
/// comes from that rule, not from another one that happens to fire.
@Suite(
    "Real probes, sweeps, slow scans and reflection from a test namespace",
    .requires(TestNetwork.isPrivileged, "needs root (XDP, namespaces, raw sockets)"),
    .requires(Command.exists("nmap"), "nmap is not installed (make setup)"),
    .requires(Traffic.available, "hping3 is not installed (make setup)"))
struct AttackTrafficTests {
    /// Windows of 1 s on the host end while `traffic` runs (the last, partial one included).
    static func capture(_ network: TestNetwork, _ traffic: () async throws -> Void) async throws -> [TrafficWindow] {
        let capture = try XDPCapture(
            configuration: .init(interface: network.hostInterface, mode: .auto, windowInterval: .seconds(1)), logger: testLogger)
        let collector = WindowCollector(capture)
        try await traffic()
        return try await collector.finish(capture)
    }

    /// The stream's findings with the given thresholds (brute force tracked over windows).
    static func findings(_ windows: [TrafficWindow], _ thresholds: RuleThresholds = RuleThresholds()) -> [Finding] {
        var tracker = NetworkRuleTracker(thresholds: thresholds)
        return windows.flatMap { tracker.evaluate($0) }
    }

    static func disabled(_ keys: [RuleThresholds.Key]) -> RuleThresholds {
        var thresholds = RuleThresholds()
        for key in keys { thresholds[key] = 1e12 }
        return thresholds
    }

    static let portScanKeys: [RuleThresholds.Key] = [.portScanSourceUniquePorts, .portScanHorizonPorts, .portScanUniquePorts]
    static let hostSweepKeys: [RuleThresholds.Key] = [.hostSweepUniqueHosts, .hostSweepHorizonHosts]

    static func nmap(_ network: TestNetwork, _ arguments: [String], hostTimeout: Int = 120) async throws {
        // Bounded: no retries, a host timeout, and the test's own addresses only.
        let result = try await network.exec(
            ["nmap", "-n", "--max-retries", "0", "--host-timeout", "\(hostTimeout)s"] + arguments, check: false)
        try #require(result.status == 0, "nmap \(arguments.joined(separator: " ")): \(result.stderr)")
    }

    static func probes(_ windows: [TrafficWindow], from source: String, _ kind: KeyPath<SourceStats, Int>) -> Int {
        windows.flatMap(\.topSources).filter { $0.ip == source }.reduce(0) { $0 + $1[keyPath: kind] }
    }

    static let scanKinds: [(flag: String, kind: any KeyPath<SourceStats, Int> & Sendable)] = [
        ("-sA", \.ackProbes), ("-sF", \.stealthProbes), ("-sN", \.stealthProbes), ("-sX", \.stealthProbes),
        ("-sM", \.ackProbes), ("-sU", \.udpProbes), ("-sS", \.synPackets),
    ]

    @Test(arguments: scanKinds.indices)
    func everyScanKindIsAPortScanOfItsSource(index: Int) async throws {
        let (flag, kind) = Self.scanKinds[index]
        let network = try TestNetwork()
        defer { network.remove() }
        let windows = try await Self.capture(network) {
            try await Self.nmap(network, ["-Pn", flag, "-p", "1-200", "--min-rate", "400", network.hostAddress])
        }
        #expect(Self.probes(windows, from: network.peerAddress, kind) >= 200, "\(flag): probes of its kind")
        let scans = Self.findings(windows).filter { $0.threat == .portScan && $0.sourceIP == network.peerAddress }
        #expect(!scans.isEmpty, "\(flag): no port_scan from \(network.peerAddress)")
        let silenced = Self.findings(windows, Self.disabled(Self.portScanKeys))
        #expect(!silenced.contains { $0.threat == .portScan }, "\(flag) with port_scan disabled: \(silenced.map(\.explanation))")
    }

    static let sweepKinds: [(flag: String, kind: any KeyPath<SourceStats, Int> & Sendable)] = [
        ("-PA80", \.ackProbes), ("-PS443", \.synPackets), ("-PU40125", \.udpProbes), ("-PE", \.icmpProbes),
        ("-PP", \.icmpProbes),
    ]

    /// `nmap -sn` of a /24 routed through the host end and blackholed there: no host answers.
    @Test(arguments: sweepKinds.indices)
    func everySweepKindIsAHostSweepOfItsSource(index: Int) async throws {
        let (flag, kind) = Self.sweepKinds[index]
        let network = try TestNetwork()
        defer { network.remove() }
        let subnet = try await network.routeBlackholedSubnet()
        let windows = try await Self.capture(network) {
            try await Self.nmap(network, ["-sn", flag, "--min-rate", "300", "\(subnet).0/24"])
        }
        #expect(Self.probes(windows, from: network.peerAddress, kind) >= 256, "\(flag): probes of its kind")
        let sweeps = Self.findings(windows).filter { $0.threat == .hostSweep && $0.sourceIP == network.peerAddress }
        #expect(!sweeps.isEmpty, "\(flag): no host_sweep from \(network.peerAddress)")
        let silenced = Self.findings(windows, Self.disabled(Self.hostSweepKeys))
        #expect(!silenced.contains { $0.threat == .hostSweep }, "\(flag) with host_sweep disabled: \(silenced.map(\.explanation))")
    }

    /// nmap's default sweep of the local segment as root: ARP requests for every address of the
    /// veth's /24 (the host end answers for its own address only).
    @Test func anARPSweepOfTheLocalSegmentIsAHostSweep() async throws {
        let network = try TestNetwork()
        defer { network.remove() }
        let windows = try await Self.capture(network) {
            try await Self.nmap(network, ["-sn", "-PR", "--min-rate", "300", "\(network.subnetPrefix).0/24"])
        }
        #expect(Self.probes(windows, from: network.peerAddress, \.arpRequests) >= 250)
        let sweeps = Self.findings(windows).filter { $0.threat == .hostSweep && $0.sourceIP == network.peerAddress }
        #expect(!sweeps.isEmpty, "no host_sweep from \(network.peerAddress)")
        #expect(sweeps.contains { $0.explanation.contains("ARP") || $0.explanation.contains("\(network.subnetPrefix).0/24") })
        let silenced = Self.findings(windows, Self.disabled(Self.hostSweepKeys))
        #expect(!silenced.contains { $0.threat == .hostSweep })
    }

    /// `nmap --scan-delay 1s` over 60 ports: one probe a second, under every per-second threshold.
    @Test func aSlowScanIsReportedOverItsHorizon() async throws {
        let network = try TestNetwork()
        defer { network.remove() }
        let windows = try await Self.capture(network) {
            try await Self.nmap(network, ["-Pn", "-sS", "--scan-delay", "1s", "-p", "1-60", network.hostAddress])
        }
        #expect(windows.count >= 55)
        #expect(windows.allSatisfy { window in window.topSources.allSatisfy { $0.uniquePorts <= 3 } }, "not slow enough")
        let scans = Self.findings(windows).filter { $0.threat == .portScan && $0.sourceIP == network.peerAddress }
        let first = try #require(scans.first, "the slow scan was not reported")
        #expect(first.feature == "horizon_unique_ports")
        #expect(first.explanation.contains("over the last 1 min"), "\(first.explanation)")
        let silenced = Self.findings(windows, Self.disabled([.portScanHorizonPorts]))
        #expect(!silenced.contains { $0.threat == .portScan }, "\(silenced.map(\.explanation))")
        print("slow scan: first reported after \(scans.count > 0 ? "\(windows.firstIndex { !Self.findings([$0]).isEmpty } ?? -1)" : "-") windows: \(first.explanation)")
    }

    /// `nmap -T2` (polite: 0.4 s between probes) over 40 ports: 2–3 probes a second.
    @Test func aPoliteScanIsReportedOverItsHorizon() async throws {
        let network = try TestNetwork()
        defer { network.remove() }
        let windows = try await Self.capture(network) {
            try await Self.nmap(network, ["-Pn", "-sS", "-T2", "-p", "1-40", network.hostAddress])
        }
        #expect(windows.allSatisfy { window in window.topSources.allSatisfy { $0.uniquePorts <= 5 } }, "not slow enough")
        let scans = Self.findings(windows).filter { $0.threat == .portScan && $0.sourceIP == network.peerAddress }
        let first = try #require(scans.first, "the -T2 scan was not reported")
        #expect(first.feature == "horizon_unique_ports")
        #expect(Self.findings(windows, Self.disabled([.portScanHorizonPorts])).filter { $0.threat == .portScan }.isEmpty)
    }

    /// `nmap -T1` (sneaky: 15 s between probes) over 17 ports: one probe every 15 windows, so only
    /// the 5-min horizon ever holds more than 15 of them. It takes about 4 minutes.
    @Test func aSneakyScanIsReportedOverTheFiveMinuteHorizon() async throws {
        let network = try TestNetwork()
        defer { network.remove() }
        let windows = try await Self.capture(network) {
            try await Self.nmap(network, ["-Pn", "-sS", "-T1", "-p", "1-17", network.hostAddress], hostTimeout: 400)
        }
        #expect(windows.count >= 230)
        #expect(windows.allSatisfy { window in window.topSources.allSatisfy { $0.uniquePorts <= 1 } }, "not slow enough")
        let scans = Self.findings(windows).filter { $0.threat == .portScan && $0.sourceIP == network.peerAddress }
        let first = try #require(scans.first, "the -T1 scan was not reported")
        #expect(first.feature == "horizon_unique_ports")
        #expect(first.explanation.contains("over the last 5 min"), "\(first.explanation)")
        #expect(Self.findings(windows, Self.disabled([.portScanHorizonPorts])).filter { $0.threat == .portScan }.isEmpty)
        print("sneaky scan (-T1): reported in window \(windows.firstIndex { !Self.findings([$0]).isEmpty } ?? -1) of \(windows.count): \(first.explanation)")
    }

    /// hping3 SYN-ACKs (and UDP from NTP's port) from random spoofed sources to the host end.
    @Test(arguments: [["-SA", "-p", "80"], ["--udp", "-s", "123", "-k", "-p", "40000", "-d", "200"]])
    func spoofedReflectionNamesTheVictimAndTheReflectors(arguments: [String]) async throws {
        let network = try TestNetwork()
        defer { network.remove() }
        // The host end must not answer the spoofed sources: anything it sends from its test
        // address to outside 198.18.0.0/15 is dropped for the test's duration.
        let isolation = try await network.dropRepliesOutsideTestRange()
        defer { isolation.remove() }
        let windows = try await Self.capture(network) {
            try await Traffic.hping(network, count: 6000, arguments + ["--rand-source", "-i", "u100", network.hostAddress])
        }
        let reflections = Self.findings(windows).filter { $0.threat == .reflection }
        let finding = try #require(reflections.first, "no reflection: \(windows.map(\.reflectionTargets))")
        #expect(finding.victim == network.hostAddress)
        #expect((finding.reflectors ?? 0) > 50)
        if arguments.contains("--udp") { #expect(finding.port == 123) }
        let silenced = Self.findings(windows, Self.disabled([.reflectionReflectors]))
        #expect(!silenced.contains { $0.threat == .reflection })
        print("reflection (\(arguments.first!)): \(finding.explanation)")
    }
}
