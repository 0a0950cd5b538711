import Foundation
import Synchronization
import TestSupport
import Testing
import ThreatRules
import TrafficFeatures
import WindowFormat

// MARK: - Helpers

/// One window of the default synthetic host with `attacks` mixed in, aggregated as the monitor does.
private func generatedWindow(_ attacks: [SyntheticTraffic.Attack], seed: UInt64 = 7, duration: Double = 1) -> TrafficWindow {
    var traffic = SyntheticTraffic(seed: seed)
    var aggregator = WindowAggregator()
    let start = Date(timeIntervalSince1970: 1_795_000_000)
    for packet in traffic.packets(start: start, duration: duration, attacks: attacks) { aggregator.add(packet) }
    return aggregator.close(start: start, duration: duration, source: .simulation, sequence: 0)
}

/// A window with the given totals and sources (any non-negative counts, Int.max included).
func craftedWindow(
    seconds: Double = 1, packets: Int, bytes: Int, tcp: Int = 0, udp: Int = 0, icmp: Int = 0, syn: Int = 0,
    dnsPackets: Int = 0, dnsBytes: Int = 0, ips: Int, ports: Int, sources: [SourceStats] = [], sequence: Int? = nil
) -> TrafficWindow {
    var counters = WindowCounters()
    counters.packets = packets
    counters.bytes = bytes
    counters.tcpPackets = tcp
    counters.udpPackets = udp
    counters.icmpPackets = icmp
    // packets − tcp − udp − icmp, at least 0, without overflowing for any counts.
    counters.otherPackets = [tcp, udp, icmp].reduce(packets) { rest, count in rest <= count ? 0 : rest - count }
    counters.synPackets = syn
    counters.dnsPackets = dnsPackets
    counters.dnsBytes = dnsBytes
    return TrafficWindow(
        windowStart: nil, windowSeconds: seconds, counters: counters, uniqueIPs: ips, uniquePorts: ports,
        topSources: sources, sequence: sequence)
}

/// The same traffic over `factor` times the time: every count multiplied, rates unchanged.
private func stretched(_ window: TrafficWindow, by factor: Int) -> TrafficWindow {
    var counters = window.counters
    for field in WindowCounters.fields { counters[keyPath: field.keyPath] *= factor }
    let sources = window.topSources.map { s in
        var stretched = s
        for field in SourceCounters.fields { stretched.counters[keyPath: field.keyPath] *= factor }
        return stretched
    }
    return TrafficWindow(
        windowStart: window.windowStart, windowSeconds: window.windowSeconds * Double(factor), counters: counters,
        uniqueIPs: window.uniqueIPs * factor, uniquePorts: window.uniquePorts * factor, topSources: sources)
}

private func decode(_ json: String) throws -> TrafficWindow {
    try TrafficWindow(json: Data(json.utf8))
}

private let defaults = RuleThresholds()

/// Findings, checking the invariant every evaluation keeps: one finding per (threat, source).
private func findings(_ window: TrafficWindow, _ thresholds: RuleThresholds = RuleThresholds()) -> [Finding] {
    let findings = NetworkRules.evaluate(window, thresholds: thresholds)
    let keys = findings.map { "\($0.threat.rawValue)|\($0.sourceIP ?? "-")" }
    #expect(Set(keys).count == keys.count, "duplicate findings: \(keys)")
    for finding in findings {
        #expect(finding.value > finding.threshold || finding.feature == "username_type", "\(finding)")
        #expect(finding.explanation.contains(finding.feature), "\(finding.explanation)")
        if let ip = finding.sourceIP { #expect(finding.explanation.contains(ip)) }
    }
    return findings
}

// MARK: - Seed bodies

@Suite struct NetworkRulesSeedBodies {
    @Test func seedManualTestBodyReportsPortScan() throws {
        let window = try decode(
            #"{"packets_per_second": 1200, "bytes_per_second": 1500000, "unique_ips": 30, "unique_ports": 50, "tcp_packets": 1140, "udp_packets": 60, "syn_packets": 800}"#
        )
        let result = findings(window)
        #expect(result.map(\.threat) == [.portScan])
        let scan = try #require(result.first)
        #expect(scan.sourceIP == nil)
        #expect(scan.feature == "unique_ports")
        #expect(scan.value == 50)
        #expect(scan.threshold == 20)
        #expect(scan.explanation == "unique_ports 50 > 20 with 1200 pps > 100 (window total; no per-source data)")
    }

    @Test func seedSynFloodBodyReportsSynFlood() throws {
        // The original design's "all SYN" example: 2500 SYNs, 100% TCP.
        let window = try decode(
            #"{"packets_per_second": 2500, "bytes_per_second": 150000, "unique_ips": 1, "unique_ports": 1, "tcp_packets": 2500, "udp_packets": 0, "syn_packets": 2500}"#
        )
        #expect(findings(window).map(\.threat) == [.synFlood])
    }

    @Test func tcpRatioInsteadOfCountsWorks() throws {
        let window = try decode(
            #"{"packets_per_second": 3000, "bytes_per_second": 180000, "unique_ips": 2000, "unique_ports": 1, "tcp_ratio": 0.99, "syn_packets": 2900}"#
        )
        #expect(findings(window).map(\.threat) == [.synFlood])
        let udp = try decode(
            #"{"packets_per_second": 4000, "bytes_per_second": 900000, "unique_ips": 2000, "unique_ports": 4000, "tcp_ratio": 0.0, "syn_packets": 0}"#
        )
        // 4000 distinct ports (replies to random ports) on an original-design body also meet the original design's port-scan rule.
        #expect(findings(udp).map(\.threat) == [.portScan, .udpFlood])
    }

    @Test func seedAnomalyBodyIsLeftToTheModels() throws {
        // The original design's DNS-tunnelling story: "rules don't detect anything".
        let window = try decode(
            #"{"packets_per_second": 800, "bytes_per_second": 200000, "unique_ports": 12, "unique_ips": 5, "tcp_packets": 240, "udp_packets": 560, "syn_packets": 50}"#
        )
        #expect(findings(window).isEmpty)
    }

    @Test func quietWindowReportsNothing() throws {
        let window = try decode(
            #"{"packets_per_second": 40, "bytes_per_second": 30000, "unique_ips": 3, "unique_ports": 4, "tcp_packets": 38, "udp_packets": 2, "syn_packets": 1}"#
        )
        #expect(findings(window).isEmpty)
        #expect(findings(craftedWindow(packets: 0, bytes: 0, ips: 0, ports: 0)).isEmpty)
    }
}

// MARK: - Each rule on generated attacks

@Suite struct NetworkRulesGeneratedAttacks {
    static let scanner = NetworkAddress(ipv4: 198, 18, 0, 66)

    @Test func portScanNamesTheScanner() throws {
        let window = generatedWindow([.portScan(source: Self.scanner, ports: 1...1000, packetsPerSecond: 300)])
        let scan = try #require(findings(window).first { $0.threat == .portScan })
        #expect(scan.sourceIP == "198.18.0.66")
        #expect(scan.value == 300)
        #expect(scan.explanation.hasPrefix("unique_ports 300 > 20 with 300 probes/s (300 SYN) from 198.18.0.66"))
        #expect(findings(window).map(\.threat) == [.portScan])
    }

    @Test func slowScanBelowThresholdIsNotReported() {
        let window = generatedWindow([.portScan(source: Self.scanner, ports: 1...1000, packetsPerSecond: 15)])
        #expect(findings(window).isEmpty)
    }

    @Test func synFloodFromOneSourceNamesIt() throws {
        let attacker = NetworkAddress(ipv4: 198, 18, 0, 77)
        let window = generatedWindow([.synFlood(source: attacker, port: 443, packetsPerSecond: 2000)])
        let result = findings(window)
        let flood = try #require(result.first { $0.threat == .synFlood })
        #expect(flood.sourceIP == "198.18.0.77")
        // One finding for the source, not a second one for the window it dominates.
        #expect(result.filter { $0.threat == .synFlood }.count == 1)
        // A flood is not password guessing, although it goes to one port on one host.
        #expect(!result.contains { $0.threat == .bruteForce })
    }

    @Test func spoofedSynFloodHasNoSingleAttacker() throws {
        let window = generatedWindow([.synFlood(source: nil, port: 25565, packetsPerSecond: 5000)])
        let result = findings(window)
        let flood = try #require(result.first { $0.threat == .synFlood })
        #expect(flood.sourceIP == nil)
        #expect(flood.explanation.contains("no single source"))
        #expect(result.allSatisfy { $0.sourceIP == nil })
    }

    @Test func reflectionNamesTheSharedSourcePort() throws {
        let window = generatedWindow([.udpFlood(reflectors: 800, sourcePort: 123, packetsPerSecond: 3000)])
        let result = findings(window)
        let flood = try #require(result.first { $0.threat == .udpFlood })
        #expect(flood.sourceIP == nil)
        #expect(flood.explanation.contains("reflection/amplification"))
        #expect(flood.explanation.contains("UDP source port 123"))
        // 3000 pps of ~1150-byte datagrams from hundreds of sources is also a DDoS.
        let ddos = try #require(result.first { $0.threat == .ddos })
        #expect(ddos.sourceIP == nil)
    }

    @Test func hostSweepNamesTheSweeper() throws {
        let sweeper = NetworkAddress(ipv4: 198, 18, 0, 88)
        let window = generatedWindow([.hostSweep(source: sweeper, hosts: 200, firstHost: NetworkAddress(ipv4: 198, 18, 1, 0))])
        let sweep = try #require(findings(window).first { $0.threat == .hostSweep })
        #expect(sweep.sourceIP == "198.18.0.88")
        #expect(sweep.value == 200)
        #expect(sweep.explanation.contains("200 ICMP"))
    }

    @Test(arguments: [60, 20])
    func dnsTunnelNamesTheClient(queriesPerSecond: Int) throws {
        let client = NetworkAddress(ipv4: 198, 18, 0, 99)
        let window = generatedWindow([.dnsTunnel(source: client, queriesPerSecond: queriesPerSecond)])
        let result = findings(window)
        let tunnel = try #require(result.first { $0.threat == .dnsTunnel })
        #expect(tunnel.sourceIP == "198.18.0.99")
        #expect(tunnel.feature == (queriesPerSecond > 50 ? "dns_packets" : "dns_mean_packet_bytes"))
        // The resolver answering the host is not a tunnel.
        #expect(result.filter { $0.threat == .dnsTunnel }.count == 1)
    }

    @Test func dataExfiltrationNamesTheSender() throws {
        let sender = SourceStats(
            ip: "10.1.2.3", packets: 6000, bytes: 8_400_000, uniquePorts: 1, uniqueHosts: 1, tcpPackets: 6000)
        let window = craftedWindow(
            packets: 6300, bytes: 8_500_000, tcp: 6250, udp: 50, ips: 4, ports: 3,
            sources: [sender, SourceStats(ip: "203.0.113.9", packets: 300, bytes: 100_000, uniqueHosts: 1, tcpPackets: 250)])
        let result = findings(window)
        let exfiltration = try #require(result.first { $0.threat == .dataExfiltration })
        #expect(exfiltration.sourceIP == "10.1.2.3")
        #expect(exfiltration.value == 8_400_000)
        #expect(exfiltration.explanation.contains("mean packet 1400 bytes > 1000"))
        // The same bytes spread over 40 destinations are not "few destinations".
        var spread = sender
        spread.uniqueHosts = 40
        let fanOut = craftedWindow(packets: 6000, bytes: 8_400_000, tcp: 6000, ips: 1, ports: 1, sources: [spread])
        #expect(!findings(fanOut).contains { $0.threat == .dataExfiltration })
    }

    @Test func ddosNeedsManySources() {
        // The original design's packet and byte rates from a handful of QUIC servers: a video stream, not a DDoS.
        let streaming = craftedWindow(
            packets: 1700, bytes: 1_900_000, tcp: 5, udp: 1695, ips: 5, ports: 8,
            sources: [SourceStats(ip: "31.13.86.52", packets: 1277, bytes: 1_566_211, uniquePorts: 3, uniqueHosts: 1, udpPackets: 1277, udpSourcePort: 443)])
        #expect(findings(streaming).isEmpty)
        let distributed = craftedWindow(
            packets: 5000, bytes: 4_000_000, tcp: 4000, udp: 1000, ips: 900, ports: 2,
            sources: [SourceStats(ip: "198.51.100.7", packets: 40, bytes: 32_000, uniquePorts: 1, uniqueHosts: 1, tcpPackets: 40)])
        let ddos = findings(distributed).first { $0.threat == .ddos }
        #expect(ddos?.sourceIP == nil)
        #expect(ddos?.explanation.contains("from 900 sources/s > 200; no single source") == true)
    }

    @Test func bruteForceIsOneSourceHammeringOneService() throws {
        let guesser = SourceStats(ip: "10.234.125.254", packets: 100, bytes: 6236, synPackets: 17, uniquePorts: 1, uniqueHosts: 1, tcpPackets: 100)
        let server = SourceStats(ip: "10.121.70.151", packets: 134, bytes: 8989, uniquePorts: 26, uniqueHosts: 1, tcpPackets: 134)
        let second = craftedWindow(packets: 234, bytes: 15225, tcp: 234, syn: 17, ips: 2, ports: 27, sources: [server, guesser])
        // One second of it is not yet brute force (a version probe looks the same) ...
        #expect(findings(second).isEmpty)
        // ... three seconds of it are (still one port on one host).
        var guesserLonger = guesser
        guesserLonger.packets *= 3
        guesserLonger.bytes *= 3
        guesserLonger.synPackets *= 3
        guesserLonger.tcpPackets *= 3
        let longer = craftedWindow(
            seconds: 3, packets: 702, bytes: 45675, tcp: 702, syn: 51, ips: 2, ports: 79, sources: [server, guesserLonger])
        let result = findings(longer)
        #expect(result.map(\.threat) == [.bruteForce])
        #expect(result.first?.sourceIP == "10.234.125.254")
        #expect(result.first?.value == 17)
        // The server's replies to 26 client ports are not a port scan (no probes).
        // A browser opening 19 connections to 9 hosts is not brute force either.
        let browser = SourceStats(ip: "172.16.0.122", packets: 332, bytes: 41698, synPackets: 19, uniquePorts: 2, uniqueHosts: 9, tcpPackets: 323, udpPackets: 9)
        let page = craftedWindow(packets: 690, bytes: 468_849, tcp: 672, udp: 18, syn: 19, ips: 10, ports: 30, sources: [browser])
        #expect(findings(stretched(page, by: 3)).isEmpty)
    }
}

// MARK: - Sustained brute force

@Suite struct NetworkRulesTracker {
    static func window(sequence: Int, connections: Int) -> TrafficWindow {
        let source = SourceStats(ip: "10.0.0.5", packets: connections * 6, bytes: connections * 400, synPackets: connections, uniquePorts: 1, uniqueHosts: 1, tcpPackets: connections * 6)
        return craftedWindow(packets: connections * 6, bytes: connections * 400, tcp: connections * 6, syn: connections, ips: 2, ports: 2, sources: [source], sequence: sequence)
    }

    @Test func bruteForceIsReportedOnceSustained() {
        var tracker = NetworkRuleTracker(thresholds: RuleThresholds())
        let reported = (0..<5).map { tracker.evaluate(Self.window(sequence: $0, connections: 15)).map(\.threat) }
        #expect(reported == [[], [], [.bruteForce], [.bruteForce], [.bruteForce]])
    }

    @Test func aOneSecondBurstIsNotReported() {
        var tracker = NetworkRuleTracker(thresholds: RuleThresholds())
        let reported = [40, 0, 0, 15, 15].enumerated().map { tracker.evaluate(Self.window(sequence: $0, connections: $1)) }
        #expect(reported.allSatisfy { $0.isEmpty })
    }

    @Test func aGapInTheSequenceStartsAgain() {
        var tracker = NetworkRuleTracker(thresholds: RuleThresholds())
        let reported = [0, 1, 5, 6].map { tracker.evaluate(Self.window(sequence: $0, connections: 15)) }
        #expect(reported.allSatisfy { $0.isEmpty })
    }

    @Test("the evaluation is pure: the same window on the same state gives the same answer, and only a kept state advances")
    func evaluationIsPure() {
        let thresholds = RuleThresholds()
        var state = NetworkRuleState()
        for sequence in 0..<2 {
            (_, state) = NetworkRules.evaluate(Self.window(sequence: sequence, connections: 15), after: state, thresholds: thresholds)
        }
        #expect(state.suspectedSources == 1)
        let third = Self.window(sequence: 2, connections: 15)
        let first = NetworkRules.evaluate(third, after: state, thresholds: thresholds)
        let again = NetworkRules.evaluate(third, after: state, thresholds: thresholds)
        #expect(first.findings == again.findings && first.state == again.state)
        #expect(first.findings.map(\.threat) == [.bruteForce])
        #expect(first.findings.first?.explanation.hasSuffix("sustained for 3 s") == true)
        // A state not kept (a window judged without learning) leaves the stream where it was:
        // the next window on the kept state is judged as the third, not the fourth.
        let fourth = NetworkRules.evaluate(Self.window(sequence: 2, connections: 15), after: state, thresholds: thresholds)
        #expect(fourth.findings.first?.explanation.hasSuffix("sustained for 3 s") == true)
        // A window without the rate empties the state.
        #expect(NetworkRules.evaluate(Self.window(sequence: 2, connections: 1), after: state, thresholds: thresholds).state.suspectedSources == 0)
    }

    @Test func otherThreatsPassThrough() {
        var tracker = NetworkRuleTracker(thresholds: RuleThresholds())
        let window = generatedWindow([.portScan(source: NetworkAddress(ipv4: 198, 18, 0, 66), ports: 1...1000, packetsPerSecond: 300)])
        #expect(tracker.evaluate(window) == NetworkRules.evaluate(window, thresholds: RuleThresholds()))
    }
}

// MARK: - Normal traffic

@Suite struct NetworkRulesNormalTraffic {
    @Test func generatedNormalTrafficHasNoFindings() {
        var traffic = SyntheticTraffic(seed: 42)
        var aggregator = WindowAggregator()
        let start = Date(timeIntervalSince1970: 1_795_000_000)
        var reported: [String] = []
        for second in 0..<300 {
            let windowStart = start.addingTimeInterval(Double(second) * 97)  // spread over the day
            for packet in traffic.packets(start: windowStart, duration: 1) { aggregator.add(packet) }
            let window = aggregator.close(start: windowStart, duration: 1)
            reported += findings(window).map(\.explanation)
        }
        #expect(reported.isEmpty)
    }

    @Test func everyGeneratedHostProfileIsQuiet() async throws {
        let reportedByStream = try await OwnThread.run {
            SyntheticTraffic.hostWindowStreams(seed: 3, count: 150).map { stream in
                var tracker = NetworkRuleTracker(thresholds: RuleThresholds())
                return (stream.name, stream.windows.flatMap { findings($0) + tracker.evaluate($0) }.map(\.explanation))
            }
        }
        #expect(!reportedByStream.isEmpty)
        for (name, reported) in reportedByStream {
            #expect(reported.isEmpty, "\(name): \(reported.prefix(3))")
        }
    }
}

// MARK: - Per-second normalisation

@Suite struct NetworkRulesNormalisation {
    static let attacks: [[SyntheticTraffic.Attack]] = [
        [.portScan(source: NetworkAddress(ipv4: 198, 18, 0, 66), ports: 1...1000, packetsPerSecond: 300)],
        [.synFlood(source: nil, port: 80, packetsPerSecond: 3000)],
        [.udpFlood(reflectors: 500, sourcePort: 4500, packetsPerSecond: 2500)],
        [.hostSweep(source: NetworkAddress(ipv4: 198, 18, 0, 88), hosts: 100, firstHost: NetworkAddress(ipv4: 198, 18, 1, 0))],
        [.dnsTunnel(source: NetworkAddress(ipv4: 198, 18, 0, 99), queriesPerSecond: 30)],
        [],
    ]

    @Test(arguments: attacks)
    func twoSecondWindowWithDoubleCountsGivesTheSameFindings(attacks: [SyntheticTraffic.Attack]) {
        let one = generatedWindow(attacks)
        let two = stretched(one, by: 2)
        let a = findings(one), b = findings(two)
        #expect(a.map(\.threat) == b.map(\.threat))
        #expect(a.map(\.sourceIP) == b.map(\.sourceIP))
        #expect(a.map(\.value) == b.map(\.value))
        #expect(b.allSatisfy { $0.explanation.hasSuffix("(per second over a 2 s window)") })
    }

    @Test func countsAreComparedAsRates() {
        let scanner = SourceStats(ip: "198.18.0.66", packets: 30, bytes: 1800, synPackets: 30, uniquePorts: 30, uniqueHosts: 1, tcpPackets: 30)
        let oneSecond = craftedWindow(packets: 30, bytes: 1800, tcp: 30, syn: 30, ips: 1, ports: 30, sources: [scanner])
        let twoSeconds = craftedWindow(seconds: 2, packets: 30, bytes: 1800, tcp: 30, syn: 30, ips: 1, ports: 30, sources: [scanner])
        #expect(findings(oneSecond).map(\.threat) == [.portScan])
        #expect(findings(twoSeconds).isEmpty)  // 15 ports/s
    }
}

// MARK: - Thresholds are configuration

@Suite struct NetworkRulesUseConfiguredThresholds {
    @Test func raisingAThresholdSilencesTheRule() {
        let window = generatedWindow([.portScan(source: NetworkAddress(ipv4: 198, 18, 0, 66), ports: 1...1000, packetsPerSecond: 300)])
        var thresholds = RuleThresholds()
        thresholds.portScanSourceUniquePorts = 500
        #expect(findings(window, thresholds).isEmpty)
    }

    @Test func ddosUniqueIPsZeroIsTheSeedRule() throws {
        var thresholds = RuleThresholds()
        thresholds.ddosUniqueIPs = 0
        let window = try decode(
            #"{"packets_per_second": 1200, "bytes_per_second": 1500000, "unique_ips": 30, "unique_ports": 50, "tcp_packets": 1140, "udp_packets": 60, "syn_packets": 800}"#
        )
        #expect(findings(window, thresholds).map(\.threat) == [.portScan, .ddos])
    }
}

@Suite struct NetworkRulesThresholdLoading {
    static func temporaryFile(_ text: String) throws -> String {
        let path = NSTemporaryDirectory() + "rule-thresholds-\(UUID().uuidString).json"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func defaultsAreTheDocumentedOnes() throws {
        let thresholds = try RuleThresholds.load(file: nil, environment: ["PATH": "/usr/bin"])
        #expect(thresholds == RuleThresholds())
        #expect(thresholds.portScanUniquePorts == 20 && thresholds.portScanPacketsPerSecond == 100)
        #expect(thresholds.ddosPacketsPerSecond == 1000 && thresholds.ddosBytesPerSecond == 1_000_000)
        #expect(thresholds.synFloodSynPacketsPerSecond == 500 && thresholds.synFloodTCPRatio == 0.95)
        #expect(thresholds.dataExfiltrationBytesPerSecond == 5_000_000 && thresholds.dataExfiltrationTCPRatio == 0.9)
        #expect(thresholds.bruteForceTotalAttempts == 100 && thresholds.bruteForceFailedAttempts == 50)
        #expect(thresholds.credentialStuffingTotalAttempts == 500 && thresholds.credentialStuffingUniqueSourceIPs == 10)
        #expect(thresholds.serviceAccountAbuseTotalAttempts == 1000)
    }

    @Test func partialFileKeepsTheOtherDefaults() throws {
        let path = try Self.temporaryFile(#"{"port_scan_unique_ports": 30, "syn_flood_tcp_ratio": 0.9}"#)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let thresholds = try RuleThresholds.load(file: path, environment: [:])
        var expected = RuleThresholds()
        expected.portScanUniquePorts = 30
        expected.synFloodTCPRatio = 0.9
        #expect(thresholds == expected)
    }

    @Test func environmentOverridesTheFile() throws {
        let path = try Self.temporaryFile(#"{"port_scan_unique_ports": 30, "ddos_packets_per_second": 5000}"#)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let thresholds = try RuleThresholds.load(
            file: path, environment: ["RULE_PORT_SCAN_UNIQUE_PORTS": "40", "RULE_BRUTE_FORCE_FAILED_ATTEMPTS": " 75 ", "HOME": "/root"])
        #expect(thresholds.portScanUniquePorts == 40)
        #expect(thresholds.ddosPacketsPerSecond == 5000)
        #expect(thresholds.bruteForceFailedAttempts == 75)
    }

    @Test func everyKeyHasAVariableAndRoundTrips() throws {
        var environment: [String: String] = [:]
        for (index, key) in RuleThresholds.Key.allCases.enumerated() { environment[key.environmentVariable] = "0.\(index % 10)5" }
        let thresholds = try RuleThresholds.load(file: nil, environment: environment)
        for (index, key) in RuleThresholds.Key.allCases.enumerated() { #expect(thresholds[key] == Double("0.\(index % 10)5")) }
        let data = try JSONEncoder().encode(thresholds)
        #expect(try JSONDecoder().decode(RuleThresholds.self, from: data) == thresholds)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Double])
        #expect(Set(object.keys) == Set(RuleThresholds.Key.allCases.map(\.rawValue)))
        #expect(object.keys.allSatisfy { $0 == $0.lowercased() && !$0.contains(" ") })
    }

    static let badFiles: [(String, RuleThresholdsError)] = [
        (#"{"port_scan_uniq_ports": 30}"#, .unknownKey("port_scan_uniq_ports")),
        (#"{"ddos_packets_per_second": -1}"#, .invalidValue(key: "ddos_packets_per_second", reason: "must be >= 0, got -1.0")),
        (#"{"ddos_bytes_per_second": NaN}"#, .invalidValue(key: "ddos_bytes_per_second", reason: "must be a finite number, got nan")),
        (#"{"ddos_bytes_per_second": Infinity}"#, .invalidValue(key: "ddos_bytes_per_second", reason: "must be a finite number, got inf")),
        (#"{"syn_flood_tcp_ratio": 1.5}"#, .invalidValue(key: "syn_flood_tcp_ratio", reason: "is a ratio and must be within 0...1, got 1.5")),
        (#"{"host_sweep_unique_hosts": "many"}"#, .invalidValue(key: "host_sweep_unique_hosts", reason: "must be a number")),
        (#"{"host_sweep_unique_hosts": null}"#, .invalidValue(key: "host_sweep_unique_hosts", reason: "must be a number")),
    ]

    @Test(arguments: badFiles)
    func badFileValuesNameTheKey(text: String, expected: RuleThresholdsError) throws {
        let path = try Self.temporaryFile(text)
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(throws: expected) { try RuleThresholds.load(file: path, environment: [:]) }
        #expect(expected.description.contains(expected.subject))
    }

    @Test func unreadableOrMalformedFilesNameThePath() throws {
        let missing = "/nonexistent/thresholds.json"
        let error = try #require(throws: RuleThresholdsError.self) { try RuleThresholds.load(file: missing, environment: [:]) }
        #expect(error.subject == missing)
        for text in ["[1, 2]", "{not json", ""] {
            let path = try Self.temporaryFile(text)
            defer { try? FileManager.default.removeItem(atPath: path) }
            let error = try #require(throws: RuleThresholdsError.self) { try RuleThresholds.load(file: path, environment: [:]) }
            guard case .malformedFile(let reportedPath, _) = error else {
                Issue.record("expected malformedFile, got \(error)")
                continue
            }
            #expect(reportedPath == path)
        }
    }

    static let badVariables: [([String: String], String)] = [
        (["RULE_PORT_SCAN_UNIQUE_PORTS": "thirty"], "RULE_PORT_SCAN_UNIQUE_PORTS"),
        (["RULE_DDOS_PACKETS_PER_SECOND": "-5"], "RULE_DDOS_PACKETS_PER_SECOND"),
        (["RULE_DDOS_PACKETS_PER_SECOND": "nan"], "RULE_DDOS_PACKETS_PER_SECOND"),
        (["RULE_DDOS_PACKETS_PER_SECOND": "inf"], "RULE_DDOS_PACKETS_PER_SECOND"),
        (["RULE_UDP_FLOOD_UDP_RATIO": "2"], "RULE_UDP_FLOOD_UDP_RATIO"),
        (["RULE_PORTSCAN_PORTS": "5"], "RULE_PORTSCAN_PORTS"),
    ]

    @Test(arguments: badVariables)
    func badVariablesNameTheVariable(environment: [String: String], variable: String) throws {
        let error = try #require(throws: RuleThresholdsError.self) { try RuleThresholds.load(file: nil, environment: environment) }
        #expect(error.subject == variable)
        #expect(error.description.contains(variable))
    }
}

// MARK: - Real captures

/// The rules on the windows `monitor --pcap FILE --offline` prints for the shared captures
/// (../shared/data/pcap with labels.csv), when the captures and the built monitor are present.
/// Prints a table: capture, expected threat, threats reported in any window, attacker named.
@Suite(.enabled(if: SharedData.pcapDirectory != nil && FileManager.default.isExecutableFile(atPath: BuiltProducts.monitor),
    "needs ../shared/data/pcap and the built monitor"), .serviceProcesses(2))
struct NetworkRulesOnCaptures {
    struct Row: Sendable {
        var capture: String
        var expected: String
        /// Threat → sources named ("-" for none).
        var reported: [ThreatType: Set<String>]
        /// Threat → the explanation of its first finding.
        var example: [ThreatType: String]
        var windows: Int
        var windowsWithFindings: Int
        /// Windows whose verdict from `monitor --offline` (rules and models) reports a threat.
        var windowsWithVerdicts: Int
        /// labels.csv's class: `attack`, `benign`, …
        var kind: String
        /// Windows whose verdict reports a model risk (`ml_*`) and no rule threat.
        var modelOnlyAlerts = 0
        /// Windows the models agreed on (`scores.ml_based`), reported or held back.
        var modelAgreements = 0
        /// The capture's length in host-hours (windows × their length).
        var hours = 0.0
    }

    /// Runs the monitor offline on `capture` and the rules (with ``NetworkRuleTracker``) on its
    /// windows; also counts the windows whose own verdict (rules and models) reports a threat.
    static func evaluate(_ capture: String) async throws -> Row? {
        guard let directory = SharedData.pcapDirectory,
            let label = SharedData.labels.first(where: { $0.file == capture })
        else { return nil }
        let result = try await Command.run([BuiltProducts.monitor, "--pcap", directory.appendingPathComponent(capture).path, "--offline"])
        var tracker = NetworkRuleTracker(thresholds: RuleThresholds())
        var row = Row(
            capture: capture, expected: label.expectedThreat, reported: [:], example: [:], windows: 0, windowsWithFindings: 0,
            windowsWithVerdicts: 0, kind: label.kind)
        struct Judged: Decodable {
            struct Verdict: Decodable {
                struct Scores: Decodable { var ml_based: Bool }
                var threat_detected: Bool
                var threat_types: [String]
                var scores: Scores
            }
            var verdict: Verdict
        }
        for line in result.stdout.split(separator: "\n") where line.hasPrefix("{") {
            let window = try TrafficWindow(json: Data(line.utf8))
            row.windows += 1
            let verdict = try JSONDecoder().decode(Judged.self, from: Data(line.utf8)).verdict
            if verdict.threat_detected { row.windowsWithVerdicts += 1 }
            if verdict.threat_types.allSatisfy({ $0.hasPrefix("ml_") }) && !verdict.threat_types.isEmpty { row.modelOnlyAlerts += 1 }
            if verdict.scores.ml_based { row.modelAgreements += 1 }
            row.hours += window.windowSeconds / 3600
            let found = tracker.evaluate(window)
            if !found.isEmpty { row.windowsWithFindings += 1 }
            for finding in found {
                row.reported[finding.threat, default: []].insert(finding.sourceIP ?? "-")
                if row.example[finding.threat] == nil { row.example[finding.threat] = finding.explanation }
            }
        }
        return row
    }

    /// What each capture must give: the threat and the source it names (nil: none named), or nothing.
    static let expectations: [String: (ThreatType, String?)?] = [
        "stopddos_pkt.TCP.synflood.spoofed.pcap": (.synFlood, nil),
        "esnet_masscan_tcp_0_1000_20190821.pcap": (.portScan, "172.31.15.102"),
        "stopddos_amp.UDP.isakmp.pcap": (.udpFlood, nil),
        "dns-tunnel-dmachard_sods.pcap": (.dnsTunnel, "192.168.1.17"),
        "sgr-favilli_hs-icmpScan.pcap": (.hostSweep, "10.0.0.128"),
        // labels.csv names 10.121.70.151 (the FTP server); the client sending USER/PASS is 10.234.125.254.
        "chrissanders_ppa1e_ftp-crack.pcap": (.bruteForce, "10.234.125.254"),
        "esnet_nmap_nmap_80_all.pcap": nil,
        "chrissanders_http_espn.pcapng": nil,
        "chrissanders_tcp_ports.pcapng": nil,
        "sgr-misc_Ciarfella_Instagram.pcap": nil,
    ]

    /// Monitors run at once (the suite holds as many service slots): each replay takes CPU-seconds.
    static let sideBySide = 2

    @Test func rulesOnSharedCaptures() async throws {
        let captures = Self.expectations.keys.sorted().filter { SharedData.captures.contains($0) }
        let results = await withTaskGroup(of: (String, Result<Row?, any Error>).self) { group in
            var pending = captures[...]
            func next() {
                guard let capture = pending.popFirst() else { return }
                group.addTask {
                    do { return (capture, .success(try await Self.evaluate(capture))) } catch { return (capture, .failure(error)) }
                }
            }
            for _ in 0..<Self.sideBySide { next() }
            var results: [String: Result<Row?, any Error>] = [:]
            for await (capture, result) in group {
                results[capture] = result
                next()
            }
            return results
        }
        var rows: [Row] = []
        for capture in captures {
            guard let row = try results[capture]?.get() else { continue }
            rows.append(row)
            switch Self.expectations[capture]! {
            case nil:
                #expect(row.reported.isEmpty, "\(capture): \(row.example.values.sorted())")
                if row.kind == "benign" {
                    // Nothing at all on benign traffic: neither a rule nor the models alone.
                    #expect(row.windowsWithVerdicts == 0, "\(capture): \(row.windowsWithVerdicts) windows with a verdict")
                }
            case let (threat, source)?:
                let sources = row.reported[threat]
                #expect(sources != nil, "\(capture): expected \(threat.rawValue), got \(row.reported)")
                if let source {
                    #expect(sources?.contains(source) == true, "\(capture): \(threat.rawValue) should name \(source), got \(sources ?? [])")
                } else {
                    #expect(sources == ["-"], "\(capture): \(threat.rawValue) should name no single source, got \(sources ?? [])")
                }
            }
        }
        var table = "capture | expected (labels.csv) | reported in any window | sources named | windows with findings | windows with a verdict (rules or models)\n"
        var examples = ""
        for row in rows {
            let threats = row.reported.keys.sorted()
            let named = threats.map { threat in
                "\(threat.rawValue): " + row.reported[threat]!.sorted().map { $0 == "-" ? "none" : $0 }.joined(separator: " ")
            }
            table += "\(row.capture) | \(row.expected) | \(threats.isEmpty ? "nothing" : threats.map(\.rawValue).joined(separator: ", ")) | "
            table += "\(named.isEmpty ? "-" : named.joined(separator: "; ")) | \(row.windowsWithFindings)/\(row.windows) | \(row.windowsWithVerdicts)\n"
            for threat in threats { examples += "  \(row.capture): \(threat.rawValue): \(row.example[threat]!)\n" }
        }
        let benign = rows.filter { $0.kind == "benign" }
        let hours = benign.reduce(0) { $0 + $1.hours }
        let alerts = benign.reduce(0) { $0 + $1.modelOnlyAlerts }, agreements = benign.reduce(0) { $0 + $1.modelAgreements }
        print(
            table + "\nfirst explanation per threat:\n" + examples
                + "\nbenign captures: \(String(format: "%.3f", hours)) host-hours, ML-only alerts \(alerts) "
                + "(\(String(format: "%.1f", hours > 0 ? Double(alerts) / hours : 0)) per host-hour), model agreements \(agreements)")
    }
}
