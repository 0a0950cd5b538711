public import Foundation

/// Repeatable synthetic traffic as seen on one host's interface: benign sessions with
/// a daily rhythm, and optional injected attacks.
///
/// The benign model mixes inbound web/SSH sessions (SYN, requests, ACKs, FIN, the
/// odd RST), replies to the host's own downloads (SYN-ACK then full-size segments),
/// QUIC over UDP 443, DNS replies, ICMP echo from a monitoring host, IPv6 clients and
/// ARP. The packet rate follows `meanPacketsPerSecond` scaled by a daily sine
/// (`diurnalAmplitude`) and Poisson noise. Remote addresses come from documentation
/// ranges (198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32); the host and attackers use
/// 198.18.0.0/15. The same seed yields the same packets.
public struct SyntheticTraffic: Sendable {
    /// The host whose traffic is generated and the shape of its benign traffic.
    public struct Profile: Sendable, Equatable {
        /// The host's IPv4 address: the destination of the benign IPv4 traffic and of port scans,
        /// SYN floods and UDP floods.
        public var host: NetworkAddress
        /// The host's IPv6 address: the destination of the IPv6 web sessions.
        public var hostIPv6: NetworkAddress
        /// The mean benign packet rate in packets per second, before the daily cycle and the
        /// burstiness are applied.
        public var meanPacketsPerSecond: Double
        /// Distinct remote clients that visit (popularity is Zipf-like).
        public var clientPopulation: Int
        /// Relative amplitude of the daily rate cycle (0 = flat).
        public var diurnalAmplitude: Double
        /// Share of sessions that are QUIC (UDP 443) flows; the other kinds keep their
        /// relative proportions. 0.16 by default; mobile clients reach 0.8 and more.
        public var quicShare: Double
        /// How much the host's activity swings from one second to the next, in [0, 2]: the
        /// standard deviation of the step of an AR(1) process (coefficient 0.6) on the logarithm
        /// of the rate, kept mean-preserving and within ×0.1…×5 of the mean. 0 (the default) keeps
        /// the rate steady (Poisson around the daily cycle); clients and phones that go idle and
        /// then start an app or load a page are around 0.6–0.9. When the activity jumps, the host
        /// receives the answers of a burst of DNS lookups first.
        public var burstiness: Double

        /// A profile; `quicShare` is clamped to 0…1 and `burstiness` to 0…2 (a non-finite
        /// `burstiness` becomes 0). The defaults describe a server at 198.18.0.1 and 2001:db8:ffff::1
        /// with 300 packets/s from 200 clients, a daily amplitude of 0.25, a QUIC share of 0.16 and a
        /// steady rate.
        public init(
            host: NetworkAddress = NetworkAddress(ipv4: 198, 18, 0, 1),
            hostIPv6: NetworkAddress = NetworkAddress("2001:db8:ffff::1")!,
            meanPacketsPerSecond: Double = 300,
            clientPopulation: Int = 200,
            diurnalAmplitude: Double = 0.25,
            quicShare: Double = 0.16,
            burstiness: Double = 0
        ) {
            self.host = host
            self.hostIPv6 = hostIPv6
            self.meanPacketsPerSecond = meanPacketsPerSecond
            self.clientPopulation = clientPopulation
            self.diurnalAmplitude = diurnalAmplitude
            self.quicShare = min(1, max(0, quicShare))
            self.burstiness = burstiness.isFinite ? min(2, max(0, burstiness)) : 0
        }
    }

    /// An attack mixed into a window's benign traffic.
    public enum Attack: Sendable, Equatable {
        /// SYNs from one source to distinct ports of the host (random order, no repeats).
        case portScan(source: NetworkAddress, ports: ClosedRange<UInt16>, packetsPerSecond: Int)
        /// SYNs to one port, from `source` or, when nil, from random spoofed sources in 198.18.0.0/15.
        case synFlood(source: NetworkAddress?, port: UInt16, packetsPerSecond: Int)
        /// Large UDP datagrams from many reflectors (198.18.128.0/17) sharing one source port (amplification).
        case udpFlood(reflectors: Int, sourcePort: UInt16, packetsPerSecond: Int)
        /// ICMP echo requests from one source to `hosts` consecutive addresses.
        case hostSweep(source: NetworkAddress, hosts: Int, firstHost: NetworkAddress)
        /// Long DNS queries from one source to a resolver (tunnelling).
        case dnsTunnel(source: NetworkAddress, queriesPerSecond: Int)
    }

    /// The profile the generator follows; a change applies from the next call of
    /// ``packets(start:duration:attacks:)``.
    public var profile: Profile
    private var rng: SplitMix64
    /// The logarithm of the current activity multiplier (see ``Profile/burstiness``).
    private var logActivity = 0.0

    /// A generator for `profile`. The same profile and seed give the same sequence of packets.
    ///
    /// - Parameters:
    ///   - profile: The host and its benign traffic.
    ///   - seed: The seed of the generator's ``SplitMix64``.
    public init(profile: Profile = Profile(), seed: UInt64 = 1) {
        self.profile = profile
        self.rng = SplitMix64(seed: seed)
    }

    /// The packets of one window starting at `start` and lasting `duration` seconds.
    public mutating func packets(start: Date, duration: Double, attacks: [Attack] = []) -> [PacketSummary] {
        var packets: [PacketSummary] = []
        let (activity, lookups) = nextActivity()
        let target = poisson(mean: profile.meanPacketsPerSecond * diurnalFactor(at: start) * activity * duration)
        packets.reserveCapacity(target)
        while packets.count < target {
            appendSession(to: &packets)
        }
        if packets.count > target { packets.removeLast(packets.count - target) }
        if lookups { dnsLookupBurst(&packets) }
        for attack in attacks {
            append(attack, duration: duration, to: &packets)
        }
        packets.shuffle(using: &rng)
        return packets
    }

    // MARK: - Benign sessions

    private func diurnalFactor(at date: Date) -> Double {
        let seconds = date.timeIntervalSince1970.truncatingRemainder(dividingBy: 86_400)
        // Peak in the afternoon (15:00 UTC), trough at night.
        return max(0.05, 1 + profile.diurnalAmplitude * sin(2 * .pi * (seconds / 86_400 - 0.375)))
    }

    /// Advances the activity process by one window: the rate multiplier, and whether the
    /// activity jumped (something started, so a burst of DNS answers arrives first).
    private mutating func nextActivity() -> (multiplier: Double, lookups: Bool) {
        let sigma = profile.burstiness
        guard sigma > 0 else { return (1, false) }
        let phi = 0.6
        let previous = logActivity
        logActivity = min(log(5), max(log(0.1), phi * logActivity + sigma * gaussian()))
        // exp(X) of a stationary AR(1) has mean exp(var / 2): divide it out to keep the mean rate.
        let variance = sigma * sigma / (1 - phi * phi)
        return (exp(logActivity - variance / 2), logActivity - previous > sigma)
    }

    /// The answers to a handful of lookups an application makes when it starts.
    private mutating func dnsLookupBurst(_ packets: inout [PacketSummary]) {
        for _ in 0..<Int.random(in: 1...4, using: &rng) { dnsReplies(&packets) }
    }

    private mutating func appendSession(to packets: inout [PacketSummary]) {
        var kind = Double.random(in: 0..<1, using: &rng)
        // The default mix has QUIC in [0.70, 0.86); other shares rescale the rest around it.
        let quic = profile.quicShare
        if quic != 0.16 {
            if kind < quic {
                kind = 0.70 + 0.16 * (kind / quic)
            } else {
                let rest = (kind - quic) / (1 - quic) * 0.84
                kind = rest < 0.70 ? rest : rest + 0.16
            }
        }
        switch kind {
        case ..<0.42: inboundWebSession(&packets)
        case ..<0.70: downloadReplies(&packets)
        case ..<0.86: quicFlow(&packets)
        case ..<0.94: dnsReplies(&packets)
        case ..<0.97: ipv6WebSession(&packets)
        case ..<0.99: icmpEcho(&packets)
        default: packets.append(PacketSummary(wireLength: 60))  // ARP
        }
    }

    private mutating func client() -> NetworkAddress {
        // Zipf-like popularity: low indices visit far more often.
        let u = Double.random(in: 0..<1, using: &rng)
        let index = Int(pow(Double(profile.clientPopulation), u)) - 1
        let subnet: UInt8 = index % 2 == 0 ? 113 : 100
        let base: UInt8 = subnet == 113 ? 203 : 198
        let third: UInt8 = subnet == 113 ? 0 : 51
        return NetworkAddress(ipv4: base, third, subnet, UInt8(1 + index / 2 % 254))
    }

    private mutating func ephemeralPort() -> UInt16 { UInt16.random(in: 32_768...60_999, using: &rng) }

    private mutating func inboundWebSession(_ packets: inout [PacketSummary]) {
        let source = client()
        let portChoice = Double.random(in: 0..<1, using: &rng)
        let port: UInt16 = portChoice < 0.75 ? 443 : portChoice < 0.93 ? 80 : portChoice < 0.98 ? 22 : 8443
        tcpSession(from: source, to: profile.host, sourcePort: ephemeralPort(), port: port, server: false, &packets)
    }

    private mutating func ipv6WebSession(_ packets: inout [PacketSummary]) {
        let suffix = UInt16.random(in: 1...40, using: &rng)
        let source = NetworkAddress("2001:db8:\(suffix):1::\(suffix)")!.maskedIPv6(prefixLength: 64)
        tcpSession(from: source, to: profile.hostIPv6, sourcePort: ephemeralPort(), port: 443, server: false, &packets)
    }

    private mutating func downloadReplies(_ packets: inout [PacketSummary]) {
        let server = NetworkAddress(ipv4: 203, 0, 113, UInt8.random(in: 10...60, using: &rng))
        tcpSession(from: server, to: profile.host, sourcePort: 443, port: ephemeralPort(), server: true, &packets)
    }

    /// One TCP conversation as the host receives it: the client's side (SYN, requests,
    /// ACKs, FIN) or the server's side of the host's own download (SYN-ACK, full segments).
    private mutating func tcpSession(
        from source: NetworkAddress, to destination: NetworkAddress, sourcePort: UInt16, port: UInt16,
        server: Bool, _ packets: inout [PacketSummary]
    ) {
        let v6 = !source.isIPv4
        let header = v6 ? 74 : 54
        func segment(_ flags: TCPFlags, _ payload: Int) -> PacketSummary {
            PacketSummary(
                wireLength: max(60, header + payload), ipVersion: v6 ? .v6 : .v4, ipProtocol: IPProtocolNumber.tcp,
                source: source, destination: destination, sourcePort: sourcePort, destinationPort: port,
                tcpFlags: flags)
        }
        packets.append(segment(server ? [.syn, .ack] : .syn, 20))
        let exchanges = 3 + geometric(mean: server ? 14 : 7)
        for _ in 0..<exchanges {
            let payload: Int
            if server {
                payload = Double.random(in: 0..<1, using: &rng) < 0.85 ? 1460 : Int.random(in: 200...1460, using: &rng)
            } else {
                payload = Double.random(in: 0..<1, using: &rng) < 0.6 ? 0 : Int.random(in: 80...900, using: &rng)
            }
            packets.append(segment(payload > 0 ? [.psh, .ack] : .ack, payload))
        }
        packets.append(segment(Double.random(in: 0..<1, using: &rng) < 0.03 ? [.rst, .ack] : [.fin, .ack], 0))
    }

    private mutating func quicFlow(_ packets: inout [PacketSummary]) {
        let server = NetworkAddress(ipv4: 203, 0, 113, UInt8.random(in: 100...140, using: &rng))
        let port = ephemeralPort()
        for _ in 0..<(2 + geometric(mean: 10)) {
            packets.append(
                PacketSummary(
                    wireLength: Int.random(in: 1200...1392, using: &rng), ipVersion: .v4,
                    ipProtocol: IPProtocolNumber.udp, source: server, destination: profile.host, sourcePort: 443,
                    destinationPort: port))
        }
    }

    private mutating func dnsReplies(_ packets: inout [PacketSummary]) {
        let resolver = NetworkAddress(ipv4: 198, 51, 100, 53)
        for _ in 0..<Int.random(in: 1...3, using: &rng) {
            packets.append(
                PacketSummary(
                    wireLength: Int.random(in: 90...420, using: &rng), ipVersion: .v4, ipProtocol: IPProtocolNumber.udp,
                    source: resolver, destination: profile.host, sourcePort: 53, destinationPort: ephemeralPort()))
        }
    }

    private mutating func icmpEcho(_ packets: inout [PacketSummary]) {
        packets.append(
            PacketSummary(
                wireLength: 98, ipVersion: .v4, ipProtocol: IPProtocolNumber.icmp,
                source: NetworkAddress(ipv4: 198, 51, 100, 10), destination: profile.host, icmpType: 8))
    }

    // MARK: - Attacks

    private mutating func append(_ attack: Attack, duration: Double, to packets: inout [PacketSummary]) {
        switch attack {
        case let .portScan(source, ports, rate):
            let count = min(Int(Double(rate) * duration), ports.count)
            var chosen = Set<UInt16>()
            while chosen.count < count {
                chosen.insert(UInt16.random(in: ports, using: &rng))
            }
            let sourcePort = ephemeralPort()
            for port in chosen.sorted() {
                packets.append(
                    PacketSummary(
                        wireLength: 60, ipVersion: .v4, ipProtocol: IPProtocolNumber.tcp, source: source,
                        destination: profile.host, sourcePort: sourcePort, destinationPort: port, tcpFlags: .syn))
            }
        case let .synFlood(source, port, rate):
            for _ in 0..<Int(Double(rate) * duration) {
                let from = source ?? NetworkAddress(ipv4: 0xC612_0000 + UInt32.random(in: 0..<0x2_0000, using: &rng))
                packets.append(
                    PacketSummary(
                        wireLength: 60, ipVersion: .v4, ipProtocol: IPProtocolNumber.tcp, source: from,
                        destination: profile.host, sourcePort: ephemeralPort(), destinationPort: port, tcpFlags: .syn))
            }
        case let .udpFlood(reflectors, sourcePort, rate):
            for _ in 0..<Int(Double(rate) * duration) {
                let index = UInt32.random(in: 0..<UInt32(max(1, reflectors)), using: &rng)
                packets.append(
                    PacketSummary(
                        wireLength: Int.random(in: 900...1400, using: &rng), ipVersion: .v4,
                        ipProtocol: IPProtocolNumber.udp, source: NetworkAddress(ipv4: 0xC612_8000 + index),
                        destination: profile.host, sourcePort: sourcePort, destinationPort: ephemeralPort()))
            }
        case let .hostSweep(source, hosts, firstHost):
            let first = firstHost.ipv4Value ?? 0xC612_0100
            for offset in 0..<UInt32(max(0, hosts)) {
                packets.append(
                    PacketSummary(
                        wireLength: 98, ipVersion: .v4, ipProtocol: IPProtocolNumber.icmp, source: source,
                        destination: NetworkAddress(ipv4: first &+ offset), icmpType: 8))
            }
        case let .dnsTunnel(source, rate):
            for _ in 0..<Int(Double(rate) * duration) {
                packets.append(
                    PacketSummary(
                        wireLength: Int.random(in: 180...300, using: &rng), ipVersion: .v4,
                        ipProtocol: IPProtocolNumber.udp, source: source,
                        destination: NetworkAddress(ipv4: 198, 51, 100, 53), sourcePort: ephemeralPort(),
                        destinationPort: 53))
            }
        }
    }

    // MARK: - Distributions

    private mutating func poisson(mean: Double) -> Int {
        guard mean > 0 else { return 0 }
        if mean > 50 {
            // Normal approximation for large means.
            return max(0, Int((mean + gaussian() * mean.squareRoot()).rounded()))
        }
        let limit = exp(-mean)
        var product = Double.random(in: 0..<1, using: &rng)
        var count = 0
        while product > limit {
            count += 1
            product *= Double.random(in: 0..<1, using: &rng)
        }
        return count
    }

    private mutating func gaussian() -> Double {
        let u1 = Double.random(in: Double.ulpOfOne..<1, using: &rng)
        let u2 = Double.random(in: 0..<1, using: &rng)
        return (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
    }

    private mutating func geometric(mean: Double) -> Int {
        let p = 1 / (1 + mean)
        let u = Double.random(in: Double.ulpOfOne..<1, using: &rng)
        return Int(log(u) / log(1 - p))
    }
}
