import Foundation
import Synchronization
import TestSupport
import Testing
import TrafficFeatures

@testable import EBPFCapture

/// Every probe kind, counted by the kernel per source exactly as the Swift aggregator counts it.
@Suite(
    "Probe kinds in the kernel (BPF_PROG_TEST_RUN)",
    .requires(TestNetwork.isPrivileged, "needs root (CAP_BPF, CAP_PERFMON)"))
struct ProbeKindTests {
    static func host(_ last: UInt8) -> NetworkAddress { NetworkAddress(ipv4: 198, 18, 0, last) }
    static let target = Frames.server

    static func tcp(_ from: NetworkAddress, _ flags: TCPFlags, port: UInt16, sourcePort: UInt16 = 40000) -> [UInt8] {
        FrameBuilder.frame(
            for: PacketSummary(
                wireLength: 60, ipVersion: .v4, ipProtocol: IPProtocolNumber.tcp, source: from, destination: target,
                sourcePort: sourcePort, destinationPort: port, tcpFlags: flags))
    }

    static func udp(_ from: NetworkAddress, sourcePort: UInt16, port: UInt16, to: NetworkAddress = target) -> [UInt8] {
        FrameBuilder.frame(
            for: PacketSummary(
                wireLength: 80, ipVersion: .v4, ipProtocol: IPProtocolNumber.udp, source: from, destination: to,
                sourcePort: sourcePort, destinationPort: port))
    }

    static func icmp(_ from: NetworkAddress, to: NetworkAddress, type: UInt8) -> [UInt8] {
        FrameBuilder.frame(
            for: PacketSummary(
                wireLength: 98, ipVersion: .v4, ipProtocol: IPProtocolNumber.icmp, source: from, destination: to, icmpType: type))
    }

    static func icmp6(type: UInt8) -> [UInt8] {
        FrameBuilder.frame(
            for: PacketSummary(
                wireLength: 98, ipVersion: .v6, ipProtocol: IPProtocolNumber.icmpv6, source: Frames.client6,
                destination: Frames.server6, icmpType: type))
    }

    static func arp(_ sender: NetworkAddress, asks target: NetworkAddress, operation: UInt16 = 1) -> [UInt8] {
        var payload = FrameBuilder.arpRequest(sender: sender, target: target)
        payload[7] = UInt8(operation)
        return FrameBuilder.ethernet(etherType: 0x0806, payload: payload, destination: [UInt8](repeating: 0xFF, count: 6))
    }

    @Test func everyProbeKindIsCountedPerSourceLikeTheSwiftAggregator() throws {
        var run = try Differential()
        let (ackScanner, stealth, maimon, client, udpScanner, pinger, arpSweeper, reflector, ntp) =
            (Self.host(10), Self.host(11), Self.host(12), Self.host(13), Self.host(14), Self.host(15), Self.host(16),
             Self.host(17), Self.host(18))
        // nmap -sA: ACKs to 20 ports; a second ACK on a learned flow is not a probe.
        for port in UInt16(1)...20 { try run.run(Self.tcp(ackScanner, .ack, port: port)) }
        try run.run(Self.tcp(ackScanner, .ack, port: 1))
        // -sF, -sN, -sX: 10 ports each.
        for port in UInt16(1)...10 {
            try run.run(Self.tcp(stealth, .fin, port: port))
            try run.run(Self.tcp(stealth, [], port: 100 + port))
            try run.run(Self.tcp(stealth, [.fin, .psh, .urg], port: 200 + port))
        }
        // -sM (Maimon): FIN/ACK to 10 ports.
        for port in UInt16(1)...10 { try run.run(Self.tcp(maimon, [.fin, .ack], port: port)) }
        // A real connection: its ACKs belong to the flow its SYN opened.
        try run.run(Self.tcp(client, .syn, port: 80, sourcePort: 50000))
        for _ in 0..<3 { try run.run(Self.tcp(client, [.psh, .ack], port: 80, sourcePort: 50000)) }
        try run.run(Self.tcp(client, [.fin, .ack], port: 80, sourcePort: 50000))
        // -sU: 15 ports from a client port; a repeat to a known port is not a new probe.
        for port in UInt16(1)...15 { try run.run(Self.udp(udpScanner, sourcePort: 40001, port: port)) }
        try run.run(Self.udp(udpScanner, sourcePort: 40001, port: 1))
        // -PE / -PP: 12 echo and 3 timestamp requests to other hosts; replies are not probes.
        for last in UInt8(1)...12 { try run.run(Self.icmp(pinger, to: NetworkAddress(ipv4: 198, 19, 1, last), type: 8)) }
        for last in UInt8(20)...22 { try run.run(Self.icmp(pinger, to: NetworkAddress(ipv4: 198, 19, 1, last), type: 13)) }
        try run.run(Self.icmp(pinger, to: Self.target, type: 0))
        try run.run(Self.icmp6(type: 128))
        try run.run(Self.icmp6(type: 128))
        try run.run(Self.icmp6(type: 129))
        // An ARP sweep of 25 addresses; a gratuitous ARP and a reply are not probes.
        for last in UInt8(1)...25 { try run.run(Self.arp(arpSweeper, asks: NetworkAddress(ipv4: 198, 19, 2, last))) }
        try run.run(Self.arp(arpSweeper, asks: arpSweeper))
        try run.run(Self.arp(arpSweeper, asks: Self.target, operation: 2))
        // Backscatter: SYN-ACKs and RSTs; reflection: UDP from NTP's port; STUN's port is a service.
        for port in UInt16(1000)...1007 { try run.run(Self.tcp(reflector, [.syn, .ack], port: port, sourcePort: 80)) }
        for port in UInt16(2000)...2002 { try run.run(Self.tcp(reflector, [.rst, .ack], port: port, sourcePort: 80)) }
        for port in UInt16(3000)...3003 { try run.run(Self.udp(ntp, sourcePort: 123, port: port)) }
        try run.run(Self.udp(ntp, sourcePort: 3478, port: 3478))

        let (kernel, swift, kernelDetail, swiftDetail) = try run.closeWithDetail()
        #expect(kernel.counters == swift.counters)
        #expect(kernel.topSources == swift.topSources)
        #expect(kernelDetail == swiftDetail)

        let c = kernel.counters
        #expect(c.ackProbePackets == 20 + 10)
        #expect(c.stealthProbePackets == 30)
        #expect(c.udpProbePackets == 15)
        #expect(c.icmpProbePackets == 12 + 3 + 2)
        #expect(c.arpRequestPackets == 25)
        #expect(c.udpReflectionPackets == 4)
        #expect(c.synPackets == 1)
        #expect(c.probePackets == 30 + 30 + 15 + 17 + 25 + 1)

        func source(_ address: NetworkAddress) throws -> SourceStats {
            try #require(kernel.topSources.first { $0.ip == address.description })
        }
        #expect(try source(ackScanner).ackProbes == 20)
        #expect(try source(ackScanner).uniquePorts == 20)
        #expect(try source(stealth).stealthProbes == 30)
        #expect(try source(maimon).ackProbes == 10)
        #expect(try source(client).probePackets == 1)
        #expect(try source(client).ackProbes == 0)
        #expect(try source(udpScanner).udpProbes == 15)
        #expect(try source(pinger).icmpProbes == 15)
        #expect(try source(pinger).uniqueHosts == 16)
        #expect(try source(arpSweeper).arpRequests == 25)
        #expect(try source(arpSweeper).uniqueHosts == 25)
        #expect(try source(reflector).synAckPackets == 8)
        #expect(try source(reflector).rstPackets == 3)
        #expect(try source(reflector).probePackets == 0)
        #expect(try source(ntp).udpReflectionPackets == 4)
        #expect(try source(ntp).udpProbes == 0)

        // The pairs say what opened them.
        #expect(kernelDetail.ports[ackScanner]?.values.allSatisfy { $0 == .probe } == true)
        #expect(kernelDetail.ports[ackScanner]?.count == 20)
        #expect(kernelDetail.hosts[arpSweeper]?.count == 25)
        #expect(kernelDetail.hosts[reflector]?[Self.target] == .backscatter)
        #expect(kernelDetail.hosts[ntp]?[Self.target] == .udpReflection)
        #expect(kernelDetail.hosts[client]?[Self.target] == .probe)
        #expect(kernelDetail.ports[client]?[80] == .probe)
    }

    @Test func flowsOutliveWindowsAndAnUnknownFlowCostsOneACKProbe() throws {
        var run = try Differential()
        let client = Self.host(20)
        try run.run(Self.tcp(client, .syn, port: 443, sourcePort: 51000))
        _ = try run.close()
        // The next window: the handshake's ACK and the data belong to a known flow.
        try run.run(Self.tcp(client, .ack, port: 443, sourcePort: 51000))
        try run.run(Self.tcp(client, [.psh, .ack], port: 443, sourcePort: 51000))
        // A connection opened before the program saw it: one ACK probe, then known.
        for _ in 0..<5 { try run.run(Self.tcp(client, [.psh, .ack], port: 22, sourcePort: 52000)) }
        let (kernel, swift) = try run.close()
        #expect(kernel.counters == swift.counters)
        #expect(kernel.topSources == swift.topSources)
        #expect(kernel.counters.ackProbePackets == 1)
    }

    @Test("a full flow table counts its evictions, through the element counter and through the scan that replaces it", arguments: [false, true])
    func aFullFlowTableCountsItsEvictions(scanning: Bool) throws {
        let program = try NetworkMonitorProgram(configuration: ProgramConfiguration(flowTableEntries: 256), logger: testLogger)
        // As after a failure of the element counter (or on a kernel without it).
        if scanning { program.flowAccounting.withLock { $0.counterFailed = true } }
        for index in 0..<2000 {
            try program.testRun(frame: Self.tcp(Self.host(21), .syn, port: 80, sourcePort: UInt16(10_000 + index)))
        }
        let window = try program.collectWindow()
        #expect(window.flowInserts + window.flowInsertFailures == 2000)
        #expect(window.flowsEvicted > 0)
        #expect(window.flowsEvicted <= 2000 - 1)
        #expect(window.losses.flowsEvicted == window.flowsEvicted)
        // Exactly what left the table: the flows inserted minus the entries a scan finds.
        #expect(window.flowsEvicted == window.flowInserts - (try program.flowTableEntriesByScan()))
    }

    /// Linux 6.6 added the element counters the flow table is counted with.
    static var kernelCountsMapElements: Bool {
        var name = utsname()
        uname(&name)
        let release = withUnsafeBytes(of: name.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let parts = release.split(whereSeparator: { !$0.isNumber }).prefix(2).compactMap { Int($0) }
        return parts.count == 2 && (parts[0], parts[1]) >= (6, 6)
    }

    @Test("the flow table's entries come from the kernel's element counter, equal to a scan, without reading the table")
    func theFlowTableIsCountedWithoutAScan() throws {
        let program = try NetworkMonitorProgram(configuration: ProgramConfiguration(flowTableEntries: 4096), logger: testLogger)
        guard Self.kernelCountsMapElements else {
            #expect(program.flowCounter == nil)
            return
        }
        let counter = try #require(program.flowCounter, "Linux 6.6 or later, and no element counter")
        #expect(try counter.count() == 0)
        for index in 0..<1000 {
            try program.testRun(frame: Self.tcp(Self.host(22), .syn, port: 80, sourcePort: UInt16(20_000 + index)))
        }
        // Repeats of known flows add nothing.
        for index in 0..<100 {
            try program.testRun(frame: Self.tcp(Self.host(22), .ack, port: 80, sourcePort: UInt16(20_000 + index)))
        }
        #expect(try counter.count() == 1000)
        #expect(try program.flowTableEntriesByScan() == 1000)
        let window = try program.collectWindow()
        #expect(window.flowInserts == 1000 && window.flowsEvicted == 0)
    }

    @Test func dnsMessagesReachUserSpaceWithTheirQuestion() throws {
        let program = try NetworkMonitorProgram(logger: testLogger)
        let reader = try DNSMessageReader(mapFD: program.dnsEventsMapFD)
        let query = FrameBuilder.ethernet(
            etherType: 0x0800,
            payload: FrameBuilder.ipv4(
                source: Frames.client, destination: Frames.server, protocol: IPProtocolNumber.udp,
                payload: FrameBuilder.udp(
                    sourcePort: 40000, destinationPort: 53, payload: FrameBuilder.dnsMessage(name: "Q1.Tunnel.Test", type: 16))))
        let answer = FrameBuilder.ethernet(
            etherType: 0x86DD,
            payload: FrameBuilder.ipv6(
                source: Frames.server6, destination: Frames.client6, nextHeader: IPProtocolNumber.udp,
                payload: FrameBuilder.udp(
                    sourcePort: 53, destinationPort: 40000,
                    payload: FrameBuilder.dnsMessage(name: "www.example.com", type: 28, response: true))))
        let garbage = FrameBuilder.ethernet(
            etherType: 0x0800,
            payload: FrameBuilder.ipv4(
                source: Frames.client, destination: Frames.server, protocol: IPProtocolNumber.udp,
                payload: FrameBuilder.udp(sourcePort: 40001, destinationPort: 53, payload: [1, 2, 3])))
        for frame in [query, answer, garbage, Frames.tcp4(.syn, port: 53)] { try program.testRun(frame: frame) }
        let window = try program.collectWindow()
        #expect(window.dnsSamples == 3 && window.dnsSamplesLost == 0)
        reader.consumeNow()
        let taken = reader.take()
        #expect(taken.questions == [
            DNSObservation(client: Frames.client, question: DNSQuestion(name: "q1.tunnel.test", type: 16, isResponse: false)),
            // A response counts for its destination, with its full IPv6 address.
            DNSObservation(client: Frames.client6, question: DNSQuestion(name: "www.example.com", type: 28, isResponse: true)),
        ])
        #expect(taken.unparsed == 1 && taken.dropped == 0)
    }

    @Test func withoutDNSSamplingNothingIsCopied() throws {
        let program = try NetworkMonitorProgram(configuration: ProgramConfiguration(dnsSampling: false), logger: testLogger)
        try program.testRun(frame: Frames.udp4(port: 53))
        #expect(try program.collectWindow().dnsSamples == 0)
    }
}
