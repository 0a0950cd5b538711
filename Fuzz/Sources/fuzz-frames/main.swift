// The frame parser and the window aggregator on arbitrary frames.
//
// Input: one byte choosing the link layer, one the IPv6 source prefix length, then up to 64
// frames, each a 2-byte length (mod 2048), one byte of wire length beyond the captured bytes
// (snap-length cuts) and the frame's bytes.
//
// Checks, besides "never traps": a summary's wire length is at least its captured length and
// the given wire length; the same bytes parse the same way twice; the closed window counts every
// frame exactly once; and the window the monitor would post is one the detector's decoder accepts
// and gives back unchanged (JSON round trip).
import Foundation
import FuzzSupport
import TrafficFeatures

let linkTypes: [FrameParser.LinkType] = [.ethernet, .rawIP, .linuxCooked, .linuxCooked2, .bsdLoopback]

@_cdecl("LLVMFuzzerTestOneInput")
func testOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    var input = FuzzInput(data, size)
    let parser = FrameParser(
        linkType: linkTypes[Int(input.byte()) % linkTypes.count], ipv6SourcePrefixLength: 1 + Int(input.byte()) % 128)
    var aggregator = WindowAggregator()
    var frames = 0
    while !input.isAtEnd && frames < 64 {
        let length = Int(input.uint16()) % 2048
        let beyond = Int(input.byte())
        let frame = input.take(length)
        let wireLength = frame.count + beyond
        let summary = parser.parse(frame, wireLength: wireLength)
        Fuzz.check(summary.wireLength >= frame.count && summary.wireLength >= wireLength, "wire length \(summary.wireLength) < \(wireLength)")
        Fuzz.check(parser.parse(frame, wireLength: wireLength) == summary, "the same frame parsed two ways")
        _ = frame.withUnsafeBytes { parser.dnsObservation($0, wireLength: wireLength) }
        aggregator.add(summary)
        frames += 1
    }
    Fuzz.check(aggregator.packetCount == frames, "\(aggregator.packetCount) packets counted for \(frames) frames")
    let window = aggregator.close(start: Date(timeIntervalSince1970: 1_800_000_000), duration: 1, source: .pcap, sequence: 0)
    Fuzz.check(window.counters.packets == frames, "window has \(window.counters.packets) packets for \(frames) frames")
    Fuzz.checkWireRoundTrip(window, "a window of \(frames) frames")
    return 0
}

/// Each seed frame alone, and all of them in one input.
func seeds() -> [(name: String, bytes: [UInt8])] {
    // Link byte 0 (Ethernet), prefix byte 63 (/64), then each frame with its length.
    let frames = SeedFrames.ethernet
    var all: [UInt8] = [0, 63]
    var seeds: [(name: String, bytes: [UInt8])] = []
    for (name, frame) in frames {
        let record = [UInt8(frame.count >> 8), UInt8(frame.count & 0xFF), 0] + frame
        seeds.append((name, [0, 63] + record))
        all += record
    }
    seeds.append(("all", all))
    return seeds
}

Fuzz.main(seeds: seeds, testOne: testOne)
