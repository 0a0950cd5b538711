import EBPFCapture
import Foundation
import TestSupport
import Testing
import TrafficFeatures
#if canImport(FoundationXML)
import FoundationXML
import WindowFormat
#endif

/// The example programs run on inputs this test generates: a port scan from 198.18.0.66 mixed
/// into generated normal traffic, as window files and as a capture.
@Suite("Examples: ReplayWindows, ReplayPcap, ModelLab", .serviceProcesses(1))
struct ExamplesTests {
    static let scanner = NetworkAddress(ipv4: 198, 18, 0, 66)
    static let scan = SyntheticTraffic.Attack.portScan(source: scanner, ports: 1...1000, packetsPerSecond: 300)

    /// `count` one-second windows of a 40-pps host; the windows in `attack` carry the port scan.
    static func windows(count: Int, seed: UInt64, attack: Range<Int> = 0..<0) -> [(TrafficWindow, [PacketSummary])] {
        var traffic = SyntheticTraffic(profile: .init(meanPacketsPerSecond: 40, clientPopulation: 20), seed: seed)
        var aggregator = WindowAggregator()
        let start = Date(timeIntervalSince1970: 1_795_000_000)
        return (0..<count).map { i in
            let windowStart = start.addingTimeInterval(Double(i))
            let packets = traffic.packets(start: windowStart, duration: 1, attacks: attack.contains(i) ? [scan] : [])
            for packet in packets { aggregator.add(packet) }
            return (aggregator.close(start: windowStart, duration: 1, sequence: i), packets)
        }
    }

    static func writeLines(_ windows: [TrafficWindow], to path: String) throws {
        let lines = try windows.map { String(decoding: try $0.jsonData(), as: UTF8.self) }
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
    }

    static func directory() throws -> String {
        let path = NSTemporaryDirectory() + "nm-examples-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test func replayWindowsJudgesEveryLineAndCountsTheOnesThatAreNotWindows() async throws {
        let directory = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = directory + "/windows.jsonl"
        try Self.writeLines(Self.windows(count: 30, seed: 1, attack: 20..<22).map(\.0), to: file)
        let good = try await Command.run([BuiltProducts.path("ReplayWindows"), file, "--json"])
        let lines = good.stdout.split(separator: "\n")
        #expect(lines.count == 30)
        let scans = lines.filter { $0.contains(#""port_scan""#) && $0.contains(#""198.18.0.66""#) }
        #expect(scans.count == 2, "\(good.stdout.suffix(1500))")
        #expect(good.stderr.contains("30 windows judged, 0 lines skipped"))

        try ("not a window\n" + String(contentsOfFile: file, encoding: .utf8)).write(toFile: file, atomically: true, encoding: .utf8)
        let bad = try await Command.run([BuiltProducts.path("ReplayWindows"), file], check: false)
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("line 1 is not a window"))
        #expect(bad.stderr.contains("30 windows judged, 1 lines skipped"))
    }

    @Test func replayPcapNamesTheScanner() async throws {
        let directory = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/scan.pcap"
        let writer = try PcapWriter(path: path)
        for (second, (_, packets)) in Self.windows(count: 12, seed: 2, attack: 8..<9).enumerated() {
            for (index, packet) in packets.enumerated() {
                writer.write(FrameBuilder.frame(for: packet), seconds: 1_795_000_000 + second, nanoseconds: index * 1000)
            }
        }
        writer.close()
        let result = try await Command.run([BuiltProducts.path("ReplayPcap"), path])
        #expect(result.stdout.contains("12 windows"))
        #expect(result.stdout.contains("port_scan: 198.18.0.66"), "\(result.stdout.suffix(1500))")
    }

    @Test func modelLabPrintsTheTableAndWritesAPlot() async throws {
        let directory = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Self.writeLines(Self.windows(count: 200, seed: 3).map(\.0), to: directory + "/train.jsonl")
        try Self.writeLines(Self.windows(count: 60, seed: 4).map(\.0), to: directory + "/quiet.jsonl")
        try Self.writeLines(Self.windows(count: 40, seed: 5, attack: 20..<25).map(\.0), to: directory + "/scan.jsonl")
        try "file,class\ntrain.jsonl,benign\nquiet.jsonl,benign\nscan.jsonl,attack\n"
            .write(toFile: directory + "/labels.csv", atomically: true, encoding: .utf8)
        let plot = directory + "/lab.svg"
        let result = try await Command.run([
            BuiltProducts.path("ModelLab"), "--train", directory + "/train.jsonl",
            "--evaluate", directory + "/quiet.jsonl", directory + "/scan.jsonl", "--labels", directory + "/labels.csv", "--plot", plot,
        ])
        #expect(result.stdout.contains("| ensemble (2 of 3) |"))
        #expect(result.stdout.contains("| quiet.jsonl | benign |"))
        // Every window of scan.jsonl is labelled attack (labels are per file); the 5 scan windows
        // must be among those flagged.
        let row = try #require(result.stdout.split(separator: "\n").first { $0.hasPrefix("| scan.jsonl | attack | 40 |") })
        let flagged = Int(row.split(separator: "|")[3].trimmingCharacters(in: .whitespaces)) ?? 0
        #expect(flagged >= 5, "\(row)")
        let svg = try Data(contentsOf: URL(fileURLWithPath: plot))
        #expect(XMLParser(data: svg).parse())
        #expect(String(decoding: svg, as: UTF8.self).contains("2. scan.jsonl (with attack windows)"))
    }
}
