import Foundation
public import TrafficFeatures

/// The network threshold rules on one `TrafficWindow`, with attribution.
///
/// Each rule runs on every entry of `top_sources` (findings then name the source) and, where the
/// rule is about the window as a whole, on the window's totals. All counts are divided by
/// `window_seconds` first (see ``RuleThresholds``). The rules:
///
/// | threat | per source | window |
/// |---|---|---|
/// | `port_scan` | distinct destination ports/s > `port_scan_source_unique_ports` and as many probes/s; or, over a probe horizon, probed ports > `port_scan_horizon_ports` | unique_ports/s > `port_scan_unique_ports` ∧ pps > `port_scan_packets_per_second` — only without `top_sources` |
/// | `ddos` | — | pps > `ddos_packets_per_second` with bytes/s > `ddos_bytes_per_second` or pps > `ddos_small_packets_per_second`, from distinct sources/s > `ddos_unique_ips` |
/// | `syn_flood` | SYN/s > `syn_flood_syn_packets_per_second` ∧ TCP share > `syn_flood_tcp_ratio` | the same on the totals |
/// | `data_exfiltration` | bytes/s, TCP share, ≤ `data_exfiltration_max_destinations` hosts/s, mean frame size | bytes/s, tcp_ratio, mean size — only without `top_sources` |
/// | `udp_flood` | UDP/s > `udp_flood_source_packets_per_second`, UDP-dominated | UDP/s > `udp_flood_packets_per_second`, UDP share > `udp_flood_udp_ratio`, sources/s > `udp_flood_unique_ips`; reflection when the top sources share one UDP source port |
/// | `host_sweep` | distinct destination hosts/s > `host_sweep_unique_hosts` and as many probes/s; or, over a probe horizon, probed hosts of one subnet > `host_sweep_horizon_hosts` | — |
/// | `reflection` | — | a victim (`reflection_targets`) with reflectors/s > `reflection_reflectors` and their packets/s > `reflection_packets_per_second` |
/// | `dns_tunnel` | DNS packets/s of a client > `dns_tunnel_packets_per_second`, or > `dns_tunnel_sustained_packets_per_second` with mean size > `dns_tunnel_mean_packet_bytes`; or, over a horizon (`dns_clients`), > `dns_tunnel_horizon_names` distinct names under one domain with mean entropy > `dns_tunnel_entropy`, mean subdomain length > `dns_tunnel_subdomain_length` or a share of data-carrying types > `dns_tunnel_type_share` | the same on the totals — only without `top_sources` |
/// | `brute_force` | SYN/s > `brute_force_connections_per_second`, all to one port on one host, for `brute_force_sustained_seconds` | — |
///
/// **Probes** are packets that open or test a port or a host, counted per source by the capture
/// (see `PacketKind`): TCP connection attempts (SYN without ACK), ACKs on flows never seen (ACK
/// and Maimon scans, ACK pings), NULL/FIN/Xmas segments, UDP datagrams from a client port that
/// reach a new port or host (a source answering from a service port — DNS, NTP, SSDP, STUN, IKE,
/// mDNS, memcached, … — is not probing), ICMP echo/timestamp/information/mask requests and ARP
/// requests.
///
/// **Probe horizons.** A window's `probe_horizons` give each probing source's distinct probed
/// ports and hosts, probes and connection attempts over horizons of more than 1.5 windows (see
/// `ProbeHorizons`). `port_scan` and `host_sweep` fire on them with count thresholds, naming the
/// shortest horizon that crossed, so slow scans add up across windows. A horizon finding (and a
/// `dns_tunnel` finding on `dns_clients`) is reported in the window whose new ports, hosts or
/// names carry the count over the threshold: the same source going on within the horizon is the
/// same incident, not an alert per window (per-window rules still fire on every fast window).
///
/// **Attribution.** Per-source findings carry `sourceIP`. A window-level finding names a top
/// source only when that source sent at least `dominant_source_share` (default ½) of the traffic
/// the rule counted (SYNs for `syn_flood`, packets for `ddos`, UDP packets for `udp_flood`);
/// floods from spoofed or many sources are reported with `sourceIP == nil` and the explanation
/// says that no single source dominates. There is at most one finding per (threat, source); when
/// a window-level finding names a source that already has a per-source finding for the same
/// threat, the per-source one is kept.
///
/// **Windows without `top_sources`** (the original design's minimal bodies, windows built from Prometheus):
/// only the window-level rules can run, and `port_scan`, `data_exfiltration` and `dns_tunnel`
/// fall back to the original design's window-wide tests. With `top_sources`, those three are judged per
/// source, because their window-wide counts mix the host's own reply traffic in.
///
/// **Sustained brute force.** One second of many connections to one service is not enough: a
/// service-version probe (`nmap -A`: 26 connections to port 80 in one second) or a busy client
/// looks the same. `brute_force` is therefore reported only when the rate has lasted
/// `brute_force_sustained_seconds` (3 s): ``evaluate(_:thresholds:)`` reports it for windows at
/// least that long, and ``NetworkRuleTracker`` over consecutive shorter windows (the monitor's
/// 1-s windows need the tracker).
public enum NetworkRules {
    /// The findings for one window, ordered by threat, window-level before per-source within a
    /// threat, per-source in `top_sources` order.
    ///
    /// - Parameters:
    ///   - window: The window to judge.
    ///   - thresholds: The thresholds in force.
    /// - Returns: One finding per (threat, source) that fired; empty when none did.
    public static func evaluate(_ window: TrafficWindow, thresholds: RuleThresholds) -> [Finding] {
        evaluate(window, thresholds: thresholds, bruteForceCandidates: false)
    }

    /// With `bruteForceCandidates`, `brute_force` is reported for windows of any length (the
    /// tracker decides whether it lasted).
    static func evaluate(_ window: TrafficWindow, thresholds: RuleThresholds, bruteForceCandidates: Bool) -> [Finding] {
        var evaluation = Evaluation(window: window, thresholds: thresholds, bruteForceCandidates: bruteForceCandidates)
        evaluation.run()
        return evaluation.result
    }
}

/// One window's evaluation.
private struct Evaluation {
    let window: TrafficWindow
    let t: RuleThresholds
    let seconds: Double
    /// " (per second over a 2 s window)" or "".
    let per: String
    /// Report `brute_force` whatever the window's length.
    let bruteForceCandidates: Bool
    private var windowFindings: [Finding] = []
    private var sourceFindings: [Finding] = []

    init(window: TrafficWindow, thresholds: RuleThresholds, bruteForceCandidates: Bool) {
        self.window = window
        self.bruteForceCandidates = bruteForceCandidates
        self.t = thresholds
        let seconds = window.windowSeconds.isFinite && window.windowSeconds > 0 ? window.windowSeconds : 1
        self.seconds = seconds
        self.per = seconds == 1 ? "" : " (per second over a \(RuleFormat.number(seconds)) s window)"
    }

    func rate(_ count: Int) -> Double { Double(count) / seconds }
    func n(_ value: Double) -> String { RuleFormat.number(value) }
    func r(_ value: Double) -> String { RuleFormat.ratio(value) }
    func pct(_ value: Double) -> String { RuleFormat.percent(value) }

    var hasSources: Bool { !window.topSources.isEmpty }

    mutating func run() {
        // First: when a client also crosses the DNS rate rule, the finding that names the domain is kept.
        dnsContent()
        for source in window.topSources {
            portScan(source)
            synFlood(source)
            udpFlood(source)
            hostSweep(source)
            dnsTunnel(source)
            dataExfiltration(source)
            bruteForce(source)
        }
        horizons()
        reflection()
        if !hasSources {
            portScanWindow()
            dataExfiltrationWindow()
            dnsTunnelWindow()
        }
        ddosWindow()
        synFloodWindow()
        udpFloodWindow()
    }

    /// Grouped by threat, window-level (no source) first; one finding per (threat, source), the
    /// per-source one when a window-level finding names the same source.
    var result: [Finding] {
        var seen = Set<String>()
        let unique = (sourceFindings + windowFindings).filter {
            seen.insert("\($0.threat.rawValue)|\($0.sourceIP ?? "")|\($0.victim ?? "")|\($0.port ?? -1)").inserted
        }
        return unique.enumerated().sorted { a, b in
            if a.element.threat != b.element.threat { return a.element.threat < b.element.threat }
            let (aNamed, bNamed) = (a.element.sourceIP != nil, b.element.sourceIP != nil)
            return aNamed != bNamed ? bNamed : a.offset < b.offset
        }.map(\.element)
    }

    // MARK: - Per source

    /// "12 SYN, 3 ACK, 5 UDP": the source's probes by kind, the kinds it sent.
    func probeKinds(_ s: SourceStats) -> String {
        let kinds = [
            (s.synPackets, "SYN"), (s.ackProbes, "ACK"), (s.stealthProbes, "FIN/NULL/Xmas"), (s.udpProbes, "UDP"),
            (s.icmpProbes, "ICMP"), (s.arpRequests, "ARP"),
        ].filter { $0.0 > 0 }
        return kinds.isEmpty ? "no probes" : kinds.map { "\($0.0) \($0.1)" }.joined(separator: ", ")
    }

    // Sums of counts are taken as Doubles: a window built in code (not decoded, so not bounded by
    // `WireLimits`) may hold any Int, and the rules must not trap on it.

    func tcpShare(_ s: SourceStats) -> Double {
        let total = Double(s.tcpPackets) + Double(s.udpPackets)
        return total == 0 ? 0 : Double(s.tcpPackets) / total
    }

    mutating func portScan(_ s: SourceStats) {
        let ports = rate(s.uniquePorts)
        let probes = rate(s.probePackets)
        let limit = t.portScanSourceUniquePorts
        guard ports > limit, probes > limit else { return }
        sourceFindings.append(
            Finding(
                threat: .portScan, feature: "unique_ports", value: ports, threshold: limit, sourceIP: s.ip,
                explanation: "unique_ports \(n(ports)) > \(n(limit)) with \(n(probes)) probes/s "
                    + "(\(probeKinds(s))) from \(s.ip)\(per)"))
    }

    mutating func synFlood(_ s: SourceStats) {
        let syn = rate(s.synPackets)
        let share = tcpShare(s)
        guard syn > t.synFloodSynPacketsPerSecond, share > t.synFloodTCPRatio else { return }
        sourceFindings.append(
            Finding(
                threat: .synFlood, feature: "syn_packets", value: syn, threshold: t.synFloodSynPacketsPerSecond,
                sourceIP: s.ip,
                explanation: "syn_packets \(n(syn)) > \(n(t.synFloodSynPacketsPerSecond)) with tcp_ratio "
                    + "\(r(share)) > \(r(t.synFloodTCPRatio)) from \(s.ip)\(per)"))
    }

    mutating func udpFlood(_ s: SourceStats) {
        let udp = rate(s.udpPackets)
        let share = s.packets == 0 ? 0 : Double(s.udpPackets) / Double(s.packets)
        guard udp > t.udpFloodSourcePacketsPerSecond, share > t.udpFloodUDPRatio else { return }
        let port = s.udpSourcePort.map { " (UDP source port \($0))" } ?? ""
        sourceFindings.append(
            Finding(
                threat: .udpFlood, feature: "udp_packets", value: udp, threshold: t.udpFloodSourcePacketsPerSecond,
                sourceIP: s.ip,
                explanation: "udp_packets \(n(udp)) > \(n(t.udpFloodSourcePacketsPerSecond)) "
                    + "(\(pct(share)) of its packets) from \(s.ip)\(port)\(per)"))
    }

    mutating func hostSweep(_ s: SourceStats) {
        let hosts = rate(s.uniqueHosts)
        let probes = rate(s.probePackets)
        let limit = t.hostSweepUniqueHosts
        guard hosts > limit, probes > limit else { return }
        sourceFindings.append(
            Finding(
                threat: .hostSweep, feature: "unique_hosts", value: hosts, threshold: limit, sourceIP: s.ip,
                explanation: "unique_hosts \(n(hosts)) > \(n(limit)) with \(n(probes)) probes/s "
                    + "(\(probeKinds(s))) from \(s.ip)\(per)"))
    }

    /// `port_scan` and `host_sweep` over the probe horizons: the shortest horizon that crossed.
    mutating func horizons() {
        let entries = window.probeHorizons.filter { $0.horizonSeconds > seconds }
            .sorted { $0.horizonSeconds < $1.horizonSeconds }
        var reported = Set<String>()
        for e in entries {
            let ports = Double(e.uniquePorts), limit = t.portScanHorizonPorts
            // Reported in the window that crosses the threshold: a scanner that goes on touching
            // ports after its scan was reported is the same incident, not a new alert each window.
            let crossed = Double(e.uniquePorts - e.newPorts) <= limit
            if ports > limit, e.newPorts > 0, crossed, Double(e.probes) >= ports, reported.insert("p|\(e.ip)").inserted {
                sourceFindings.append(
                    Finding(
                        threat: .portScan, feature: "horizon_unique_ports", value: ports, threshold: limit, sourceIP: e.ip,
                        explanation: "\(e.uniquePorts) distinct ports probed over the last \(horizonText(e.horizonSeconds)) > "
                            + "\(n(limit)) with \(e.probes) probes (\(e.connectionAttempts) connection attempts) in "
                            + "\(e.windows) window(s) from \(e.ip)\(e.capped ? " (at least: the tracker's per-source bound was reached)" : "")"))
            }
            let hosts = Double(e.subnetHosts), hostLimit = t.hostSweepHorizonHosts
            let crossedHosts = Double(max(0, e.subnetHosts - e.newHosts)) <= hostLimit
            if hosts > hostLimit, e.newHosts > 0, crossedHosts, let subnet = e.busiestSubnet, Double(e.probes) >= hosts,
                reported.insert("h|\(e.ip)").inserted
            {
                sourceFindings.append(
                    Finding(
                        threat: .hostSweep, feature: "horizon_subnet_hosts", value: hosts, threshold: hostLimit,
                        sourceIP: e.ip,
                        explanation: "\(e.subnetHosts) hosts of \(subnet) probed over the last \(horizonText(e.horizonSeconds)) > "
                            + "\(n(hostLimit)) (\(e.uniqueHosts) hosts in all) with \(e.probes) probes in \(e.windows) "
                            + "window(s) from \(e.ip)"))
            }
        }
    }

    func horizonText(_ seconds: Double) -> String {
        if seconds >= 60, seconds.truncatingRemainder(dividingBy: 60) == 0 { return "\(n(seconds / 60)) min" }
        return "\(n(seconds)) s"
    }

    /// `dns_tunnel` by content: many new, data-like names under one domain from one client.
    mutating func dnsContent() {
        var reported = Set<String>()
        for e in window.dnsClients.filter({ $0.horizonSeconds > seconds }).sorted(by: { $0.horizonSeconds < $1.horizonSeconds }) {
            let names = Double(e.distinctNames), limit = t.dnsTunnelHorizonNames
            // Reported in the window that crosses the threshold (one incident, not one per window).
            guard names > limit, Double(e.distinctNames - e.newNames) <= limit, e.queries > 0 else { continue }
            let typeShare = Double(e.tunnelTypeQueries) / Double(e.queries)
            var signs: [String] = []
            if e.meanEntropy > t.dnsTunnelEntropy { signs.append("mean entropy \(r(e.meanEntropy)) bits/char > \(r(t.dnsTunnelEntropy))") }
            if e.meanSubdomainLength > t.dnsTunnelSubdomainLength {
                signs.append("mean subdomain length \(n(e.meanSubdomainLength.rounded())) > \(n(t.dnsTunnelSubdomainLength))")
            }
            if typeShare > t.dnsTunnelTypeShare {
                signs.append("\(pct(typeShare)) TXT/NULL/CNAME/MX/SRV/ANY questions > \(pct(t.dnsTunnelTypeShare))")
            }
            guard !signs.isEmpty, reported.insert("\(e.client)|\(e.domain)").inserted else { continue }
            sourceFindings.append(
                Finding(
                    threat: .dnsTunnel, feature: "dns_distinct_names", value: names, threshold: limit, sourceIP: e.client,
                    explanation: "\(e.distinctNames) distinct names under \(e.domain) asked by \(e.client) over the last "
                        + "\(horizonText(e.horizonSeconds)) > \(n(limit)) (\(e.queries) questions, longest name \(e.maxNameLength) "
                        + "characters) with " + signs.joined(separator: ", "),
                    victim: nil))
        }
    }

    /// `reflection`: a victim many reflectors answer at a high packet rate.
    mutating func reflection() {
        for target in window.reflectionTargets {
            let reflectors = rate(target.reflectors), packets = rate(target.packets)
            guard reflectors > t.reflectionReflectors, packets > t.reflectionPacketsPerSecond else { continue }
            let what: String
            switch target.kind {
            case .tcpBackscatter: what = "SYN-ACK/RST backscatter (replies to SYNs spoofed with its address)"
            case .udp: what = "UDP from source port \(target.port.map(String.init) ?? "?") (reflection/amplification)"
            }
            windowFindings.append(
                Finding(
                    threat: .reflection, feature: "reflectors", value: reflectors, threshold: t.reflectionReflectors,
                    explanation: "\(target.victim) receives \(what) from \(target.reflectors) reflectors "
                        + "(\(n(reflectors))/s > \(n(t.reflectionReflectors))) at \(n(packets)) packets/s > "
                        + "\(n(t.reflectionPacketsPerSecond)), \(n(rate(target.bytes))) bytes/s\(per)",
                    victim: target.victim, reflectors: target.reflectors, port: target.port))
        }
    }

    mutating func dnsTunnel(_ s: SourceStats) {
        // A source sending from UDP port 53 is a DNS server answering, not a client.
        guard s.dnsPackets > 0, s.udpSourcePort != 53 else { return }
        if let finding = dnsFinding(packets: s.dnsPackets, bytes: s.dnsBytes, who: "from \(s.ip)", sourceIP: s.ip) {
            sourceFindings.append(finding)
        }
    }

    func dnsFinding(packets: Int, bytes: Int, who: String, sourceIP: String?) -> Finding? {
        let dns = rate(packets)
        let mean = Double(bytes) / Double(packets)
        if dns > t.dnsTunnelPacketsPerSecond {
            return Finding(
                threat: .dnsTunnel, feature: "dns_packets", value: dns, threshold: t.dnsTunnelPacketsPerSecond,
                sourceIP: sourceIP,
                explanation: "dns_packets \(n(dns)) > \(n(t.dnsTunnelPacketsPerSecond)) "
                    + "(mean \(n(mean.rounded())) bytes) \(who)\(per)")
        }
        if dns > t.dnsTunnelSustainedPacketsPerSecond, mean > t.dnsTunnelMeanPacketBytes {
            return Finding(
                threat: .dnsTunnel, feature: "dns_mean_packet_bytes", value: mean, threshold: t.dnsTunnelMeanPacketBytes,
                sourceIP: sourceIP,
                explanation: "dns_mean_packet_bytes \(n(mean.rounded())) > \(n(t.dnsTunnelMeanPacketBytes)) "
                    + "with dns_packets \(n(dns)) > \(n(t.dnsTunnelSustainedPacketsPerSecond)) \(who)\(per)")
        }
        return nil
    }

    mutating func dataExfiltration(_ s: SourceStats) {
        guard s.packets > 0 else { return }
        let bytes = rate(s.bytes)
        let share = tcpShare(s)
        let hosts = rate(s.uniqueHosts)
        let mean = Double(s.bytes) / Double(s.packets)
        guard bytes > t.dataExfiltrationBytesPerSecond, share > t.dataExfiltrationTCPRatio,
            hosts <= t.dataExfiltrationMaxDestinations, mean > t.dataExfiltrationMeanPacketBytes
        else { return }
        sourceFindings.append(
            Finding(
                threat: .dataExfiltration, feature: "bytes_per_second", value: bytes,
                threshold: t.dataExfiltrationBytesPerSecond, sourceIP: s.ip,
                explanation: "bytes_per_second \(n(bytes)) > \(n(t.dataExfiltrationBytesPerSecond)) with tcp_ratio "
                    + "\(r(share)) > \(r(t.dataExfiltrationTCPRatio)), mean packet \(n(mean.rounded())) bytes > "
                    + "\(n(t.dataExfiltrationMeanPacketBytes)), to \(s.uniqueHosts) host(s) (≤ "
                    + "\(n(t.dataExfiltrationMaxDestinations))/s) from \(s.ip)\(per)"))
    }

    mutating func bruteForce(_ s: SourceStats) {
        guard bruteForceCandidates || seconds >= t.bruteForceSustainedSeconds else { return }
        let connections = rate(s.synPackets)
        guard connections > t.bruteForceConnectionsPerSecond, s.uniquePorts == 1, s.uniqueHosts == 1 else { return }
        // A source flooding SYNs is a flood, not password guessing.
        guard !sourceFindings.contains(where: { $0.threat == .synFlood && $0.sourceIP == s.ip }) else { return }
        sourceFindings.append(
            Finding(
                threat: .bruteForce, feature: "syn_packets", value: connections, threshold: t.bruteForceConnectionsPerSecond,
                sourceIP: s.ip,
                explanation: "syn_packets \(n(connections)) > \(n(t.bruteForceConnectionsPerSecond)), all to one port "
                    + "on one host, from \(s.ip): a stream of short connections to one service (password guessing)\(per)"))
    }

    // MARK: - Window

    /// The top source with the largest `value`, its share of `total`, and whether it dominates.
    func largest(_ value: (SourceStats) -> Int, total: Int) -> (source: SourceStats, share: Double, dominates: Bool)? {
        guard total > 0, let top = window.topSources.max(by: { value($0) < value($1) }), value(top) > 0 else { return nil }
        let share = min(1, Double(value(top)) / Double(total))
        return (top, share, share >= t.dominantSourceShare)
    }

    /// " from X (N% of the SYNs)" or "; no single source: the largest sent N% of the SYNs".
    func attribution(_ largest: (source: SourceStats, share: Double, dominates: Bool)?, what: String) -> (String?, String) {
        guard let largest else { return (nil, hasSources ? "; no single source" : " (window total; no per-source data)") }
        if largest.dominates {
            return (largest.source.ip, " from \(largest.source.ip) (\(pct(largest.share)) of the \(what))")
        }
        return (nil, "; no single source: the largest, \(largest.source.ip), sent \(pct(largest.share)) of the \(what)")
    }

    mutating func portScanWindow() {
        let ports = rate(window.uniquePorts)
        guard ports > t.portScanUniquePorts, window.packetsPerSecond > t.portScanPacketsPerSecond else { return }
        windowFindings.append(
            Finding(
                threat: .portScan, feature: "unique_ports", value: ports, threshold: t.portScanUniquePorts,
                explanation: "unique_ports \(n(ports)) > \(n(t.portScanUniquePorts)) with \(n(window.packetsPerSecond)) pps > "
                    + "\(n(t.portScanPacketsPerSecond)) (window total; no per-source data)\(per)"))
    }

    mutating func dataExfiltrationWindow() {
        let pps = window.packetsPerSecond
        guard pps > 0 else { return }
        let bytes = window.bytesPerSecond
        let mean = bytes / pps
        guard bytes > t.dataExfiltrationBytesPerSecond, window.tcpRatio > t.dataExfiltrationTCPRatio,
            mean > t.dataExfiltrationMeanPacketBytes
        else { return }
        windowFindings.append(
            Finding(
                threat: .dataExfiltration, feature: "bytes_per_second", value: bytes,
                threshold: t.dataExfiltrationBytesPerSecond,
                explanation: "bytes_per_second \(n(bytes)) > \(n(t.dataExfiltrationBytesPerSecond)) with tcp_ratio "
                    + "\(r(window.tcpRatio)) > \(r(t.dataExfiltrationTCPRatio)), mean packet \(n(mean.rounded())) bytes > "
                    + "\(n(t.dataExfiltrationMeanPacketBytes)) (window total; destinations unknown without per-source data)\(per)"))
    }

    mutating func dnsTunnelWindow() {
        let counters = window.counters
        guard counters.dnsPackets > 0,
            let finding = dnsFinding(
                packets: counters.dnsPackets, bytes: counters.dnsBytes,
                who: "(window total, queries and answers; no per-source data)", sourceIP: nil)
        else { return }
        windowFindings.append(finding)
    }

    mutating func ddosWindow() {
        let pps = window.packetsPerSecond, bps = window.bytesPerSecond, ips = rate(window.uniqueIPs)
        guard pps > t.ddosPacketsPerSecond, bps > t.ddosBytesPerSecond || pps > t.ddosSmallPacketsPerSecond,
            ips > t.ddosUniqueIPs
        else { return }
        let (source, who) = attribution(largest(\.packets, total: window.counters.packets), what: "packets")
        windowFindings.append(
            Finding(
                threat: .ddos, feature: "packets_per_second", value: pps, threshold: t.ddosPacketsPerSecond, sourceIP: source,
                explanation: "packets_per_second \(n(pps)) > \(n(t.ddosPacketsPerSecond)) with "
                    + (bps > t.ddosBytesPerSecond
                        ? "bytes_per_second \(n(bps)) > \(n(t.ddosBytesPerSecond))"
                        : "small packets (\(n(pps)) pps > \(n(t.ddosSmallPacketsPerSecond)), \(n(bps)) bytes/s)")
                    + " from \(n(ips)) sources/s > \(n(t.ddosUniqueIPs))\(who)\(per)"))
    }

    mutating func synFloodWindow() {
        let syn = rate(window.synPackets)
        guard syn > t.synFloodSynPacketsPerSecond, window.tcpRatio > t.synFloodTCPRatio else { return }
        let (source, who) = attribution(largest(\.synPackets, total: window.synPackets), what: "SYNs")
        let sources = source == nil && hasSources ? " from \(window.uniqueIPs) sources" : ""
        windowFindings.append(
            Finding(
                threat: .synFlood, feature: "syn_packets", value: syn, threshold: t.synFloodSynPacketsPerSecond, sourceIP: source,
                explanation: "syn_packets \(n(syn)) > \(n(t.synFloodSynPacketsPerSecond)) with tcp_ratio "
                    + "\(r(window.tcpRatio)) > \(r(t.synFloodTCPRatio))\(sources)\(who)\(per)"))
    }

    mutating func udpFloodWindow() {
        let udp: Double, share: Double
        if let declared = window.declaredTCPRatio, window.tcpPackets == 0, window.udpPackets == 0 {
            // An original-design body with tcp_ratio only: UDP estimated as the non-TCP part of the packet rate.
            udp = window.packetsPerSecond * (1 - declared)
            share = 1 - declared
        } else {
            udp = rate(window.udpPackets)
            share = window.counters.packets == 0 ? 0 : Double(window.udpPackets) / Double(window.counters.packets)
        }
        let ips = rate(window.uniqueIPs)
        guard udp > t.udpFloodPacketsPerSecond, share > t.udpFloodUDPRatio, ips > t.udpFloodUniqueIPs else { return }
        let (source, who) = attribution(largest(\.udpPackets, total: window.udpPackets), what: "UDP packets")
        var reflection = ""
        if let (port, count, of) = sharedUDPSourcePort() {
            reflection = "; reflection/amplification: \(count) of \(of) top UDP sources send from UDP source port \(port)"
        }
        windowFindings.append(
            Finding(
                threat: .udpFlood, feature: "udp_packets", value: udp, threshold: t.udpFloodPacketsPerSecond, sourceIP: source,
                explanation: "udp_packets \(n(udp)) > \(n(t.udpFloodPacketsPerSecond)) (\(pct(share)) of packets > "
                    + "\(pct(t.udpFloodUDPRatio))) from \(n(ips)) sources/s > \(n(t.udpFloodUniqueIPs))\(who)\(reflection)\(per)"))
    }

    /// The UDP source port shared by at least `udp_flood_shared_port_ratio` of the top UDP sources
    /// (and at least 3 of them).
    func sharedUDPSourcePort() -> (port: Int, count: Int, of: Int)? {
        let udpSources = window.topSources.filter { $0.udpPackets > 0 }
        var counts: [Int: Int] = [:]
        for s in udpSources { if let port = s.udpSourcePort { counts[port, default: 0] += 1 } }
        guard let (port, count) = counts.max(by: { $0.value != $1.value ? $0.value < $1.value : $0.key > $1.key }),
            count >= 3, Double(count) >= t.udpFloodSharedPortRatio * Double(udpSources.count)
        else { return nil }
        return (port, count, udpSources.count)
    }
}

// MARK: - Formatting

/// Numbers in explanations.
enum RuleFormat {
    /// Integers without decimals, others with one or two.
    static func number(_ value: Double) -> String {
        if value == value.rounded(), abs(value) <= 9_007_199_254_740_992 { return String(Int(value)) }
        return abs(value) < 10 ? String(format: "%.2f", value) : String(format: "%.1f", value)
    }

    static func ratio(_ value: Double) -> String { String(format: "%.2f", value) }

    /// A horizon's length: `60 s`, `10 min`, `1 h`, `90 s`.
    static func duration(_ seconds: Double) -> String {
        if seconds >= 3600, seconds.truncatingRemainder(dividingBy: 3600) == 0 { return "\(number(seconds / 3600)) h" }
        if seconds > 60, seconds.truncatingRemainder(dividingBy: 60) == 0 { return "\(number(seconds / 60)) min" }
        return "\(number(seconds)) s"
    }

    static func percent(_ value: Double) -> String {
        let p = value * 100
        guard p.isFinite, abs(p) < 1e15 else { return String(format: "%.3g%%", p) }
        if p == 0 || p >= 10 { return "\(Int(p.rounded()))%" }
        return p < 0.1 ? "<0.1%" : String(format: "%.1f%%", p)
    }
}

/// What the network rules remember of one stream of windows (one monitor's, in order) between
/// two windows: for each source currently suspected of password guessing, how long it has kept
/// up the rate, and the sequence number of the stream's latest window. A value: judging a window
/// never changes it; ``NetworkRules/evaluate(_:after:thresholds:)`` returns the next one, and the
/// caller decides whether to keep it (learning is explicit).
public struct NetworkRuleState: Sendable, Equatable {
    /// Seconds each suspected source has kept up the brute-force rate, over consecutive windows.
    var streaks: [String: Double] = [:]
    /// The `sequence` of the latest window judged, when it had one.
    var lastSequence: Int?

    /// The state of a stream that has had no window yet.
    public init() {}

    /// Sources currently suspected of password guessing (one number each is kept).
    public var suspectedSources: Int { streaks.count }
}

extension NetworkRules {
    /// The findings for the next window of a stream, and the stream's state after it; pure.
    ///
    /// What ``evaluate(_:thresholds:)`` reports, plus `brute_force` once a source has kept up
    /// the rate for `brute_force_sustained_seconds` over consecutive windows (a gap in
    /// `sequence`, or a window without the rate, starts the count again).
    ///
    /// - Parameters:
    ///   - window: The stream's next window, after the one `state` was returned for.
    ///   - state: The stream's state before `window` (``NetworkRuleState/init()`` for its first).
    ///   - thresholds: The thresholds to judge with.
    /// - Returns: The findings, with `brute_force` findings only for sources that have kept the
    ///   rate up long enough, and the state to pass with the stream's next window.
    public static func evaluate(
        _ window: TrafficWindow, after state: NetworkRuleState, thresholds: RuleThresholds
    ) -> (findings: [Finding], state: NetworkRuleState) {
        let findings = evaluate(window, thresholds: thresholds, bruteForceCandidates: true)
        var streaks = state.streaks
        if let sequence = window.sequence, let last = state.lastSequence, sequence != last &+ 1 { streaks.removeAll() }
        let seconds = window.windowSeconds.isFinite && window.windowSeconds > 0 ? window.windowSeconds : 1
        var next = NetworkRuleState()
        next.lastSequence = window.sequence
        var result: [Finding] = []
        for var finding in findings {
            guard finding.threat == .bruteForce, let ip = finding.sourceIP else {
                result.append(finding)
                continue
            }
            let sustained = (streaks[ip] ?? 0) + seconds
            next.streaks[ip] = sustained
            if sustained >= thresholds.bruteForceSustainedSeconds {
                finding.explanation += ", sustained for \(RuleFormat.number(sustained)) s"
                result.append(finding)
            }
        }
        return (result, next)
    }
}

/// Network rules over a stream of windows that keeps the stream's ``NetworkRuleState`` itself:
/// ``NetworkRules/evaluate(_:after:thresholds:)`` with the state carried from window to window.
public struct NetworkRuleTracker: Sendable {
    /// The thresholds every window of the stream is judged with.
    public var thresholds: RuleThresholds
    /// The stream's state after the latest window.
    public private(set) var state = NetworkRuleState()

    /// A tracker that has seen no window yet.
    ///
    /// - Parameter thresholds: The thresholds to judge the stream's windows with.
    public init(thresholds: RuleThresholds) {
        self.thresholds = thresholds
    }

    /// The findings for the next window of the stream; keeps the state after it.
    ///
    /// - Parameter window: The stream's next window, after the one evaluated last.
    /// - Returns: The findings of ``NetworkRules/evaluate(_:after:thresholds:)``.
    public mutating func evaluate(_ window: TrafficWindow) -> [Finding] {
        let (findings, next) = NetworkRules.evaluate(window, after: state, thresholds: thresholds)
        state = next
        return findings
    }
}
