import Foundation
import Testing

@testable import TrafficFeatures

/// Per-source probe horizons over consecutive windows.
@Suite("Probe horizons")
struct ProbeHorizonsTests {
    static let victim = NetworkAddress(ipv4: 198, 18, 0, 1)
    static let scanner = NetworkAddress(ipv4: 198, 18, 0, 66)

    static func syn(_ from: NetworkAddress, to: NetworkAddress = victim, port: UInt16) -> PacketSummary {
        PacketSummary(
            wireLength: 60, ipVersion: .v4, ipProtocol: IPProtocolNumber.tcp, source: from, destination: to,
            sourcePort: 40000, destinationPort: port, tcpFlags: .syn)
    }

    /// Runs windows of 1 s through an aggregator and an enrichment; returns each window.
    struct Stream {
        var aggregator = WindowAggregator()
        var enrichment: WindowEnrichment
        var second = 0

        init(_ configuration: ProbeHorizons.Configuration = .init()) {
            enrichment = WindowEnrichment(horizons: configuration)
        }

        mutating func window(_ packets: [PacketSummary]) -> TrafficWindow {
            for packet in packets { aggregator.add(packet) }
            var (window, detail) = aggregator.closeWithDetail(
                start: Date(timeIntervalSince1970: 1_800_000_000 + Double(second)), duration: 1, sequence: second)
            enrichment.enrich(&window, detail: detail)
            second += 1
            return window
        }
    }

    static func entry(_ window: TrafficWindow, _ horizon: Double, _ source: NetworkAddress = scanner) -> HorizonSource? {
        window.probeHorizons.first { $0.horizonSeconds == horizon && $0.ip == source.description }
    }

    @Test func aSlowScanAddsUpOverEachHorizon() throws {
        var stream = Stream()
        for k in 1...70 {
            let window = stream.window([Self.syn(Self.scanner, port: UInt16(k))])
            // No horizon shorter than or equal to the window is reported.
            #expect(window.probeHorizons.allSatisfy { $0.horizonSeconds > 1 })
            if k >= 2 {
                let ten = try #require(Self.entry(window, 10), "window \(k)")
                #expect(ten.uniquePorts == min(k, 10))
                #expect(ten.probes == min(k, 10) && ten.connectionAttempts == min(k, 10) && ten.windows == min(k, 10))
                #expect(try #require(Self.entry(window, 60)).uniquePorts == min(k, 60))
                #expect(try #require(Self.entry(window, 300)).uniquePorts == k)
            }
        }
    }

    @Test func aScannerRepeatingWhatItProbedIsNotReportedAgain() throws {
        var stream = Stream()
        let scan = stream.window((1...40).map { Self.syn(Self.scanner, port: UInt16($0)) })
        #expect(try #require(Self.entry(scan, 300)).newPorts == 40)
        // Later, one connection to a port it scanned: remembered, but nothing new.
        _ = stream.window([])
        let again = stream.window([Self.syn(Self.scanner, port: 22)])
        #expect(again.probeHorizons.isEmpty)
        // A port it never probed: reported again, with the horizon's count.
        let more = stream.window([Self.syn(Self.scanner, port: 4444)])
        let entry = try #require(Self.entry(more, 300))
        #expect(entry.newPorts == 1 && entry.uniquePorts == 41)
    }

    @Test func repliesAndKnownFlowsAreNotProbedPorts() {
        var stream = Stream()
        let resolver = NetworkAddress(ipv4: 198, 18, 0, 53)
        var window = TrafficWindow(windowStart: nil, windowSeconds: 1, counters: WindowCounters(), uniqueIPs: 0, uniquePorts: 0)
        for second in 0..<20 {
            var packets: [PacketSummary] = []
            for index in 0..<10 {
                packets.append(
                    PacketSummary(
                        wireLength: 120, ipVersion: .v4, ipProtocol: IPProtocolNumber.udp, source: resolver,
                        destination: Self.victim, sourcePort: 53, destinationPort: UInt16(30_000 + second * 10 + index)))
            }
            window = stream.window(packets)
        }
        #expect(window.probeHorizons.isEmpty)
        #expect(window.horizonMemory == HorizonMemory(sources: 0, entries: 0))
    }

    @Test func aSweepIsCountedPerSubnet() throws {
        var stream = Stream()
        var window: TrafficWindow?
        for second in 0..<5 {
            let packets = (0..<10).map { index in
                PacketSummary(
                    wireLength: 98, ipVersion: .v4, ipProtocol: IPProtocolNumber.icmp, source: Self.scanner,
                    destination: NetworkAddress(ipv4: 198, 19, 1, UInt8(second * 10 + index + 1)), icmpType: 8)
            }
            window = stream.window(packets)
        }
        let last = try #require(window)
        let entry = try #require(Self.entry(last, 10))
        #expect(entry.uniqueHosts == 50 && entry.subnetHosts == 50)
        #expect(entry.busiestSubnet == "198.19.1.0/24")
        #expect(entry.uniquePorts == 0)
    }

    @Test func spoofedOneProbeSourcesCannotPushAScannerOut() throws {
        var stream = Stream(.init(sourceCapacity: 8))
        _ = stream.window((1...30).map { Self.syn(Self.scanner, port: UInt16($0)) })
        var evicted = 0
        for round in 0..<3 {
            let spoofed = (0..<100).map { index in
                Self.syn(NetworkAddress(ipv4: 0xC612_8000 + UInt32(round * 100 + index)), port: 80)
            }
            let window = stream.window(spoofed + [Self.syn(Self.scanner, port: UInt16(100 + round))])
            evicted += window.losses.horizonSourcesEvicted
            #expect(try #require(window.horizonMemory).sources <= 8)
            #expect(try #require(Self.entry(window, 10)).uniquePorts == 30 + round + 1)
        }
        #expect(evicted >= 3 * 100 - 8)
    }

    @Test func thePerSourceBoundCapsAndCounts() throws {
        var stream = Stream(.init(perSourceCapacity: 64))
        _ = stream.window([Self.syn(Self.scanner, port: 1)])
        let window = stream.window((2...101).map { Self.syn(Self.scanner, port: UInt16($0)) })
        let entry = try #require(Self.entry(window, 10))
        #expect(entry.capped)
        #expect(entry.uniquePorts <= 64 && entry.uniquePorts >= 64 - 8)
        #expect(window.losses.horizonEntriesEvicted == 101 - entry.uniquePorts)
    }

    @Test func aSourceIdleForTheLongestHorizonIsForgotten() throws {
        var stream = Stream(.init(horizons: [10, 60]))
        let first = stream.window((1...20).map { Self.syn(Self.scanner, port: UInt16($0)) })
        #expect(first.horizonMemory?.sources == 1)
        var window = first
        for _ in 0..<60 { window = stream.window([]) }
        #expect(window.horizonMemory == HorizonMemory(sources: 0, entries: 0))
    }

    @Test func windowsMergeBeyondTheirBoundAndKeepTheirTotals() throws {
        var stream = Stream(.init(windowsPerSource: 8))
        var window: TrafficWindow?
        for k in 1...40 { window = stream.window([Self.syn(Self.scanner, port: UInt16(k))]) }
        let last = try #require(window)
        let entry = try #require(Self.entry(last, 300))
        #expect(entry.probes == 40 && entry.connectionAttempts == 40)
        #expect(entry.windows <= 8)
        #expect(try #require(window?.horizonMemory).entries == 40 + 1 + entry.windows)  // ports, the one host, windows
    }

    @Test func horizonListsParseWithUnitsAndNameWhatIsWrong() throws {
        #expect(try ProbeHorizons.Configuration.parseHorizons("10s, 1m,5m,1h") == [10, 60, 300, 3600])
        #expect(try ProbeHorizons.Configuration.parseHorizons("1,10,60,300") == [1, 10, 60, 300])
        #expect(throws: HorizonConfigurationError(item: "0", reason: "must be a duration within 1 s ... 1 day")) {
            try ProbeHorizons.Configuration.parseHorizons("10,0")
        }
        #expect(throws: HorizonConfigurationError.self) { try ProbeHorizons.Configuration.parseHorizons("ten") }
        #expect(throws: HorizonConfigurationError.self) { try ProbeHorizons.Configuration.parseHorizons("10,,60") }
    }

    @Test func reflectorsAreGroupedByVictimKindAndPort() {
        var aggregator = WindowAggregator()
        for index in 0..<30 {
            let reflector = NetworkAddress(ipv4: 0xC612_9000 + UInt32(index))
            aggregator.add(
                PacketSummary(
                    wireLength: 60, ipVersion: .v4, ipProtocol: IPProtocolNumber.tcp, source: reflector,
                    destination: Self.victim, sourcePort: 80, destinationPort: UInt16(1000 + index), tcpFlags: [.syn, .ack]))
        }
        for index in 0..<12 {
            let server = NetworkAddress(ipv4: 0xC612_A000 + UInt32(index))
            for _ in 0..<3 {
                aggregator.add(
                    PacketSummary(
                        wireLength: 480, ipVersion: .v4, ipProtocol: IPProtocolNumber.udp, source: server,
                        destination: Self.victim, sourcePort: 123, destinationPort: 44_444))
            }
        }
        // One DNS answer is no reflection.
        aggregator.add(
            PacketSummary(
                wireLength: 90, ipVersion: .v4, ipProtocol: IPProtocolNumber.udp, source: NetworkAddress(ipv4: 198, 18, 0, 53),
                destination: Self.victim, sourcePort: 53, destinationPort: 5555))
        let (_, detail) = aggregator.closeWithDetail(start: nil, duration: 1)
        #expect(ReflectionTargets.find(in: detail) == [
            ReflectionTarget(victim: "198.18.0.1", kind: .tcpBackscatter, reflectors: 30, packets: 30, bytes: 30 * 60),
            ReflectionTarget(victim: "198.18.0.1", kind: .udp, port: 123, reflectors: 12, packets: 36, bytes: 36 * 480),
        ])
    }
}
