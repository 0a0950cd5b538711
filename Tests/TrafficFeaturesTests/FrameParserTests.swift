import Foundation
import TestSupport
import Testing

@testable import TrafficFeatures

@Suite("Frame parsing")
struct FrameParserTests {
    let parser = FrameParser()

    @Test func parsesIPv4Transports() {
        let tcp = parser.parse(Frames.tcp4(.syn, port: 8080))
        #expect(tcp.bucket == .tcp)
        #expect(tcp.source == Frames.client)
        #expect(tcp.destination == Frames.server)
        #expect(tcp.sourcePort == 40000)
        #expect(tcp.destinationPort == 8080)
        #expect(tcp.tcpFlags == .syn)
        #expect(!tcp.isMalformed)

        let udp = parser.parse(Frames.udp4())
        #expect(udp.bucket == .udp)
        #expect(udp.isDNS)
        #expect(udp.wireLength == 14 + 20 + 8 + 20)

        let icmp = parser.parse(Frames.icmp4())
        #expect(icmp.bucket == .icmp)
        #expect(icmp.sourcePort == nil)
    }

    @Test func parsesIPv6AndGroupsSourcesPerPrefix() {
        let tcp = parser.parse(Frames.tcp6([.syn, .ack]))
        #expect(tcp.ipVersion == .v6)
        #expect(tcp.source == NetworkAddress("2001:db8:1:2::")!)
        #expect(tcp.source?.sourceLabel(ipv6PrefixLength: 64) == "2001:db8:1:2::/64")
        #expect(tcp.destination == Frames.server6)
        #expect(tcp.tcpFlags.isSynAck)

        let full = FrameParser(ipv6SourcePrefixLength: 128).parse(Frames.tcp6(.syn))
        #expect(full.source == Frames.client6)

        #expect(parser.parse(Frames.udp6()).bucket == .udp)
        #expect(parser.parse(Frames.icmp6()).bucket == .icmp)
    }

    @Test(arguments: [
        [FrameBuilder.IPv6Extension.hopByHop],
        [.routing, .destinationOptions],
        [.hopByHop, .authentication, .destinationOptions],
        [.fragment(offset: 0, moreFragments: true)],
    ])
    func skipsIPv6ExtensionHeaders(extensions: [FrameBuilder.IPv6Extension]) {
        let packet = parser.parse(Frames.tcp6(.syn, extensions: extensions))
        #expect(packet.bucket == .tcp)
        #expect(packet.destinationPort == 443)
        #expect(!packet.isMalformed)
    }

    @Test func nonFirstFragmentsHaveNoPorts() {
        let v6 = parser.parse(Frames.tcp6(.syn, extensions: [.fragment(offset: 3, moreFragments: false)]))
        #expect(v6.isFragment)
        #expect(v6.bucket == .tcp)
        #expect(v6.destinationPort == nil)

        let later = FrameBuilder.ethernet(
            etherType: 0x0800,
            payload: FrameBuilder.ipv4(
                source: Frames.client, destination: Frames.server, protocol: IPProtocolNumber.udp,
                payload: [UInt8](repeating: 0, count: 64), fragmentOffset: 185))
        let v4 = parser.parse(later)
        #expect(v4.isFragment && v4.bucket == .udp && v4.destinationPort == nil && !v4.isMalformed)
    }

    @Test(arguments: [[UInt16](), [100], [100, 200]])
    func readsThroughVLANTags(tags: [UInt16]) {
        let packet = parser.parse(Frames.tcp4(.syn, port: 22, vlanTags: tags))
        #expect(packet.bucket == .tcp)
        #expect(packet.destinationPort == 22)
    }

    @Test func moreThanTwoVLANTagsIsNotIP() {
        let packet = parser.parse(Frames.tcp4(.syn, vlanTags: [1, 2, 3]))
        #expect(packet.ipVersion == nil)
        #expect(packet.bucket == .other)
    }

    @Test(arguments: Frames.malformed.map(\.name))
    func truncatedAndInconsistentHeadersAreMalformed(name: String) {
        let entry = Frames.malformed.first { $0.name == name }!
        let packet = parser.parse(entry.frame)
        #expect(packet.isMalformed)
        #expect(!packet.isCaptureTruncated)
        #expect(packet.bucket == entry.bucket)
        #expect(packet.wireLength == entry.frame.count)
    }

    @Test func snapLengthCutsAreNotMalformed() {
        let frame = Frames.tcp4(.syn)
        let packet = parser.parse(Array(frame.prefix(40)), wireLength: frame.count)
        #expect(packet.isCaptureTruncated)
        #expect(!packet.isMalformed)
        #expect(packet.wireLength == frame.count)
        #expect(packet.bucket == .tcp)
    }

    @Test(arguments: Frames.flagCases.map(\.flags.rawValue))
    func tcpFlagsAreReadFromTheHeader(raw: UInt8) {
        #expect(parser.parse(Frames.tcp4(TCPFlags(rawValue: raw))).tcpFlags.rawValue == raw)
    }

    @Test func otherLinkTypes() {
        let ip = Array(Frames.udp4().dropFirst(14))
        #expect(FrameParser(linkType: .rawIP).parse(ip).destinationPort == 53)
        let cooked = [UInt8](repeating: 0, count: 14) + [0x08, 0x00] + ip
        #expect(FrameParser(linkType: .linuxCooked).parse(cooked).destinationPort == 53)
        let cooked2 = [0x08, 0x00] + [UInt8](repeating: 0, count: 18) + ip
        #expect(FrameParser(linkType: .linuxCooked2).parse(cooked2).destinationPort == 53)
        let loopback = [2, 0, 0, 0] + ip
        #expect(FrameParser(linkType: .bsdLoopback).parse(loopback).destinationPort == 53)
        #expect(FrameParser.LinkType(pcapLinkType: 105) == nil)
    }

    @Test func builtFramesParseBackToTheirSummary() {
        var traffic = SyntheticTraffic(seed: 42)
        let attacks: [SyntheticTraffic.Attack] = [
            .portScan(source: NetworkAddress(ipv4: 198, 18, 0, 66), ports: 1...1000, packetsPerSecond: 300),
            .hostSweep(source: NetworkAddress(ipv4: 198, 18, 0, 67), hosts: 20, firstHost: NetworkAddress(ipv4: 198, 18, 1, 1)),
            .dnsTunnel(source: NetworkAddress(ipv4: 198, 18, 0, 68), queriesPerSecond: 50),
        ]
        let packets = traffic.packets(start: Date(timeIntervalSince1970: 1_795_600_800), duration: 2, attacks: attacks)
        #expect(packets.count > 500)
        for packet in packets {
            let frame = FrameBuilder.frame(for: packet)
            #expect(parser.parse(frame) == packet, "\(packet)")
        }
    }
}
