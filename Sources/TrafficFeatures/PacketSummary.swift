/// TCP header flags (byte 13 of the TCP header).
public struct TCPFlags: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let fin = TCPFlags(rawValue: 0x01)
    public static let syn = TCPFlags(rawValue: 0x02)
    public static let rst = TCPFlags(rawValue: 0x04)
    public static let psh = TCPFlags(rawValue: 0x08)
    public static let ack = TCPFlags(rawValue: 0x10)
    public static let urg = TCPFlags(rawValue: 0x20)
    public static let ece = TCPFlags(rawValue: 0x40)
    public static let cwr = TCPFlags(rawValue: 0x80)

    /// A connection attempt: SYN set, ACK clear (what `syn_packets` counts).
    public var isConnectionAttempt: Bool { contains(.syn) && !contains(.ack) }
    /// SYN and ACK both set.
    public var isSynAck: Bool { contains(.syn) && contains(.ack) }
}

/// The protocol bucket a packet is counted in. Every packet is in exactly one.
public enum ProtocolBucket: String, Sendable, CaseIterable, Codable {
    case tcp, udp, icmp, other
}

/// What one packet contributes to a window: the parsed form shared by the XDP
/// program (in C) and the user-space sources (pcap, simulation).
///
/// Semantics, identical to `bpf/network_monitor.bpf.c`:
/// - `wireLength` is the frame length (for captures, the original length).
/// - A packet whose IP header is truncated or inconsistent is `isMalformed`, has no
///   addresses, and counts in the `other` bucket.
/// - A packet whose transport header is truncated keeps its protocol bucket and is
///   `isMalformed`; ports and TCP flags are present only when the fixed transport
///   header (TCP 20 bytes, UDP 8 bytes) is complete.
/// - Non-first fragments carry no transport header: protocol bucket from the IP
///   header, no ports.
public struct PacketSummary: Sendable, Hashable {
    public enum IPVersion: UInt8, Sendable {
        case v4 = 4
        case v6 = 6
    }

    public var wireLength: Int
    /// nil for non-IP frames.
    public var ipVersion: IPVersion?
    /// The transport protocol number after IPv6 extension headers; 0 when the IP
    /// header was unusable.
    public var ipProtocol: UInt8
    /// nil when the packet is not IP or its IP header was unusable. IPv6 sources
    /// are masked to the configured prefix by the parser.
    public var source: NetworkAddress?
    public var destination: NetworkAddress?
    /// Present when a TCP or UDP header with ports was parsed.
    public var sourcePort: UInt16?
    public var destinationPort: UInt16?
    public var tcpFlags: TCPFlags
    public var isFragment: Bool
    public var isMalformed: Bool
    /// The capture kept fewer bytes than the frame had and the headers ran past
    /// them: the packet is counted as far as it could be parsed, and not malformed.
    public var isCaptureTruncated: Bool

    public init(
        wireLength: Int,
        ipVersion: IPVersion? = nil,
        ipProtocol: UInt8 = 0,
        source: NetworkAddress? = nil,
        destination: NetworkAddress? = nil,
        sourcePort: UInt16? = nil,
        destinationPort: UInt16? = nil,
        tcpFlags: TCPFlags = [],
        isFragment: Bool = false,
        isMalformed: Bool = false,
        isCaptureTruncated: Bool = false
    ) {
        self.wireLength = wireLength
        self.ipVersion = ipVersion
        self.ipProtocol = ipProtocol
        self.source = source
        self.destination = destination
        self.sourcePort = sourcePort
        self.destinationPort = destinationPort
        self.tcpFlags = tcpFlags
        self.isFragment = isFragment
        self.isMalformed = isMalformed
        self.isCaptureTruncated = isCaptureTruncated
    }

    public var bucket: ProtocolBucket {
        guard ipVersion != nil else { return .other }
        switch ipProtocol {
        case IPProtocolNumber.tcp: return .tcp
        case IPProtocolNumber.udp: return .udp
        case IPProtocolNumber.icmp, IPProtocolNumber.icmpv6: return .icmp
        default: return .other
        }
    }

    /// TCP or UDP with source or destination port 53.
    public var isDNS: Bool {
        sourcePort == 53 || destinationPort == 53
    }
}

/// IANA protocol numbers used by the parser.
public enum IPProtocolNumber {
    public static let hopByHop: UInt8 = 0
    public static let icmp: UInt8 = 1
    public static let tcp: UInt8 = 6
    public static let udp: UInt8 = 17
    public static let routing: UInt8 = 43
    public static let fragment: UInt8 = 44
    public static let esp: UInt8 = 50
    public static let authentication: UInt8 = 51
    public static let icmpv6: UInt8 = 58
    public static let destinationOptions: UInt8 = 60
}
