internal import CLibBPF
import Foundation

/// The kernel memory the program's maps hold, as the kernel accounts it (`memlock` in the map's
/// `/proc/self/fdinfo` entry): what a host pays for the capture, which grows with the number of
/// possible CPUs for the per-CPU tables.
public struct MapMemory: Sendable, Equatable {
    /// Bytes per map, by map name (`nm_sources_0`, `nm_flows`, …).
    public var bytesByMap: [String: Int]
    /// CPUs the per-CPU maps keep a copy for.
    public var possibleCPUs: Int

    /// Bytes of every map together.
    public var totalBytes: Int { bytesByMap.values.reduce(0, +) }

    /// Bytes of the per-source tables (`nm_sources_*`: per-CPU, two of them, one filling while
    /// the other is read), the part that grows with `SOURCE_TABLE_ENTRIES` × possible CPUs.
    public var sourceTableBytes: Int {
        bytesByMap.filter { $0.key.hasPrefix("nm_sources_") }.values.reduce(0, +)
    }

    /// `41.9 MB in 17 maps for 2 possible CPUs (per-source tables 12.8 MB)`.
    public var summary: String {
        "\(Self.megabytes(totalBytes)) in \(bytesByMap.count) maps for \(possibleCPUs) possible CPUs "
            + "(per-source tables \(Self.megabytes(sourceTableBytes)))"
    }

    static func megabytes(_ bytes: Int) -> String { String(format: "%.1f MB", Double(bytes) / 1_000_000) }

    /// The `memlock:` value of a `/proc/<pid>/fdinfo/<fd>` text; nil when it has none.
    static func memlock(inFDInfo text: String) -> Int? {
        for line in text.split(separator: "\n") where line.hasPrefix("memlock:") {
            return Int(line.dropFirst("memlock:".count).trimmingCharacters(in: .whitespaces))
        }
        return nil
    }
}

extension NetworkMonitorProgram {
    /// The kernel memory of every map of the loaded program, read from `/proc/self/fdinfo`.
    ///
    /// - Returns: Bytes per map; maps whose entry has no `memlock` line (older kernels) are left out.
    public func mapMemory() -> MapMemory {
        var bytes: [String: Int] = [:]
        var map = bpf_object__next_map(object, nil)
        while let current = map {
            defer { map = bpf_object__next_map(object, current) }
            let fd = bpf_map__fd(current)
            guard fd >= 0, let name = bpf_map__name(current),
                let text = try? String(contentsOfFile: "/proc/self/fdinfo/\(fd)", encoding: .utf8),
                let memlock = MapMemory.memlock(inFDInfo: text)
            else { continue }
            bytes[String(cString: name)] = memlock
        }
        return MapMemory(bytesByMap: bytes, possibleCPUs: possibleCPUs)
    }
}
