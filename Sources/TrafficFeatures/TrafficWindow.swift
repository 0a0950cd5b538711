public import Foundation

/// Where a window's packets came from (the wire format's `source` field).
public enum CaptureSourceKind: String, Sendable, Codable, CaseIterable {
    /// The XDP program on a live interface.
    case xdp
    /// A capture file read with libpcap; windows follow the capture's timestamps.
    case pcap
    /// Synthetic traffic (no privileges, development, demos).
    case simulation
    /// Counts read back from a Prometheus server that scrapes a monitor (the detector's
    /// `GET /detect/prom`).
    case prometheus
}

// WindowCounters, SourceCounters and CaptureLosses are generated from bpf/counters.def
// (Plugins/CounterSchemaPlugin); what is computed from their counters is here.

extension WindowCounters {
    /// Every probe of the window: connection attempts (SYN) plus ACK, stealth, UDP, ICMP and ARP
    /// probes.
    public var probePackets: Int {
        synPackets + ackProbePackets + stealthProbePackets + udpProbePackets + icmpProbePackets + arpRequestPackets
    }

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

extension CaptureLosses: Codable {
    /// True when nothing was lost.
    public var isEmpty: Bool { self == CaptureLosses() }

    /// Decodes a `losses` object; a missing field is 0.
    ///
    /// - Throws: `DecodingError` when a field is not an integer within 0 … ``WireLimits/maximumCount``.
    public init(from decoder: any Decoder) throws {
        self.init()
        try decoder.container(keyedBy: CounterKey.self).decodeCounts(Self.fields, into: &self)
    }

    /// Encodes every loss under its snake_case key.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CounterKey.self)
        try c.encodeCounts(Self.fields, of: self)
    }
}

/// One source's traffic in a window (an entry of `top_sources`): its address, its counts
/// (``SourceCounters``, each readable and writable as a property of its own, `stats.synPackets`)
/// and the UDP source port it used.
///
/// In JSON each count is under its snake_case key (`syn_packets`, `unique_ports`, …) beside `ip`
/// and `udp_source_port`.
@dynamicMemberLookup
public struct SourceStats: Codable, Sendable, Equatable, Hashable {
    /// The source address, or `prefix/len` for a grouped IPv6 source.
    public var ip: String
    /// The source's counts in the window.
    public var counters: SourceCounters
    /// The last UDP source port seen from this source (reflection/amplification
    /// sources share one, e.g. 53, 123, 4500). The XDP program keeps it per CPU, so for a
    /// source that used several ports it is one of them, not necessarily the last.
    public var udpSourcePort: Int?

    /// A source with its counts.
    public init(ip: String, counters: SourceCounters, udpSourcePort: Int? = nil) {
        self.ip = ip
        self.counters = counters
        self.udpSourcePort = udpSourcePort
    }

    /// One of the source's counts, e.g. `stats.synPackets` or `stats.uniquePorts += 1`.
    public subscript(dynamicMember keyPath: WritableKeyPath<SourceCounters, Int>) -> Int {
        get { counters[keyPath: keyPath] }
        set { counters[keyPath: keyPath] = newValue }
    }

    /// Every probe from this source: connection attempts (SYN) plus ACK, stealth, UDP, ICMP and
    /// ARP probes.
    public var probePackets: Int {
        counters.synPackets + counters.ackProbes + counters.stealthProbes + counters.udpProbes + counters.icmpProbes
            + counters.arpRequests
    }

    /// Decodes one `top_sources` entry. `ip` and `packets` are required; the other counts
    /// default to 0 and `udp_source_port` to nil.
    ///
    /// - Throws: `DecodingError` when `ip` or `packets` is missing, a count is not an integer within
    ///   0 … ``WireLimits/maximumCount``, or `udp_source_port` is outside 0 … 65 535.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CounterKey.self)
        ip = try c.decode(String.self, forKey: CounterKey("ip"))
        var counters = SourceCounters()
        counters.packets = try c.decodeCount(CounterKey("packets"))
        try c.decodeCounts(SourceCounters.fields, into: &counters, skipping: ["packets"])
        self.counters = counters
        let portKey = CounterKey("udp_source_port")
        udpSourcePort = try c.decodeCountIfPresent(portKey)
        if let port = udpSourcePort, !(0...65535).contains(port) {
            throw DecodingError.dataCorruptedError(
                forKey: portKey, in: c, debugDescription: "udp_source_port must be 0...65535, got \(port)")
        }
    }

    /// Encodes `ip`, every count, and `udp_source_port` when it is known.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CounterKey.self)
        try c.encode(ip, forKey: CounterKey("ip"))
        try c.encodeCounts(SourceCounters.fields, of: counters)
        try c.encodeIfPresent(udpSourcePort, forKey: CounterKey("udp_source_port"))
    }
}

/// One closed window of traffic: what a capture source counted over `windowSeconds` — counts by
/// protocol and flag, the sources worth naming, probing and DNS over longer horizons, and what
/// could not be recorded exactly.
///
/// This is the typed domain value the rules, the features and the models read. Its JSON — the
/// body the monitor posts to the detector, with the delivery `stream` and the original design's
/// short forms — is `WindowEnvelope` in the WindowFormat library (`import WindowFormat` also
/// gives every window `jsonData()`).
public struct TrafficWindow: Sendable, Equatable {
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
    /// The capture source that counted the window (`source`), when it is one of this project's
    /// (a body may name another; the envelope keeps that name).
    public var source: CaptureSourceKind?
    /// The window's number since its capture source started (`sequence`: 0, 1, 2, …): a gap
    /// means windows were lost, and the rules that count consecutive windows start again.
    public var sequence: Int?
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
    /// The TCP share of TCP and UDP packets when it was given instead of the counts (`tcp_ratio`
    /// of the original design's bodies), 0 … 1; nil when the counts are the truth.
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
    ///   - source: The capture source that counted the window.
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
        source: CaptureSourceKind? = nil,
        sequence: Int? = nil,
        sampledEvents: Int = 0,
        losses: CaptureLosses = CaptureLosses()
    ) {
        let seconds = windowSeconds > 0 ? windowSeconds : 1
        self.init(
            packetsPerSecond: Double(counters.packets) / seconds, bytesPerSecond: Double(counters.bytes) / seconds,
            uniqueIPs: uniqueIPs, uniquePorts: uniquePorts, counters: counters, windowSeconds: windowSeconds,
            windowStart: windowStart, interface: interface, source: source, sequence: sequence, topSources: topSources,
            uniqueIPsEstimated: uniqueIPsEstimated, sampledEvents: sampledEvents, losses: losses, declaredTCPRatio: nil,
            probeHorizons: [], horizonMemory: nil, reflectionTargets: [], dnsClients: [])
    }

    /// A window with every field given, as a decoder builds it (rates as given, not derived).
    package init(
        packetsPerSecond: Double, bytesPerSecond: Double, uniqueIPs: Int, uniquePorts: Int, counters: WindowCounters,
        windowSeconds: Double, windowStart: Date?, interface: String?, source: CaptureSourceKind?, sequence: Int?,
        topSources: [SourceStats], uniqueIPsEstimated: Bool, sampledEvents: Int, losses: CaptureLosses,
        declaredTCPRatio: Double?, probeHorizons: [HorizonSource], horizonMemory: HorizonMemory?,
        reflectionTargets: [ReflectionTarget], dnsClients: [DNSClientActivity]
    ) {
        self.packetsPerSecond = packetsPerSecond
        self.bytesPerSecond = bytesPerSecond
        self.uniqueIPs = uniqueIPs
        self.uniquePorts = uniquePorts
        self.counters = counters
        self.windowSeconds = windowSeconds
        self.windowStart = windowStart
        self.interface = interface
        self.source = source
        self.sequence = sequence
        self.topSources = topSources
        self.uniqueIPsEstimated = uniqueIPsEstimated
        self.sampledEvents = sampledEvents
        self.losses = losses
        self.declaredTCPRatio = declaredTCPRatio
        self.probeHorizons = probeHorizons
        self.horizonMemory = horizonMemory
        self.reflectionTargets = reflectionTargets
        self.dnsClients = dnsClients
    }

    /// TCP share of TCP+UDP packets (the original design's `tcp_ratio`), 0 when there were neither.
    public var tcpRatio: Double {
        if let declaredTCPRatio { return declaredTCPRatio }
        let total = Double(tcpPackets) + Double(udpPackets)
        return total == 0 ? 0 : Double(tcpPackets) / total
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
    package static func reason(_ error: any Error) -> String {
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
