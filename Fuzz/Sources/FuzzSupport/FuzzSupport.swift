internal import CFuzzer
public import Foundation
public import TrafficFeatures
internal import WindowFormat

/// What every fuzz target shares: the entry point, reading structured values out of the
/// fuzzer's bytes, and failing with a message (libFuzzer then saves the input as a crash).
public enum Fuzz {
    /// libFuzzer's per-input callback: `LLVMFuzzerTestOneInput`.
    public typealias TestOne = @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32

    /// Runs a target. `--write-seeds DIR` writes each of `seeds()` to a file in DIR (the starting
    /// corpus, made by the project's own code) and exits; any other arguments are libFuzzer's
    /// (flags such as `-max_total_time=30`, then corpus folders).
    public static func main(seeds: () throws -> [(name: String, bytes: [UInt8])], testOne: TestOne) -> Never {
        let arguments = CommandLine.arguments
        if arguments.count == 3, arguments[1] == "--write-seeds" {
            do {
                let folder = URL(fileURLWithPath: arguments[2], isDirectory: true)
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                let all = try seeds()
                for seed in all {
                    try Data(seed.bytes).write(to: folder.appendingPathComponent(seed.name))
                }
                print("\(all.count) seeds written to \(folder.path)")
                exit(0)
            } catch {
                fail("cannot write the seeds: \(error)")
            }
        }
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv, testOne))
    }

    /// Ends the run: prints `message` and aborts, so libFuzzer reports the input as a crash and
    /// writes it to a `crash-*` file.
    public static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("fuzz invariant broken: \(message)\n".utf8))
        abort()
    }

    /// Fails with `message` unless `condition` holds.
    public static func check(_ condition: Bool, _ message: @autoclosure () -> String) {
        if !condition { fail(message()) }
    }
}

/// The fuzzer's bytes read front to back as structured values; reads past the end give zeros
/// and empty slices, so every input is usable.
public struct FuzzInput {
    private let bytes: [UInt8]
    private var position = 0

    /// The input of one libFuzzer call.
    public init(_ data: UnsafePointer<UInt8>?, _ size: Int) {
        bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    }

    /// Every byte of the input.
    public var all: [UInt8] { bytes }

    /// True when every byte has been read.
    public var isAtEnd: Bool { position >= bytes.count }

    /// The next byte, or 0 at the end.
    public mutating func byte() -> UInt8 {
        guard position < bytes.count else { return 0 }
        defer { position += 1 }
        return bytes[position]
    }

    /// The next two bytes as a big-endian number.
    public mutating func uint16() -> UInt16 {
        UInt16(byte()) << 8 | UInt16(byte())
    }

    /// The next four bytes as a big-endian number.
    public mutating func uint32() -> UInt32 {
        UInt32(uint16()) << 16 | UInt32(uint16())
    }

    /// Up to `count` next bytes (fewer at the end).
    public mutating func take(_ count: Int) -> [UInt8] {
        let end = min(bytes.count, position + max(0, count))
        defer { position = end }
        return Array(bytes[min(position, end)..<end])
    }

    /// Every byte not read yet.
    public mutating func rest() -> [UInt8] {
        take(bytes.count - position)
    }
}

extension Fuzz {
    /// Fails unless `window` is one the detector's decoder accepts and whose JSON comes back the
    /// same: encode, decode, encode again gives the same bytes (the wire format keeps times to the
    /// millisecond, so the comparison is of what is sent, not of the in-memory value).
    public static func checkWireRoundTrip(_ window: TrafficWindow, _ what: @autoclosure () -> String) {
        let json: Data, again: Data
        do {
            json = try window.jsonData()
        } catch {
            fail("\(what()) does not encode: \(error)")
        }
        do {
            again = try TrafficWindow(json: json).jsonData()
        } catch {
            fail("the detector would refuse \(what()): \(error)\n\(String(decoding: json, as: UTF8.self))")
        }
        check(again == json, "\(what()) changes through JSON:\n\(String(decoding: json, as: UTF8.self))\n\(String(decoding: again, as: UTF8.self))")
    }
}
