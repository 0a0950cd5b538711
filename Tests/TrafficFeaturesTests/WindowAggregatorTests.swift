import Foundation
import TestSupport
import Testing

@testable import TrafficFeatures

@Suite("Window aggregation")
struct WindowAggregatorTests {
    let parser = FrameParser()

    func aggregate(_ frames: [[UInt8]], settings: AggregationSettings = AggregationSettings()) -> TrafficWindow {
        var aggregator = WindowAggregator(settings: settings)
        for frame in frames { aggregator.add(parser.parse(frame)) }
        return aggregator.close(start: Date(timeIntervalSince1970: 0), duration: 2)
    }

    @Test func countsEveryPacketInExactlyOneBucket() {
        let frames = Array(repeating: Frames.udp4(), count: 7) + Array(repeating: Frames.tcp4(.syn), count: 5)
            + Array(repeating: Frames.icmp4(), count: 3) + [Frames.arp(), Frames.tcp6(.ack), Frames.icmp6()]
        let window = aggregate(frames)
        let c = window.counters
        #expect(c.packets == 18)
        #expect(c.udpPackets == 7 && c.tcpPackets == 6 && c.icmpPackets == 4 && c.otherPackets == 1)
        #expect(c.tcpPackets + c.udpPackets + c.icmpPackets + c.otherPackets == c.packets)
        #expect(c.bytes == frames.reduce(0) { $0 + $1.count })
        #expect(c.synPackets == 5)
        #expect(c.dnsPackets == 7)
        #expect(c.ipv4Packets == 15 && c.ipv6Packets == 2 && c.nonIPPackets == 1)
        #expect(window.packetsPerSecond == 9)
        #expect(window.tcpPackets == 6 && window.udpPackets == 7 && window.icmpPackets == 4)
    }

    @Test(arguments: Frames.flagCases.indices)
    func tcpFlagCombinationsAreCountedRight(index: Int) {
        let flagCase = Frames.flagCases[index]
        let c = aggregate(Array(repeating: Frames.tcp4(flagCase.flags), count: 3)).counters
        #expect(c.synPackets == 3 * flagCase.syn)
        #expect(c.synAckPackets == 3 * flagCase.synAck)
        #expect(c.rstPackets == 3 * flagCase.rst)
        #expect(c.finPackets == 3 * flagCase.fin)
    }

    @Test func malformedPacketsAreCountedNotDropped() {
        let frames = Frames.malformed.map(\.frame)
        let c = aggregate(frames).counters
        #expect(c.packets == frames.count)
        #expect(c.malformedPackets == frames.count)
    }

    @Test func distinctPortsAndHostsPerSource() {
        let scanner = NetworkAddress(ipv4: 198, 18, 0, 9)
        var frames: [[UInt8]] = []
        for port in 1...25 {
            for _ in 0..<2 {
                frames.append(
                    FrameBuilder.frame(
                        for: PacketSummary(
                            wireLength: 60, ipVersion: .v4, ipProtocol: IPProtocolNumber.tcp, source: scanner,
                            destination: Frames.server, sourcePort: 5000, destinationPort: UInt16(port), tcpFlags: .syn)))
            }
        }
        for host in 1...4 {
            frames.append(
                FrameBuilder.frame(
                    for: PacketSummary(
                        wireLength: 98, ipVersion: .v4, ipProtocol: IPProtocolNumber.icmp, source: scanner,
                        destination: NetworkAddress(ipv4: 198, 18, 1, UInt8(host)))))
        }
        frames.append(Frames.udp4(port: 53))
        let window = aggregate(frames)
        #expect(window.uniqueIPs == 2)
        #expect(window.uniquePorts == 26)
        let top = window.topSources.first { $0.ip == "198.18.0.9" }
        #expect(top?.packets == 54)
        #expect(top?.synPackets == 50)
        #expect(top?.uniquePorts == 25)
        #expect(top?.uniqueHosts == 5)
        #expect(top?.icmpPackets == 4)
        #expect(window.topSources.first { $0.ip == "198.18.0.2" }?.dnsPackets == 1)
    }

    @Test func ipv6SourcesAreGroupedByPrefix() {
        let a = PacketSummary(
            wireLength: 80, ipVersion: .v6, ipProtocol: IPProtocolNumber.udp,
            source: NetworkAddress("2001:db8:7:7:1::1")!.maskedIPv6(prefixLength: 64), destination: Frames.server6,
            sourcePort: 1, destinationPort: 2)
        var b = a
        b.source = NetworkAddress("2001:db8:7:7:ffff::2")!.maskedIPv6(prefixLength: 64)
        let window = aggregate([FrameBuilder.frame(for: a), FrameBuilder.frame(for: b)])
        #expect(window.uniqueIPs == 1)
        #expect(window.topSources.map(\.ip) == ["2001:db8:7:7::/64"])
    }

    @Test func overflowingTheSourceTableIsCountedAndEstimated() {
        var aggregator = WindowAggregator(settings: AggregationSettings(sourceCapacity: 100))
        for index in 0..<2000 {
            aggregator.add(
                PacketSummary(
                    wireLength: 60, ipVersion: .v4, ipProtocol: IPProtocolNumber.tcp,
                    source: NetworkAddress(ipv4: 0xC612_0000 + UInt32(index)), destination: Frames.server,
                    sourcePort: 1, destinationPort: 80, tcpFlags: .syn))
        }
        let window = aggregator.close(start: nil, duration: 1)
        #expect(window.counters.packets == 2000)
        #expect(window.losses.sourceInsertFailures == 1900)
        #expect(window.uniqueIPsEstimated)
        #expect(abs(window.uniqueIPs - 2000) <= 100, "estimate \(window.uniqueIPs)")
    }

    @Test func closingStartsAnEmptyWindow() {
        var aggregator = WindowAggregator()
        aggregator.add(parser.parse(Frames.udp4()))
        _ = aggregator.close(start: nil, duration: 1)
        let next = aggregator.close(start: nil, duration: 1)
        #expect(next.counters == WindowCounters())
        #expect(next.uniqueIPs == 0 && next.uniquePorts == 0 && next.topSources.isEmpty)
    }

    @Test func topSourcesNameAQuietScannerAmongHeavyTalkers() {
        var sources = (0..<30).map { SourceStats(ip: "203.0.113.\($0)", packets: 10_000 + $0, bytes: 9_000_000, uniquePorts: 1, uniqueHosts: 1) }
        sources.append(SourceStats(ip: "198.18.0.66", packets: 40, bytes: 2400, synPackets: 40, uniquePorts: 40, uniqueHosts: 1))
        let top = TopSources.select(sources, limit: 5)
        #expect(top.contains { $0.ip == "198.18.0.66" })
        #expect(top.count <= 30)
        #expect(top.first?.ip == "203.0.113.29")
        #expect(TopSources.select(sources, limit: 0).isEmpty)
    }
}

@Suite("HyperLogLog")
struct HyperLogLogTests {
    @Test(arguments: [0, 1, 50, 1000, 20_000, 200_000])
    func estimateIsWithinThreeStandardErrors(count: Int) {
        var sketch = HyperLogLog()
        for index in 0..<count {
            sketch.add(NetworkAddress(ipv4: UInt32(truncatingIfNeeded: index &* 2_654_435_761)))
        }
        let error = abs(sketch.estimate - Double(count))
        #expect(error <= max(1, 3 * 0.0163 * Double(count)), "estimate \(sketch.estimate) for \(count)")
    }

    @Test func mergingIsTheUnion() {
        var a = HyperLogLog()
        var b = HyperLogLog()
        var both = HyperLogLog()
        for index in 0..<5000 {
            let address = NetworkAddress(ipv4: 0x0A00_0000 + UInt32(index))
            if index % 2 == 0 { a.add(address) } else { b.add(address) }
            both.add(address)
        }
        a.merge(b.registers)
        #expect(a == both)
    }

    @Test func hashMatchesTheProgramsDefinition() {
        // hash_addr() of bpf/network_monitor.bpf.c, evaluated by a C compiler on
        // x86-64 for these addresses (the kernel-vs-Swift register comparison in
        // PrivilegedTests checks the same thing end to end).
        #expect(HyperLogLog.hash(NetworkAddress(ipv4: 198, 18, 0, 2)) == 0x97a6_6f29_b602_fa16)
        #expect(HyperLogLog.hash(NetworkAddress("2001:db8:1:2::")!) == 0x94e9_f600_f5d8_be95)
    }
}

@Suite("Synthetic traffic")
struct SyntheticTrafficTests {
    let start = Date(timeIntervalSince1970: 1_795_600_800)

    @Test func sameSeedSamePackets() {
        var a = SyntheticTraffic(seed: 9)
        var b = SyntheticTraffic(seed: 9)
        var c = SyntheticTraffic(seed: 10)
        let first = a.packets(start: start, duration: 1)
        #expect(first == b.packets(start: start, duration: 1))
        #expect(first != c.packets(start: start, duration: 1))
    }

    @Test func benignTrafficLooksLikeAHost() {
        var traffic = SyntheticTraffic(profile: .init(meanPacketsPerSecond: 400), seed: 3)
        var aggregator = WindowAggregator()
        var total = WindowCounters()
        for second in 0..<10 {
            let windowStart = start.addingTimeInterval(Double(second))
            for packet in traffic.packets(start: windowStart, duration: 1) { aggregator.add(packet) }
            let window = aggregator.close(start: windowStart, duration: 1)
            #expect((200...650).contains(window.packetsPerSecond))
            #expect(window.uniqueIPs > 10)
            // Benign sources do not sweep ports or hosts within a window.
            #expect(window.topSources.allSatisfy { $0.uniquePorts <= 20 && $0.uniqueHosts <= 2 }, "\(window.topSources)")
            total.synPackets += window.counters.synPackets
            total.synAckPackets += window.counters.synAckPackets
            total.finPackets += window.counters.finPackets
            total.dnsPackets += window.counters.dnsPackets
            total.icmpPackets += window.counters.icmpPackets
            total.nonIPPackets += window.counters.nonIPPackets
            total.ipv6Packets += window.counters.ipv6Packets
            total.tcpPackets += window.counters.tcpPackets
            total.udpPackets += window.counters.udpPackets
        }
        #expect(total.tcpPackets > total.udpPackets)
        #expect(total.synPackets > 0 && total.synAckPackets > 0 && total.finPackets > 0)
        #expect(total.dnsPackets > 0 && total.icmpPackets > 0 && total.nonIPPackets > 0 && total.ipv6Packets > 0)
    }

    @Test func injectedAttacksHaveTheirShape() {
        var traffic = SyntheticTraffic(seed: 5)
        let scanner = NetworkAddress(ipv4: 198, 18, 0, 66)
        let packets = traffic.packets(
            start: start, duration: 1,
            attacks: [
                .portScan(source: scanner, ports: 1...1000, packetsPerSecond: 800),
                .udpFlood(reflectors: 50, sourcePort: 4500, packetsPerSecond: 2000),
            ])
        var aggregator = WindowAggregator()
        for packet in packets { aggregator.add(packet) }
        let window = aggregator.close(start: start, duration: 1)
        let scan = window.topSources.first { $0.ip == "198.18.0.66" }
        #expect(scan?.uniquePorts == 800)
        #expect(scan?.synPackets == 800)
        let reflectors = window.topSources.filter { $0.udpSourcePort == 4500 }
        #expect(!reflectors.isEmpty)
        #expect(window.counters.udpPackets >= 2000)
    }
}

@Suite("Feature vector")
struct FeatureVectorTests {
    @Test func sevenFiniteFeaturesInDocumentedOrder() {
        // The original design's minimal body: 1000 packets/s, 500 kB/s, 9 sources, 99 ports.
        var minimal = WindowCounters()
        (minimal.packets, minimal.bytes) = (1000, 500_000)
        (minimal.tcpPackets, minimal.udpPackets, minimal.synPackets) = (750, 250, 375)
        let window = TrafficWindow(windowStart: nil, windowSeconds: 1, counters: minimal, uniqueIPs: 9, uniquePorts: 99)
        let vector = FeatureVector(window)
        #expect(FeatureVector.names.count == 7 && vector.values.count == 7)
        #expect(vector.values[0] == log1p(1000))
        // Features 2–7 carry 20 pseudo-packets of the priors.
        #expect(vector.values[1] == (9 + 2) / 1020.0)
        #expect(vector.values[2] == (99 + 2) / 1020.0)
        #expect(vector.values[3] == (750 + 10) / 1020.0)
        #expect(vector.values[4] == (375 + 2) / 770.0)
        #expect(vector.values[5] == log((500 + 10) / 1020.0))
        #expect(vector.values[6] == 1 / 1020.0)  // the minimal body reports no DNS counts
        var counters = WindowCounters()
        counters.packets = 40
        counters.bytes = 4000
        counters.udpPackets = 40
        counters.dnsPackets = 10
        let dns = FeatureVector(TrafficWindow(windowStart: nil, windowSeconds: 1, counters: counters, uniqueIPs: 2, uniquePorts: 1))
        #expect(dns.values[6] == 11 / 60.0 && dns.values[5] == log(14 / 60.0) && dns.values[3] == 10 / 60.0)
    }

    @Test func emptyWindowTakesThePriors() {
        let vector = FeatureVector(TrafficWindow(windowStart: nil, windowSeconds: 1, counters: WindowCounters(), uniqueIPs: 0, uniquePorts: 0))
        #expect(vector.values == [0, 0.1, 0.1, 0.5, 0.1, log(0.5), 0.05])
    }
}
