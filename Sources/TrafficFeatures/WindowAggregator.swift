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

    public init(
        sourceCapacity: Int = 65_536,
        pairCapacity: Int = 1 << 20,
        ipv6SourcePrefixLength: Int = 64,
        topSourceLimit: Int = TopSources.defaultLimit
    ) {
        self.sourceCapacity = sourceCapacity
        self.pairCapacity = pairCapacity
        self.ipv6SourcePrefixLength = ipv6SourcePrefixLength
        self.topSourceLimit = topSourceLimit
    }
}

/// Aggregates parsed packets into windows in user space, with the XDP program's
/// semantics (exact totals, destination-port set, per-source packets/bytes/SYNs and
/// exact distinct destination ports and hosts). The pcap and simulation sources use
/// it; the XDP source reads the same quantities from the kernel's maps.
public struct WindowAggregator: Sendable {
    public let settings: AggregationSettings

    private var counters = WindowCounters()
    private var ports = [UInt64](repeating: 0, count: 1024)
    private var sources: [NetworkAddress: SourceAccumulator] = [:]
    private var sketch = HyperLogLog()
    private var portPairs = 0
    private var hostPairs = 0
    private var losses = CaptureLosses()

    public init(settings: AggregationSettings = AggregationSettings()) {
        self.settings = settings
    }

    /// Packets added since the last ``close(start:duration:interface:source:sequence:)``.
    public var packetCount: Int { counters.packets }

    public mutating func add(_ packet: PacketSummary) {
        counters.count(packet)
        if packet.isCaptureTruncated {
            losses.captureTruncatedPackets += 1
        }
        if let port = packet.destinationPort {
            ports[Int(port >> 6)] |= 1 << UInt64(port & 63)
        }
        guard let source = packet.source else { return }

        if sources[source] == nil {
            guard sources.count < settings.sourceCapacity else {
                losses.sourceInsertFailures += 1
                sketch.add(source)
                return
            }
            sources[source] = SourceAccumulator()
            sketch.add(source)
        }
        sources[source]!.add(packet, portPairs: &portPairs, hostPairs: &hostPairs, settings: settings, losses: &losses)
    }

    /// Closes the window: returns it and starts an empty one.
    public mutating func close(
        start: Date?,
        duration: Double,
        interface: String? = nil,
        source: CaptureSourceKind? = nil,
        sequence: Int? = nil
    ) -> TrafficWindow {
        let overflowed = losses.sourceInsertFailures > 0
        let stats = sources.map { address, accumulator in
            accumulator.stats(label: address.sourceLabel(ipv6PrefixLength: settings.ipv6SourcePrefixLength))
        }
        let window = TrafficWindow(
            windowStart: start,
            windowSeconds: duration,
            counters: counters,
            uniqueIPs: overflowed ? max(sources.count, Int(sketch.estimate.rounded())) : sources.count,
            uniquePorts: ports.reduce(0) { $0 + $1.nonzeroBitCount },
            topSources: TopSources.select(stats, limit: settings.topSourceLimit),
            uniqueIPsEstimated: overflowed,
            interface: interface,
            source: source?.rawValue,
            sequence: sequence,
            losses: losses
        )
        self = WindowAggregator(settings: settings)
        return window
    }
}

private struct SourceAccumulator: Sendable {
    var packets = 0
    var bytes = 0
    var tcpPackets = 0
    var udpPackets = 0
    var icmpPackets = 0
    var synPackets = 0
    var dnsPackets = 0
    var dnsBytes = 0
    var udpSourcePort: UInt16?
    var ports = Set<UInt16>()
    var hosts = Set<NetworkAddress>()

    mutating func add(
        _ packet: PacketSummary, portPairs: inout Int, hostPairs: inout Int,
        settings: AggregationSettings, losses: inout CaptureLosses
    ) {
        packets += 1
        bytes += packet.wireLength
        switch packet.bucket {
        case .tcp:
            tcpPackets += 1
            if packet.sourcePort != nil, packet.tcpFlags.isConnectionAttempt { synPackets += 1 }
        case .udp:
            udpPackets += 1
            if let port = packet.sourcePort { udpSourcePort = port }
        case .icmp:
            icmpPackets += 1
        case .other:
            break
        }
        if packet.isDNS {
            dnsPackets += 1
            dnsBytes += packet.wireLength
        }
        if let port = packet.destinationPort, !ports.contains(port) {
            if portPairs < settings.pairCapacity {
                ports.insert(port)
                portPairs += 1
            } else {
                losses.portPairInsertFailures += 1
            }
        }
        if let host = packet.destination, !hosts.contains(host) {
            if hostPairs < settings.pairCapacity {
                hosts.insert(host)
                hostPairs += 1
            } else {
                losses.hostPairInsertFailures += 1
            }
        }
    }

    func stats(label: String) -> SourceStats {
        SourceStats(
            ip: label, packets: packets, bytes: bytes, synPackets: synPackets, uniquePorts: ports.count,
            uniqueHosts: hosts.count, tcpPackets: tcpPackets, udpPackets: udpPackets, icmpPackets: icmpPackets,
            dnsPackets: dnsPackets, dnsBytes: dnsBytes, udpSourcePort: udpSourcePort.map(Int.init))
    }
}
