import Foundation

/// Every threshold of the network and authentication rules.
///
/// Network thresholds are **per-second rates**: a rule divides the window's counts (packets,
/// SYNs, distinct ports, distinct hosts, …) by `window_seconds` before comparing, so a 2-s window
/// with twice the counts of a 1-s window gets the same verdict. Ratios (`…_ratio`, `…_share`) and
/// sizes (`…_bytes`) are not rates and are compared as they are, and so are the horizon counts
/// (`…_horizon_…`), which count over a probe horizon rather than per second. Authentication thresholds are
/// **per minute**: an event's counts are scaled from its `window_seconds` (default 60) to 60 s.
///
/// Every comparison is strict (`value > threshold`), except the "at most" limits whose names
/// start with `max_`/contain `_max_` (`value ≤ threshold`).
///
/// Configuration (``load(file:environment:)``): the defaults, then a JSON file with any subset of
/// the snake_case keys below, then environment variables `RULE_<KEY>` (e.g.
/// `RULE_PORT_SCAN_UNIQUE_PORTS=30`). Unknown keys, negative or non-finite values, and ratios
/// above 1 are errors naming the key or variable.
public struct RuleThresholds: Codable, Sendable, Equatable {
    // MARK: port_scan

    /// `port_scan_unique_ports` (20): distinct destination ports per second of the whole window
    /// (the original design's rule). Applied to windows without per-source data (`top_sources`), such as the
    /// original design's minimal bodies: when the window names its sources, the per-source rule decides,
    /// because the window-wide count also holds the host's own ephemeral ports in reply traffic
    /// (one web page load reaches 30) and is no evidence of a scan by itself.
    public var portScanUniquePorts: Double = 20
    /// `port_scan_packets_per_second` (100): the window's packet rate that must come with
    /// `port_scan_unique_ports` (the original design's "+ high PPS").
    public var portScanPacketsPerSecond: Double = 100
    /// `port_scan_source_unique_ports` (20): one source touching more distinct destination ports
    /// per second than this, **with at least as many probes** per second (SYNs, or UDP datagrams
    /// sent from a non-service source port, see ``NetworkRules``) — a server answering many clients'
    /// ephemeral ports sends ACK segments, not probes, and is not a scanner.
    public var portScanSourceUniquePorts: Double = 20
    /// `port_scan_horizon_ports` (15): one source **probing** more distinct destination ports than
    /// this within any probe horizon of more than 1.5 windows (10 s, 60 s, 5 min by default; a count,
    /// not a rate), with at least as many probes. Catches slow scans (`nmap --scan-delay 1s`, `-T2`,
    /// `-T1`) that no single window shows; the finding names the shortest horizon that crossed.
    /// Ports a source only answered from, or reached on known flows, are not probed ports.
    public var portScanHorizonPorts: Double = 15

    // MARK: ddos

    /// `ddos_packets_per_second` (1000): the window's packet rate (the original design's rule).
    public var ddosPacketsPerSecond: Double = 1000
    /// `ddos_bytes_per_second` (1 000 000): the window's byte rate (the original design's rule).
    public var ddosBytesPerSecond: Double = 1_000_000
    /// `ddos_unique_ips` (200): distinct source addresses per second. Added to the original design's rule: a
    /// *distributed* attack comes from many sources, whereas one phone streaming video over QUIC
    /// (1.7 k pps, 1.9 MB/s from 5 addresses in the Instagram capture) or a busy server (the
    /// generated 1500-pps host: up to ~115 clients a second) also crosses the original design's packet and
    /// byte rates; the floods in the shared captures come from 2 767 and 23 434 addresses. The
    /// original design's own example (30 addresses) expects no `ddos`. Set to 0 for the original design's rule.
    public var ddosUniqueIPs: Double = 200
    /// `ddos_small_packets_per_second` (5000): a packet rate that is a flood whatever its byte rate
    /// (with `ddos_packets_per_second` and `ddos_unique_ips`): floods of small packets (SYN-ACK
    /// backscatter, 60-byte UDP) stay under `ddos_bytes_per_second` at several thousand packets a
    /// second.
    public var ddosSmallPacketsPerSecond: Double = 5000

    // MARK: syn_flood

    /// `syn_flood_syn_packets_per_second` (500): connection attempts (SYN without ACK) per second,
    /// in the window or from one source.
    public var synFloodSynPacketsPerSecond: Double = 500
    /// `syn_flood_tcp_ratio` (0.95): TCP share of TCP+UDP packets (the original design's 475 of 500), in the
    /// window or of one source.
    public var synFloodTCPRatio: Double = 0.95

    // MARK: data_exfiltration

    /// `data_exfiltration_bytes_per_second` (5 000 000): one source's byte rate (the window's when
    /// it carries no per-source data).
    public var dataExfiltrationBytesPerSecond: Double = 5_000_000
    /// `data_exfiltration_tcp_ratio` (0.9): TCP share of that traffic.
    public var dataExfiltrationTCPRatio: Double = 0.9
    /// `data_exfiltration_max_destinations` (2): "few destinations" — the source sends to at most
    /// this many distinct hosts per second (not checked without per-source data).
    public var dataExfiltrationMaxDestinations: Double = 2
    /// `data_exfiltration_mean_packet_bytes` (1000): "large packets" — mean frame size in bytes.
    public var dataExfiltrationMeanPacketBytes: Double = 1000

    // MARK: udp_flood

    /// `udp_flood_packets_per_second` (1000): UDP packets per second in the window.
    public var udpFloodPacketsPerSecond: Double = 1000
    /// `udp_flood_udp_ratio` (0.9): "UDP-dominated" — UDP share of all the window's packets.
    public var udpFloodUDPRatio: Double = 0.9
    /// `udp_flood_unique_ips` (100): distinct sources per second ("many sources"; reflection and
    /// spoofed floods: 2 767 reflectors in the IKE amplification capture). A phone's QUIC download
    /// comes from a handful of CDN addresses; the generated QUIC-heavy 1000-pps host peaks at 64.
    public var udpFloodUniqueIPs: Double = 100
    /// `udp_flood_source_packets_per_second` (10 000): one source's UDP packet rate that is a
    /// flood by itself (with `udp_flood_udp_ratio` of its packets UDP). High on purpose: a single
    /// fast QUIC download reaches thousands of packets per second.
    public var udpFloodSourcePacketsPerSecond: Double = 10_000
    /// `udp_flood_shared_port_ratio` (0.8): when at least this share of the window's top UDP
    /// sources (and at least 3 of them) send from one UDP source port, the flood is reported as
    /// reflection/amplification and the port is named (4500 IKE, 53 DNS, 123 NTP, 11211 memcached…).
    public var udpFloodSharedPortRatio: Double = 0.8

    // MARK: host_sweep

    /// `host_sweep_unique_hosts` (20): one source sending to more distinct destination hosts per
    /// second than this, with at least as many probes (ICMP, SYNs, UDP from a non-service port).
    public var hostSweepUniqueHosts: Double = 20
    /// `host_sweep_horizon_hosts` (15): one source probing more distinct hosts **of one subnet**
    /// (IPv4 /24, IPv6 /64) than this within any probe horizon of more than 1.5 windows (a count).
    /// A sweep walks a subnet; a client's connections scatter over many networks.
    public var hostSweepHorizonHosts: Double = 15

    // MARK: reflection

    /// `reflection_reflectors` (50): distinct sources per second reflecting to one victim (their first
    /// packet to it in the window a SYN-ACK/RST, or UDP from one well-known amplification port).
    public var reflectionReflectors: Double = 50
    /// `reflection_packets_per_second` (500): those reflectors' packets per second (SYN-ACKs and
    /// RSTs, or UDP from the port), whatever their size.
    public var reflectionPacketsPerSecond: Double = 500

    // MARK: dns_tunnel

    /// `dns_tunnel_packets_per_second` (50): DNS packets per second from one client source
    /// (a source whose UDP source port is not 53) — volume alone.
    public var dnsTunnelPacketsPerSecond: Double = 50
    /// `dns_tunnel_sustained_packets_per_second` (10): the DNS rate above which the size test
    /// applies (a few large answers or queries are normal; a steady stream of them is not).
    public var dnsTunnelSustainedPacketsPerSecond: Double = 10
    /// `dns_tunnel_mean_packet_bytes` (120): mean DNS frame size (bytes) of such a stream. An
    /// ordinary query for a 20–35-character name is 75–105 bytes with EDNS; tunnels pack data
    /// into long labels (the sods capture: 105–177 bytes per query at 10–57 queries/s).
    public var dnsTunnelMeanPacketBytes: Double = 120
    /// `dns_tunnel_horizon_names` (20): one client asking more distinct names under one registered
    /// domain than this within a horizon of more than 1.5 windows (a count; `dns_clients`), with
    /// names that look like data (one of the three tests below). A tunnel's every question is a
    /// new name, so a tunnel at one query a second crosses it within the 1-min horizon.
    public var dnsTunnelHorizonNames: Double = 20
    /// `dns_tunnel_entropy` (3.5): mean Shannon entropy, bits per character, of those names'
    /// subdomain parts (encoded data: base32 ≈ 4.5–5, hex ≈ 3.7–4; host names such as `www`,
    /// `mail`, `api` stay below 3).
    public var dnsTunnelEntropy: Double = 3.5
    /// `dns_tunnel_subdomain_length` (30): mean length of those subdomain parts in characters.
    public var dnsTunnelSubdomainLength: Double = 30
    /// `dns_tunnel_type_share` (0.5): share of questions of a type whose answer carries data (TXT,
    /// NULL, CNAME, MX, SRV, ANY).
    public var dnsTunnelTypeShare: Double = 0.5

    // MARK: brute_force (network)

    /// `brute_force_connections_per_second` (10): one source opening more connections (SYNs) per
    /// second than this, all to **one** destination port on **one** host: the network picture of
    /// password guessing (the FTP cracker: 12–20 connections/s to port 21 for 45 s).
    public var bruteForceConnectionsPerSecond: Double = 10
    /// `brute_force_sustained_seconds` (3): how long that rate must last before `brute_force` is
    /// reported — a service-version probe such as `nmap -A` opens ~26 connections to one port
    /// within one second and stops; a busy client can reach 11 in one second. A single window
    /// shows it when it is at least this long; ``NetworkRuleTracker`` counts consecutive shorter
    /// windows. (A duration in seconds, not a rate.)
    public var bruteForceSustainedSeconds: Double = 3

    // MARK: attribution

    /// `dominant_source_share` (0.5): a window-level finding names a top source when it sent at
    /// least this share of the traffic that triggered the rule (SYNs for `syn_flood`, packets for
    /// `ddos`, UDP packets for `udp_flood`); otherwise the finding has no source (spoofed or
    /// distributed traffic has no single attacker).
    public var dominantSourceShare: Double = 0.5

    // MARK: authentication (per 60 s)

    /// `brute_force_total_attempts` (100): login attempts per minute that, together with
    /// `brute_force_failed_attempts`, make `brute_force` (the original design's total > 100 ∧
    /// failed > 50).
    public var bruteForceTotalAttempts: Double = 100
    /// `brute_force_failed_attempts` (50): failed attempts per minute that must come with
    /// `brute_force_total_attempts`.
    public var bruteForceFailedAttempts: Double = 50
    /// `credential_stuffing_total_attempts` (500): login attempts per minute that, together with
    /// `credential_stuffing_unique_source_ips`, make `credential_stuffing`: many attempts from many
    /// addresses (the original design's total > 500 ∧ unique_source_ips > 10).
    public var credentialStuffingTotalAttempts: Double = 500
    /// `credential_stuffing_unique_source_ips` (10): distinct source addresses that must come
    /// with `credential_stuffing_total_attempts`. The address count is compared as it is (not
    /// scaled).
    public var credentialStuffingUniqueSourceIPs: Double = 10
    /// `service_account_abuse_total_attempts` (1000) per minute on a service account or a
    /// privileged one (`privilege_level` ≥ 1).
    public var serviceAccountAbuseTotalAttempts: Double = 1000

    // MARK: logins over horizons (counts, not rates)

    /// `login_guess_failures` (10): failed logins from one source on at most
    /// `login_spray_usernames` names within a login horizon of 60 s that make `brute_force`
    /// (password guessing) for events with horizons (``LoginRules``); over a horizon of *h*
    /// seconds the threshold is this × √(h / 60): 32 within 10 min, 77 within 1 h.
    public var loginGuessFailures: Double = 10
    /// `login_spray_usernames` (5): distinct names one source failed on within a login horizon
    /// (with more failures than this) that make `password_spraying`; up to this many, it is
    /// guessing.
    public var loginSprayUsernames: Double = 5
    /// `login_privileged_failures` (5): failed logins on privileged accounts (root, the host's
    /// administrators) from one source within a login horizon that make `service_account_abuse`.
    public var loginPrivilegedFailures: Double = 5
    /// `login_success_after_failures` (10): failed logins from one source within a login horizon
    /// before a login of that source succeeded that make `login_after_failures`.
    public var loginSuccessAfterFailures: Double = 10
    /// `credential_stuffing_horizon_sources` (10): distinct sources whose logins failed within a
    /// login horizon that, with `credential_stuffing_horizon_usernames` names and at most
    /// `credential_stuffing_max_attempts_per_source` attempts per source, make
    /// `credential_stuffing` (the summary over every source of events with horizons).
    public var credentialStuffingHorizonSources: Double = 10
    /// `credential_stuffing_horizon_usernames` (10): distinct names those logins tried.
    public var credentialStuffingHorizonUsernames: Double = 10
    /// `credential_stuffing_max_attempts_per_source` (5): the most attempts per source for
    /// many sources to be stuffing (each trying a few stolen pairs) rather than guessers.
    public var credentialStuffingMaxAttemptsPerSource: Double = 5

    /// The defaults above.
    public init() {}

    // MARK: - Keys

    /// The JSON keys (snake_case); `RULE_` + the key upper-cased is the environment variable.
    public enum Key: String, CodingKey, CaseIterable, Sendable {
        /// The key of ``RuleThresholds/portScanUniquePorts``.
        case portScanUniquePorts = "port_scan_unique_ports"
        /// The key of ``RuleThresholds/portScanPacketsPerSecond``.
        case portScanPacketsPerSecond = "port_scan_packets_per_second"
        /// The key of ``RuleThresholds/portScanSourceUniquePorts``.
        case portScanSourceUniquePorts = "port_scan_source_unique_ports"
        case portScanHorizonPorts = "port_scan_horizon_ports"
        /// The key of ``RuleThresholds/ddosPacketsPerSecond``.
        case ddosPacketsPerSecond = "ddos_packets_per_second"
        /// The key of ``RuleThresholds/ddosBytesPerSecond``.
        case ddosBytesPerSecond = "ddos_bytes_per_second"
        /// The key of ``RuleThresholds/ddosUniqueIPs``.
        case ddosUniqueIPs = "ddos_unique_ips"
        case ddosSmallPacketsPerSecond = "ddos_small_packets_per_second"
        /// The key of ``RuleThresholds/synFloodSynPacketsPerSecond``.
        case synFloodSynPacketsPerSecond = "syn_flood_syn_packets_per_second"
        /// The key of ``RuleThresholds/synFloodTCPRatio``.
        case synFloodTCPRatio = "syn_flood_tcp_ratio"
        /// The key of ``RuleThresholds/dataExfiltrationBytesPerSecond``.
        case dataExfiltrationBytesPerSecond = "data_exfiltration_bytes_per_second"
        /// The key of ``RuleThresholds/dataExfiltrationTCPRatio``.
        case dataExfiltrationTCPRatio = "data_exfiltration_tcp_ratio"
        /// The key of ``RuleThresholds/dataExfiltrationMaxDestinations``.
        case dataExfiltrationMaxDestinations = "data_exfiltration_max_destinations"
        /// The key of ``RuleThresholds/dataExfiltrationMeanPacketBytes``.
        case dataExfiltrationMeanPacketBytes = "data_exfiltration_mean_packet_bytes"
        /// The key of ``RuleThresholds/udpFloodPacketsPerSecond``.
        case udpFloodPacketsPerSecond = "udp_flood_packets_per_second"
        /// The key of ``RuleThresholds/udpFloodUDPRatio``.
        case udpFloodUDPRatio = "udp_flood_udp_ratio"
        /// The key of ``RuleThresholds/udpFloodUniqueIPs``.
        case udpFloodUniqueIPs = "udp_flood_unique_ips"
        /// The key of ``RuleThresholds/udpFloodSourcePacketsPerSecond``.
        case udpFloodSourcePacketsPerSecond = "udp_flood_source_packets_per_second"
        /// The key of ``RuleThresholds/udpFloodSharedPortRatio``.
        case udpFloodSharedPortRatio = "udp_flood_shared_port_ratio"
        /// The key of ``RuleThresholds/hostSweepUniqueHosts``.
        case hostSweepUniqueHosts = "host_sweep_unique_hosts"
        case hostSweepHorizonHosts = "host_sweep_horizon_hosts"
        case reflectionReflectors = "reflection_reflectors"
        case reflectionPacketsPerSecond = "reflection_packets_per_second"
        /// The key of ``RuleThresholds/dnsTunnelPacketsPerSecond``.
        case dnsTunnelPacketsPerSecond = "dns_tunnel_packets_per_second"
        /// The key of ``RuleThresholds/dnsTunnelSustainedPacketsPerSecond``.
        case dnsTunnelSustainedPacketsPerSecond = "dns_tunnel_sustained_packets_per_second"
        /// The key of ``RuleThresholds/dnsTunnelMeanPacketBytes``.
        case dnsTunnelMeanPacketBytes = "dns_tunnel_mean_packet_bytes"
        case dnsTunnelHorizonNames = "dns_tunnel_horizon_names"
        case dnsTunnelEntropy = "dns_tunnel_entropy"
        case dnsTunnelSubdomainLength = "dns_tunnel_subdomain_length"
        case dnsTunnelTypeShare = "dns_tunnel_type_share"
        /// The key of ``RuleThresholds/bruteForceConnectionsPerSecond``.
        case bruteForceConnectionsPerSecond = "brute_force_connections_per_second"
        /// The key of ``RuleThresholds/bruteForceSustainedSeconds``.
        case bruteForceSustainedSeconds = "brute_force_sustained_seconds"
        /// The key of ``RuleThresholds/dominantSourceShare``.
        case dominantSourceShare = "dominant_source_share"
        /// The key of ``RuleThresholds/bruteForceTotalAttempts``.
        case bruteForceTotalAttempts = "brute_force_total_attempts"
        /// The key of ``RuleThresholds/bruteForceFailedAttempts``.
        case bruteForceFailedAttempts = "brute_force_failed_attempts"
        /// The key of ``RuleThresholds/credentialStuffingTotalAttempts``.
        case credentialStuffingTotalAttempts = "credential_stuffing_total_attempts"
        /// The key of ``RuleThresholds/credentialStuffingUniqueSourceIPs``.
        case credentialStuffingUniqueSourceIPs = "credential_stuffing_unique_source_ips"
        /// The key of ``RuleThresholds/serviceAccountAbuseTotalAttempts``.
        case serviceAccountAbuseTotalAttempts = "service_account_abuse_total_attempts"
        /// The key of ``RuleThresholds/loginGuessFailures``.
        case loginGuessFailures = "login_guess_failures"
        /// The key of ``RuleThresholds/loginSprayUsernames``.
        case loginSprayUsernames = "login_spray_usernames"
        /// The key of ``RuleThresholds/loginPrivilegedFailures``.
        case loginPrivilegedFailures = "login_privileged_failures"
        /// The key of ``RuleThresholds/loginSuccessAfterFailures``.
        case loginSuccessAfterFailures = "login_success_after_failures"
        /// The key of ``RuleThresholds/credentialStuffingHorizonSources``.
        case credentialStuffingHorizonSources = "credential_stuffing_horizon_sources"
        /// The key of ``RuleThresholds/credentialStuffingHorizonUsernames``.
        case credentialStuffingHorizonUsernames = "credential_stuffing_horizon_usernames"
        /// The key of ``RuleThresholds/credentialStuffingMaxAttemptsPerSource``.
        case credentialStuffingMaxAttemptsPerSource = "credential_stuffing_max_attempts_per_source"

        /// The environment variable that overrides this key.
        public var environmentVariable: String { "RULE_" + rawValue.uppercased() }

        /// Ratios and shares must lie in 0...1.
        var isRatio: Bool {
            switch self {
            case .synFloodTCPRatio, .dataExfiltrationTCPRatio, .udpFloodUDPRatio, .udpFloodSharedPortRatio,
                .dominantSourceShare, .dnsTunnelTypeShare:
                true
            default: false
            }
        }
    }

    /// The value of one key; setting it does not check the value (``load(file:environment:)`` and
    /// decoding do).
    public subscript(key: Key) -> Double {
        get {
            switch key {
            case .portScanUniquePorts: portScanUniquePorts
            case .portScanPacketsPerSecond: portScanPacketsPerSecond
            case .portScanSourceUniquePorts: portScanSourceUniquePorts
            case .portScanHorizonPorts: portScanHorizonPorts
            case .ddosPacketsPerSecond: ddosPacketsPerSecond
            case .ddosBytesPerSecond: ddosBytesPerSecond
            case .ddosUniqueIPs: ddosUniqueIPs
            case .ddosSmallPacketsPerSecond: ddosSmallPacketsPerSecond
            case .synFloodSynPacketsPerSecond: synFloodSynPacketsPerSecond
            case .synFloodTCPRatio: synFloodTCPRatio
            case .dataExfiltrationBytesPerSecond: dataExfiltrationBytesPerSecond
            case .dataExfiltrationTCPRatio: dataExfiltrationTCPRatio
            case .dataExfiltrationMaxDestinations: dataExfiltrationMaxDestinations
            case .dataExfiltrationMeanPacketBytes: dataExfiltrationMeanPacketBytes
            case .udpFloodPacketsPerSecond: udpFloodPacketsPerSecond
            case .udpFloodUDPRatio: udpFloodUDPRatio
            case .udpFloodUniqueIPs: udpFloodUniqueIPs
            case .udpFloodSourcePacketsPerSecond: udpFloodSourcePacketsPerSecond
            case .udpFloodSharedPortRatio: udpFloodSharedPortRatio
            case .hostSweepUniqueHosts: hostSweepUniqueHosts
            case .hostSweepHorizonHosts: hostSweepHorizonHosts
            case .reflectionReflectors: reflectionReflectors
            case .reflectionPacketsPerSecond: reflectionPacketsPerSecond
            case .dnsTunnelPacketsPerSecond: dnsTunnelPacketsPerSecond
            case .dnsTunnelSustainedPacketsPerSecond: dnsTunnelSustainedPacketsPerSecond
            case .dnsTunnelMeanPacketBytes: dnsTunnelMeanPacketBytes
            case .dnsTunnelHorizonNames: dnsTunnelHorizonNames
            case .dnsTunnelEntropy: dnsTunnelEntropy
            case .dnsTunnelSubdomainLength: dnsTunnelSubdomainLength
            case .dnsTunnelTypeShare: dnsTunnelTypeShare
            case .bruteForceConnectionsPerSecond: bruteForceConnectionsPerSecond
            case .bruteForceSustainedSeconds: bruteForceSustainedSeconds
            case .dominantSourceShare: dominantSourceShare
            case .bruteForceTotalAttempts: bruteForceTotalAttempts
            case .bruteForceFailedAttempts: bruteForceFailedAttempts
            case .credentialStuffingTotalAttempts: credentialStuffingTotalAttempts
            case .credentialStuffingUniqueSourceIPs: credentialStuffingUniqueSourceIPs
            case .serviceAccountAbuseTotalAttempts: serviceAccountAbuseTotalAttempts
            case .loginGuessFailures: loginGuessFailures
            case .loginSprayUsernames: loginSprayUsernames
            case .loginPrivilegedFailures: loginPrivilegedFailures
            case .loginSuccessAfterFailures: loginSuccessAfterFailures
            case .credentialStuffingHorizonSources: credentialStuffingHorizonSources
            case .credentialStuffingHorizonUsernames: credentialStuffingHorizonUsernames
            case .credentialStuffingMaxAttemptsPerSource: credentialStuffingMaxAttemptsPerSource
            }
        }
        set {
            switch key {
            case .portScanUniquePorts: portScanUniquePorts = newValue
            case .portScanPacketsPerSecond: portScanPacketsPerSecond = newValue
            case .portScanSourceUniquePorts: portScanSourceUniquePorts = newValue
            case .portScanHorizonPorts: portScanHorizonPorts = newValue
            case .ddosPacketsPerSecond: ddosPacketsPerSecond = newValue
            case .ddosBytesPerSecond: ddosBytesPerSecond = newValue
            case .ddosUniqueIPs: ddosUniqueIPs = newValue
            case .ddosSmallPacketsPerSecond: ddosSmallPacketsPerSecond = newValue
            case .synFloodSynPacketsPerSecond: synFloodSynPacketsPerSecond = newValue
            case .synFloodTCPRatio: synFloodTCPRatio = newValue
            case .dataExfiltrationBytesPerSecond: dataExfiltrationBytesPerSecond = newValue
            case .dataExfiltrationTCPRatio: dataExfiltrationTCPRatio = newValue
            case .dataExfiltrationMaxDestinations: dataExfiltrationMaxDestinations = newValue
            case .dataExfiltrationMeanPacketBytes: dataExfiltrationMeanPacketBytes = newValue
            case .udpFloodPacketsPerSecond: udpFloodPacketsPerSecond = newValue
            case .udpFloodUDPRatio: udpFloodUDPRatio = newValue
            case .udpFloodUniqueIPs: udpFloodUniqueIPs = newValue
            case .udpFloodSourcePacketsPerSecond: udpFloodSourcePacketsPerSecond = newValue
            case .udpFloodSharedPortRatio: udpFloodSharedPortRatio = newValue
            case .hostSweepUniqueHosts: hostSweepUniqueHosts = newValue
            case .hostSweepHorizonHosts: hostSweepHorizonHosts = newValue
            case .reflectionReflectors: reflectionReflectors = newValue
            case .reflectionPacketsPerSecond: reflectionPacketsPerSecond = newValue
            case .dnsTunnelPacketsPerSecond: dnsTunnelPacketsPerSecond = newValue
            case .dnsTunnelSustainedPacketsPerSecond: dnsTunnelSustainedPacketsPerSecond = newValue
            case .dnsTunnelMeanPacketBytes: dnsTunnelMeanPacketBytes = newValue
            case .dnsTunnelHorizonNames: dnsTunnelHorizonNames = newValue
            case .dnsTunnelEntropy: dnsTunnelEntropy = newValue
            case .dnsTunnelSubdomainLength: dnsTunnelSubdomainLength = newValue
            case .dnsTunnelTypeShare: dnsTunnelTypeShare = newValue
            case .bruteForceConnectionsPerSecond: bruteForceConnectionsPerSecond = newValue
            case .bruteForceSustainedSeconds: bruteForceSustainedSeconds = newValue
            case .dominantSourceShare: dominantSourceShare = newValue
            case .bruteForceTotalAttempts: bruteForceTotalAttempts = newValue
            case .bruteForceFailedAttempts: bruteForceFailedAttempts = newValue
            case .credentialStuffingTotalAttempts: credentialStuffingTotalAttempts = newValue
            case .credentialStuffingUniqueSourceIPs: credentialStuffingUniqueSourceIPs = newValue
            case .serviceAccountAbuseTotalAttempts: serviceAccountAbuseTotalAttempts = newValue
            case .loginGuessFailures: loginGuessFailures = newValue
            case .loginSprayUsernames: loginSprayUsernames = newValue
            case .loginPrivilegedFailures: loginPrivilegedFailures = newValue
            case .loginSuccessAfterFailures: loginSuccessAfterFailures = newValue
            case .credentialStuffingHorizonSources: credentialStuffingHorizonSources = newValue
            case .credentialStuffingHorizonUsernames: credentialStuffingHorizonUsernames = newValue
            case .credentialStuffingMaxAttemptsPerSource: credentialStuffingMaxAttemptsPerSource = newValue
            }
        }
    }

    // MARK: - Codable

    /// Decodes a partial object over the defaults: missing keys keep their default; an unknown key,
    /// a non-number, a negative or non-finite value, or a ratio above 1 throws
    /// ``RuleThresholdsError`` naming the key.
    public init(from decoder: any Decoder) throws {
        self.init()
        let container = try decoder.container(keyedBy: AnyKey.self)
        for anyKey in container.allKeys {
            guard let key = Key(rawValue: anyKey.stringValue) else {
                throw RuleThresholdsError.unknownKey(anyKey.stringValue)
            }
            let value: Double
            do {
                value = try container.decode(Double.self, forKey: anyKey)
            } catch {
                throw RuleThresholdsError.invalidValue(key: key.rawValue, reason: "must be a number")
            }
            if let problem = Self.problem(with: value, for: key) {
                throw RuleThresholdsError.invalidValue(key: key.rawValue, reason: problem)
            }
            self[key] = value
        }
    }

    /// Encodes every threshold under its snake_case key, in ``Key`` order.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        for key in Key.allCases { try container.encode(self[key], forKey: key) }
    }

    /// Why `value` is not acceptable for `key`, or nil.
    static func problem(with value: Double, for key: Key) -> String? {
        if !value.isFinite { return "must be a finite number, got \(value)" }
        if value < 0 { return "must be >= 0, got \(value)" }
        if key.isRatio && value > 1 { return "is a ratio and must be within 0...1, got \(value)" }
        return nil
    }

    private struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    // MARK: - Loading

    /// The defaults, overlaid with the JSON object in `file` (when given), then with the
    /// `RULE_<KEY>` variables of `environment`.
    ///
    /// - Parameters:
    ///   - file: The path of a JSON object of thresholds (any subset of the keys), or nil.
    ///   - environment: The environment to read `RULE_<KEY>` variables from; other variables are
    ///     ignored.
    /// - Returns: The thresholds in force.
    /// - Throws: ``RuleThresholdsError``: the file cannot be read or is not a JSON object, a key is
    ///   unknown, a value is not a finite non-negative number (or a ratio above 1), a `RULE_`
    ///   variable names no threshold or does not hold such a number.
    public static func load(file: String?, environment: [String: String]) throws -> RuleThresholds {
        var thresholds = RuleThresholds()
        if let file {
            let data: Data
            do {
                data = try Data(contentsOf: URL(fileURLWithPath: file))
            } catch {
                throw RuleThresholdsError.unreadableFile(path: file, reason: "\((error as NSError).localizedDescription)")
            }
            do {
                // JSON5 so that NaN and Infinity reach the value check (and name their key);
                // comments and trailing commas come with it, which suits a configuration file.
                let decoder = JSONDecoder()
                decoder.allowsJSON5 = true
                thresholds = try decoder.decode(RuleThresholds.self, from: data)
            } catch let error as RuleThresholdsError {
                throw error
            } catch let DecodingError.typeMismatch(_, context) where context.codingPath.isEmpty {
                throw RuleThresholdsError.malformedFile(path: file, reason: "expected a JSON object of thresholds")
            } catch let DecodingError.dataCorrupted(context) {
                let underlying = (context.underlyingError as? NSError)?.localizedDescription
                throw RuleThresholdsError.malformedFile(path: file, reason: underlying ?? context.debugDescription)
            } catch {
                throw RuleThresholdsError.malformedFile(path: file, reason: "\(error)")
            }
        }
        let byVariable = Dictionary(uniqueKeysWithValues: Key.allCases.map { ($0.environmentVariable, $0) })
        for (name, text) in environment.sorted(by: { $0.key < $1.key }) where name.hasPrefix("RULE_") {
            guard let key = byVariable[name] else { throw RuleThresholdsError.unknownEnvironmentVariable(name) }
            guard let value = Double(text.trimmingCharacters(in: .whitespaces)) else {
                throw RuleThresholdsError.invalidEnvironmentVariable(name: name, value: text, reason: "must be a number")
            }
            if let problem = problem(with: value, for: key) {
                throw RuleThresholdsError.invalidEnvironmentVariable(name: name, value: text, reason: problem)
            }
            thresholds[key] = value
        }
        return thresholds
    }
}

/// Why thresholds could not be loaded; every case names the file, key or variable at fault.
public enum RuleThresholdsError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The thresholds file could not be read.
    case unreadableFile(path: String, reason: String)
    /// Not JSON, or not a JSON object.
    case malformedFile(path: String, reason: String)
    /// A key of the file that names no threshold.
    case unknownKey(String)
    /// A value of the file that is not a finite number ≥ 0 (or, for a ratio, ≤ 1).
    case invalidValue(key: String, reason: String)
    /// A `RULE_…` variable that names no threshold.
    case unknownEnvironmentVariable(String)
    /// A `RULE_…` variable whose value is not a finite number ≥ 0 (or, for a ratio, ≤ 1).
    case invalidEnvironmentVariable(name: String, value: String, reason: String)

    /// The key or variable concerned (the path for file errors).
    public var subject: String {
        switch self {
        case let .unreadableFile(path, _), let .malformedFile(path, _): path
        case let .unknownKey(key), let .invalidValue(key, _): key
        case let .unknownEnvironmentVariable(name), let .invalidEnvironmentVariable(name, _, _): name
        }
    }

    /// A message for people naming the file, key or variable and the problem.
    public var description: String {
        switch self {
        case let .unreadableFile(path, reason): "cannot read thresholds file \(path): \(reason)"
        case let .malformedFile(path, reason): "thresholds file \(path) is not a JSON object of thresholds: \(reason)"
        case let .unknownKey(key):
            "unknown threshold \"\(key)\" (known: \(RuleThresholds.Key.allCases.map(\.rawValue).joined(separator: ", ")))"
        case let .invalidValue(key, reason): "threshold \(key) \(reason)"
        case let .unknownEnvironmentVariable(name): "\(name) names no rule threshold"
        case let .invalidEnvironmentVariable(name, value, reason): "\(name)=\"\(value)\": \(reason)"
        }
    }
}
