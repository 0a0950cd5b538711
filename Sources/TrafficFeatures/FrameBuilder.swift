/// Builds well-formed Ethernet frames (with correct IPv4, TCP, UDP and ICMP
/// checksums) for tests, benchmarks and synthetic captures: the inputs of
/// `BPF_PROG_TEST_RUN`, generated pcap files and replays into test namespaces.
///
/// Malformed variants are made by truncating or editing the returned bytes.
public enum FrameBuilder {
    /// The default source MAC address, 02:00:00:00:00:02 (locally administered).
    public static let defaultSourceMAC: [UInt8] = [0x02, 0x00, 0x00, 0x00, 0x00, 0x02]
    /// The default destination MAC address, 02:00:00:00:00:01 (locally administered).
    public static let defaultDestinationMAC: [UInt8] = [0x02, 0x00, 0x00, 0x00, 0x00, 0x01]

    /// An IPv6 extension header placed between the IPv6 header and the transport header.
    public enum IPv6Extension: Sendable, Equatable {
        /// A Hop-by-Hop Options header (8 bytes: one PadN option).
        case hopByHop
        /// A Routing header (8 bytes).
        case routing
        /// A Destination Options header (8 bytes: one PadN option).
        case destinationOptions
        /// An Authentication Header (16 bytes: 12 bytes of header and a 4-byte ICV).
        case authentication
        /// A fragment header; `offset` in 8-byte units (0 = first fragment).
        case fragment(offset: UInt16, moreFragments: Bool)
    }

    /// Ethernet II header, optional 802.1Q/802.1ad tags (outer first), then `payload`.
    public static func ethernet(
        etherType: UInt16, vlanTags: [UInt16] = [], payload: [UInt8],
        source: [UInt8] = defaultSourceMAC, destination: [UInt8] = defaultDestinationMAC
    ) -> [UInt8] {
        var frame = destination + source
        for (index, tag) in vlanTags.enumerated() {
            // Outer tag of a double-tagged frame is 802.1ad (QinQ), inner tags 802.1Q.
            let tpid: UInt16 = vlanTags.count > 1 && index == 0 ? 0x88A8 : 0x8100
            frame += be16(tpid) + be16(tag & 0x0FFF)
        }
        return frame + be16(etherType) + payload
    }

    /// An IPv4 header with a correct checksum, then `payload`.
    public static func ipv4(
        source: NetworkAddress, destination: NetworkAddress, protocol number: UInt8, payload: [UInt8],
        fragmentOffset: UInt16 = 0, moreFragments: Bool = false, ttl: UInt8 = 64, identification: UInt16 = 1
    ) -> [UInt8] {
        precondition(source.isIPv4 && destination.isIPv4, "ipv4 needs IPv4 addresses")
        let flagsAndOffset = (moreFragments ? 0x2000 : 0) | (fragmentOffset & 0x1FFF)
        var header: [UInt8] = [0x45, 0x00] + be16(UInt16(20 + payload.count)) + be16(identification)
            + be16(flagsAndOffset) + [ttl, number, 0, 0]
        header += be32(source.ipv4Value!) + be32(destination.ipv4Value!)
        let checksum = internetChecksum(header)
        header[10] = UInt8(checksum >> 8)
        header[11] = UInt8(checksum & 0xFF)
        return header + payload
    }

    /// An IPv6 header, optional extension headers, then `payload` (`nextHeader` is the
    /// protocol after the extension headers).
    public static func ipv6(
        source: NetworkAddress, destination: NetworkAddress, nextHeader: UInt8, payload: [UInt8],
        extensions: [IPv6Extension] = [], hopLimit: UInt8 = 64
    ) -> [UInt8] {
        var chain: [UInt8] = []
        let protocols = extensions.map(protocolNumber) + [nextHeader]
        for (index, ext) in extensions.enumerated() {
            let next = protocols[index + 1]
            switch ext {
            case .hopByHop, .routing, .destinationOptions:
                // 8 bytes: next header, length 0 (= 8 bytes), PadN option of 4.
                chain += [next, 0, 1, 4, 0, 0, 0, 0]
            case .authentication:
                // 12 bytes + 4 bytes ICV: length field = 16/4 - 2 = 2.
                chain += [next, 2, 0, 0] + be32(0x100) + be32(1) + be32(0)
            case let .fragment(offset, more):
                chain += [next, 0] + be16(offset << 3 | (more ? 1 : 0)) + be32(0xABCD)
            }
        }
        let first = extensions.isEmpty ? nextHeader : protocolNumber(extensions[0])
        let body = chain + payload
        return [0x60, 0, 0, 0] + be16(UInt16(body.count)) + [first, hopLimit]
            + source.bytes + destination.bytes + body
    }

    /// A TCP header (20 bytes, or more with `optionWords` 4-byte NOP option words)
    /// plus `payloadLength` zero bytes. The checksum is left 0 unless addresses are given.
    public static func tcp(
        sourcePort: UInt16, destinationPort: UInt16, flags: TCPFlags, payloadLength: Int = 0,
        sequence: UInt32 = 1, optionWords: Int = 0,
        pseudoHeader: (source: NetworkAddress, destination: NetworkAddress)? = nil
    ) -> [UInt8] {
        let dataOffset = UInt8(5 + optionWords)
        var segment = be16(sourcePort) + be16(destinationPort) + be32(sequence) + be32(0)
            + [dataOffset << 4, flags.rawValue] + be16(64240) + [0, 0, 0, 0]
        segment += [UInt8](repeating: 1, count: optionWords * 4)
        segment += [UInt8](repeating: 0, count: payloadLength)
        if let pseudoHeader {
            let checksum = transportChecksum(
                segment, protocol: IPProtocolNumber.tcp, source: pseudoHeader.source,
                destination: pseudoHeader.destination)
            segment[16] = UInt8(checksum >> 8)
            segment[17] = UInt8(checksum & 0xFF)
        }
        return segment
    }

    /// A UDP header plus `payload`.
    public static func udp(
        sourcePort: UInt16, destinationPort: UInt16, payload: [UInt8],
        pseudoHeader: (source: NetworkAddress, destination: NetworkAddress)? = nil
    ) -> [UInt8] {
        var datagram = be16(sourcePort) + be16(destinationPort) + be16(UInt16(8 + payload.count)) + [0, 0] + payload
        if let pseudoHeader {
            var checksum = transportChecksum(
                datagram, protocol: IPProtocolNumber.udp, source: pseudoHeader.source,
                destination: pseudoHeader.destination)
            if checksum == 0 { checksum = 0xFFFF }
            datagram[6] = UInt8(checksum >> 8)
            datagram[7] = UInt8(checksum & 0xFF)
        }
        return datagram
    }

    /// An ICMP (type 8) or ICMPv6 (type 128) echo request with `payloadLength` bytes of data, or
    /// a message of the same layout with another `type` (timestamp request 13, echo reply 0, …).
    public static func icmpEcho(
        version6: Bool = false, identifier: UInt16 = 1, sequence: UInt16 = 1, payloadLength: Int = 32, type: UInt8? = nil
    ) -> [UInt8] {
        var message: [UInt8] = [type ?? (version6 ? 128 : 8), 0, 0, 0] + be16(identifier) + be16(sequence)
        message += [UInt8](repeating: 0x61, count: payloadLength)
        if !version6 {
            let checksum = internetChecksum(message)
            message[2] = UInt8(checksum >> 8)
            message[3] = UInt8(checksum & 0xFF)
        }
        return message
    }

    /// A DNS message with one question (the UDP payload): a query, or with `response` a response
    /// without answers. `name`'s labels are encoded as given (each at most 63 bytes).
    public static func dnsMessage(name: String, type: UInt16 = 1, identifier: UInt16 = 1, response: Bool = false) -> [UInt8] {
        var message = be16(identifier) + [response ? 0x81 : 0x01, response ? 0x80 : 0x00] + be16(1) + be16(0) + be16(0) + be16(0)
        for label in name.split(separator: ".") {
            let bytes = Array(label.utf8.prefix(63))
            message += [UInt8(bytes.count)] + bytes
        }
        return message + [0] + be16(type) + be16(1)
    }

    /// An ARP request (Ethernet, IPv4) from `sender` (hardware address `senderMAC`) asking for
    /// `target`, padded with zeros to `padding` bytes after the 28-byte ARP header.
    public static func arpRequest(
        sender: NetworkAddress, target: NetworkAddress, senderMAC: [UInt8] = defaultSourceMAC, padding: Int = 0
    ) -> [UInt8] {
        precondition(sender.isIPv4 && target.isIPv4, "arpRequest needs IPv4 addresses")
        return be16(1) + be16(0x0800) + [6, 4] + be16(1) + senderMAC + be32(sender.ipv4Value!)
            + [UInt8](repeating: 0, count: 6) + be32(target.ipv4Value!) + [UInt8](repeating: 0, count: max(0, padding))
    }

    /// A complete Ethernet frame that parses back to `packet` (addresses, ports, TCP
    /// flags, fragment flags, ICMP type, ARP requests), padded to `packet.wireLength` when that
    /// is longer than the headers. Other non-IP packets become ARP-typed frames of zeros of the
    /// requested length.
    public static func frame(for packet: PacketSummary, vlanTags: [UInt16] = []) -> [UInt8] {
        if packet.isARPRequest, let sender = packet.source, let target = packet.destination {
            let padding = packet.wireLength - 14 - 4 * vlanTags.count - 28
            return ethernet(
                etherType: 0x0806, vlanTags: vlanTags, payload: arpRequest(sender: sender, target: target, padding: padding),
                destination: [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF])
        }
        guard let version = packet.ipVersion, let source = packet.source, let destination = packet.destination else {
            let payload = [UInt8](repeating: 0, count: max(0, packet.wireLength - 14 - 4 * vlanTags.count))
            return ethernet(etherType: 0x0806, vlanTags: vlanTags, payload: payload)
        }
        let overhead = 14 + 4 * vlanTags.count + (version == .v4 ? 20 : 40) + (packet.isFragment && version == .v6 ? 8 : 0)
        let transport: [UInt8]
        switch packet.ipProtocol {
        case IPProtocolNumber.tcp where packet.sourcePort != nil:
            transport = tcp(
                sourcePort: packet.sourcePort!, destinationPort: packet.destinationPort ?? 0, flags: packet.tcpFlags,
                payloadLength: max(0, packet.wireLength - overhead - 20),
                pseudoHeader: (source, destination))
        case IPProtocolNumber.udp where packet.sourcePort != nil:
            transport = udp(
                sourcePort: packet.sourcePort!, destinationPort: packet.destinationPort ?? 0,
                payload: [UInt8](repeating: 0, count: max(0, packet.wireLength - overhead - 8)),
                pseudoHeader: (source, destination))
        case IPProtocolNumber.icmp, IPProtocolNumber.icmpv6:
            transport = icmpEcho(
                version6: version == .v6, payloadLength: max(0, packet.wireLength - overhead - 8), type: packet.icmpType)
        default:
            transport = [UInt8](repeating: 0, count: max(0, packet.wireLength - overhead))
        }
        let fragmentOffset: UInt16 = packet.isFragment && packet.sourcePort == nil ? 185 : 0
        let network: [UInt8]
        switch version {
        case .v4:
            network = ipv4(
                source: source, destination: destination, protocol: packet.ipProtocol, payload: transport,
                fragmentOffset: fragmentOffset, moreFragments: packet.isFragment && fragmentOffset == 0)
        case .v6:
            network = ipv6(
                source: source, destination: destination, nextHeader: packet.ipProtocol, payload: transport,
                extensions: packet.isFragment
                    ? [.fragment(offset: fragmentOffset, moreFragments: fragmentOffset == 0)] : [])
        }
        return ethernet(etherType: version == .v4 ? 0x0800 : 0x86DD, vlanTags: vlanTags, payload: network)
    }

    // MARK: - Helpers

    static func protocolNumber(_ ext: IPv6Extension) -> UInt8 {
        switch ext {
        case .hopByHop: IPProtocolNumber.hopByHop
        case .routing: IPProtocolNumber.routing
        case .destinationOptions: IPProtocolNumber.destinationOptions
        case .authentication: IPProtocolNumber.authentication
        case .fragment: IPProtocolNumber.fragment
        }
    }

    static func be16(_ value: UInt16) -> [UInt8] { [UInt8(value >> 8), UInt8(value & 0xFF)] }

    static func be32(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
    }

    /// RFC 1071 one's-complement checksum.
    public static func internetChecksum(_ bytes: [UInt8]) -> UInt16 {
        var sum: UInt32 = 0
        var index = 0
        while index + 1 < bytes.count {
            sum += UInt32(bytes[index]) << 8 | UInt32(bytes[index + 1])
            index += 2
        }
        if index < bytes.count { sum += UInt32(bytes[index]) << 8 }
        while sum >> 16 != 0 { sum = (sum & 0xFFFF) + (sum >> 16) }
        return ~UInt16(sum)
    }

    static func transportChecksum(
        _ segment: [UInt8], protocol number: UInt8, source: NetworkAddress, destination: NetworkAddress
    ) -> UInt16 {
        let pseudo: [UInt8]
        if source.isIPv4 {
            pseudo = be32(source.ipv4Value!) + be32(destination.ipv4Value!) + [0, number] + be16(UInt16(segment.count))
        } else {
            pseudo = source.bytes + destination.bytes + be32(UInt32(segment.count)) + [0, 0, 0, number]
        }
        return internetChecksum(pseudo + segment)
    }
}
