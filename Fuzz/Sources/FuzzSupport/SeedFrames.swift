public import TrafficFeatures

/// Well-formed frames of every kind the parser knows (FrameBuilder), the start of the frame and
/// capture corpora.
public enum SeedFrames {
    /// Named Ethernet frames: TCP SYN, a DNS TXT query, ICMP echo, IPv6 with extension headers
    /// behind two VLAN tags, an ARP request.
    public static var ethernet: [(name: String, bytes: [UInt8])] {
        let a = NetworkAddress(ipv4: 198, 18, 0, 2), b = NetworkAddress(ipv4: 198, 18, 0, 1)
        let a6 = NetworkAddress("2001:db8::2")!, b6 = NetworkAddress("2001:db8::1")!
        return [
            ("tcp-syn", FrameBuilder.ethernet(etherType: 0x0800, payload: FrameBuilder.ipv4(
                source: a, destination: b, protocol: 6, payload: FrameBuilder.tcp(sourcePort: 40000, destinationPort: 80, flags: .syn)))),
            ("udp-dns", FrameBuilder.ethernet(etherType: 0x0800, payload: FrameBuilder.ipv4(
                source: a, destination: b, protocol: 17,
                payload: FrameBuilder.udp(
                    sourcePort: 5353, destinationPort: 53, payload: FrameBuilder.dnsMessage(name: "a.example.org", type: 16))))),
            ("icmp-echo", FrameBuilder.ethernet(etherType: 0x0800, payload: FrameBuilder.ipv4(
                source: a, destination: b, protocol: 1, payload: FrameBuilder.icmpEcho()))),
            ("ipv6-ext-tcp", FrameBuilder.ethernet(etherType: 0x86DD, vlanTags: [10, 20], payload: FrameBuilder.ipv6(
                source: a6, destination: b6, nextHeader: 6,
                payload: FrameBuilder.tcp(sourcePort: 1, destinationPort: 443, flags: [.fin, .psh, .urg]),
                extensions: [.hopByHop, .routing, .fragment(offset: 0, moreFragments: true)]))),
            ("arp", FrameBuilder.ethernet(etherType: 0x0806, payload: FrameBuilder.arpRequest(sender: a, target: b))),
        ]
    }
}
