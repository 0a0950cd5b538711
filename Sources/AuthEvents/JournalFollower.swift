internal import CSystemd
public import Foundation

/// One journal entry of sshd or of an authentication facility: what the parser reads.
public struct JournalEntry: Sendable, Equatable {
    /// `SYSLOG_IDENTIFIER` (`sshd`, `sshd-session`, `sudo`, …), or `_COMM` when it has none.
    public var program: String
    /// `MESSAGE`, cut to the follower's maximum length.
    public var message: String
    /// When it was logged (`__REALTIME_TIMESTAMP`).
    public var time: Date
    /// The entry's cursor: where a follower stands after it.
    public var cursor: String

    /// An entry from its parts.
    public init(program: String, message: String, time: Date, cursor: String) {
        self.program = program
        self.message = message
        self.time = time
        self.cursor = cursor
    }

    /// What the entry is, by ``SSHLogParser/message(_:program:time:)``.
    public var parsed: AuthLogLine { SSHLogParser.message(message[...], program: program[...], time: time) }
}

/// Why the journal could not be read: the sd-journal call and its error.
public struct JournalError: Error, Equatable, CustomStringConvertible {
    /// The call that failed, with what it was given (`sd_journal_open_directory /var/log/journal`).
    public var operation: String
    /// The error number sd-journal returned (positive).
    public var code: Int32

    /// A message for people: the call and `strerror` of the code.
    public var description: String { "\(operation): \(String(cString: strerror(code)))" }
}

/// Follows the systemd journal through libsystemd's sd-journal API, keeping the entries of sshd
/// and of the authentication facilities: `SYSLOG_IDENTIFIER=sshd` or `sshd-session`,
/// `_SYSTEMD_UNIT=ssh.service` or `sshd.service`, and `SYSLOG_FACILITY` 4 (auth) or 10
/// (authpriv, where PAM logs `pam_unix(…:auth): authentication failure`).
///
/// It starts at the end of the journal (only what is logged from now on) unless it is given a
/// cursor, after whose entry it resumes: save ``cursor`` after handling the entries of each
/// ``readEntries()`` and a restarted follower neither judges an entry twice nor skips one (as long
/// as the journal still holds it). Not thread-safe: one task owns a follower.
public final class JournalFollower {
    /// Which journal to read.
    public enum Source: Sendable, Equatable {
        /// The local system's journal (`/var/log/journal`, `/run/log/journal`).
        case system
        /// The journal files in a directory (a mounted host journal, files of `systemd-journal-remote`).
        case directory(String)
    }

    /// The journal read.
    public let source: Source
    /// The longest message handed out, in bytes; longer ones are cut (``messagesCut``).
    public let maximumMessageBytes: Int
    /// Messages cut to ``maximumMessageBytes``.
    public private(set) var messagesCut = 0
    /// Where the follower stands: the cursor of the last entry handed out; nil before the first.
    public private(set) var cursor: String?

    private var journal: OpaquePointer?

    /// The identifiers, units and facilities whose entries are kept.
    static let matches = [
        ["SYSLOG_IDENTIFIER=sshd", "SYSLOG_IDENTIFIER=sshd-session"],
        ["_SYSTEMD_UNIT=ssh.service", "_SYSTEMD_UNIT=sshd.service"],
        ["SYSLOG_FACILITY=4", "SYSLOG_FACILITY=10"],
    ]

    /// Opens the journal and places the follower: after `cursor`'s entry when given (at the end
    /// when the journal no longer holds it), else at the end (`startAtEnd`) or the start.
    ///
    /// - Parameters:
    ///   - source: The journal to read.
    ///   - cursor: A cursor saved from a previous follower, or nil.
    ///   - startAtEnd: Without a cursor: skip what the journal holds (true) or read it all (false).
    ///   - maximumMessageBytes: The longest message handed out.
    /// - Throws: ``JournalError`` when the journal cannot be opened.
    public init(source: Source, cursor: String? = nil, startAtEnd: Bool = true, maximumMessageBytes: Int = 4096) throws(JournalError) {
        self.source = source
        self.maximumMessageBytes = max(1, maximumMessageBytes)
        var handle: OpaquePointer?
        let result: Int32
        let name: String
        switch source {
        case .system:
            result = sd_journal_open(&handle, Int32(SD_JOURNAL_LOCAL_ONLY))
            name = "sd_journal_open"
        case .directory(let path):
            result = sd_journal_open_directory(&handle, path, 0)
            name = "sd_journal_open_directory \(path)"
        }
        guard result >= 0, let handle else { throw JournalError(operation: name, code: -result) }
        journal = handle
        for (index, group) in Self.matches.enumerated() {
            if index > 0 { sd_journal_add_disjunction(handle) }
            for match in group { _ = match.withCString { sd_journal_add_match(handle, $0, 0) } }
        }
        // Watch for new files (rotation, a new boot) as well as new entries.
        _ = sd_journal_get_fd(handle)
        if let cursor, sd_journal_seek_cursor(handle, cursor) >= 0, sd_journal_next(handle) > 0 {
            // At the saved entry when the journal still has it (handed out before); else at the
            // first entry after where it was, which is new.
            if sd_journal_test_cursor(handle, cursor) > 0 {
                self.cursor = cursor
            } else {
                sd_journal_previous(handle)
            }
            return
        }
        if cursor != nil || startAtEnd {
            sd_journal_seek_tail(handle)
            sd_journal_previous(handle)
            self.cursor = Self.currentCursor(handle)
        } else {
            sd_journal_seek_head(handle)
        }
    }

    deinit {
        if let journal { sd_journal_close(journal) }
    }

    /// The entries logged since the last call, in order.
    ///
    /// - Throws: ``JournalError`` when sd-journal fails to move to the next entry.
    public func readEntries() throws(JournalError) -> [JournalEntry] {
        guard let journal else { return [] }
        _ = sd_journal_process(journal)
        var entries: [JournalEntry] = []
        while true {
            let moved = sd_journal_next(journal)
            if moved < 0 { throw JournalError(operation: "sd_journal_next", code: -moved) }
            if moved == 0 { return entries }
            guard let cursor = Self.currentCursor(journal) else { continue }
            self.cursor = cursor
            var usec: UInt64 = 0
            sd_journal_get_realtime_usec(journal, &usec)
            let program = field("SYSLOG_IDENTIFIER") ?? field("_COMM") ?? ""
            var message = field("MESSAGE") ?? ""
            if message.utf8.count > maximumMessageBytes {
                message = String(decoding: message.utf8.prefix(maximumMessageBytes), as: UTF8.self)
                messagesCut += 1
            }
            entries.append(
                JournalEntry(
                    program: program, message: message, time: Date(timeIntervalSince1970: Double(usec) / 1_000_000),
                    cursor: cursor))
        }
    }

    /// The value of `name` in the current entry (text after `NAME=`), nil when absent.
    private func field(_ name: String) -> String? {
        guard let journal else { return nil }
        var data: UnsafeRawPointer?
        var length = 0
        guard sd_journal_get_data(journal, name, &data, &length) >= 0, let data else { return nil }
        let bytes = UnsafeRawBufferPointer(start: data, count: length)
        let prefix = name.utf8.count + 1
        guard length >= prefix else { return nil }
        return String(decoding: bytes[prefix...], as: UTF8.self)
    }

    private static func currentCursor(_ journal: OpaquePointer) -> String? {
        var text: UnsafeMutablePointer<CChar>?
        guard sd_journal_get_cursor(journal, &text) >= 0, let text else { return nil }
        defer { free(text) }
        return String(cString: text)
    }
}

/// Saves and loads a journal follower's cursor in a small text file, replaced atomically.
public struct JournalCursorFile: Sendable {
    /// The file.
    public let path: String

    /// A cursor file at `path`.
    public init(path: String) {
        self.path = path
    }

    /// The saved cursor, nil when the file does not exist or is empty.
    ///
    /// - Throws: What reading an existing file throws.
    public func load() throws -> String? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let text = try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? nil : text
    }

    /// Replaces the saved cursor.
    ///
    /// - Throws: What writing the file throws.
    public func save(_ cursor: String) throws {
        try (cursor + "\n").write(toFile: path, atomically: true, encoding: .utf8)
    }
}
