import Foundation
import Logging
import Synchronization
import TestSupport
import Testing
import TrafficFeatures

@testable import EBPFCapture

let testLogger: Logger = {
    var logger = Logger(label: "privileged-tests")
    logger.logLevel = .error
    return logger
}()

let xdpPass: UInt32 = 2

/// The kernel program and the Swift aggregator on the same frames.
struct Differential {
    let program: NetworkMonitorProgram
    var aggregator: WindowAggregator
    let parser: FrameParser

    init(configuration: ProgramConfiguration = ProgramConfiguration()) throws {
        program = try NetworkMonitorProgram(configuration: configuration, logger: testLogger)
        aggregator = WindowAggregator(
            settings: AggregationSettings(ipv6SourcePrefixLength: configuration.ipv6SourcePrefixLength, topSourceLimit: 100_000))
        parser = FrameParser(ipv6SourcePrefixLength: configuration.ipv6SourcePrefixLength)
    }

    mutating func run(_ frame: [UInt8]) throws {
        #expect(try program.testRun(frame: frame) == xdpPass)
        aggregator.add(parser.parse(frame))
    }

    /// Closes both windows and returns them (kernel first).
    mutating func close() throws -> (kernel: TrafficWindow, swift: TrafficWindow) {
        let both = try closeWithDetail()
        return (both.kernel, both.swift)
    }

    /// Closes both windows and returns them with their pairs (kernel first).
    mutating func closeWithDetail() throws -> (
        kernel: TrafficWindow, swift: TrafficWindow, kernelDetail: WindowDetail, swiftDetail: WindowDetail
    ) {
        let collected = try program.collectWindow()
        let kernel = collected.trafficWindow(start: nil, duration: 1, interface: nil, sequence: nil, topSourceLimit: 100_000)
        let swift = aggregator.closeWithDetail(start: nil, duration: 1)
        return (kernel, swift.window, collected.detail, swift.detail)
    }
}

extension SourceStats {
    /// The statistics without the UDP source port the source last used: the program keeps that
    /// per CPU, and BPF_PROG_TEST_RUN runs on whichever CPU the test thread is on, so kernel and
    /// Swift may report different ports of the same source.
    var withoutUDPSourcePort: SourceStats {
        var source = self
        source.udpSourcePort = nil
        return source
    }
}

@Suite(
    "XDP program on hand-built frames (BPF_PROG_TEST_RUN)",
    .requires(TestNetwork.isPrivileged, "needs root (CAP_BPF, CAP_PERFMON)"))
struct ProgramTestRunTests {
    @Test func countsEachProtocolExactlyAndLikeTheSwiftParser() throws {
        var run = try Differential()
        let frames = Array(repeating: Frames.udp4(), count: 7) + Array(repeating: Frames.tcp4(.syn), count: 5)
            + Array(repeating: Frames.icmp4(), count: 3) + [Frames.arp(), Frames.tcp6(.ack), Frames.icmp6()]
            + Array(repeating: Frames.udp6(), count: 2)
        for frame in frames { try run.run(frame) }
        let (kernel, swift) = try run.close()
        let c = kernel.counters
        #expect(c.packets == 20)
        #expect(c.udpPackets == 9 && c.tcpPackets == 6 && c.icmpPackets == 4 && c.otherPackets == 1)
        #expect(c.bytes == frames.reduce(0) { $0 + $1.count })
        #expect(c.synPackets == 5 && c.dnsPackets == 7)
        #expect(c.ipv4Packets == 15 && c.ipv6Packets == 4 && c.nonIPPackets == 1)
        #expect(kernel.counters == swift.counters)
        #expect(kernel.uniquePorts == swift.uniquePorts)
        #expect(kernel.uniqueIPs == swift.uniqueIPs)
        #expect(kernel.topSources == swift.topSources)
    }

    @Test(arguments: Frames.flagCases.indices)
    func everyTCPFlagCombinationIsCountedRight(index: Int) throws {
        let flagCase = Frames.flagCases[index]
        var run = try Differential()
        for _ in 0..<3 { try run.run(Frames.tcp4(flagCase.flags)) }
        for _ in 0..<2 { try run.run(Frames.tcp6(flagCase.flags)) }
        let (kernel, swift) = try run.close()
        #expect(kernel.counters.synPackets == 5 * flagCase.syn)
        #expect(kernel.counters.synAckPackets == 5 * flagCase.synAck)
        #expect(kernel.counters.rstPackets == 5 * flagCase.rst)
        #expect(kernel.counters.finPackets == 5 * flagCase.fin)
        #expect(kernel.counters == swift.counters)
    }

    @Test(arguments: [[UInt16](), [10], [10, 20]])
    func readsThroughVLANTags(tags: [UInt16]) throws {
        var run = try Differential()
        try run.run(Frames.tcp4(.syn, port: 22, vlanTags: tags))
        try run.run(Frames.tcp6(.syn, vlanTags: tags))
        let (kernel, swift) = try run.close()
        #expect(kernel.counters.tcpPackets == 2 && kernel.counters.synPackets == 2)
        #expect(kernel.uniquePorts == 2)
        #expect(kernel.counters == swift.counters)
    }

    @Test(arguments: [
        [FrameBuilder.IPv6Extension.hopByHop], [.routing, .destinationOptions],
        [.hopByHop, .authentication, .destinationOptions], [.fragment(offset: 0, moreFragments: true)],
        [.fragment(offset: 8, moreFragments: false)],
    ])
    func skipsIPv6ExtensionHeaders(extensions: [FrameBuilder.IPv6Extension]) throws {
        var run = try Differential()
        try run.run(Frames.tcp6(.syn, extensions: extensions))
        let (kernel, swift) = try run.close()
        #expect(kernel.counters.tcpPackets == 1)
        #expect(kernel.counters.malformedPackets == 0)
        #expect(kernel.counters == swift.counters)
        #expect(kernel.topSources == swift.topSources)
    }

    @Test(arguments: Frames.malformed.map(\.name))
    func malformedHeadersArePassedAndCounted(name: String) throws {
        let entry = Frames.malformed.first { $0.name == name }!
        var run = try Differential()
        try run.run(entry.frame)
        let (kernel, swift) = try run.close()
        #expect(kernel.counters.packets == 1)
        #expect(kernel.counters.malformedPackets == 1)
        #expect(kernel.counters.count(of: entry.bucket).packets == 1)
        #expect(kernel.counters == swift.counters)
        #expect(kernel.topSources == swift.topSources)
    }

    @Test func syntheticTrafficWithAttacksMatchesTheSwiftAggregator() throws {
        var run = try Differential()
        var traffic = SyntheticTraffic(seed: 77)
        let attacks: [SyntheticTraffic.Attack] = [
            .portScan(source: NetworkAddress(ipv4: 198, 18, 0, 66), ports: 1...2000, packetsPerSecond: 1200),
            .synFlood(source: nil, port: 80, packetsPerSecond: 800),
            .udpFlood(reflectors: 40, sourcePort: 4500, packetsPerSecond: 600),
            .hostSweep(source: NetworkAddress(ipv4: 198, 18, 0, 67), hosts: 200, firstHost: NetworkAddress(ipv4: 198, 18, 4, 0)),
            .dnsTunnel(source: NetworkAddress(ipv4: 198, 18, 0, 68), queriesPerSecond: 100),
        ]
        for second in 0..<2 {
            let packets = traffic.packets(start: Date(timeIntervalSince1970: Double(second)), duration: 1, attacks: attacks)
            for packet in packets { try run.run(FrameBuilder.frame(for: packet)) }
            let (kernel, swift) = try run.close()
            #expect(kernel.counters.packets == packets.count)
            #expect(kernel.counters == swift.counters)
            #expect(kernel.uniquePorts == swift.uniquePorts)
            #expect(kernel.uniqueIPs == swift.uniqueIPs)
            // The program keeps the last UDP source port per CPU, and BPF_PROG_TEST_RUN runs on
            // whichever CPU the test thread is on: merged over CPUs, a source that used several
            // ports (the DNS tunnel's client) reports one of them, not necessarily the last.
            var portsUsed: [String: Set<Int>] = [:]
            for packet in packets where packet.bucket == .udp {
                guard let source = packet.source, let port = packet.sourcePort else { continue }
                portsUsed[source.sourceLabel(ipv6PrefixLength: 64), default: []].insert(Int(port))
            }
            #expect(kernel.topSources.map(\.withoutUDPSourcePort) == swift.topSources.map(\.withoutUDPSourcePort))
            for source in kernel.topSources {
                let used = portsUsed[source.ip] ?? []
                if used.count == 1 {
                    #expect(source.udpSourcePort == used.first, "\(source.ip)")
                } else {
                    #expect(source.udpSourcePort.map(used.contains) ?? used.isEmpty, "\(source.ip): \(source.udpSourcePort ?? -1)")
                }
            }
            #expect(kernel.losses.isEmpty)
            #expect(kernel.topSources.first { $0.ip == "198.18.0.66" }?.uniquePorts == 1200)
            #expect(kernel.topSources.first { $0.ip == "198.18.0.67" }?.uniqueHosts == 200)
        }
    }

    /// Repeats of the same packet take the per-CPU source cache; what is still pending
    /// there at the window's end is merged by user space.
    @Test func floodsAreAttributedExactlyThroughTheSourceCache() throws {
        var run = try Differential()
        let other = FrameBuilder.frame(
            for: PacketSummary(
                wireLength: 70, ipVersion: .v4, ipProtocol: IPProtocolNumber.udp, source: NetworkAddress(ipv4: 198, 18, 0, 9),
                destination: Frames.server, sourcePort: 53, destinationPort: 5000))
        for _ in 0..<1000 { try run.run(Frames.tcp4(.syn, port: 80)) }
        try run.run(other)
        for _ in 0..<500 { try run.run(Frames.tcp4(.syn, port: 80)) }
        for _ in 0..<700 { try run.run(Frames.udp4(port: 53)) }  // still pending when the window closes
        let (kernel, swift) = try run.close()
        #expect(kernel.topSources == swift.topSources)
        let flood = try #require(kernel.topSources.first { $0.ip == "198.18.0.2" })
        #expect(flood.packets == 2200 && flood.synPackets == 1500 && flood.udpPackets == 700 && flood.dnsPackets == 700)
        #expect(flood.uniquePorts == 2 && flood.uniqueHosts == 1)
        #expect(flood.udpSourcePort == 5353)
        // The next window starts with an empty cache.
        try run.run(Frames.udp4(port: 53))
        let (next, _) = try run.close()
        #expect(next.topSources.map(\.packets) == [1])
    }

    @Test func ipv6SourcesAreGroupedByTheConfiguredPrefix() throws {
        for prefix in [48, 64, 128] {
            var run = try Differential(configuration: ProgramConfiguration(ipv6SourcePrefixLength: prefix))
            for address in ["2001:db8:1:2::1", "2001:db8:1:2::2", "2001:db8:1:3::1"] {
                let packet = PacketSummary(
                    wireLength: 80, ipVersion: .v6, ipProtocol: IPProtocolNumber.udp, source: NetworkAddress(address)!,
                    destination: Frames.server6, sourcePort: 1, destinationPort: 2)
                try run.run(FrameBuilder.frame(for: packet))
            }
            let (kernel, swift) = try run.close()
            #expect(kernel.uniqueIPs == [48: 1, 64: 2, 128: 3][prefix])
            #expect(kernel.topSources == swift.topSources)
        }
    }

    /// Windows rotate while another thread keeps running the program: every packet
    /// lands in exactly one window.
    @Test func noPacketIsLostOrCountedTwiceAtWindowBoundaries() async throws {
        final class Progress: Sendable {
            let sent = Atomic<Int>(0)
            let done = Atomic<Bool>(false)
            let finished = DispatchSemaphore(value: 0)
        }
        let program = try NetworkMonitorProgram(logger: testLogger)
        let frame = Frames.udp4()
        let progress = Progress()
        let sender = Thread {
            for _ in 0..<400 where (try? program.testRun(frame: frame, repeat: 100)) == xdpPass {
                progress.sent.add(100, ordering: .relaxed)
            }
            progress.done.store(true, ordering: .releasing)
            progress.finished.signal()
        }
        sender.start()
        var windows: [Int] = []
        while !progress.done.load(ordering: .acquiring) {
            windows.append(try program.collectWindow().counters.packets)
        }
        progress.finished.wait()
        windows.append(try program.collectWindow().counters.packets)
        #expect(progress.sent.load(ordering: .relaxed) == 40_000)
        #expect(windows.reduce(0, +) == 40_000)
        #expect(windows.filter { $0 > 0 }.count > 3, "rotations did not interleave: \(windows)")
    }

    @Test func evictionsAreCountedAndUniqueIPsComesFromTheSketch() throws {
        let program = try NetworkMonitorProgram(configuration: ProgramConfiguration(sourceTableEntries: 64), logger: testLogger)
        var sketch = HyperLogLog()
        let count = 3000
        for index in 0..<count {
            let source = NetworkAddress(ipv4: 0xC612_0000 + UInt32(index))
            sketch.add(source)
            let packet = PacketSummary(
                wireLength: 60, ipVersion: .v4, ipProtocol: IPProtocolNumber.tcp, source: source, destination: Frames.server,
                sourcePort: 1, destinationPort: 80, tcpFlags: .syn)
            try program.testRun(frame: FrameBuilder.frame(for: packet))
        }
        let kernel = try program.collectWindow()
        // The kernel's registers are the Swift sketch of the same addresses, bit for bit.
        #expect(kernel.sketch == sketch)
        #expect(kernel.sourceInserts == count)
        #expect(kernel.losses.sourceEntriesEvicted == count - kernel.sourceEntries)
        #expect(kernel.losses.sourceEntriesEvicted > 0)
        let window = kernel.trafficWindow(start: nil, duration: 1, interface: nil, sequence: nil, topSourceLimit: 10)
        #expect(window.uniqueIPsEstimated)
        #expect(abs(window.uniqueIPs - count) <= count / 20, "estimate \(window.uniqueIPs)")
        #expect(window.counters.packets == count)
    }

    @Test func aFullRingBufferLosesEventsCountably() throws {
        let program = try NetworkMonitorProgram(
            configuration: ProgramConfiguration(sampleEvery: 1, ringBufferBytes: 4096), logger: testLogger)
        for _ in 0..<500 { try program.testRun(frame: Frames.udp4()) }
        let kernel = try program.collectWindow()
        #expect(kernel.sampledEvents + kernel.ringBufferReserveFailures == 500)
        #expect(kernel.ringBufferReserveFailures > 0)
        #expect(kernel.losses.sampledEventsLost == kernel.ringBufferReserveFailures)
    }

    @Test func sampledEventsCarryThePacket() async throws {
        let program = try NetworkMonitorProgram(configuration: ProgramConfiguration(sampleEvery: 1), logger: testLogger)
        let reader = try SampledPacketReader(eventsMapFD: program.eventsMapFD)
        reader.start()
        defer { reader.stop() }
        let before = Date()
        try program.testRun(frame: Frames.tcp4(.syn, port: 8080))
        try program.testRun(frame: Frames.udp4(port: 53))
        let after = Date()
        var events: [SampledPacket] = []
        for _ in 0..<50 where events.count < 2 {
            try await Task.sleep(for: .milliseconds(50))
            events = reader.events
        }
        #expect(events.count == 2)
        #expect(events.first?.source == "198.18.0.2")
        #expect(events.first?.destinationPort == 8080)
        #expect(events.first?.tcpFlags == Int(TCPFlags.syn.rawValue))
        #expect(events.last?.ipProtocol == 17)
        // Kernel monotonic time converted to wall time: within the test run's interval.
        let stamp = try #require(events.first?.timestamp)
        #expect(stamp >= before.addingTimeInterval(-0.01) && stamp <= after.addingTimeInterval(0.01), "\(before) \(stamp) \(after)")
    }

    @Test func loadsAnObjectFileAndRefusesACorruptOne() throws {
        let good = NSTemporaryDirectory() + "nm-\(UUID().uuidString).o"
        let bad = NSTemporaryDirectory() + "nm-\(UUID().uuidString).o"
        defer {
            try? FileManager.default.removeItem(atPath: good)
            try? FileManager.default.removeItem(atPath: bad)
        }
        try NetworkMonitorProgram.embeddedObject.write(to: URL(fileURLWithPath: good))
        let program = try NetworkMonitorProgram(configuration: ProgramConfiguration(objectPath: good), logger: testLogger)
        #expect(try program.testRun(frame: Frames.icmp4()) == xdpPass)
        #expect(try program.collectWindow().counters.icmpPackets == 1)

        var corrupt = NetworkMonitorProgram.embeddedObject
        corrupt.replaceSubrange(0..<64, with: [UInt8](repeating: 0xAB, count: 64))
        try corrupt.write(to: URL(fileURLWithPath: bad))
        #expect {
            _ = try NetworkMonitorProgram(configuration: ProgramConfiguration(objectPath: bad), logger: testLogger)
        } throws: { ($0 as? CaptureError)?.code == .invalidObject }
        #expect {
            _ = try NetworkMonitorProgram(configuration: ProgramConfiguration(ringBufferBytes: 5000), logger: testLogger)
        } throws: { ($0 as? CaptureError)?.code == .invalidConfiguration }
    }

    @Test func sharedStructuresHaveTheLayoutTheProgramUses() {
        // The same sizes are _Static_assert-ed in bpf/network_monitor.h; the counters' part comes
        // from bpf/counters.def (CounterLayout is generated from it).
        #expect(NetworkMonitorProgram.layoutSizes == [
            "nm_counters": CounterLayout.windowCounterBytes,
            "nm_source_stats": CounterLayout.sourceCounterBytes + 2 * 4 + 2 * 2 + 4,
            "nm_source_cache": 32 + 8 + CounterLayout.cachedCounterBytes + 2 * 2 + 2 + 2 + 4 + 4, "nm_port_pair_key": 20,
            "nm_host_pair_key": 32,
            "nm_event": 56, "nm_config": 16, "nm_dns_event": 320,
        ])
    }
}
