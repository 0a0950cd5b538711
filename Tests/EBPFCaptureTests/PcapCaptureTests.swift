import Foundation
import Logging
import Testing
import Synchronization
import TestSupport
import TrafficFeatures

@testable import EBPFCapture

let quietLogger: Logger = {
    var logger = Logger(label: "capture-tests")
    logger.logLevel = .critical
    return logger
}()

/// A temporary file removed when the value goes away.
final class TemporaryFile: Sendable {
    let path: String
    init(_ suffix: String = ".pcap") {
        path = NSTemporaryDirectory() + "nm-test-\(UUID().uuidString)\(suffix)"
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
}

func collect(_ source: any WindowSource) async throws -> [TrafficWindow] {
    var windows: [TrafficWindow] = []
    for try await window in source.windows() { windows.append(window) }
    return windows
}

enum TestFrames {
    static let client = NetworkAddress(ipv4: 198, 18, 0, 2)
    static let server = NetworkAddress(ipv4: 198, 18, 0, 1)

    static func syn(port: UInt16, from source: NetworkAddress = client) -> [UInt8] {
        FrameBuilder.frame(
            for: PacketSummary(
                wireLength: 60, ipVersion: .v4, ipProtocol: IPProtocolNumber.tcp, source: source, destination: server,
                sourcePort: 40000, destinationPort: port, tcpFlags: .syn))
    }

    static func udp(bytes: Int = 200) -> [UInt8] {
        FrameBuilder.frame(
            for: PacketSummary(
                wireLength: bytes, ipVersion: .v4, ipProtocol: IPProtocolNumber.udp, source: client, destination: server,
                sourcePort: 5000, destinationPort: 9999))
    }
}

@Suite("pcap replay")
struct PcapCaptureTests {
    let t0 = 1_795_514_400.0

    @Test func windowsFollowTheCapturesTimestamps() async throws {
        let file = TemporaryFile()
        let writer = try PcapWriter(path: file.path)
        writer.write(TestFrames.syn(port: 1), timestamp: t0)
        writer.write(TestFrames.syn(port: 2), seconds: Int(t0), nanoseconds: 999_999_999)
        writer.write(TestFrames.udp(), timestamp: t0 + 1.5)
        writer.write(TestFrames.udp(), timestamp: t0 + 3.25)
        writer.close()

        let capture = try PcapCapture(configuration: .init(path: file.path), logger: quietLogger)
        let windows = try await collect(capture)
        #expect(windows.map(\.counters.packets) == [2, 1, 0, 1])
        #expect(windows.map(\.sequence) == [0, 1, 2, 3])
        #expect(windows.map(\.windowStart) == (0..<4).map { Date(timeIntervalSince1970: t0 + Double($0)) })
        #expect(windows.allSatisfy { $0.windowSeconds == 1 && $0.source == .pcap })
        #expect(windows[0].synPackets == 2)
        #expect(windows[0].uniquePorts == 2)
        #expect(windows[0].topSources.first?.ip == "198.18.0.2")
    }

    @Test func replayEqualsAggregatingTheSamePacketsDirectly() async throws {
        var traffic = SyntheticTraffic(seed: 11)
        let start = Date(timeIntervalSince1970: t0)
        let packets = traffic.packets(
            start: start, duration: 1,
            attacks: [.portScan(source: NetworkAddress(ipv4: 198, 18, 0, 66), ports: 1...2000, packetsPerSecond: 1500)])
        var aggregator = WindowAggregator()
        let file = TemporaryFile()
        let writer = try PcapWriter(path: file.path)
        for (index, packet) in packets.enumerated() {
            aggregator.add(packet)
            writer.write(FrameBuilder.frame(for: packet), timestamp: t0 + Double(index) / Double(packets.count))
        }
        writer.close()
        var (expected, detail) = aggregator.closeWithDetail(start: start, duration: 1, source: .pcap, sequence: 0)
        // The generated frames' DNS packets carry zeros, not DNS messages: each is counted as unparsed.
        expected.losses.dnsUnparsed = packets.count { $0.bucket == .udp && $0.isDNS }
        #expect(expected.losses.dnsUnparsed > 0)
        var enrichment = WindowEnrichment()
        enrichment.enrich(&expected, detail: detail)

        let windows = try await collect(try PcapCapture(configuration: .init(path: file.path), logger: quietLogger))
        #expect(windows.count == 1)
        #expect(windows.first == expected)
        #expect(windows.first?.topSources.first { $0.ip == "198.18.0.66" }?.uniquePorts == 1500)
    }

    @Test func snapLengthCutsAreCountedAsCaptureLosses() async throws {
        let file = TemporaryFile()
        let writer = try PcapWriter(path: file.path)
        let frame = TestFrames.syn(port: 80)
        writer.write(Array(frame.prefix(30)), timestamp: t0, wireLength: frame.count)
        writer.write(frame, timestamp: t0 + 0.1)
        writer.close()
        let window = try #require(try await collect(try PcapCapture(configuration: .init(path: file.path), logger: quietLogger)).first)
        #expect(window.counters.packets == 2)
        #expect(window.counters.bytes == 2 * frame.count)
        #expect(window.counters.malformedPackets == 0)
        #expect(window.losses.captureTruncatedPackets == 1)
    }

    @Test func aClockJumpRestartsTheWindowGrid() async throws {
        let file = TemporaryFile()
        let writer = try PcapWriter(path: file.path)
        writer.write(TestFrames.udp(), timestamp: t0)
        writer.write(TestFrames.udp(), timestamp: t0 + 86_400 * 30)
        writer.close()
        let windows = try await collect(
            try PcapCapture(configuration: .init(path: file.path, maximumGap: .seconds(60)), logger: quietLogger))
        #expect(windows.count == 2)
        #expect(windows[1].windowStart == Date(timeIntervalSince1970: t0 + 86_400 * 30))
    }

    @Test func aCaptureThatJumpsBackwardStartsANewGrid() async throws {
        // Two recordings concatenated: 0 s, 1 s, 2 s, then the second copy from 0.5 s again;
        // a packet 0.2 s out of order stays in the window it arrives in.
        let file = TemporaryFile()
        let writer = try PcapWriter(path: file.path)
        for second in 0..<3 { writer.write(TestFrames.udp(), timestamp: t0 + Double(second) + 0.1) }
        writer.write(TestFrames.udp(), timestamp: t0 + 1.95)
        for second in 0..<2 { writer.write(TestFrames.syn(port: 22), timestamp: t0 + 0.5 + Double(second)) }
        writer.close()
        let windows = try await collect(try PcapCapture(configuration: .init(path: file.path), logger: quietLogger))
        #expect(windows.map(\.counters.packets) == [1, 1, 2, 1, 1])
        #expect(windows.map(\.counters.synPackets) == [0, 0, 0, 1, 1])
        #expect(windows[3].windowStart == Date(timeIntervalSince1970: t0 + 0.5))
    }

    @Test func aTruncatedFileYieldsItsWindowsThenAnError() async throws {
        let file = TemporaryFile()
        let writer = try PcapWriter(path: file.path)
        for index in 0..<20 { writer.write(TestFrames.udp(), timestamp: t0 + Double(index) * 0.5) }
        writer.close()
        let size = try FileManager.default.attributesOfItem(atPath: file.path)[.size] as! Int
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: file.path))
        try handle.truncate(atOffset: UInt64(size - 100))
        try handle.close()

        var windows: [TrafficWindow] = []
        do {
            for try await window in try PcapCapture(configuration: .init(path: file.path), logger: quietLogger).windows() {
                windows.append(window)
            }
            Issue.record("no error for a truncated capture")
        } catch let error as CaptureError {
            #expect(error.code == .captureFileCorrupt)
            #expect(error.description.contains(file.path))
        }
        #expect(windows.reduce(0) { $0 + $1.counters.packets } == 19)
    }

    @Test func unreadableFilesAreRefusedAtOpen() throws {
        let text = TemporaryFile(".txt")
        try Data("not a capture".utf8).write(to: URL(fileURLWithPath: text.path))
        #expect(throws: CaptureError.self) { try PcapCapture(configuration: .init(path: text.path), logger: quietLogger) }
        do {
            _ = try PcapCapture(configuration: .init(path: "/nonexistent/x.pcap"), logger: quietLogger)
        } catch let error as CaptureError {
            #expect(error.code == .captureFileUnreadable)
        }

        let wifi = TemporaryFile()
        let writer = try PcapWriter(path: wifi.path, linkType: 105)
        writer.write([UInt8](repeating: 0, count: 40), timestamp: t0)
        writer.close()
        do {
            _ = try PcapCapture(configuration: .init(path: wifi.path), logger: quietLogger)
            Issue.record("802.11 capture accepted")
        } catch let error as CaptureError {
            #expect(error.code == .unsupportedLinkType)
            #expect(error.description.contains("105"))
        }
    }
}

@Suite("Simulation source")
struct SimulatedCaptureTests {
    static func configuration(attacks: [SimulatedCapture.ScheduledAttack] = []) -> SimulatedCapture.Configuration {
        .init(
            seed: 21, attacks: attacks, pacing: .asFastAsPossible, startDate: Date(timeIntervalSince1970: 1_795_514_400),
            windowLimit: 6)
    }

    @Test func isRepeatable() async throws {
        let a = try await collect(SimulatedCapture(configuration: Self.configuration(), logger: quietLogger))
        let b = try await collect(SimulatedCapture(configuration: Self.configuration(), logger: quietLogger))
        #expect(a.count == 6)
        #expect(a == b)
        #expect(a.map(\.sequence) == Array(0..<6))
        #expect(a.allSatisfy { $0.source == .simulation && $0.counters.packets > 0 })
    }

    @Test func scheduledAttacksAppearOnlyInTheirWindows() async throws {
        let scanner = NetworkAddress(ipv4: 198, 18, 0, 66)
        let windows = try await collect(
            SimulatedCapture(
                configuration: Self.configuration(attacks: [
                    .init(.portScan(source: scanner, ports: 1...1000, packetsPerSecond: 500), windows: 2..<4)
                ]),
                logger: quietLogger))
        let scanned = windows.map { $0.topSources.first { $0.ip == "198.18.0.66" }?.uniquePorts ?? 0 }
        #expect(scanned == [0, 0, 500, 500, 0, 0])
    }

    @Test("real-time pacing on a test clock: window n comes when the clock reaches (n + 1) × the interval")
    func realTimePacingFollowsTheClock() async throws {
        let clock = TestClock()
        var configuration = Self.configuration()
        configuration.pacing = .realTime
        configuration.windowLimit = 3
        let capture = SimulatedCapture(configuration: configuration, logger: quietLogger, clock: clock)
        let received = Mutex<[Int]>([])
        let collector = Task {
            for try await window in capture.windows() { received.withLock { $0.append(window.sequence ?? -1) } }
        }
        for sequence in 0..<3 {
            try #require(try await clock.waitForSleepers())
            clock.advance(by: .milliseconds(999))
            // Still waiting for the window's end: it pauses again for the last millisecond.
            try #require(try await clock.waitForSleepers())
            #expect(received.withLock { $0.count } == sequence)
            clock.advance(by: .milliseconds(1))
            #expect(try await Poll.until { received.withLock { $0.count } == sequence + 1 })
        }
        try await collector.value
        #expect(received.withLock { $0 } == [0, 1, 2])
        #expect(clock.now.offset == .seconds(3))
    }

    @Test func stopEndsTheStream() async throws {
        let capture = SimulatedCapture(configuration: .init(pacing: .realTime), logger: quietLogger)
        let windows = capture.windows()
        capture.stop()
        var count = 0
        for try await _ in windows { count += 1 }
        #expect(count <= 1)
    }
}

@Suite("Capture service status")
struct CaptureServiceTests {
    @Test func historyIsBoundedAndReadinessFollowsThePhase() async throws {
        let status = CaptureStatus(historyLimit: 4)
        #expect(!status.isReady)
        let source = SimulatedCapture(configuration: SimulatedCaptureTests.configuration(), logger: quietLogger)
        let service = CaptureService(source: source, status: status, logger: quietLogger) { _ in }
        try await service.run()
        #expect(status.isReady)
        #expect(status.snapshot.phase == .finished)
        #expect(status.snapshot.windowsClosed == 6)
        #expect(status.history().map(\.sequence) == [2, 3, 4, 5])
        #expect(status.history(last: 2).map(\.sequence) == [4, 5])
        #expect(status.snapshot.latest?.sequence == 5)
        #expect(status.snapshot.kind == .simulation)
    }
}

/// Capture files whose record timestamps no recorder writes (``ClassicPcap``).
@Suite("pcap replay: unusable timestamps are counted, never trapped on")
struct PcapTimestampTests {
    static let t0: UInt32 = 1_795_514_400

    static func capture(_ records: [(seconds: UInt32, fraction: UInt32, frame: [UInt8])]) throws -> TemporaryFile {
        let file = TemporaryFile()
        let bytes = ClassicPcap.bytes(records.map { ClassicPcap.Record(seconds: $0.seconds, fraction: $0.fraction, frame: $0.frame) })
        try Data(bytes).write(to: URL(fileURLWithPath: file.path))
        return file
    }

    @Test("a record before 1970 or with a fraction ≥ 10⁹ ns joins the current window and is counted")
    func invalidRecordsJoinTheCurrentWindow() async throws {
        let file = try Self.capture([
            (Self.t0, 0, TestFrames.syn(port: 1)),
            (UInt32.max, 0, TestFrames.syn(port: 2)),  // -1 s as libpcap's signed seconds
            (Self.t0, 1_500_000_000, TestFrames.syn(port: 3)),
            (Self.t0, UInt32.max, TestFrames.syn(port: 4)),
            (Self.t0, 500_000_000, TestFrames.syn(port: 5)),
            (Self.t0 + 1, 0, TestFrames.udp()),
        ])
        let windows = try await collect(try PcapCapture(configuration: .init(path: file.path), logger: quietLogger))
        #expect(windows.map(\.counters.packets) == [5, 1])
        #expect(windows.map(\.losses.captureInvalidTimestamps) == [3, 0])
        #expect(windows[0].windowStart == Date(timeIntervalSince1970: Double(Self.t0)))
        #expect(windows[0].uniquePorts == 5)
    }

    @Test("a capture with no usable timestamp gives one window at the epoch holding every packet")
    func noUsableTimestamp() async throws {
        let file = try Self.capture([(0, 2_000_000_000, TestFrames.udp()), (0, UInt32.max, TestFrames.udp())])
        let windows = try await collect(try PcapCapture(configuration: .init(path: file.path), logger: quietLogger))
        #expect(windows.count == 1)
        #expect(windows.first?.counters.packets == 2)
        #expect(windows.first?.losses.captureInvalidTimestamps == 2)
        #expect(windows.first?.windowStart == Date(timeIntervalSince1970: 0))
    }

    @Test("the seconds and fraction bounds", arguments: [
        (Int64(0), Int64(0), true), (PcapCapture.latestTimestampSeconds, 999_999_999, true),
        (PcapCapture.latestTimestampSeconds + 1, 0, false), (-1, 0, false), (Int64.max, 0, false), (Int64.min, 0, false),
        (1, 1_000_000_000, false), (1, -1, false), (1, Int64.max, false),
    ])
    func bounds(_ seconds: Int64, _ fraction: Int64, _ usable: Bool) {
        #expect((PcapCapture.nanoseconds(seconds: seconds, fraction: fraction) != nil) == usable)
    }

    @Test("window and gap settings outside their ranges are refused")
    func settings() throws {
        let file = try Self.capture([(Self.t0, 0, TestFrames.udp())])
        for configuration in [
            PcapCapture.Configuration(path: file.path, windowInterval: .microseconds(999)),
            PcapCapture.Configuration(path: file.path, windowInterval: .seconds(86_401)),
            PcapCapture.Configuration(path: file.path, maximumGap: .seconds(-1)),
            PcapCapture.Configuration(path: file.path, maximumGap: .seconds(Int64.max)),
        ] {
            #expect(throws: CaptureError.self) { try PcapCapture(configuration: configuration, logger: quietLogger) }
        }
    }
}

@Suite("BPF map memory report")
struct MapMemoryReportTests {
    @Test("the memlock line of an fdinfo text, and none when it is missing")
    func memlockIsRead() {
        #expect(MapMemory.memlock(inFDInfo: "pos:\t0\nflags:\t02000002\nmap_type:\t10\nmemlock:\t6423424\nmap_id:\t6566\n") == 6_423_424)
        #expect(MapMemory.memlock(inFDInfo: "pos:\t0\nflags:\t02000002\n") == nil)
    }
}
