public import TrafficFeatures

/// Hand-built frames shared by the parser tests and the kernel test runs (PrivilegedTests).
public enum Frames {
    public static let client = NetworkAddress(ipv4: 198, 18, 0, 2)
    public static let server = NetworkAddress(ipv4: 198, 18, 0, 1)
    public static let client6 = NetworkAddress("2001:db8:1:2:aaaa:bbbb:cccc:dddd")!
    public static let server6 = NetworkAddress("2001:db8:ffff::1")!

    public static func tcp4(_ flags: TCPFlags, port: UInt16 = 80, vlanTags: [UInt16] = []) -> [UInt8] {
        FrameBuilder.ethernet(
            etherType: 0x0800, vlanTags: vlanTags,
            payload: FrameBuilder.ipv4(
                source: client, destination: server, protocol: IPProtocolNumber.tcp,
                payload: FrameBuilder.tcp(sourcePort: 40000, destinationPort: port, flags: flags, pseudoHeader: (client, server))))
    }

    public static func udp4(port: UInt16 = 53, payload: Int = 20) -> [UInt8] {
        FrameBuilder.ethernet(
            etherType: 0x0800,
            payload: FrameBuilder.ipv4(
                source: client, destination: server, protocol: IPProtocolNumber.udp,
                payload: FrameBuilder.udp(sourcePort: 5353, destinationPort: port, payload: [UInt8](repeating: 7, count: payload))))
    }

    public static func icmp4() -> [UInt8] {
        FrameBuilder.ethernet(
            etherType: 0x0800,
            payload: FrameBuilder.ipv4(source: client, destination: server, protocol: IPProtocolNumber.icmp, payload: FrameBuilder.icmpEcho()))
    }

    public static func tcp6(_ flags: TCPFlags, extensions: [FrameBuilder.IPv6Extension] = [], vlanTags: [UInt16] = []) -> [UInt8] {
        FrameBuilder.ethernet(
            etherType: 0x86DD, vlanTags: vlanTags,
            payload: FrameBuilder.ipv6(
                source: client6, destination: server6, nextHeader: IPProtocolNumber.tcp,
                payload: FrameBuilder.tcp(sourcePort: 40000, destinationPort: 443, flags: flags), extensions: extensions))
    }

    public static func udp6() -> [UInt8] {
        FrameBuilder.ethernet(
            etherType: 0x86DD,
            payload: FrameBuilder.ipv6(
                source: client6, destination: server6, nextHeader: IPProtocolNumber.udp,
                payload: FrameBuilder.udp(sourcePort: 1000, destinationPort: 2000, payload: [1, 2, 3])))
    }

    public static func icmp6() -> [UInt8] {
        FrameBuilder.ethernet(
            etherType: 0x86DD,
            payload: FrameBuilder.ipv6(
                source: client6, destination: server6, nextHeader: IPProtocolNumber.icmpv6,
                payload: FrameBuilder.icmpEcho(version6: true)))
    }

    public static func arp() -> [UInt8] {
        FrameBuilder.ethernet(etherType: 0x0806, payload: [UInt8](repeating: 0, count: 28))
    }

    /// Frames whose headers are truncated or inconsistent; each is passed and counted
    /// as malformed. (All are at least 14 bytes: BPF_PROG_TEST_RUN needs an Ethernet header.)
    public static var malformed: [(name: String, frame: [UInt8], bucket: ProtocolBucket)] {
        var list: [(String, [UInt8], ProtocolBucket)] = []
        let tcp = tcp4(.syn)
        list.append(("vlan tag cut", Array(tcp4(.syn, vlanTags: [7]).prefix(16)), .other))
        list.append(("ipv4 header cut", Array(tcp.prefix(14 + 12)), .other))
        var badVersion = tcp
        badVersion[14] = 0x55
        list.append(("ipv4 version 5", badVersion, .other))
        var shortIHL = tcp
        shortIHL[14] = 0x44
        list.append(("ipv4 ihl 4", shortIHL, .other))
        var longIHL = Array(tcp.prefix(14 + 20 + 8))
        longIHL[14] = 0x4F
        list.append(("ipv4 ihl past end", longIHL, .other))
        var shortTotal = tcp
        shortTotal[16] = 0
        shortTotal[17] = 10
        list.append(("ipv4 total length < header", shortTotal, .other))
        list.append(("ipv6 header cut", Array(tcp6(.syn).prefix(14 + 30)), .other))
        list.append(("ipv6 extension cut", Array(tcp6(.syn, extensions: [.hopByHop]).prefix(14 + 40 + 4)), .other))
        list.append(("tcp header cut", Array(tcp.prefix(14 + 20 + 10)), .tcp))
        var shortOffset = tcp
        shortOffset[14 + 20 + 12] = 0x30
        list.append(("tcp data offset 3", shortOffset, .tcp))
        var longOffset = tcp
        longOffset[14 + 20 + 12] = 0xF0
        list.append(("tcp options past end", longOffset, .tcp))
        list.append(("udp header cut", Array(udp4().prefix(14 + 20 + 4)), .udp))
        var shortUDP = udp4()
        shortUDP[14 + 20 + 4] = 0
        shortUDP[14 + 20 + 5] = 4
        list.append(("udp length < 8", shortUDP, .udp))
        list.append(("icmp header cut", Array(icmp4().prefix(14 + 20 + 2)), .icmp))
        return list
    }

    /// Every TCP flag combination worth distinguishing, with what it counts as.
    public static let flagCases: [(flags: TCPFlags, syn: Int, synAck: Int, rst: Int, fin: Int)] = [
        (.syn, 1, 0, 0, 0),
        ([.syn, .ack], 0, 1, 0, 0),
        (.ack, 0, 0, 0, 0),
        ([.psh, .ack], 0, 0, 0, 0),
        (.rst, 0, 0, 1, 0),
        ([.rst, .ack], 0, 0, 1, 0),
        (.fin, 0, 0, 0, 1),
        ([.fin, .ack], 0, 0, 0, 1),
        ([.fin, .psh, .urg], 0, 0, 0, 1),
        ([], 0, 0, 0, 0),
        ([.syn, .fin], 1, 0, 0, 1),
        ([.syn, .rst], 1, 0, 1, 0),
        ([.syn, .ack, .rst, .fin, .psh, .urg, .ece, .cwr], 0, 1, 1, 1),
        ([.syn, .ece, .cwr], 1, 0, 0, 0),
    ]
}


/// Classic pcap files assembled byte by byte (nanosecond magic, Ethernet), so a test can store
/// record timestamps no recorder writes: seconds and fraction fields are written as given.
public enum ClassicPcap {
    public struct Record: Sendable {
        public var seconds: UInt32
        public var fraction: UInt32
        public var frame: [UInt8]
        public init(seconds: UInt32, fraction: UInt32 = 0, frame: [UInt8]) {
            self.seconds = seconds
            self.fraction = fraction
            self.frame = frame
        }
    }

    public static func bytes(_ records: [Record]) -> [UInt8] {
        var bytes: [UInt8] = []
        func u32(_ value: UInt32) { withUnsafeBytes(of: value.littleEndian) { bytes += $0 } }
        func u16(_ value: UInt16) { withUnsafeBytes(of: value.littleEndian) { bytes += $0 } }
        u32(0xA1B2_3C4D)  // nanosecond timestamps
        u16(2)
        u16(4)
        u32(0)
        u32(0)
        u32(262_144)
        u32(1)  // LINKTYPE_ETHERNET
        for record in records {
            u32(record.seconds)
            u32(record.fraction)
            u32(UInt32(record.frame.count))
            u32(UInt32(record.frame.count))
            bytes += record.frame
        }
        return bytes
    }
}
