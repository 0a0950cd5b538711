/// Parses link-layer frames into ``PacketSummary`` with exactly the rules of the XDP
/// program (`bpf/network_monitor.bpf.c`): Ethernet with up to two 802.1Q/802.1ad
/// tags, IPv4, IPv6 with up to six extension headers (hop-by-hop, routing,
/// destination options, fragment, AH), then TCP, UDP, ICMP or ICMPv6.
///
/// The privileged test suite runs the same frames through the kernel program with
/// `BPF_PROG_TEST_RUN` and through this parser and requires identical counters.
public struct FrameParser: Sendable {
    /// The link layer of the frames (a pcap `DLT_*`/`LINKTYPE_*`).
    public enum LinkType: Sendable, Equatable {
        /// Ethernet II (LINKTYPE_ETHERNET, 1). The XDP program sees only this.
        case ethernet
        /// Bare IPv4 or IPv6 packets (LINKTYPE_RAW 101, DLT_RAW 12/14, 228, 229).
        case rawIP
        /// Linux "cooked" capture v1 (LINKTYPE_LINUX_SLL, 113).
        case linuxCooked
        /// Linux "cooked" capture v2 (LINKTYPE_LINUX_SLL2, 276).
        case linuxCooked2
        /// BSD loopback encapsulation (LINKTYPE_NULL 0, LINKTYPE_LOOP 108).
        case bsdLoopback

        /// The link type for a pcap link-type number, or nil when unsupported.
        public init?(pcapLinkType value: Int) {
            switch value {
            case 1: self = .ethernet
            case 12, 14, 101, 228, 229: self = .rawIP
            case 113: self = .linuxCooked
            case 276: self = .linuxCooked2
            case 0, 108: self = .bsdLoopback
            default: return nil
            }
        }
    }

    /// The most IPv6 extension headers the parser skips, as the XDP program does. When more
    /// follow, the next header's number becomes ``PacketSummary/ipProtocol`` and the packet is
    /// counted as `other`.
    public static let maximumIPv6ExtensionHeaders = 6

    /// The link layer of the frames this parser reads.
    public var linkType: LinkType
    /// Prefix length kept for IPv6 source addresses (1–128, default 64).
    public var ipv6SourcePrefixLength: Int

    /// A parser for frames of one link type.
    ///
    /// - Parameters:
    ///   - linkType: The frames' link layer.
    ///   - ipv6SourcePrefixLength: The number of leading bits of IPv6 source addresses to keep
    ///     (1–128); the other bits are cleared, so sources are grouped per prefix.
    public init(linkType: LinkType = .ethernet, ipv6SourcePrefixLength: Int = 64) {
        self.linkType = linkType
        self.ipv6SourcePrefixLength = ipv6SourcePrefixLength
    }

    /// Parses one frame. `wireLength` is the frame's length on the wire; when it is
    /// larger than `frame.count` the capture was cut by its snap length.
    public func parse(_ frame: UnsafeRawBufferPointer, wireLength: Int? = nil) -> PacketSummary {
        var transportStart: Int?
        return parse(frame, wireLength: wireLength, transportStart: &transportStart)
    }

    /// The DNS question of a frame that is a UDP port-53 message, with its client.
    ///
    /// - Returns: nil when the frame is not UDP to or from port 53, or is a non-first fragment;
    ///   otherwise the observation, or the ``DNSQuestion/ParseError`` its payload gave.
    public func dnsObservation(_ frame: UnsafeRawBufferPointer, wireLength: Int? = nil)
        -> Result<DNSObservation, DNSQuestion.ParseError>?
    {
        var transportStart: Int?
        // Full IPv6 addresses: the client itself, not its grouped prefix.
        let exact = FrameParser(linkType: linkType, ipv6SourcePrefixLength: 128)
        let packet = exact.parse(frame, wireLength: wireLength, transportStart: &transportStart)
        guard packet.bucket == .udp, packet.isDNS, !packet.isMalformed, let start = transportStart,
            let source = packet.source, let destination = packet.destination, start + 8 <= frame.count
        else { return nil }
        let payload = UnsafeRawBufferPointer(rebasing: frame[(start + 8)...])
        do {
            return .success(try DNSObservation(payload: payload, source: source, destination: destination))
        } catch {
            return .failure(error)
        }
    }

    private func parse(_ frame: UnsafeRawBufferPointer, wireLength: Int?, transportStart: inout Int?) -> PacketSummary {
        var cursor = Cursor(bytes: frame, wireLength: wireLength ?? frame.count)
        var packet = PacketSummary(wireLength: max(wireLength ?? frame.count, frame.count))

        let network: NetworkLayer
        switch linkType {
        case .ethernet: network = parseEthernet(&cursor, &packet)
        case .rawIP: network = parseRawIP(&cursor)
        case .linuxCooked: network = parseCooked(&cursor, &packet, headerLength: 16, protocolOffset: 14)
        case .linuxCooked2: network = parseCooked(&cursor, &packet, headerLength: 20, protocolOffset: 0)
        case .bsdLoopback: network = parseLoopback(&cursor, &packet)
        }

        let transportHeaderPresent: Bool?
        switch network {
        case .notIP:
            return packet
        case .arp:
            parseARP(cursor, &packet)
            return packet
        case .ipv4:
            packet.ipVersion = .v4
            transportHeaderPresent = parseIPv4(&cursor, &packet)
        case .ipv6:
            packet.ipVersion = .v6
            transportHeaderPresent = parseIPv6(&cursor, &packet)
        }
        guard let transportHeaderPresent else { return unusableIP(packet, &cursor) }
        if transportHeaderPresent {
            transportStart = cursor.position
            parseTransport(&cursor, &packet)
        }
        return packet
    }

    /// Parses one frame held in an array.
    public func parse(_ frame: [UInt8], wireLength: Int? = nil) -> PacketSummary {
        frame.withUnsafeBytes { parse($0, wireLength: wireLength) }
    }

    // MARK: - Layers

    private enum NetworkLayer {
        case notIP, arp, ipv4, ipv6
    }

    private func parseEthernet(_ cursor: inout Cursor, _ packet: inout PacketSummary) -> NetworkLayer {
        guard var etherType = cursor.u16(at: 12) else {
            cursor.fail(&packet)
            return .notIP
        }
        cursor.position = 14
        for _ in 0..<2 where etherType == 0x8100 || etherType == 0x88A8 {
            guard let inner = cursor.u16(at: cursor.position + 2) else {
                cursor.fail(&packet)
                return .notIP
            }
            etherType = inner
            cursor.position += 4
        }
        return layer(forEtherType: etherType)
    }

    private func parseRawIP(_ cursor: inout Cursor) -> NetworkLayer {
        guard let first = cursor.u8(at: 0) else { return .notIP }
        switch first >> 4 {
        case 4: return .ipv4
        case 6: return .ipv6
        default: return .notIP
        }
    }

    private func parseCooked(
        _ cursor: inout Cursor, _ packet: inout PacketSummary, headerLength: Int, protocolOffset: Int
    ) -> NetworkLayer {
        guard let etherType = cursor.u16(at: protocolOffset), cursor.has(headerLength) else {
            cursor.fail(&packet)
            return .notIP
        }
        cursor.position = headerLength
        return layer(forEtherType: etherType)
    }

    private func parseLoopback(_ cursor: inout Cursor, _ packet: inout PacketSummary) -> NetworkLayer {
        guard cursor.has(4), let b0 = cursor.u8(at: 0), let b3 = cursor.u8(at: 3) else {
            cursor.fail(&packet)
            return .notIP
        }
        cursor.position = 4
        // The family is in the writer's byte order: one of the end bytes holds it.
        let family = b0 == 0 ? b3 : b0
        switch family {
        case 2: return .ipv4
        case 10, 24, 28, 30: return .ipv6
        default: return .notIP
        }
    }

    private func layer(forEtherType etherType: UInt16) -> NetworkLayer {
        switch etherType {
        case 0x0800: return .ipv4
        case 0x86DD: return .ipv6
        case 0x0806: return .arp
        default: return .notIP
        }
    }

    /// An ARP request for an IPv4 address (Ethernet hardware, not gratuitous, sender not
    /// 0.0.0.0) gets the sender as source and the target as destination; any other ARP frame,
    /// truncated ones included, stays an addressless non-IP frame (`parse_arp`).
    private func parseARP(_ cursor: Cursor, _ packet: inout PacketSummary) {
        let start = cursor.position
        guard cursor.has(start + 28), cursor.u16(at: start) == 1, cursor.u16(at: start + 2) == 0x0800,
            cursor.u8(at: start + 4) == 6, cursor.u8(at: start + 5) == 4, cursor.u16(at: start + 6) == 1,
            let sender = cursor.u32(at: start + 14), let target = cursor.u32(at: start + 24),
            sender != 0, sender != target
        else { return }
        packet.source = NetworkAddress(ipv4: sender)
        packet.destination = NetworkAddress(ipv4: target)
        packet.isARPRequest = true
    }

    /// The IP header could not be used: count the packet as `other`, without addresses.
    private func unusableIP(_ packet: PacketSummary, _ cursor: inout Cursor) -> PacketSummary {
        var packet = packet
        packet.ipProtocol = 0
        packet.source = nil
        packet.destination = nil
        cursor.fail(&packet)
        return packet
    }

    /// Returns whether the transport header follows (false for a non-first
    /// fragment), or nil when the IPv4 header is unusable.
    private func parseIPv4(_ cursor: inout Cursor, _ packet: inout PacketSummary) -> Bool? {
        let start = cursor.position
        guard let versionAndLength = cursor.u8(at: start), cursor.has(start + 20) else { return nil }
        let headerLength = Int(versionAndLength & 0x0F) * 4
        guard versionAndLength >> 4 == 4, headerLength >= 20 else {
            cursor.forceMalformed = true
            return nil
        }
        guard cursor.has(start + headerLength) else { return nil }
        guard let totalLength = cursor.u16(at: start + 2), Int(totalLength) >= headerLength else {
            cursor.forceMalformed = true
            return nil
        }
        let fragment = cursor.u16(at: start + 6)!
        packet.isFragment = fragment & 0x3FFF != 0
        packet.ipProtocol = cursor.u8(at: start + 9)!
        packet.source = NetworkAddress(ipv4: cursor.u32(at: start + 12)!)
        packet.destination = NetworkAddress(ipv4: cursor.u32(at: start + 16)!)
        cursor.position = start + headerLength
        return fragment & 0x1FFF == 0
    }

    /// Returns whether the transport header follows (false for a non-first
    /// fragment), or nil when the IPv6 header or an extension header is unusable.
    private func parseIPv6(_ cursor: inout Cursor, _ packet: inout PacketSummary) -> Bool? {
        let start = cursor.position
        guard let version = cursor.u8(at: start), cursor.has(start + 40) else { return nil }
        guard version >> 4 == 6 else {
            cursor.forceMalformed = true
            return nil
        }
        var next = cursor.u8(at: start + 6)!
        var position = start + 40
        var transportHeaderPresent = true

        extensionHeaders: for _ in 0..<Self.maximumIPv6ExtensionHeaders {
            switch next {
            case IPProtocolNumber.hopByHop, IPProtocolNumber.routing, IPProtocolNumber.destinationOptions,
                IPProtocolNumber.authentication:
                guard let length = cursor.u8(at: position + 1), cursor.has(position + 2) else { return nil }
                // AH counts 4-byte words minus 2; the others 8-byte units minus 1.
                let size = next == IPProtocolNumber.authentication ? (Int(length) + 2) * 4 : (Int(length) + 1) * 8
                guard cursor.has(position + size) else { return nil }
                next = cursor.u8(at: position)!
                position += size
            case IPProtocolNumber.fragment:
                guard cursor.has(position + 8) else { return nil }
                packet.isFragment = true
                if cursor.u16(at: position + 2)! & 0xFFF8 != 0 {
                    transportHeaderPresent = false
                }
                next = cursor.u8(at: position)!
                position += 8
            default:
                break extensionHeaders
            }
        }
        packet.ipProtocol = next
        packet.source = NetworkAddress(bytes: cursor.slice(start + 8, 16))
            .maskedIPv6(prefixLength: ipv6SourcePrefixLength)
        packet.destination = NetworkAddress(bytes: cursor.slice(start + 24, 16))
        cursor.position = position
        return transportHeaderPresent
    }

    private func parseTransport(_ cursor: inout Cursor, _ packet: inout PacketSummary) {
        let start = cursor.position
        switch packet.ipProtocol {
        case IPProtocolNumber.tcp:
            guard cursor.has(start + 20) else {
                cursor.fail(&packet)
                return
            }
            let headerLength = Int(cursor.u8(at: start + 12)! >> 4) * 4
            if headerLength < 20 {
                packet.isMalformed = true
            } else if !cursor.has(start + headerLength) {
                cursor.fail(&packet)
            }
            packet.sourcePort = cursor.u16(at: start)
            packet.destinationPort = cursor.u16(at: start + 2)
            packet.tcpFlags = TCPFlags(rawValue: cursor.u8(at: start + 13)!)
        case IPProtocolNumber.udp:
            guard cursor.has(start + 8) else {
                cursor.fail(&packet)
                return
            }
            if cursor.u16(at: start + 4)! < 8 {
                packet.isMalformed = true
            }
            packet.sourcePort = cursor.u16(at: start)
            packet.destinationPort = cursor.u16(at: start + 2)
        case IPProtocolNumber.icmp, IPProtocolNumber.icmpv6:
            if cursor.has(start + 4) {
                packet.icmpType = cursor.u8(at: start)
            } else {
                cursor.fail(&packet)
            }
        default:
            break
        }
    }
}

/// Bounds-checked big-endian reads over a frame; every read past the captured bytes
/// returns nil, the Swift counterpart of the program's `data_end` checks.
private struct Cursor {
    let bytes: UnsafeRawBufferPointer
    let wireLength: Int
    var position = 0
    /// A header field is inconsistent (not merely cut by the capture).
    var forceMalformed = false

    init(bytes: UnsafeRawBufferPointer, wireLength: Int) {
        self.bytes = bytes
        self.wireLength = wireLength
    }

    /// True when `end` bytes from the frame start are available.
    func has(_ end: Int) -> Bool { end <= bytes.count }

    func u8(at offset: Int) -> UInt8? {
        offset >= 0 && offset < bytes.count ? bytes[offset] : nil
    }

    func u16(at offset: Int) -> UInt16? {
        guard offset >= 0, offset + 2 <= bytes.count else { return nil }
        return UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])
    }

    func u32(at offset: Int) -> UInt32? {
        guard offset >= 0, offset + 4 <= bytes.count else { return nil }
        return (0..<4).reduce(UInt32(0)) { $0 << 8 | UInt32(bytes[offset + $1]) }
    }

    func slice(_ offset: Int, _ count: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + count)])
    }

    /// A header ran past the available bytes. When the capture kept fewer bytes than
    /// the frame had, that is the capture's doing; otherwise the packet is malformed.
    func fail(_ packet: inout PacketSummary) {
        if !forceMalformed && bytes.count < wireLength {
            packet.isCaptureTruncated = true
        } else {
            packet.isMalformed = true
        }
    }
}
