import Foundation

/// A directory of journal files written by Debian's `systemd-journal-remote` from the test's own
/// entries (the journal export format), for reading back through sd-journal. Removed on deinit.
public final class JournalFiles {
    /// `systemd-journal-remote`, when installed.
    public static let remote = ["/lib/systemd/systemd-journal-remote", "/usr/lib/systemd/systemd-journal-remote"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }

    /// True when journal files can be written here.
    public static var isAvailable: Bool { remote != nil }

    /// One entry.
    public struct Entry: Sendable {
        public var identifier: String
        public var message: String
        public var facility: Int
        public var unit: String?
        /// `__REALTIME_TIMESTAMP`, in seconds since 1970.
        public var seconds: Double

        public init(identifier: String, message: String, facility: Int = 10, unit: String? = nil, seconds: Double) {
            self.identifier = identifier
            self.message = message
            self.facility = facility
            self.unit = unit
            self.seconds = seconds
        }
    }

    /// The directory.
    public let directory: String
    private var files = 0
    private var monotonic = 1_000

    public init() throws {
        directory = NSTemporaryDirectory() + "journal-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: directory) }

    /// Writes the entries into a new journal file of the directory.
    public func write(_ entries: [Entry]) throws {
        guard let remote = Self.remote else { throw CocoaError(.executableNotLoadable) }
        var export = ""
        for entry in entries {
            monotonic += 1_000
            export += "__REALTIME_TIMESTAMP=\(Int64(entry.seconds * 1_000_000))\n__MONOTONIC_TIMESTAMP=\(monotonic)\n"
            export += "_BOOT_ID=0123456789abcdef0123456789abcdef\n_HOSTNAME=test\n_PID=812\n"
            export += "SYSLOG_IDENTIFIER=\(entry.identifier)\nSYSLOG_FACILITY=\(entry.facility)\nPRIORITY=6\n"
            if let unit = entry.unit { export += "_SYSTEMD_UNIT=\(unit)\n" }
            export += "MESSAGE=\(entry.message)\n\n"
        }
        files += 1
        let input = directory + "/input-\(files).export"
        try export.write(toFile: input, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: input) }
        let result = try Command.runBlocking([remote, "-o", directory + "/remote-\(files).journal", input], check: false)
        guard result.status == 0 else { throw CommandFailure(command: [remote], result: result) }
    }
}
