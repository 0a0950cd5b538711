// A replay of an arbitrary capture file: libpcap reads it (classic pcap or pcapng), PcapCapture
// turns its records into windows as `monitor --pcap FILE` does.
//
// Checks, besides "never traps": the replay ends (windows or a CaptureError, nothing else);
// windows are numbered 0, 1, 2, … and each one is a window the detector's decoder accepts and
// gives back unchanged.
import EBPFCapture
import Foundation
import FuzzSupport
import Logging
import Synchronization
import TrafficFeatures

let path = NSTemporaryDirectory() + "fuzz-pcap-\(getpid()).pcap"
let logger = Logger(label: "fuzz-pcap") { _ in SwiftLogNoOpLogHandler() }

final class Outcome: Sendable {
    let result = Mutex<Result<[TrafficWindow], any Error>?>(nil)
    let done = DispatchSemaphore(value: 0)
}

@_cdecl("LLVMFuzzerTestOneInput")
func testOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let input = FuzzInput(data, size)
    guard FileManager.default.createFile(atPath: path, contents: Data(input.all)) else { Fuzz.fail("cannot write \(path)") }
    // One-second windows, gaps over 10 s restart the grid: a few bytes of timestamp cannot ask
    // for millions of empty windows.
    let capture: PcapCapture
    do {
        capture = try PcapCapture(
            configuration: .init(path: path, windowInterval: .seconds(1), maximumGap: .seconds(10)), logger: logger)
    } catch is CaptureError {
        return 0
    } catch {
        Fuzz.fail("PcapCapture threw something other than a CaptureError: \(error)")
    }
    let outcome = Outcome()
    Task {
        do {
            var windows: [TrafficWindow] = []
            for try await window in capture.windows() { windows.append(window) }
            outcome.result.withLock { $0 = .success(windows) }
        } catch {
            outcome.result.withLock { $0 = .failure(error) }
        }
        outcome.done.signal()
    }
    outcome.done.wait()
    switch outcome.result.withLock({ $0 }) {
    case .success(let windows):
        check(windows)
    case .failure(let error):
        Fuzz.check(error is CaptureError, "the replay failed with something other than a CaptureError: \(error)")
    case nil:
        Fuzz.fail("the replay ended without an outcome")
    }
    return 0
}

func check(_ windows: [TrafficWindow]) {
    for (index, window) in windows.enumerated() {
        Fuzz.check(window.sequence == index, "window \(index) has sequence \(window.sequence.map(String.init) ?? "nil")")
        Fuzz.checkWireRoundTrip(window, "window \(index) of a replay")
    }
}

/// Captures written by PcapWriter: the seed frames over a few seconds on each supported link
/// layer (Ethernet; raw IP, Linux cooked and BSD loopback with the Ethernet header replaced).
func seeds() throws -> [(name: String, bytes: [UInt8])] {
    let frames = SeedFrames.ethernet.map(\.bytes)
    let links: [(name: String, type: Int32, header: (UInt16) -> [UInt8])] = [
        ("ethernet", 1, { _ in [] }),
        ("raw", 12, { _ in [] }),  // DLT_RAW (written to the file as LINKTYPE_RAW, 101)
        ("cooked", 113, { etherType in [0, 0, 0, 1, 0, 6, 2, 0, 0, 0, 0, 2, 0, 0, UInt8(etherType >> 8), UInt8(etherType & 0xFF)] }),
        ("loopback", 0, { etherType in etherType == 0x86DD ? [30, 0, 0, 0] : [2, 0, 0, 0] }),
    ]
    var seeds: [(name: String, bytes: [UInt8])] = []
    for link in links {
        let file = NSTemporaryDirectory() + "fuzz-pcap-seed-\(getpid())-\(link.name).pcap"
        defer { try? FileManager.default.removeItem(atPath: file) }
        let writer = try PcapWriter(path: file, linkType: link.type, snapLength: 65_535)
        for (index, frame) in frames.enumerated() {
            let etherType = UInt16(frame[12]) << 8 | UInt16(frame[13])
            // Raw IP, cooked and loopback carry the IP packet (no ARP: it is not IP).
            if link.type != 1 && etherType != 0x0800 && etherType != 0x86DD { continue }
            let body = link.type == 1 ? frame : link.header(etherType) + frame.dropFirst(14)
            writer.write(body, seconds: 1_800_000_000 + index / 2, nanoseconds: 250_000_000 * (index % 4))
        }
        writer.close()
        seeds.append((link.name + ".pcap", Array(try Data(contentsOf: URL(fileURLWithPath: file)))))
    }
    return seeds
}

Fuzz.main(seeds: seeds, testOne: testOne)
