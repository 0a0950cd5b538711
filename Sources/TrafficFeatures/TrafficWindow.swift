public import Foundation

/// Where a window's packets came from (the wire format's `source` field).
public enum CaptureSourceKind: String, Sendable, Codable, CaseIterable {
    /// The XDP program on a live interface.
    case xdp
    /// A capture file read with libpcap; windows follow the capture's timestamps.
    case pcap
    /// Synthetic traffic (no privileges, development, demos).
    case simulation
}

/// Exact per-window counters: the Swift counterpart of `struct nm_counters`.
///
/// Every packet is in exactly one protocol bucket, so
/// `tcpPackets + udpPackets + icmpPackets + otherPackets == packets`.
public struct WindowCounters: Sendable, Equatable, Hashable {
    /// Packets of every kind (`packets` in the window JSON).
    public var packets = 0
    /// Bytes of every packet, as frame lengths on the wire (`bytes`).
    public var bytes = 0
    /// Packets in the TCP bucket (`tcp_packets`).
    public var tcpPackets = 0
    /// Bytes of the TCP bucket's packets (`tcp_bytes`).
    public var tcpBytes = 0
    /// Packets in the UDP bucket (`udp_packets`).
    public var udpPackets = 0
    /// Bytes of the UDP bucket's packets (`udp_bytes`).
    public var udpBytes = 0
    /// Packets in the ICMP bucket, ICMP and ICMPv6 (`icmp_packets`).
    public var icmpPackets = 0
    /// Bytes of the ICMP bucket's packets (`icmp_bytes`).
    public var icmpBytes = 0
    /// Packets in the `other` bucket: non-IP frames, unusable IP headers and other protocols
    /// (`other_packets`).
    public var otherPackets = 0
    /// Bytes of the `other` bucket's packets (`other_bytes`).
    public var otherBytes = 0
    /// TCP segments with SYN set and ACK clear: connection attempts (`syn_packets`).
    public var synPackets = 0
    /// TCP segments with SYN and ACK both set (`syn_ack_packets`).
    public var synAckPackets = 0
    /// TCP segments with RST set (`rst_packets`).
    public var rstPackets = 0
    /// TCP segments with FIN set (`fin_packets`).
    public var finPackets = 0
    /// TCP or UDP packets with source or destination port 53 (`dns_packets`).
    public var dnsPackets = 0
    /// Bytes of the DNS packets (`dns_bytes`).
    public var dnsBytes = 0
    /// IPv4 packets, malformed ones included (`ipv4_packets`).
    public var ipv4Packets = 0
    /// IPv6 packets, malformed ones included (`ipv6_packets`).
    public var ipv6Packets = 0
    /// Frames that are neither IPv4 nor IPv6, such as ARP (`non_ip_packets`).
    public var nonIPPackets = 0
    /// IP fragments, first fragments included (`fragment_packets`).
    public var fragmentPackets = 0
    /// Packets with a truncated or inconsistent IP or transport header (`malformed_packets`).
    public var malformedPackets = 0
    /// TCP ACKs (FIN/ACK included) without SYN and RST on a flow never seen: ACK scans, Maimon
    /// scans, ACK pings (`ack_probe_packets`).
    public var ackProbePackets = 0
    /// TCP segments without SYN, ACK and RST: NULL, FIN and Xmas scans (`stealth_probe_packets`).
    public var stealthProbePackets = 0
    /// UDP datagrams from a client port that reached a port or host new for their source in
    /// the window (`udp_probe_packets`).
    public var udpProbePackets = 0
    /// ICMP echo, timestamp, information and address-mask requests and ICMPv6 echo requests
    /// (`icmp_probe_packets`).
    public var icmpProbePackets = 0
    /// ARP requests for an IPv4 address (`arp_request_packets`).
    public var arpRequestPackets = 0
    /// UDP datagrams from a well-known reflection source port, see
    /// ``PacketKind/reflectionUDPSourcePorts`` (`udp_reflection_packets`).
    public var udpReflectionPackets = 0
    /// Bytes of those datagrams (`udp_reflection_bytes`).
    public var udpReflectionBytes = 0

    /// Every probe of the window: connection attempts (SYN) plus ACK, stealth, UDP, ICMP and ARP
    /// probes.
    public var probePackets: Int {
        synPackets + ackProbePackets + stealthProbePackets + udpProbePackets + icmpProbePackets + arpRequestPackets
    }

    /// Counters that are all 0.
    public init() {}

    /// Adds one packet with the program's rules.
    public mutating func count(_ packet: PacketSummary) {
        let size = packet.wireLength
        packets += 1
        bytes += size
        switch packet.ipVersion {
        case .v4: ipv4Packets += 1
        case .v6: ipv6Packets += 1
        case nil: nonIPPackets += 1
        }
        if packet.isFragment { fragmentPackets += 1 }
        if packet.isMalformed { malformedPackets += 1 }
        switch packet.bucket {
        case .tcp:
            tcpPackets += 1
            tcpBytes += size
        case .udp:
            udpPackets += 1
            udpBytes += size
        case .icmp:
            icmpPackets += 1
            icmpBytes += size
        case .other:
            otherPackets += 1
            otherBytes += size
        }
        if packet.bucket == .tcp, packet.sourcePort != nil {
            let flags = packet.tcpFlags
            if flags.isConnectionAttempt { synPackets += 1 }
            if flags.isSynAck { synAckPackets += 1 }
            if flags.contains(.rst) { rstPackets += 1 }
            if flags.contains(.fin) { finPackets += 1 }
        }
        if packet.isDNS {
            dnsPackets += 1
            dnsBytes += size
        }
        // ACK and UDP probes depend on state (flows, pairs): the aggregator counts them.
        switch packet.kind {
        case .stealth: stealthProbePackets += 1
        case .icmpProbe: icmpProbePackets += 1
        case .arpRequest: arpRequestPackets += 1
        case .udpReflection:
            udpReflectionPackets += 1
            udpReflectionBytes += size
        default: break
        }
    }

    /// Packets and bytes of one protocol bucket.
    public func count(of bucket: ProtocolBucket) -> (packets: Int, bytes: Int) {
        switch bucket {
        case .tcp: (tcpPackets, tcpBytes)
        case .udp: (udpPackets, udpBytes)
        case .icmp: (icmpPackets, icmpBytes)
        case .other: (otherPackets, otherBytes)
        }
    }
}

/// What a window could not record exactly. Nothing is dropped silently: each loss
/// is counted here and exported by the monitor's metrics.
public struct CaptureLosses: Codable, Sendable, Equatable, Hashable {
    /// Sources pushed out of the bounded per-source table (their packets are still in
    /// the totals; `unique_ips` then comes from the HyperLogLog sketch).
    public var sourceEntriesEvicted = 0
    /// New sources the table refused.
    public var sourceInsertFailures = 0
    /// (source, destination port) pairs pushed out of the bounded pair table; a source's
    /// `unique_ports` may be off by that many (`port_pairs_evicted`).
    public var portPairsEvicted = 0
    /// New (source, destination port) pairs the pair table refused; a source's `unique_ports`
    /// may be off by that many (`port_pair_insert_failures`).
    public var portPairInsertFailures = 0
    /// (source, destination host) pairs pushed out of the pair table; a source's `unique_hosts`
    /// may be off by that many (`host_pairs_evicted`).
    public var hostPairsEvicted = 0
    /// New (source, destination host) pairs the pair table refused; a source's `unique_hosts`
    /// may be off by that many (`host_pair_insert_failures`).
    public var hostPairInsertFailures = 0
    /// Sampled packet events lost because the ring buffer was full.
    public var sampledEventsLost = 0
    /// Capture records shorter than their packets (pcap snap length) whose headers ran
    /// past the saved bytes.
    public var captureTruncatedPackets = 0
    /// Capture records whose timestamp is unusable (before 1970, after 2242, or a fraction of a
    /// second of 10⁹ ns or more): each packet is counted in the window of the record before it.
    public var captureInvalidTimestamps = 0
    /// TCP flows the flow table could not record (`flow_insert_failures`): the next ACK of such
    /// a flow counts as an ACK probe again.
    public var flowInsertFailures = 0
    /// Flows pushed out of the bounded flow table to make room (`flows_evicted`): the next ACK
    /// of such a flow counts as one ACK probe.
    public var flowsEvicted = 0
    /// Sources the probe-horizon tracker forgot to stay within its bound
    /// (`horizon_sources_evicted`, see ``ProbeHorizons``).
    public var horizonSourcesEvicted = 0
    /// Probed ports and hosts the tracker forgot from sources over its per-source bound
    /// (`horizon_entries_evicted`).
    public var horizonEntriesEvicted = 0
    /// DNS messages the kernel could not hand to user space because its DNS ring buffer was full
    /// (`dns_samples_lost`).
    public var dnsSamplesLost = 0
    /// DNS messages (UDP port 53) whose question could not be read (`dns_unparsed`).
    public var dnsUnparsed = 0
    /// (client, domain) pairs the DNS tracker forgot to stay within its bound (`dns_clients_evicted`).
    public var dnsClientsEvicted = 0
    /// Names the DNS tracker forgot from pairs over its per-pair bound (`dns_names_evicted`).
    public var dnsNamesEvicted = 0

    /// No losses: every count is 0.
    public init() {}

    /// True when nothing was lost.
    public var isEmpty: Bool { self == CaptureLosses() }

    enum CodingKeys: String, CodingKey {
        case sourceEntriesEvicted = "source_entries_evicted"
        case sourceInsertFailures = "source_insert_failures"
        case portPairsEvicted = "port_pairs_evicted"
        case portPairInsertFailures = "port_pair_insert_failures"
        case hostPairsEvicted = "host_pairs_evicted"
        case hostPairInsertFailures = "host_pair_insert_failures"
        case sampledEventsLost = "sampled_events_lost"
        case captureTruncatedPackets = "capture_truncated_packets"
        case captureInvalidTimestamps = "capture_invalid_timestamps"
        case flowInsertFailures = "flow_insert_failures"
        case flowsEvicted = "flows_evicted"
        case horizonSourcesEvicted = "horizon_sources_evicted"
        case horizonEntriesEvicted = "horizon_entries_evicted"
        case dnsSamplesLost = "dns_samples_lost"
        case dnsUnparsed = "dns_unparsed"
        case dnsClientsEvicted = "dns_clients_evicted"
        case dnsNamesEvicted = "dns_names_evicted"
    }

    /// Decodes a `losses` object; a missing field is 0.
    ///
    /// - Throws: `DecodingError` when a field is not an integer within 0 … ``WireLimits/maximumCount``.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        for key in [CodingKeys]([
            .sourceEntriesEvicted, .sourceInsertFailures, .portPairsEvicted, .portPairInsertFailures,
            .hostPairsEvicted, .hostPairInsertFailures, .sampledEventsLost, .captureTruncatedPackets,
            .captureInvalidTimestamps, .flowInsertFailures, .flowsEvicted,
            .horizonSourcesEvicted, .horizonEntriesEvicted, .dnsSamplesLost, .dnsUnparsed, .dnsClientsEvicted,
            .dnsNamesEvicted,
        ]) {
            let value = try c.decodeCount(key, default: 0)
            switch key {
            case .sourceEntriesEvicted: sourceEntriesEvicted = value
            case .sourceInsertFailures: sourceInsertFailures = value
            case .portPairsEvicted: portPairsEvicted = value
            case .portPairInsertFailures: portPairInsertFailures = value
            case .hostPairsEvicted: hostPairsEvicted = value
            case .hostPairInsertFailures: hostPairInsertFailures = value
            case .sampledEventsLost: sampledEventsLost = value
            case .captureTruncatedPackets: captureTruncatedPackets = value
            case .captureInvalidTimestamps: captureInvalidTimestamps = value
            case .flowInsertFailures: flowInsertFailures = value
            case .flowsEvicted: flowsEvicted = value
            case .horizonSourcesEvicted: horizonSourcesEvicted = value
            case .horizonEntriesEvicted: horizonEntriesEvicted = value
            case .dnsSamplesLost: dnsSamplesLost = value
            case .dnsUnparsed: dnsUnparsed = value
            case .dnsClientsEvicted: dnsClientsEvicted = value
            case .dnsNamesEvicted: dnsNamesEvicted = value
            }
        }
    }
}

/// One source's traffic in a window (an entry of `top_sources`).
///
/// In JSON each property is under its snake_case name (`syn_packets`, `unique_ports`,
/// `udp_source_port`, …).
public struct SourceStats: Codable, Sendable, Equatable, Hashable {
    /// The source address, or `prefix/len` for a grouped IPv6 source.
    public var ip: String
    /// Packets from this source in the window.
    public var packets: Int
    /// Bytes from this source, as frame lengths on the wire.
    public var bytes: Int
    /// Connection attempts (SYN without ACK) from this source.
    public var synPackets: Int
    /// Distinct destination ports (TCP and UDP) this source sent to.
    public var uniquePorts: Int
    /// Distinct destination addresses this source sent to.
    public var uniqueHosts: Int
    /// TCP packets from this source.
    public var tcpPackets: Int
    /// UDP packets from this source.
    public var udpPackets: Int
    /// ICMP and ICMPv6 packets from this source.
    public var icmpPackets: Int
    /// Packets from this source with source or destination port 53.
    public var dnsPackets: Int
    /// Bytes of this source's DNS packets.
    public var dnsBytes: Int
    /// The last UDP source port seen from this source (reflection/amplification
    /// sources share one, e.g. 53, 123, 4500). The XDP program keeps it per CPU, so for a
    /// source that used several ports it is one of them, not necessarily the last.
    public var udpSourcePort: Int?
    /// TCP ACK probes from this source (ACKs on flows never seen).
    public var ackProbes: Int
    /// TCP NULL, FIN and Xmas probes from this source.
    public var stealthProbes: Int
    /// UDP probes from this source (from a client port, to a port or host new in the window).
    public var udpProbes: Int
    /// ICMP and ICMPv6 requests from this source.
    public var icmpProbes: Int
    /// ARP requests from this source.
    public var arpRequests: Int
    /// TCP SYN-ACKs from this source.
    public var synAckPackets: Int
    /// TCP RSTs from this source.
    public var rstPackets: Int
    /// UDP datagrams from this source sent from a well-known reflection source port.
    public var udpReflectionPackets: Int

    /// Every probe from this source: connection attempts (SYN) plus ACK, stealth, UDP, ICMP and
    /// ARP probes.
    public var probePackets: Int {
        synPackets + ackProbes + stealthProbes + udpProbes + icmpProbes + arpRequests
    }

    /// The statistics of one source; every count but `packets` and `bytes` defaults to 0.
    public init(
        ip: String, packets: Int, bytes: Int, synPackets: Int = 0, uniquePorts: Int = 0,
        uniqueHosts: Int = 0, tcpPackets: Int = 0, udpPackets: Int = 0, icmpPackets: Int = 0,
        dnsPackets: Int = 0, dnsBytes: Int = 0, udpSourcePort: Int? = nil, ackProbes: Int = 0, stealthProbes: Int = 0,
        udpProbes: Int = 0, icmpProbes: Int = 0, arpRequests: Int = 0, synAckPackets: Int = 0, rstPackets: Int = 0,
        udpReflectionPackets: Int = 0
    ) {
        self.ip = ip
        self.packets = packets
        self.bytes = bytes
        self.synPackets = synPackets
        self.uniquePorts = uniquePorts
        self.uniqueHosts = uniqueHosts
        self.tcpPackets = tcpPackets
        self.udpPackets = udpPackets
        self.icmpPackets = icmpPackets
        self.dnsPackets = dnsPackets
        self.dnsBytes = dnsBytes
        self.udpSourcePort = udpSourcePort
        self.ackProbes = ackProbes
        self.stealthProbes = stealthProbes
        self.udpProbes = udpProbes
        self.icmpProbes = icmpProbes
        self.arpRequests = arpRequests
        self.synAckPackets = synAckPackets
        self.rstPackets = rstPackets
        self.udpReflectionPackets = udpReflectionPackets
    }

    enum CodingKeys: String, CodingKey {
        case ip, packets, bytes
        case synPackets = "syn_packets"
        case uniquePorts = "unique_ports"
        case uniqueHosts = "unique_hosts"
        case tcpPackets = "tcp_packets"
        case udpPackets = "udp_packets"
        case icmpPackets = "icmp_packets"
        case dnsPackets = "dns_packets"
        case dnsBytes = "dns_bytes"
        case udpSourcePort = "udp_source_port"
        case ackProbes = "ack_probes"
        case stealthProbes = "stealth_probes"
        case udpProbes = "udp_probes"
        case icmpProbes = "icmp_probes"
        case arpRequests = "arp_requests"
        case synAckPackets = "syn_ack_packets"
        case rstPackets = "rst_packets"
        case udpReflectionPackets = "udp_reflection_packets"
    }

    /// Decodes one `top_sources` entry. `ip` and `packets` are required; the other counts
    /// default to 0 and `udp_source_port` to nil.
    ///
    /// - Throws: `DecodingError` when `ip` or `packets` is missing, a count is not an integer within
    ///   0 … ``WireLimits/maximumCount``, or `udp_source_port` is outside 0 … 65 535.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        ip = try c.decode(String.self, forKey: .ip)
        packets = try c.decodeCount(.packets)
        bytes = try c.decodeCount(.bytes, default: 0)
        synPackets = try c.decodeCount(.synPackets, default: 0)
        uniquePorts = try c.decodeCount(.uniquePorts, default: 0)
        uniqueHosts = try c.decodeCount(.uniqueHosts, default: 0)
        tcpPackets = try c.decodeCount(.tcpPackets, default: 0)
        udpPackets = try c.decodeCount(.udpPackets, default: 0)
        icmpPackets = try c.decodeCount(.icmpPackets, default: 0)
        dnsPackets = try c.decodeCount(.dnsPackets, default: 0)
        dnsBytes = try c.decodeCount(.dnsBytes, default: 0)
        udpSourcePort = try c.decodeCountIfPresent(.udpSourcePort)
        ackProbes = try c.decodeCount(.ackProbes, default: 0)
        stealthProbes = try c.decodeCount(.stealthProbes, default: 0)
        udpProbes = try c.decodeCount(.udpProbes, default: 0)
        icmpProbes = try c.decodeCount(.icmpProbes, default: 0)
        arpRequests = try c.decodeCount(.arpRequests, default: 0)
        synAckPackets = try c.decodeCount(.synAckPackets, default: 0)
        rstPackets = try c.decodeCount(.rstPackets, default: 0)
        udpReflectionPackets = try c.decodeCount(.udpReflectionPackets, default: 0)
        if let port = udpSourcePort, !(0...65535).contains(port) {
            throw DecodingError.dataCorruptedError(
                forKey: .udpSourcePort, in: c, debugDescription: "udp_source_port must be 0...65535, got \(port)")
        }
    }
}

/// One closed window of traffic: the JSON wire format the monitor posts to the
/// detector (snake_case, the original design's fields plus extensions).
///
/// Counts (`tcp_packets`, `syn_packets`, …) are per window; `packets_per_second` and
/// `bytes_per_second` are rates over `window_seconds`. Decoding also accepts the
/// original design's minimal bodies (six or seven fields, `tcp_ratio` instead of the TCP/UDP
/// counts) and rejects negative, non-integral, non-finite or out-of-range values (see
/// ``WireLimits``) with an error naming the field.
public struct TrafficWindow: Codable, Sendable, Equatable {
    // The original design's fields.
    /// Packets per second over the window (`packets_per_second`), 0 …
    /// ``WireLimits/maximumPacketsPerSecond``.
    public var packetsPerSecond: Double
    /// Bytes per second over the window (`bytes_per_second`), 0 …
    /// ``WireLimits/maximumBytesPerSecond``.
    public var bytesPerSecond: Double
    /// Distinct source addresses (`unique_ips`; IPv6 grouped per configured prefix).
    public var uniqueIPs: Int
    /// Distinct TCP/UDP destination ports (`unique_ports`).
    public var uniquePorts: Int
    // tcp_packets, udp_packets, syn_packets and icmp_packets are views of `counters`.
    /// TCP packets in the window (`tcp_packets`); reads and writes ``counters``.
    public var tcpPackets: Int {
        get { counters.tcpPackets }
        set { counters.tcpPackets = newValue }
    }
    /// UDP packets in the window (`udp_packets`); reads and writes ``counters``.
    public var udpPackets: Int {
        get { counters.udpPackets }
        set { counters.udpPackets = newValue }
    }
    /// TCP segments with SYN set and ACK clear, connection attempts (`syn_packets`); reads and
    /// writes ``counters``.
    public var synPackets: Int {
        get { counters.synPackets }
        set { counters.synPackets = newValue }
    }

    // Extensions.
    /// ICMP and ICMPv6 packets in the window (`icmp_packets`); reads and writes ``counters``.
    public var icmpPackets: Int {
        get { counters.icmpPackets }
        set { counters.icmpPackets = newValue }
    }
    /// The window's length in seconds (`window_seconds`), within ``WireLimits/windowSeconds``
    /// when decoded; 1 when a body omits it.
    public var windowSeconds: Double
    /// Start of the window (`window_start`): wall clock for live sources, capture time for pcap.
    public var windowStart: Date?
    /// The network interface the packets were captured on (`interface`), when known.
    public var interface: String?
    /// Where the packets came from (`source`): `xdp`, `pcap` or `simulation` for this project's
    /// capture sources (``CaptureSourceKind``).
    public var source: String?
    /// Window number since the source started (`sequence`: 0, 1, 2, …), so consumers can see gaps.
    public var sequence: Int?
    /// The delivery stream the windows were numbered in (`stream`, at most
    /// ``WireLimits/streamLength`` characters): `WindowPublisher` stamps its own, a new one at each monitor start, so a
    /// receiver that has seen (`stream`, `sequence`) knows a second copy is a
    /// retry of the same window (the detector judges it once).
    public var stream: String?
    /// Sources worth naming (`top_sources`), bounded (see ``TopSources``).
    public var topSources: [SourceStats]
    /// All counters of the window (packets and bytes by protocol, TCP flags, DNS, …), each under
    /// its own key at the top level of the JSON.
    public var counters: WindowCounters
    /// `unique_ips` came from the HyperLogLog sketch because the source table overflowed
    /// (`unique_ips_estimated`).
    public var uniqueIPsEstimated: Bool
    /// Packets sampled to the ring buffer in this window (`sampled_events`).
    public var sampledEvents: Int
    /// What the window could not record exactly (`losses`).
    public var losses: CaptureLosses
    /// A `tcp_ratio` given instead of TCP/UDP counts (the original design's bodies), 0 … 1; nil
    /// otherwise.
    public var declaredTCPRatio: Double?
    /// Sources that probed in this window, with their probing over each horizon of more than 1.5
    /// windows (`probe_horizons`, see ``ProbeHorizons``); empty when the capture source keeps no
    /// horizons.
    public var probeHorizons: [HorizonSource] = []
    /// The horizon tracker's memory after this window (`horizon_memory`), when there is one.
    public var horizonMemory: HorizonMemory?
    /// Hosts many sources reflect to in this window (`reflection_targets`, see
    /// ``ReflectionTargets``).
    public var reflectionTargets: [ReflectionTarget] = []
    /// DNS clients that asked about a domain in this window, with their questions over each
    /// horizon of more than 1.5 windows (`dns_clients`, see ``DNSActivity``); empty when the capture
    /// source reads no DNS content.
    public var dnsClients: [DNSClientActivity] = []

    /// A window from its counters. ``packetsPerSecond`` and ``bytesPerSecond`` are the counters'
    /// packets and bytes divided by `windowSeconds` (by 1 when `windowSeconds` is not positive);
    /// ``declaredTCPRatio`` is nil. Values are not checked against ``WireLimits``.
    ///
    /// - Parameters:
    ///   - windowStart: The window's start, or nil when unknown.
    ///   - windowSeconds: The window's length in seconds, stored as given.
    ///   - counters: The window's counters.
    ///   - uniqueIPs: Distinct sources.
    ///   - uniquePorts: Distinct TCP and UDP destination ports.
    ///   - topSources: The sources worth naming.
    ///   - uniqueIPsEstimated: Whether `uniqueIPs` is a HyperLogLog estimate.
    ///   - interface: The interface the packets were captured on.
    ///   - source: Where the packets came from, e.g. a ``CaptureSourceKind`` raw value.
    ///   - sequence: The window's number since the source started.
    ///   - sampledEvents: Packets sampled to the ring buffer in this window.
    ///   - losses: What the window could not record exactly.
    public init(
        windowStart: Date?,
        windowSeconds: Double,
        counters: WindowCounters,
        uniqueIPs: Int,
        uniquePorts: Int,
        topSources: [SourceStats] = [],
        uniqueIPsEstimated: Bool = false,
        interface: String? = nil,
        source: String? = nil,
        sequence: Int? = nil,
        sampledEvents: Int = 0,
        losses: CaptureLosses = CaptureLosses()
    ) {
        let seconds = windowSeconds > 0 ? windowSeconds : 1
        self.packetsPerSecond = Double(counters.packets) / seconds
        self.bytesPerSecond = Double(counters.bytes) / seconds
        self.uniqueIPs = uniqueIPs
        self.uniquePorts = uniquePorts
        self.windowSeconds = windowSeconds
        self.windowStart = windowStart
        self.interface = interface
        self.source = source
        self.sequence = sequence
        self.topSources = topSources
        self.counters = counters
        self.uniqueIPsEstimated = uniqueIPsEstimated
        self.sampledEvents = sampledEvents
        self.losses = losses
        self.declaredTCPRatio = nil
    }

    /// TCP share of TCP+UDP packets (the original design's `tcp_ratio`), 0 when there were neither.
    public var tcpRatio: Double {
        if let declaredTCPRatio { return declaredTCPRatio }
        let total = Double(tcpPackets) + Double(udpPackets)
        return total == 0 ? 0 : Double(tcpPackets) / total
    }

    enum CodingKeys: String, CodingKey {
        case packetsPerSecond = "packets_per_second"
        case bytesPerSecond = "bytes_per_second"
        case uniqueIPs = "unique_ips"
        case uniquePorts = "unique_ports"
        case tcpPackets = "tcp_packets"
        case udpPackets = "udp_packets"
        case synPackets = "syn_packets"
        case tcpRatio = "tcp_ratio"
        case icmpPackets = "icmp_packets"
        case windowSeconds = "window_seconds"
        case windowStart = "window_start"
        case interface, source, sequence, stream
        case topSources = "top_sources"
        case packets, bytes
        case tcpBytes = "tcp_bytes"
        case udpBytes = "udp_bytes"
        case icmpBytes = "icmp_bytes"
        case otherPackets = "other_packets"
        case otherBytes = "other_bytes"
        case synAckPackets = "syn_ack_packets"
        case rstPackets = "rst_packets"
        case finPackets = "fin_packets"
        case dnsPackets = "dns_packets"
        case dnsBytes = "dns_bytes"
        case ipv4Packets = "ipv4_packets"
        case ipv6Packets = "ipv6_packets"
        case nonIPPackets = "non_ip_packets"
        case fragmentPackets = "fragment_packets"
        case malformedPackets = "malformed_packets"
        case ackProbePackets = "ack_probe_packets"
        case stealthProbePackets = "stealth_probe_packets"
        case udpProbePackets = "udp_probe_packets"
        case icmpProbePackets = "icmp_probe_packets"
        case arpRequestPackets = "arp_request_packets"
        case udpReflectionPackets = "udp_reflection_packets"
        case udpReflectionBytes = "udp_reflection_bytes"
        case uniqueIPsEstimated = "unique_ips_estimated"
        case sampledEvents = "sampled_events"
        case losses
        case probeHorizons = "probe_horizons"
        case horizonMemory = "horizon_memory"
        case reflectionTargets = "reflection_targets"
        case dnsClients = "dns_clients"
    }

    /// Decodes a window in the full format or the original design's minimal form.
    ///
    /// `packets_per_second`, `bytes_per_second`, `unique_ips`, `unique_ports` and `syn_packets` are
    /// required, and so are `tcp_packets` and `udp_packets` unless `tcp_ratio` is given. Missing
    /// counts are 0, `window_seconds` is 1, `other_packets` is the packets not in the TCP, UDP or ICMP
    /// counts, and `packets` and `bytes` are the rates times `window_seconds`, rounded.
    ///
    /// - Throws: `DecodingError`, with a message naming the field, when a required field is missing,
    ///   a value has the wrong type or is outside ``WireLimits``, `window_start` is not an ISO 8601
    ///   timestamp, or a rate times `window_seconds` is more than ``WireLimits/maximumCount``.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        packetsPerSecond = try c.decodeRate(.packetsPerSecond, maximum: WireLimits.maximumPacketsPerSecond)
        bytesPerSecond = try c.decodeRate(.bytesPerSecond, maximum: WireLimits.maximumBytesPerSecond)
        uniqueIPs = try c.decodeCount(.uniqueIPs)
        uniquePorts = try c.decodeCount(.uniquePorts)
        var counters = WindowCounters()
        counters.synPackets = try c.decodeCount(.synPackets)

        if try c.isPresent(.tcpRatio) {
            // The original design's short form: a ratio instead of (or besides) the counts.
            declaredTCPRatio = try c.decodeRate(.tcpRatio, maximum: 1)
            // Optional here, but never null: without the ratio they are required.
            counters.tcpPackets = c.contains(.tcpPackets) ? try c.decodeCount(.tcpPackets) : 0
            counters.udpPackets = c.contains(.udpPackets) ? try c.decodeCount(.udpPackets) : 0
        } else {
            counters.tcpPackets = try c.decodeCount(.tcpPackets)
            counters.udpPackets = try c.decodeCount(.udpPackets)
            declaredTCPRatio = nil
        }
        counters.icmpPackets = try c.decodeCount(.icmpPackets, default: 0)
        windowSeconds = try c.decodeNumber(.windowSeconds, within: WireLimits.windowSeconds, default: 1)
        if let text = try c.decodeIfPresent(String.self, forKey: .windowStart) {
            guard let date = WindowTimestamp.parse(text) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .windowStart, in: c,
                    debugDescription: "window_start must be an ISO 8601 UTC timestamp, got \"\(text)\"")
            }
            windowStart = date
        } else {
            windowStart = nil
        }
        interface = try c.decodeIfPresent(String.self, forKey: .interface)
        source = try c.decodeIfPresent(String.self, forKey: .source)
        sequence = try c.decodeCountIfPresent(.sequence)
        stream = try c.decodeIfPresent(String.self, forKey: .stream)
        if let stream, stream.isEmpty || stream.unicodeScalars.count > WireLimits.streamLength {
            throw DecodingError.dataCorruptedError(
                forKey: .stream, in: c,
                debugDescription: "stream must be 1 to \(WireLimits.streamLength) characters, got \(stream.unicodeScalars.count)")
        }
        topSources = try c.decodeIfPresent([SourceStats].self, forKey: .topSources) ?? []

        counters.packets = try c.isPresent(.packets)
            ? try c.decodeCount(.packets)
            : try c.derivedCount(packetsPerSecond, .packetsPerSecond, seconds: windowSeconds, of: "packets")
        counters.bytes = try c.isPresent(.bytes)
            ? try c.decodeCount(.bytes)
            : try c.derivedCount(bytesPerSecond, .bytesPerSecond, seconds: windowSeconds, of: "bytes")
        counters.tcpBytes = try c.decodeCount(.tcpBytes, default: 0)
        counters.udpBytes = try c.decodeCount(.udpBytes, default: 0)
        counters.icmpBytes = try c.decodeCount(.icmpBytes, default: 0)
        counters.otherPackets = try c.decodeCount(
            .otherPackets,
            default: max(0, counters.packets - counters.tcpPackets - counters.udpPackets - counters.icmpPackets))
        counters.otherBytes = try c.decodeCount(.otherBytes, default: 0)
        counters.synAckPackets = try c.decodeCount(.synAckPackets, default: 0)
        counters.rstPackets = try c.decodeCount(.rstPackets, default: 0)
        counters.finPackets = try c.decodeCount(.finPackets, default: 0)
        counters.dnsPackets = try c.decodeCount(.dnsPackets, default: 0)
        counters.dnsBytes = try c.decodeCount(.dnsBytes, default: 0)
        counters.ipv4Packets = try c.decodeCount(.ipv4Packets, default: 0)
        counters.ipv6Packets = try c.decodeCount(.ipv6Packets, default: 0)
        counters.nonIPPackets = try c.decodeCount(.nonIPPackets, default: 0)
        counters.fragmentPackets = try c.decodeCount(.fragmentPackets, default: 0)
        counters.malformedPackets = try c.decodeCount(.malformedPackets, default: 0)
        counters.ackProbePackets = try c.decodeCount(.ackProbePackets, default: 0)
        counters.stealthProbePackets = try c.decodeCount(.stealthProbePackets, default: 0)
        counters.udpProbePackets = try c.decodeCount(.udpProbePackets, default: 0)
        counters.icmpProbePackets = try c.decodeCount(.icmpProbePackets, default: 0)
        counters.arpRequestPackets = try c.decodeCount(.arpRequestPackets, default: 0)
        counters.udpReflectionPackets = try c.decodeCount(.udpReflectionPackets, default: 0)
        counters.udpReflectionBytes = try c.decodeCount(.udpReflectionBytes, default: 0)
        self.counters = counters
        uniqueIPsEstimated = try c.decodeIfPresent(Bool.self, forKey: .uniqueIPsEstimated) ?? false
        sampledEvents = try c.decodeCount(.sampledEvents, default: 0)
        losses = try c.decodeIfPresent(CaptureLosses.self, forKey: .losses) ?? CaptureLosses()
        probeHorizons = try c.decodeIfPresent([HorizonSource].self, forKey: .probeHorizons) ?? []
        horizonMemory = try c.decodeIfPresent(HorizonMemory.self, forKey: .horizonMemory)
        reflectionTargets = try c.decodeIfPresent([ReflectionTarget].self, forKey: .reflectionTargets) ?? []
        dnsClients = try c.decodeIfPresent([DNSClientActivity].self, forKey: .dnsClients) ?? []
    }

    /// Encodes every field under its snake_case key; `tcp_ratio` only when ``declaredTCPRatio``
    /// is set, and `window_start`, `interface`, `source` and `sequence` only when they are not nil.
    ///
    /// - Throws: Any error of the encoder, such as the `EncodingError` that `JSONEncoder` throws
    ///   for a rate that is not finite.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(packetsPerSecond, forKey: .packetsPerSecond)
        try c.encode(bytesPerSecond, forKey: .bytesPerSecond)
        try c.encode(uniqueIPs, forKey: .uniqueIPs)
        try c.encode(uniquePorts, forKey: .uniquePorts)
        try c.encode(tcpPackets, forKey: .tcpPackets)
        try c.encode(udpPackets, forKey: .udpPackets)
        try c.encode(synPackets, forKey: .synPackets)
        if let declaredTCPRatio { try c.encode(declaredTCPRatio, forKey: .tcpRatio) }
        try c.encode(icmpPackets, forKey: .icmpPackets)
        try c.encode(windowSeconds, forKey: .windowSeconds)
        try c.encodeIfPresent(windowStart.map(WindowTimestamp.format), forKey: .windowStart)
        try c.encodeIfPresent(interface, forKey: .interface)
        try c.encodeIfPresent(source, forKey: .source)
        try c.encodeIfPresent(sequence, forKey: .sequence)
        try c.encodeIfPresent(stream, forKey: .stream)
        try c.encode(topSources, forKey: .topSources)
        try c.encode(counters.packets, forKey: .packets)
        try c.encode(counters.bytes, forKey: .bytes)
        try c.encode(counters.tcpBytes, forKey: .tcpBytes)
        try c.encode(counters.udpBytes, forKey: .udpBytes)
        try c.encode(counters.icmpBytes, forKey: .icmpBytes)
        try c.encode(counters.otherPackets, forKey: .otherPackets)
        try c.encode(counters.otherBytes, forKey: .otherBytes)
        try c.encode(counters.synAckPackets, forKey: .synAckPackets)
        try c.encode(counters.rstPackets, forKey: .rstPackets)
        try c.encode(counters.finPackets, forKey: .finPackets)
        try c.encode(counters.dnsPackets, forKey: .dnsPackets)
        try c.encode(counters.dnsBytes, forKey: .dnsBytes)
        try c.encode(counters.ipv4Packets, forKey: .ipv4Packets)
        try c.encode(counters.ipv6Packets, forKey: .ipv6Packets)
        try c.encode(counters.nonIPPackets, forKey: .nonIPPackets)
        try c.encode(counters.fragmentPackets, forKey: .fragmentPackets)
        try c.encode(counters.malformedPackets, forKey: .malformedPackets)
        try c.encode(counters.ackProbePackets, forKey: .ackProbePackets)
        try c.encode(counters.stealthProbePackets, forKey: .stealthProbePackets)
        try c.encode(counters.udpProbePackets, forKey: .udpProbePackets)
        try c.encode(counters.icmpProbePackets, forKey: .icmpProbePackets)
        try c.encode(counters.arpRequestPackets, forKey: .arpRequestPackets)
        try c.encode(counters.udpReflectionPackets, forKey: .udpReflectionPackets)
        try c.encode(counters.udpReflectionBytes, forKey: .udpReflectionBytes)
        try c.encode(uniqueIPsEstimated, forKey: .uniqueIPsEstimated)
        try c.encode(sampledEvents, forKey: .sampledEvents)
        try c.encode(losses, forKey: .losses)
        try c.encode(probeHorizons, forKey: .probeHorizons)
        try c.encodeIfPresent(horizonMemory, forKey: .horizonMemory)
        try c.encode(reflectionTargets, forKey: .reflectionTargets)
        try c.encode(dnsClients, forKey: .dnsClients)
    }

    /// JSON encoding of one window (sorted keys, so equal windows give equal bytes).
    ///
    /// - Throws: `EncodingError` when a value cannot be encoded, such as a rate that is not finite.
    public func jsonData() throws -> Data {
        try Self.encoder.encode(self)
    }

    /// The encoder used for the wire format.
    public static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}

extension KeyedDecodingContainer where Key == TrafficWindow.CodingKeys {
    /// The count a rate implies over the window, when the body gives only the rate: it must be a
    /// count too (the error names the rate).
    fileprivate func derivedCount(_ rate: Double, _ key: Key, seconds: Double, of what: String) throws -> Int {
        let count = (rate * seconds).rounded()
        guard count <= Double(WireLimits.maximumCount) else {
            throw DecodingError.dataCorruptedError(
                forKey: key, in: self,
                debugDescription: "\(key.stringValue) × window_seconds is \(count) \(what) in one window, more than "
                    + "\(WireLimits.maximumCount); lower the rate or the window, or give `\(what)` itself")
        }
        return Int(count)
    }
}

/// ISO 8601 UTC timestamps with millisecond precision (`2026-11-24T10:00:00.250Z`).
public enum WindowTimestamp {
    /// The date as an ISO 8601 UTC timestamp with milliseconds, e.g. `2026-11-24T10:00:00.250Z`.
    /// The time is rounded to the nearest millisecond, so `format(parse(format(date)))` is
    /// `format(date)`: a window keeps its start through any number of JSON hops. (Formatting the
    /// fractional seconds directly truncates, and a parsed `.249` is stored as `.24899…`.)
    public static func format(_ date: Date) -> String {
        let milliseconds = (date.timeIntervalSince1970 * 1000).rounded()
        guard milliseconds.magnitude < 1e17 else {
            return date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
        }
        let total = Int64(milliseconds)
        let (seconds, remainder) = (total.dividedRoundingDown(by: 1000), total.remainderRoundingDown(by: 1000))
        let whole = Date(timeIntervalSince1970: Double(seconds)).formatted(Date.ISO8601FormatStyle())
        // "…T10:00:00Z" → "…T10:00:00.250Z"
        let fraction = String(remainder + 1000).dropFirst()
        return whole.dropLast() + "." + fraction + "Z"
    }

    /// The date of an ISO 8601 timestamp with or without fractional seconds
    /// (`2026-11-24T10:00:00.250Z`, `2026-11-24T10:00:00Z`), or nil when `text` is neither.
    public static func parse(_ text: String) -> Date? {
        if let date = try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)) {
            return date
        }
        return try? Date(text, strategy: Date.ISO8601FormatStyle())
    }
}

extension KeyedDecodingContainer {
    // Package access: ThreatRules decodes its authentication events with the same rules.

    /// A count: an integer within 0 … ``WireLimits/maximumCount``. A fractional, negative, too
    /// large or mistyped value is an error naming the key; `null` is absent when the count is
    /// optional (has a `fallback`), and an error when it is required.
    package func decodeCount(_ key: Key, default fallback: Int? = nil) throws -> Int {
        guard contains(key), try fallback == nil || !decodeNil(forKey: key) else {
            if let fallback { return fallback }
            throw DecodingError.keyNotFound(
                key, .init(codingPath: codingPath, debugDescription: "\(key.stringValue) is required"))
        }
        let value: Int
        do {
            value = try decode(Int.self, forKey: key)
        } catch {
            throw DecodingError.dataCorruptedError(
                forKey: key, in: self,
                debugDescription: "\(key.stringValue) must be an integer within 0...\(WireLimits.maximumCount) (\(countProblem(key, error)))")
        }
        guard WireLimits.isCount(value) else {
            throw DecodingError.dataCorruptedError(
                forKey: key, in: self,
                debugDescription: "\(key.stringValue) must be an integer within 0...\(WireLimits.maximumCount), got \(value)")
        }
        return value
    }

    /// True when `key` is given with a value other than `null` (`null` is absent).
    package func isPresent(_ key: Key) throws -> Bool {
        try contains(key) && !decodeNil(forKey: key)
    }

    /// An optional count: absent or `null` is nil.
    package func decodeCountIfPresent(_ key: Key) throws -> Int? {
        guard try isPresent(key) else { return nil }
        return try decodeCount(key)
    }

    /// A finite number within 0 … `maximum` (`-0` is read as 0).
    package func decodeRate(_ key: Key, maximum: Double, default fallback: Double? = nil) throws -> Double {
        try decodeNumber(key, within: 0...maximum, default: fallback)
    }

    /// A finite number within `range` (`-0` is read as 0); `null` is absent when the number is
    /// optional (has a `fallback`), and an error when it is required.
    package func decodeNumber(_ key: Key, within range: ClosedRange<Double>, default fallback: Double? = nil) throws -> Double {
        let bounds = "within \(WireLimits.describe(range.lowerBound))...\(WireLimits.describe(range.upperBound))"
        guard contains(key), try fallback == nil || !decodeNil(forKey: key) else {
            if let fallback { return fallback }
            throw DecodingError.keyNotFound(
                key, .init(codingPath: codingPath, debugDescription: "\(key.stringValue) is required"))
        }
        let value: Double
        do {
            value = try decode(Double.self, forKey: key)
        } catch {
            throw DecodingError.dataCorruptedError(
                forKey: key, in: self,
                debugDescription: "\(key.stringValue) must be a finite number \(bounds) (\(Self.reason(error)))")
        }
        guard value.isFinite, range.contains(value) else {
            throw DecodingError.dataCorruptedError(
                forKey: key, in: self,
                debugDescription: "\(key.stringValue) must be a finite number \(bounds), got \(value)")
        }
        return value + 0  // -0 + 0 is +0: a negative zero is read as 0
    }

    /// Why an integer did not decode, in the client's terms: not an integer, too large, or no number.
    private func countProblem(_ key: Key, _ error: any Error) -> String {
        switch error as? DecodingError {
        case .typeMismatch, .valueNotFound, .keyNotFound: return Self.reason(error)
        default: break
        }
        // A number, but not an Int: fractional, or beyond Int's range.
        guard let number = try? decode(Double.self, forKey: key) else { return Self.reason(error) }
        return number != number.rounded() ? "got \(number), not an integer" : "got \(number)"
    }

    /// The decoder's own words for a failure, without the coding path. (Foundation reports a
    /// number it cannot represent as invalid JSON, which would mislead: say what it is.)
    static func reason(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "got a number that does not fit" }
        return switch error {
        case .typeMismatch: "expected a number"
        case .valueNotFound: "null"
        case .dataCorrupted: "got a number outside the range of a 64-bit floating-point value"
        case .keyNotFound: "missing"
        @unknown default: "\(error)"
        }
    }
}

extension TrafficWindow {
    /// One human-readable line: time, rates, protocol counts, distinct sources and
    /// ports, and the busiest source with what it did, e.g.
    /// `10:00:01  1247 pkt/s  0.99 MB/s  tcp 1200 udp 47 icmp 0  syn 89  ips 23  ports 15  top 198.18.0.2 1100 pkts 1000 ports 1100 syn`.
    public var summaryLine: String {
        var line = ""
        if let windowStart {
            line += windowStart.formatted(Date.ISO8601FormatStyle().time(includingFractionalSeconds: false)) + "  "
        }
        let pps = packetsPerSecond.rounded()
        line += (pps.isFinite && abs(pps) < 1e15 ? "\(Int(pps))" : "\(pps)") + " pkt/s  "
        line += String(format: "%.2f MB/s  ", bytesPerSecond / 1_000_000)
        line += "tcp \(tcpPackets) udp \(udpPackets) icmp \(icmpPackets)  syn \(synPackets)  "
        line += "ips \(uniqueIPs)\(uniqueIPsEstimated ? "~" : "")  ports \(uniquePorts)"
        let busiest = topSources.max { ($0.uniquePorts, $0.uniqueHosts, $0.packets) < ($1.uniquePorts, $1.uniqueHosts, $1.packets) }
        if let top = busiest {
            line += "  top \(top.ip) \(top.packets) pkts \(top.uniquePorts) ports \(top.uniqueHosts) hosts \(top.synPackets) syn"
        }
        if !losses.isEmpty { line += "  (losses recorded)" }
        return line
    }
}

extension Int64 {
    fileprivate func dividedRoundingDown(by divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return (self % divisor < 0) ? quotient - 1 : quotient
    }

    fileprivate func remainderRoundingDown(by divisor: Int64) -> Int64 {
        let remainder = self % divisor
        return remainder < 0 ? remainder + divisor : remainder
    }
}
