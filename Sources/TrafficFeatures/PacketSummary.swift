/// TCP header flags (byte 13 of the TCP header).
public struct TCPFlags: OptionSet, Sendable, Hashable {
    /// The flag bits, as in the TCP header's flags byte.
    public let rawValue: UInt8
    /// The flags whose bits are set in `rawValue`.
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// FIN (0x01): the sender has no more data.
    public static let fin = TCPFlags(rawValue: 0x01)
    /// SYN (0x02): synchronise sequence numbers; opens a connection.
    public static let syn = TCPFlags(rawValue: 0x02)
    /// RST (0x04): reset the connection.
    public static let rst = TCPFlags(rawValue: 0x04)
    /// PSH (0x08): push the buffered data to the application.
    public static let psh = TCPFlags(rawValue: 0x08)
    /// ACK (0x10): the acknowledgment number is valid.
    public static let ack = TCPFlags(rawValue: 0x10)
    /// URG (0x20): the urgent pointer is valid.
    public static let urg = TCPFlags(rawValue: 0x20)
    /// ECE (0x40): ECN echo.
    public static let ece = TCPFlags(rawValue: 0x40)
    /// CWR (0x80): congestion window reduced.
    public static let cwr = TCPFlags(rawValue: 0x80)

    /// A connection attempt: SYN set, ACK clear (what `syn_packets` counts).
    public var isConnectionAttempt: Bool { contains(.syn) && !contains(.ack) }
    /// SYN and ACK both set.
    public var isSynAck: Bool { contains(.syn) && contains(.ack) }
}

/// The protocol bucket a packet is counted in. Every packet is in exactly one.
///
/// `tcp` and `udp` are chosen by IP protocol number and `icmp` holds ICMP and ICMPv6; `other`
/// holds everything else: non-IP frames, IP packets whose header was unusable, and other
/// protocols. The raw values are the values of the `protocol` label of the monitor's metrics.
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
    /// The IP version of a packet; the raw value is the header's version number.
    public enum IPVersion: UInt8, Sendable {
        /// IPv4.
        case v4 = 4
        /// IPv6.
        case v6 = 6
    }

    /// The frame's length on the wire in bytes; for a capture, the original length, even when
    /// fewer bytes were kept.
    public var wireLength: Int
    /// nil for non-IP frames.
    public var ipVersion: IPVersion?
    /// The transport protocol number after IPv6 extension headers; 0 when the IP
    /// header was unusable.
    public var ipProtocol: UInt8
    /// nil when the packet is not IP or its IP header was unusable. IPv6 sources
    /// are masked to the configured prefix by the parser.
    public var source: NetworkAddress?
    /// nil when the packet is not IP or its IP header was unusable. Never masked.
    public var destination: NetworkAddress?
    /// Present when a TCP or UDP header with ports was parsed.
    public var sourcePort: UInt16?
    /// Present when a TCP or UDP header with ports was parsed.
    public var destinationPort: UInt16?
    /// The TCP header's flags; empty unless the fixed TCP header (20 bytes) was parsed.
    public var tcpFlags: TCPFlags
    /// An IPv4 fragment (more-fragments flag or a non-zero offset, first fragments included) or an
    /// IPv6 packet with a fragment header.
    public var isFragment: Bool
    /// An IP or transport header is truncated or inconsistent (see the rules above). The packet is
    /// still counted.
    public var isMalformed: Bool
    /// The capture kept fewer bytes than the frame had and the headers ran past
    /// them: the packet is counted as far as it could be parsed, and not malformed.
    public var isCaptureTruncated: Bool
    /// The ICMP or ICMPv6 message type, present when the 4-byte ICMP header was parsed.
    public var icmpType: UInt8?
    /// An ARP request for an IPv4 address (not gratuitous, sender not 0.0.0.0): a non-IP
    /// frame whose ``source`` is the sender's address and ``destination`` the target's.
    public var isARPRequest: Bool

    /// A summary with the given fields. With only `wireLength` it is a non-IP frame: no
    /// addresses, no ports, no flags.
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
        isCaptureTruncated: Bool = false,
        icmpType: UInt8? = nil,
        isARPRequest: Bool = false
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
        self.icmpType = icmpType
        self.isARPRequest = isARPRequest
    }

    /// The protocol bucket the packet is counted in: TCP, UDP, ICMP (ICMP and ICMPv6), or
    /// ``ProtocolBucket/other`` for non-IP frames and any other protocol.
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

    /// What the packet is for probe and reflection accounting (`classify` in the XDP program).
    public var kind: PacketKind {
        if isARPRequest { return .arpRequest }
        guard ipVersion != nil else { return .none }
        switch ipProtocol {
        case IPProtocolNumber.tcp:
            guard sourcePort != nil else { return .none }
            let f = tcpFlags
            if f.isConnectionAttempt { return .syn }
            if f.contains(.syn) { return .synAck }
            if f.contains(.rst) { return .rst }
            if !f.contains(.ack) { return .stealth }
            return .ack
        case IPProtocolNumber.udp:
            guard let port = sourcePort else { return .none }
            if PacketKind.reflectionUDPSourcePorts.contains(port) { return .udpReflection }
            if PacketKind.isServiceUDPSourcePort(port) { return .udpService }
            return .udpCandidate
        case IPProtocolNumber.icmp:
            guard let type = icmpType, PacketKind.icmpRequestTypes.contains(type) else { return .none }
            return .icmpProbe
        case IPProtocolNumber.icmpv6:
            guard icmpType == PacketKind.icmpv6EchoRequest else { return .none }
            return .icmpProbe
        default:
            return .none
        }
    }
}

/// What a packet is for probe and reflection accounting: the Swift form of `enum nm_kind` in
/// `bpf/network_monitor.bpf.c`.
///
/// A **probe** is a packet that opens or tests a port or a host: a TCP SYN without ACK; a TCP
/// segment without SYN, ACK and RST (NULL, FIN, Xmas: ``stealth``); a TCP ACK on a flow never
/// seen (``ack``, decided against the flows learned so far); a UDP datagram from a client port
/// that reaches a new port or host (``udpCandidate``, decided against the window's pairs); an
/// ICMP echo, timestamp, information or address-mask request or an ICMPv6 echo request; an ARP
/// request.
public enum PacketKind: UInt8, Sendable, Hashable {
    /// Nothing probe- or reflection-related (non-IP, other protocols, ICMP replies and errors).
    case none = 0
    /// TCP SYN without ACK: a connection attempt, always a probe.
    case syn
    /// TCP SYN-ACK: a reply to a connection, or backscatter of a spoofed one.
    case synAck
    /// TCP RST: a refusal, or backscatter.
    case rst
    /// TCP without SYN, ACK and RST (NULL, FIN, Xmas scans): always a probe.
    case stealth
    /// TCP with ACK and without SYN and RST (FIN/ACK included): a probe when its flow is unknown.
    case ack
    /// UDP from a client (non-service) source port: a probe when it reaches a new port or host.
    case udpCandidate
    /// UDP from one of ``reflectionUDPSourcePorts``: a service's reply, or reflection.
    case udpReflection
    /// UDP from another service port (below 1024, 3478 STUN).
    case udpService
    /// An ICMP or ICMPv6 request: a probe.
    case icmpProbe
    /// An ARP request: a probe.
    case arpRequest

    /// UDP source ports of services that answer small requests with large replies (chargen,
    /// DNS, TFTP, portmap, NTP, NetBIOS, SNMP, CLDAP, IKE and IKE NAT-T, RIP, MS-SQL, SSDP, ARD,
    /// WS-Discovery, mDNS, CoAP, Ubiquiti discovery, memcached, DVR DHCPDiscover, BACnet): their
    /// traffic to a host that did not ask is reflection or amplification. Identical to
    /// `is_reflection_port` in the XDP program.
    public static let reflectionUDPSourcePorts: Set<UInt16> = [
        19, 53, 69, 111, 123, 137, 161, 389, 500, 520, 1434, 1900, 3283, 3702, 4500, 5353, 5683, 10001, 11211, 37810,
        47808,
    ]

    /// A UDP source port that marks a service answering rather than a client probing: below
    /// 1024, a reflection port, or 3478 (STUN).
    public static func isServiceUDPSourcePort(_ port: UInt16) -> Bool {
        port < 1024 || reflectionUDPSourcePorts.contains(port) || port == 3478
    }

    /// ICMP types that ask a host something: echo (8), timestamp (13), information (15) and
    /// address mask (17) requests.
    public static let icmpRequestTypes: Set<UInt8> = [8, 13, 15, 17]
    /// The ICMPv6 echo request type (128).
    public static let icmpv6EchoRequest: UInt8 = 128

    /// The program's `flow_hash`: the key of a TCP flow (source, destination, source port,
    /// destination port) in the flow table.
    public static func flowHash(_ packet: PacketSummary) -> UInt64 {
        let source = packet.source ?? NetworkAddress(bytes: [UInt8](repeating: 0, count: 16))
        let destination = packet.destination ?? NetworkAddress(bytes: [UInt8](repeating: 0, count: 16))
        let ports = UInt64(packet.sourcePort ?? 0) << 16 | UInt64(packet.destinationPort ?? 0)
        let mix = HyperLogLog.mix
        return mix(
            UInt64(bigEndian: source.high)
                ^ mix(
                    UInt64(bigEndian: source.low)
                        ^ mix(
                            UInt64(bigEndian: destination.high)
                                ^ mix(UInt64(bigEndian: destination.low) ^ mix(ports ^ 0x9e37_79b9_7f4a_7c15)))))
    }
}

/// IANA protocol numbers used by the parser.
public enum IPProtocolNumber {
    /// IPv6 Hop-by-Hop Options header (0).
    public static let hopByHop: UInt8 = 0
    /// ICMP for IPv4 (1).
    public static let icmp: UInt8 = 1
    /// TCP (6).
    public static let tcp: UInt8 = 6
    /// UDP (17).
    public static let udp: UInt8 = 17
    /// IPv6 Routing header (43).
    public static let routing: UInt8 = 43
    /// IPv6 Fragment header (44).
    public static let fragment: UInt8 = 44
    /// Encapsulating Security Payload (50); the parser does not look past it.
    public static let esp: UInt8 = 50
    /// Authentication Header, AH (51).
    public static let authentication: UInt8 = 51
    /// ICMPv6 (58).
    public static let icmpv6: UInt8 = 58
    /// IPv6 Destination Options header (60).
    public static let destinationOptions: UInt8 = 60
}
