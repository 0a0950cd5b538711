import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Where a follower stopped in a log file: the file (device and inode) and the offset just past
/// the last complete line it handed out. Saved after the lines were used, it lets a restart go on
/// with the next line: none judged twice, none skipped.
public struct LogPosition: Codable, Sendable, Equatable {
    /// The file system's device number.
    public var device: UInt64
    /// The file's inode.
    public var inode: UInt64
    /// Bytes of the file already read as complete lines.
    public var offset: Int64

    /// A position from its parts.
    public init(device: UInt64, inode: UInt64, offset: Int64) {
        self.device = device
        self.inode = inode
        self.offset = offset
    }
}

/// Why a log file could not be followed.
public struct LogFileError: Error, Equatable, CustomStringConvertible {
    /// The file.
    public var path: String
    /// The failing call (`open`, `read`, `fstat`).
    public var operation: String
    /// The errno it set.
    public var code: Int32

    /// `open /var/log/auth.log: Permission denied`.
    public var description: String { "\(operation) \(path): \(String(cString: strerror(code)))" }
}

/// Follows a log file the way `tail -F` does, but by inode and with a position that survives a
/// restart: each ``readLines()`` returns the complete lines appended since the last call.
///
/// - **Rotation by rename** (`logrotate`'s default, `auth.log` → `auth.log.1`, a new `auth.log`):
///   the old file is read to its end through the descriptor still open, then the new file from
///   its start; the old file is still read at each call until it has not grown for
///   `retiredFileGrace` (processes that opened it before the rotation — the children of
///   `sshd -E` serving connections already open — keep writing there).
/// - **`copytruncate`** (the file keeps its inode and shrinks, or no longer holds the last line read
///   where it was, when it grew past the old offset again before the next call): what was written between the last
///   read and the copy is read from the copy, `PATH.1`, when its bytes before the follower's
///   offset end with the last line handed out; then the file again from 0. (Lines written between
///   logrotate's copy and its truncation are lost by logrotate itself.)
/// - **A restart**: given the saved ``LogPosition``, reading resumes after the last line handed out;
///   if the file was rotated in between, the rest of the old file is read first from `PATH.1` when
///   it is still there (same inode), then the new file.
/// - Lines longer than `maximumLineBytes` are cut to that length (``Statistics/linesCut``), so a
///   writer cannot make the follower hold an unbounded line; a last line without its newline waits
///   for it.
///
/// Not thread-safe: one task owns a follower.
public final class LogFileFollower {
    /// What the follower has done.
    public struct Statistics: Sendable, Equatable {
        /// Complete lines handed out.
        public var lines = 0
        /// Lines cut to the maximum length.
        public var linesCut = 0
        /// Renames followed (a new file at the path).
        public var rotations = 0
        /// Times the file shrank under the follower (`copytruncate`).
        public var truncations = 0

        /// All counts at 0.
        public init() {}
    }

    /// The file followed.
    public let path: String
    /// The longest line handed out, in bytes.
    public let maximumLineBytes: Int
    /// What the follower has done so far.
    public private(set) var statistics = Statistics()

    private var descriptor: Int32 = -1
    private var identity: (device: UInt64, inode: UInt64)?
    /// Offset of the end of the last complete line handed out, in the open file.
    private var consumed: Int64 = 0
    /// Bytes read after `consumed` that do not end in a newline yet (at most `maximumLineBytes`).
    private var pending: [UInt8] = []
    /// Bytes of the current line past `maximumLineBytes`, dropped.
    private var overflow = 0
    /// The last bytes before `consumed` (the end of the last line handed out, its newline
    /// included), to recognise a copy of the file; empty when unknown.
    private var lastLineEnd: [UInt8] = []
    /// The files (device, inode) followed so far, the latest last (at most 16): a copy made by
    /// `copytruncate` is a new file, never one of these (an older rotated file, renamed away,
    /// may begin with the same lines — sshd's startup lines carry no time).
    private var followed: [(device: UInt64, inode: UInt64)] = []
    /// A file renamed away that may still grow: processes that opened it before the rotation (the
    /// children of `sshd -E` serving connections already open) keep writing there. Read at each
    /// call until it has been idle for ``retiredFileGrace``.
    private var retired: (descriptor: Int32, offset: Int64, size: Int64, lastGrowth: ContinuousClock.Instant)?
    /// How long a rotated file is still read after it last grew.
    public let retiredFileGrace: Duration
    /// Where to start the first time the file is opened.
    private var start: LogPosition?
    private var startAtEnd: Bool
    private var buffer = [UInt8](repeating: 0, count: 64 * 1024)

    /// A follower of `path`.
    ///
    /// - Parameters:
    ///   - path: The log file.
    ///   - position: Where a previous follower stopped (a saved ``position``), or nil.
    ///   - startAtEnd: Without a position, skip what the file already holds (true: watch from now) or
    ///     read it from the start (false: a replay). A file that does not exist yet when first
    ///     looked for is read from its start once it appears.
    ///   - maximumLineBytes: The longest line handed out; longer lines are cut.
    ///   - retiredFileGrace: How long a file renamed away is still read after it last grew
    ///     (default 120 s, sshd's `LoginGraceTime`: connections open before the rotation log there
    ///     until they end).
    public init(
        path: String, position: LogPosition? = nil, startAtEnd: Bool = true, maximumLineBytes: Int = 4096,
        retiredFileGrace: Duration = .seconds(120)
    ) {
        self.path = path
        self.retiredFileGrace = retiredFileGrace
        self.start = position
        self.startAtEnd = startAtEnd
        self.maximumLineBytes = max(1, maximumLineBytes)
    }

    deinit {
        if descriptor >= 0 { close(descriptor) }
        if let retired { close(retired.descriptor) }
    }

    /// Where the follower stands: the open file and the end of the last complete line handed out;
    /// nil before the file was first opened (the position it was given, if any, is still to come).
    public var position: LogPosition? {
        guard let identity else { return start }
        return LogPosition(device: identity.device, inode: identity.inode, offset: consumed)
    }

    /// The complete lines appended since the last call, in order, following a rotation or a
    /// truncation. A file that does not exist yet gives no lines (it is opened when it appears).
    ///
    /// - Throws: ``LogFileError`` when the file exists but cannot be opened or read.
    public func readLines() throws(LogFileError) -> [String] {
        var lines: [String] = []
        try readRetired(into: &lines)
        if descriptor < 0 {
            guard try open(resumingFrom: start, into: &lines) else { return lines }
        }
        if !lastLineStillInPlace() {
            try startOverAfterTruncation(into: &lines)
        }
        while true {
            try drain(into: &lines)
            // At the end of the open file: has the path moved on to another file, or shrunk?
            var current = stat()
            guard stat(path, &current) == 0 else { return lines }  // renamed, not recreated yet
            if UInt64(current.st_dev) != identity?.device || UInt64(current.st_ino) != identity?.inode {
                try drain(into: &lines)  // what was written before the rename
                try retire(into: &lines)
                statistics.rotations += 1
                guard try open(resumingFrom: nil, fromStart: true, into: &lines) else { return lines }
                continue
            }
            if Int64(current.st_size) < consumed + Int64(pending.count + overflow) {
                try startOverAfterTruncation(into: &lines)
                continue
            }
            return lines
        }
    }

    /// The file was truncated (`copytruncate`): the rest of what was written before, from the copy
    /// when there is one, then the file again from its start.
    private func startOverAfterTruncation(into lines: inout [String]) throws(LogFileError) {
        statistics.truncations += 1
        try readCopiedRest(into: &lines)
        pending.removeAll()
        overflow = 0
        consumed = 0
        lastLineEnd.removeAll()
        lseek(descriptor, 0, SEEK_SET)
    }

    /// False when the bytes before `consumed` are no longer the end of the last line handed out: the
    /// file was truncated and has grown past the old offset again since the last call.
    private func lastLineStillInPlace() -> Bool {
        guard !lastLineEnd.isEmpty, consumed >= Int64(lastLineEnd.count) else { return true }
        var bytes = [UInt8](repeating: 0, count: lastLineEnd.count)
        let count = bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, off_t(consumed - Int64($0.count))) }
        return count == lastLineEnd.count && bytes == lastLineEnd
    }

    /// Keeps the open file, renamed away, as the retired one, to be read until it stays idle (a
    /// previous retired file is read to its end and closed first). Its incomplete last line is
    /// read again from there.
    private func retire(into lines: inout [String]) throws(LogFileError) {
        if let previous = retired {
            retired = nil
            let saved = (descriptor, consumed)
            try readToEnd(of: previous.descriptor, from: previous.offset, into: &lines)
            (descriptor, consumed) = saved
        }
        retired = (descriptor, consumed, consumed + Int64(pending.count + overflow), ContinuousClock.now)
        descriptor = -1
        pending.removeAll()
        overflow = 0
    }

    /// The complete lines the retired file gained; closes it (its last line handed out even without
    /// a newline) once it has not grown for ``retiredFileGrace``.
    private func readRetired(into lines: inout [String]) throws(LogFileError) {
        guard let current = retired else { return }
        let saved = (descriptor, consumed, pending, overflow, lastLineEnd)
        descriptor = current.descriptor
        consumed = current.offset
        pending.removeAll()
        overflow = 0
        lseek(descriptor, off_t(consumed), SEEK_SET)
        defer { (descriptor, consumed, pending, overflow, lastLineEnd) = saved }
        try drain(into: &lines)
        let size = consumed + Int64(pending.count + overflow)
        if size > current.size {
            retired = (current.descriptor, consumed, size, ContinuousClock.now)
        } else if ContinuousClock.now - current.lastGrowth >= retiredFileGrace {
            flushPending(into: &lines)
            close(current.descriptor)
            retired = nil
        } else {
            retired = (current.descriptor, consumed, size, current.lastGrowth)
        }
    }

    /// Opens the path; with a saved position of another file, first reads the rest of that file
    /// from `PATH.1` when it is there. Returns false when the path does not exist.
    private func open(resumingFrom saved: LogPosition?, fromStart: Bool = false, into lines: inout [String]) throws(LogFileError)
        -> Bool
    {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT {
                startAtEnd = false  // a file that appears later holds only new lines
                return false
            }
            throw LogFileError(path: path, operation: "open", code: errno)
        }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let code = errno
            close(fd)
            throw LogFileError(path: path, operation: "fstat", code: code)
        }
        let device = UInt64(info.st_dev), inode = UInt64(info.st_ino), size = Int64(info.st_size)
        var offset: Int64 = fromStart ? 0 : (startAtEnd ? size : 0)
        if let saved {
            if saved.device == device, saved.inode == inode {
                // The same file: go on after the last line, unless it shrank meanwhile.
                if saved.offset <= size {
                    offset = saved.offset
                } else {
                    statistics.truncations += 1
                    offset = 0
                }
            } else {
                // Rotated while nobody was reading: the rest of the old file, then this one whole.
                try readRest(of: saved, into: &lines)
                statistics.rotations += 1
                offset = 0
            }
        }
        start = nil
        descriptor = fd
        if !followed.contains(where: { $0 == (device, inode) }) {
            followed.append((device, inode))
            if followed.count > 16 { followed.removeFirst() }
        }
        identity = (device, inode)
        consumed = offset
        pending.removeAll()
        overflow = 0
        lastLineEnd.removeAll()
        lseek(fd, off_t(offset), SEEK_SET)
        return true
    }

    /// The lines of the rotated file `PATH.1` after `saved`, when it is the saved file.
    private func readRest(of saved: LogPosition, into lines: inout [String]) throws(LogFileError) {
        let rotated = path + ".1"
        let fd = Glibc.open(rotated, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return }
        var info = stat()
        guard fstat(fd, &info) == 0, UInt64(info.st_dev) == saved.device, UInt64(info.st_ino) == saved.inode,
            Int64(info.st_size) >= saved.offset
        else {
            close(fd)
            return
        }
        try readToEnd(of: fd, from: saved.offset, into: &lines)
    }

    /// After a truncation: the lines between `consumed` and the end of `PATH.1`, when `PATH.1` is
    /// a copy of what was read: a file never followed (an older rotated file may begin with the
    /// same lines), whose bytes before `consumed` are the end of the last line handed out.
    private func readCopiedRest(into lines: inout [String]) throws(LogFileError) {
        guard !lastLineEnd.isEmpty, consumed >= Int64(lastLineEnd.count) else { return }
        let fd = Glibc.open(path + ".1", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return }
        var info = stat()
        var fingerprint = [UInt8](repeating: 0, count: lastLineEnd.count)
        let start = consumed - Int64(lastLineEnd.count)
        guard fstat(fd, &info) == 0, Int64(info.st_size) >= consumed,
            !followed.contains(where: { $0 == (UInt64(info.st_dev), UInt64(info.st_ino)) }),
            fingerprint.withUnsafeMutableBytes({ pread(fd, $0.baseAddress, $0.count, off_t(start)) }) == lastLineEnd.count,
            fingerprint == lastLineEnd
        else {
            close(fd)
            return
        }
        try readToEnd(of: fd, from: consumed, into: &lines)
    }

    /// Hands out the lines of another file (`fd`, closed afterwards) from `offset` to its end, the
    /// bytes of a line not yet complete in the open file included (they are read again there);
    /// then the follower stands where it stood in the open file.
    private func readToEnd(of fd: Int32, from offset: Int64, into lines: inout [String]) throws(LogFileError) {
        let (savedDescriptor, savedConsumed) = (descriptor, consumed)
        descriptor = fd
        consumed = offset
        pending.removeAll()
        overflow = 0
        lseek(fd, off_t(offset), SEEK_SET)
        defer {
            close(fd)
            (descriptor, consumed) = (savedDescriptor, savedConsumed)
        }
        try drain(into: &lines)
        flushPending(into: &lines)
    }

    /// Reads the open file to its end, handing out every complete line.
    private func drain(into lines: inout [String]) throws(LogFileError) {
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw LogFileError(path: path, operation: "read", code: errno)
            }
            if count == 0 { return }
            var lineStart = 0
            for index in 0..<count where buffer[index] == UInt8(ascii: "\n") {
                append(buffer[lineStart..<index])
                consumed += Int64(pending.count + overflow + 1)
                lastLineEnd = overflow > 0 ? [] : pending.suffix(127) + [UInt8(ascii: "\n")]
                lines.append(line())
                lineStart = index + 1
            }
            append(buffer[lineStart..<count])
        }
    }

    /// Adds bytes to the current line, keeping at most `maximumLineBytes`.
    private func append(_ bytes: ArraySlice<UInt8>) {
        let room = maximumLineBytes - pending.count
        if bytes.count <= room {
            pending.append(contentsOf: bytes)
        } else {
            pending.append(contentsOf: bytes.prefix(room))
            overflow += bytes.count - room
        }
    }

    /// The current line, handed out (cut when it overflowed).
    private func line() -> String {
        if overflow > 0 { statistics.linesCut += 1 }
        statistics.lines += 1
        let text = String(decoding: pending, as: UTF8.self)
        pending.removeAll(keepingCapacity: true)
        overflow = 0
        return text
    }

    /// A last line without its newline, at the end of a file that will not grow any more.
    private func flushPending(into lines: inout [String]) {
        guard !pending.isEmpty || overflow > 0 else { return }
        consumed += Int64(pending.count + overflow)
        lines.append(line())
    }
}

/// Saves and loads a follower's ``LogPosition`` in a small JSON file, replaced atomically (written
/// to a temporary file, then renamed), so a crash leaves the old position or the new one.
public struct LogPositionFile: Sendable {
    /// The file.
    public let path: String

    /// The position file at `path`.
    public init(path: String) {
        self.path = path
    }

    /// The saved position, or nil when there is none.
    ///
    /// - Throws: An error naming the file when it exists but is not a position.
    public func load() throws -> LogPosition? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        do {
            return try JSONDecoder().decode(LogPosition.self, from: data)
        } catch {
            throw LogPositionFileError(path: path, reason: "\(error)")
        }
    }

    /// Saves `position`, replacing the file atomically.
    ///
    /// - Throws: What writing or renaming throws.
    public func save(_ position: LogPosition) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        try encoder.encode(position).write(to: URL(fileURLWithPath: path), options: .atomic)
    }
}

/// A position file that holds something else.
public struct LogPositionFileError: Error, CustomStringConvertible {
    /// The file.
    public var path: String
    /// What is wrong with it.
    public var reason: String

    /// `position file PATH is not a saved position: …`.
    public var description: String { "position file \(path) is not a saved position: \(reason)" }
}
