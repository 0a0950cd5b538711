import Foundation
import TestSupport
import Testing
import TrafficFeatures

@testable import EBPFCapture

/// Differential fuzzing of the XDP program against the Swift parser: thousands of frames, each a
/// well-formed frame with bytes flipped, overwritten, cut or appended, or random bytes behind an
/// Ethernet header, go through BPF_PROG_TEST_RUN and FrameParser + WindowAggregator in batches;
/// the two windows of every batch must agree on every counter, the distinct ports and addresses
/// and every source's statistics. A disagreement is narrowed to the frames that cause it, printed
/// in hex.
///
/// The frames come from a fixed seed (`FUZZ_FRAMES_SEED`, default 13); `FUZZ_FRAMES` sets how many
/// of each kind (default 3000: make test's bounded run; more for a longer search).
@Suite(
    "XDP program and Swift parser agree on random and mutated frames (BPF_PROG_TEST_RUN)",
    .requires(TestNetwork.isPrivileged, "needs root (CAP_BPF, CAP_PERFMON)"))
struct MutatedFramesTests {
    static let count = ProcessInfo.processInfo.environment["FUZZ_FRAMES"].flatMap { Int($0) } ?? 3000
    static let seed = ProcessInfo.processInfo.environment["FUZZ_FRAMES_SEED"].flatMap { UInt64($0) } ?? 13
    static let batch = 100

    /// Well-formed frames of every kind both parsers know, and the malformed ones, as the
    /// starting points of the mutations.
    static var bases: [[UInt8]] {
        var frames: [[UInt8]] = Frames.flagCases.map { Frames.tcp4($0.flags) }
        frames += [
            Frames.tcp4(.syn, vlanTags: [7]), Frames.tcp4(.ack, vlanTags: [7, 8]), Frames.udp4(), Frames.udp4(port: 123, payload: 48),
            Frames.icmp4(), Frames.tcp6(.syn), Frames.tcp6(.fin, extensions: [.hopByHop, .routing]),
            Frames.tcp6(.ack, extensions: [.fragment(offset: 8, moreFragments: false)]), Frames.udp6(), Frames.icmp6(), Frames.arp(),
            FrameBuilder.ethernet(
                etherType: 0x0800,
                payload: FrameBuilder.ipv4(
                    source: Frames.client, destination: Frames.server, protocol: IPProtocolNumber.udp,
                    payload: FrameBuilder.udp(
                        sourcePort: 40001, destinationPort: 53, payload: FrameBuilder.dnsMessage(name: "t1.tunnel.example", type: 16)))),
            FrameBuilder.ethernet(etherType: 0x0806, payload: FrameBuilder.arpRequest(sender: Frames.client, target: Frames.server)),
        ]
        return frames + Frames.malformed.map(\.frame)
    }

    @Test func mutatedFramesAreCountedAlike() throws {
        var random = SplitMix64(seed: Self.seed)
        let bases = Self.bases
        let frames = (0..<Self.count).map { _ in Self.mutate(bases[Int(random.next() % UInt64(bases.count))], &random) }
        try Self.compare(frames)
    }

    @Test func randomFramesAreCountedAlike() throws {
        var random = SplitMix64(seed: Self.seed &+ 1)
        try Self.compare((0..<Self.count).map { _ in Self.randomFrame(&random) })
    }

    /// The comparison itself: one SYN more on the kernel's side of a batch is a difference, and
    /// it is named.
    @Test func theComparisonSeesOneFrameMore() throws {
        var run = try Differential()
        var random = SplitMix64(seed: Self.seed &+ 2)
        let bases = Self.bases
        let frames = (0..<Self.batch).map { _ in Self.mutate(bases[Int(random.next() % UInt64(bases.count))], &random) }
        for frame in frames { try run.run(frame) }
        #expect(try run.program.testRun(frame: Frames.tcp4(.syn, port: 4444)) == xdpPass)
        let (kernel, swift) = try run.close()
        let difference = try #require(Self.difference(kernel, swift))
        #expect(difference.contains("packets: kernel \(frames.count + 1), swift \(frames.count)"), "\(difference)")
    }

    // MARK: Frames

    /// One to four mutations of `base`; the result keeps at least an Ethernet header (14 bytes,
    /// what BPF_PROG_TEST_RUN needs) and at most 1514 bytes.
    static func mutate(_ base: [UInt8], _ random: inout SplitMix64) -> [UInt8] {
        var frame = base
        let interesting: [UInt8] = [0x00, 0x01, 0x05, 0x06, 0x08, 0x11, 0x2C, 0x3A, 0x40, 0x45, 0x4F, 0x60, 0x7F, 0x80, 0x81, 0x86, 0xDD, 0xFF]
        for _ in 0...(random.next() % 4) {
            // Most mutations hit the headers (the first 80 bytes), where the parsers branch.
            let span = random.next() % 4 == 0 ? frame.count : min(frame.count, 80)
            let at = Int(random.next() % UInt64(max(1, span)))
            switch random.next() % 6 {
            case 0: frame[at] ^= UInt8(1 << (random.next() % 8))
            case 1: frame[at] = UInt8(truncatingIfNeeded: random.next())
            case 2: frame[at] = interesting[Int(random.next() % UInt64(interesting.count))]
            case 3: frame = Array(frame.prefix(max(14, at)))
            case 4: frame += (0..<Int(random.next() % 64)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            default:
                // An EtherType (or a VLAN tag's inner one) the parsers follow.
                let types: [UInt16] = [0x0800, 0x86DD, 0x8100, 0x88A8, 0x0806, 0x9100]
                let type = types[Int(random.next() % UInt64(types.count))]
                let offset = frame.count >= 18 && random.next() % 2 == 0 ? 16 : 12
                frame[offset] = UInt8(type >> 8)
                frame[offset + 1] = UInt8(type & 0xFF)
            }
        }
        return Array(frame.prefix(1514))
    }

    /// An Ethernet header with a realistic EtherType, then 0 to 200 random bytes whose first byte
    /// usually carries the right IP version (and a 20-byte IPv4 header length).
    static func randomFrame(_ random: inout SplitMix64) -> [UInt8] {
        let types: [UInt16] = [0x0800, 0x0800, 0x86DD, 0x86DD, 0x8100, 0x88A8, 0x0806, UInt16(truncatingIfNeeded: random.next())]
        let type = types[Int(random.next() % UInt64(types.count))]
        var frame = (0..<12).map { _ in UInt8(truncatingIfNeeded: random.next()) } + [UInt8(type >> 8), UInt8(type & 0xFF)]
        var body = (0..<Int(random.next() % 201)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
        if !body.isEmpty && random.next() % 4 != 0 {
            if type == 0x0800 { body[0] = 0x45 }
            if type == 0x86DD { body[0] = 0x60 | (body[0] & 0x0F) }
        }
        if body.count > 9 && type == 0x0800 && random.next() % 2 == 0 {
            body[9] = [IPProtocolNumber.tcp, IPProtocolNumber.udp, IPProtocolNumber.icmp][Int(random.next() % 3)]
        }
        frame += body
        return frame
    }

    // MARK: Comparison

    /// Runs `frames` in batches through both sides; on a disagreement, finds the frames of the
    /// batch that disagree on their own and records each, in hex.
    static func compare(_ frames: [[UInt8]]) throws {
        var run = try Differential()
        var disagreements = 0
        for start in stride(from: 0, to: frames.count, by: batch) {
            let part = Array(frames[start..<min(frames.count, start + batch)])
            for frame in part { try run.run(frame) }
            let (kernel, swift) = try run.close()
            #expect(kernel.counters.packets == part.count)
            guard let difference = difference(kernel, swift) else { continue }
            disagreements += 1
            var alone = 0
            for (index, frame) in part.enumerated() {
                try run.run(frame)
                let (k, s) = try run.close()
                if let single = Self.difference(k, s) {
                    alone += 1
                    Issue.record("frame \(start + index) (\(frame.count) bytes) is counted differently: \(single)\n\(hex(frame))")
                    if alone == 5 { break }
                }
            }
            if alone == 0 {
                Issue.record("frames \(start)..<\(start + part.count) are counted differently together, never alone: \(difference)")
            }
            if disagreements == 3 { break }
        }
        #expect(disagreements == 0)
    }

    /// What differs between the kernel's and the Swift window, or nil when they agree. The UDP
    /// source port a source last used is kept per CPU in the kernel and is not compared (see
    /// ProgramTestRunTests).
    static func difference(_ kernel: TrafficWindow, _ swift: TrafficWindow) -> String? {
        var parts: [String] = []
        let k = Mirror(reflecting: kernel.counters).children, s = Mirror(reflecting: swift.counters).children
        for (a, b) in zip(k, s) where String(describing: a.value) != String(describing: b.value) {
            parts.append("\(a.label ?? "?"): kernel \(a.value), swift \(b.value)")
        }
        if kernel.uniquePorts != swift.uniquePorts { parts.append("unique_ports: kernel \(kernel.uniquePorts), swift \(swift.uniquePorts)") }
        if kernel.uniqueIPs != swift.uniqueIPs { parts.append("unique_ips: kernel \(kernel.uniqueIPs), swift \(swift.uniqueIPs)") }
        let kernelSources = kernel.topSources.map(\.withoutUDPSourcePort), swiftSources = swift.topSources.map(\.withoutUDPSourcePort)
        if kernelSources != swiftSources { parts.append("top_sources: kernel \(kernelSources), swift \(swiftSources)") }
        return parts.isEmpty ? nil : parts.joined(separator: "; ")
    }

    static func hex(_ frame: [UInt8]) -> String {
        stride(from: 0, to: frame.count, by: 16).map { row in
            frame[row..<min(frame.count, row + 16)].map { String(format: "%02x", $0) }.joined(separator: " ")
        }.joined(separator: "\n")
    }
}
