/// What the first packet of a (source, port) or (source, host) pair in a window was: the
/// flags the XDP program stores as the pair tables' values (`NM_PAIR_*`).
public struct PairFlags: OptionSet, Sendable, Hashable {
    /// The flag bits, as stored in the kernel's pair tables.
    public let rawValue: UInt8
    /// The flags whose bits are set in `rawValue`.
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// A probe opened the pair (see ``PacketKind``).
    public static let probe = PairFlags(rawValue: 0x01)
    /// A TCP SYN-ACK or RST opened the pair: a reply, or backscatter of spoofed SYNs.
    public static let backscatter = PairFlags(rawValue: 0x02)
    /// UDP from a well-known reflection source port opened the pair.
    public static let udpReflection = PairFlags(rawValue: 0x04)

    /// The flags of a pair opened by a packet of `kind`; `ackProbe` tells whether an
    /// ``PacketKind/ack`` packet was on an unknown flow.
    public init(kind: PacketKind, ackProbe: Bool) {
        switch kind {
        case .syn, .stealth, .udpCandidate, .icmpProbe, .arpRequest: self = .probe
        case .ack: self = ackProbe ? .probe : []
        case .synAck, .rst: self = .backscatter
        case .udpReflection: self = .udpReflection
        case .none, .udpService: self = []
        }
    }
}

/// Every source of one window with its counters and its distinct destination ports and hosts,
/// each with what opened it: the contents of the XDP program's per-source and pair tables, or
/// of the user-space aggregator's. Probe horizons (``ProbeHorizons``) and reflection victims
/// (``ReflectionTargets``) are computed from it; the window itself carries only `top_sources`.
public struct WindowDetail: Sendable, Equatable {
    /// Every source's counters.
    public var sources: [NetworkAddress: SourceStats]
    /// Destination ports per source, with the flags of the packet that opened each.
    public var ports: [NetworkAddress: [UInt16: PairFlags]]
    /// Destination hosts per source, with the flags of the packet that opened each.
    public var hosts: [NetworkAddress: [NetworkAddress: PairFlags]]

    /// Detail from the given tables (empty by default).
    public init(
        sources: [NetworkAddress: SourceStats] = [:], ports: [NetworkAddress: [UInt16: PairFlags]] = [:],
        hosts: [NetworkAddress: [NetworkAddress: PairFlags]] = [:]
    ) {
        self.sources = sources
        self.ports = ports
        self.hosts = hosts
    }
}

/// The TCP flows a capture has seen, bounded: the Swift counterpart of the XDP program's
/// `nm_flows` table (keys from ``PacketKind/flowHash(_:)``). When full, the oldest flow is
/// forgotten to make room (counted); an ACK on a forgotten flow is an ACK probe again.
struct FlowMemory: Sendable {
    let capacity: Int
    private var keys = Set<UInt64>()
    private var order: [UInt64] = []
    private var oldest = 0

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    func contains(_ key: UInt64) -> Bool { keys.contains(key) }

    /// Records a flow; returns how many flows were forgotten to make room (0 or 1).
    mutating func remember(_ key: UInt64) -> Int {
        guard !keys.contains(key) else { return 0 }
        var evicted = 0
        if keys.count >= capacity {
            keys.remove(order[oldest])
            order[oldest] = key
            oldest = (oldest + 1) % order.count
            evicted = 1
        } else {
            order.append(key)
        }
        keys.insert(key)
        return evicted
    }
}
