public import Foundation

/// Bounds and presentation settings for building windows.
public struct AggregationSettings: Sendable, Equatable {
    /// Most sources tracked per window (the kernel table's size is the XDP
    /// counterpart). Further new sources are counted as losses and `unique_ips`
    /// falls back to the HyperLogLog estimate.
    public var sourceCapacity: Int
    /// Most (source, port) and (source, host) pairs tracked per window, each.
    public var pairCapacity: Int
    /// Prefix length IPv6 sources are grouped by (1–128; 128 keeps full addresses).
    public var ipv6SourcePrefixLength: Int
    /// `limit` given to ``TopSources/select(_:limit:)``.
    public var topSourceLimit: Int
    /// Most TCP flows remembered across windows (the XDP program's `nm_flows` table is the
    /// counterpart); beyond it the oldest are forgotten and counted in
    /// ``CaptureLosses/flowsEvicted``.
    public var flowCapacity: Int
    /// Horizons and bounds of the probe-horizon tracker the capture sources keep
    /// (``WindowEnrichment``).
    public var horizons: ProbeHorizons.Configuration

    /// The prefix lengths ``ipv6SourcePrefixLength`` accepts.
    public static let ipv6SourcePrefixLengthRange = 1...128
    /// The default ``ipv6SourcePrefixLength``: 64, one group per IPv6 subnet.
    public static let defaultIPv6SourcePrefixLength = 64

    /// Settings with the given bounds. Values are stored as given, not checked.
    ///
    /// - Parameters:
    ///   - sourceCapacity: Most sources tracked per window (default 65 536).
    ///   - pairCapacity: Most (source, port) and most (source, host) pairs tracked per window
    ///     (default 2^20 each).
    ///   - ipv6SourcePrefixLength: Prefix length IPv6 sources are grouped by, within
    ///     ``ipv6SourcePrefixLengthRange`` (default 64).
    ///   - topSourceLimit: Sources kept per criterion in `top_sources` (default
    ///     ``TopSources/defaultLimit``).
    ///   - flowCapacity: Most TCP flows remembered across windows (default 2^20).
    ///   - horizons: The probe-horizon tracker's horizons and bounds.
    public init(
        sourceCapacity: Int = 65_536,
        pairCapacity: Int = 1 << 20,
        ipv6SourcePrefixLength: Int = defaultIPv6SourcePrefixLength,
        topSourceLimit: Int = TopSources.defaultLimit,
        flowCapacity: Int = 1 << 20,
        horizons: ProbeHorizons.Configuration = .init()
    ) {
        self.sourceCapacity = sourceCapacity
        self.pairCapacity = pairCapacity
        self.ipv6SourcePrefixLength = ipv6SourcePrefixLength
        self.topSourceLimit = topSourceLimit
        self.flowCapacity = flowCapacity
        self.horizons = horizons
    }
}

/// Aggregates parsed packets into windows in user space, with the XDP program's
/// semantics (exact totals, destination-port set, per-source packets/bytes/SYNs and
/// probes of every kind, exact distinct destination ports and hosts, and the TCP flows
/// seen, which outlive windows). The pcap and simulation sources use it; the XDP source
/// reads the same quantities from the kernel's maps.
public struct WindowAggregator: Sendable {
    /// The bounds this aggregator applies, fixed when it is created.
    public let settings: AggregationSettings

    private var counters = WindowCounters()
    private var ports = [UInt64](repeating: 0, count: 1024)
    private var sources: [NetworkAddress: SourceAccumulator] = [:]
    private var sketch = HyperLogLog()
    private var portPairs = 0
    private var hostPairs = 0
    private var losses = CaptureLosses()
    private var flows: FlowMemory

    /// An aggregator whose current window is empty and that has seen no flow.
    public init(settings: AggregationSettings = AggregationSettings()) {
        self.settings = settings
        self.flows = FlowMemory(capacity: settings.flowCapacity)
    }

    /// Packets added since the last ``close(start:duration:interface:source:sequence:)``.
    public var packetCount: Int { counters.packets }

    /// Counts one packet in the current window: in the totals, in the set of destination ports,
    /// and, when it has a source, in that source's counters and distinct ports and hosts.
    ///
    /// A new source beyond ``AggregationSettings/sourceCapacity`` is counted in
    /// ``CaptureLosses/sourceInsertFailures`` and enters only the HyperLogLog sketch behind
    /// `unique_ips`; a pair beyond ``AggregationSettings/pairCapacity`` is counted in
    /// ``CaptureLosses/portPairInsertFailures`` or ``CaptureLosses/hostPairInsertFailures``.
    public mutating func add(_ packet: PacketSummary) {
        counters.count(packet)
        if packet.isCaptureTruncated {
            losses.captureTruncatedPackets += 1
        }
        if let port = packet.destinationPort {
            ports[Int(port >> 6)] |= 1 << UInt64(port & 63)
        }
        guard let source = packet.source else { return }

        // Flows are learned whether or not the source fits in the table (as in the kernel).
        let kind = packet.kind
        var ackProbe = false
        if packet.bucket == .tcp {
            let key = PacketKind.flowHash(packet)
            switch kind {
            case .syn, .synAck:
                losses.flowsEvicted += flows.remember(key)
            case .ack where !flows.contains(key):
                ackProbe = true
                counters.ackProbePackets += 1
                losses.flowsEvicted += flows.remember(key)
            default:
                break
            }
        }

        if sources[source] == nil {
            guard sources.count < settings.sourceCapacity else {
                losses.sourceInsertFailures += 1
                sketch.add(source)
                return
            }
            sources[source] = SourceAccumulator(
                stats: SourceStats(ip: source.sourceLabel(ipv6PrefixLength: settings.ipv6SourcePrefixLength), packets: 0, bytes: 0))
            sketch.add(source)
        }
        let udpProbe = sources[source]!.add(
            packet, kind: kind, ackProbe: ackProbe, portPairs: &portPairs, hostPairs: &hostPairs, settings: settings,
            losses: &losses)
        if udpProbe { counters.udpProbePackets += 1 }
    }

    /// Counts a capture record whose timestamp could not be used (its packet is added to this
    /// window with ``add(_:)``), in ``CaptureLosses/captureInvalidTimestamps``.
    public mutating func countInvalidTimestamp() {
        losses.captureInvalidTimestamps += 1
    }

    /// Closes the window: returns it and starts an empty one with the same settings.
    ///
    /// - Parameters:
    ///   - start: The window's start (`window_start`), or nil when unknown.
    ///   - duration: The window's length in seconds (`window_seconds`); the rates are the counts
    ///     divided by it (by 1 when it is not positive).
    ///   - interface: The interface the packets were captured on.
    ///   - source: Where the packets came from (`source`).
    ///   - sequence: The window's number since the source started (`sequence`).
    /// - Returns: The window with every packet added since the last close.
    public mutating func close(
        start: Date?,
        duration: Double,
        interface: String? = nil,
        source: CaptureSourceKind? = nil,
        sequence: Int? = nil
    ) -> TrafficWindow {
        closeWithDetail(start: start, duration: duration, interface: interface, source: source, sequence: sequence).window
    }

    /// Closes the window like ``close(start:duration:interface:source:sequence:)`` and also returns
    /// every source's counters and distinct destination ports and hosts with what opened them.
    public mutating func closeWithDetail(
        start: Date?,
        duration: Double,
        interface: String? = nil,
        source: CaptureSourceKind? = nil,
        sequence: Int? = nil
    ) -> (window: TrafficWindow, detail: WindowDetail) {
        let overflowed = losses.sourceInsertFailures > 0
        let stats = sources.values.map(\.stats)
        let window = TrafficWindow(
            windowStart: start,
            windowSeconds: duration,
            counters: counters,
            uniqueIPs: overflowed ? max(sources.count, Int(sketch.estimate.rounded())) : sources.count,
            uniquePorts: ports.reduce(0) { $0 + $1.nonzeroBitCount },
            topSources: TopSources.select(stats, limit: settings.topSourceLimit),
            uniqueIPsEstimated: overflowed,
            interface: interface,
            source: source,
            sequence: sequence,
            losses: losses
        )
        var detail = WindowDetail()
        for (address, accumulator) in sources {
            detail.sources[address] = accumulator.stats
            if !accumulator.ports.isEmpty { detail.ports[address] = accumulator.ports }
            if !accumulator.hosts.isEmpty { detail.hosts[address] = accumulator.hosts }
        }
        let flows = self.flows
        self = WindowAggregator(settings: settings)
        self.flows = flows
        return (window, detail)
    }
}

/// One source's counters plus the pairs behind its distinct-port and distinct-host counts.
private struct SourceAccumulator: Sendable {
    var stats: SourceStats
    var ports: [UInt16: PairFlags] = [:]
    var hosts: [NetworkAddress: PairFlags] = [:]

    /// Adds one packet; returns whether it was a UDP probe (a client-port datagram that opened a
    /// pair).
    mutating func add(
        _ packet: PacketSummary, kind: PacketKind, ackProbe: Bool, portPairs: inout Int, hostPairs: inout Int,
        settings: AggregationSettings, losses: inout CaptureLosses
    ) -> Bool {
        stats.packets += 1
        stats.bytes += packet.wireLength
        switch packet.bucket {
        case .tcp:
            stats.tcpPackets += 1
            if packet.sourcePort != nil {
                if packet.tcpFlags.isConnectionAttempt { stats.synPackets += 1 }
                if packet.tcpFlags.isSynAck { stats.synAckPackets += 1 }
                if packet.tcpFlags.contains(.rst) { stats.rstPackets += 1 }
            }
        case .udp:
            stats.udpPackets += 1
            if let port = packet.sourcePort { stats.udpSourcePort = Int(port) }
        case .icmp:
            stats.icmpPackets += 1
        case .other:
            break
        }
        if packet.isDNS {
            stats.dnsPackets += 1
            stats.dnsBytes += packet.wireLength
        }
        switch kind {
        case .stealth: stats.stealthProbes += 1
        case .ack where ackProbe: stats.ackProbes += 1
        case .icmpProbe: stats.icmpProbes += 1
        case .arpRequest: stats.arpRequests += 1
        case .udpReflection: stats.udpReflectionPackets += 1
        default: break
        }
        let flags = PairFlags(kind: kind, ackProbe: ackProbe)
        var opened = false
        if let port = packet.destinationPort, ports[port] == nil {
            if portPairs < settings.pairCapacity {
                ports[port] = flags
                portPairs += 1
                stats.uniquePorts += 1
                opened = true
            } else {
                losses.portPairInsertFailures += 1
            }
        }
        if let host = packet.destination, hosts[host] == nil {
            if hostPairs < settings.pairCapacity {
                hosts[host] = flags
                hostPairs += 1
                stats.uniqueHosts += 1
                opened = true
            } else {
                losses.hostPairInsertFailures += 1
            }
        }
        guard kind == .udpCandidate, opened else { return false }
        stats.udpProbes += 1
        return true
    }
}
