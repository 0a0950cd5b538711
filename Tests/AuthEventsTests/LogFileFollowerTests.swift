import AuthEvents
import Foundation
import Testing

/// Following a log file through appends, rotations (rename + create, copytruncate), restarts and
/// overlong lines: every line handed out once, none skipped.
@Suite("following a log file")
struct LogFileFollowerTests {
    /// A fresh directory for one test, removed afterwards.
    final class Folder {
        let path: String
        init() throws {
            path = NSTemporaryDirectory() + "authevents-\(UUID().uuidString)"
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        }
        deinit { try? FileManager.default.removeItem(atPath: path) }
        var log: String { path + "/auth.log" }

        func append(_ text: String, to file: String? = nil) throws {
            let target = file ?? log
            if !FileManager.default.fileExists(atPath: target) { _ = FileManager.default.createFile(atPath: target, contents: nil) }
            let handle = try #require(FileHandle(forWritingAtPath: target))
            try handle.seekToEnd()
            try handle.write(contentsOf: Data(text.utf8))
            try handle.close()
        }
    }

    @Test("appended lines come out once, in order; a line without its newline waits for it")
    func appends() throws {
        let folder = try Folder()
        try folder.append("old\n")
        let follower = LogFileFollower(path: folder.log)
        #expect(try follower.readLines() == [])  // starts at the end
        try folder.append("one\ntwo\nthr")
        #expect(try follower.readLines() == ["one", "two"])
        try folder.append("ee\n")
        #expect(try follower.readLines() == ["three"])
        #expect(try follower.readLines() == [])
        #expect(follower.position?.offset == Int64("old\none\ntwo\nthree\n".utf8.count))
    }

    @Test("a file that does not exist yet is read from its start once it appears")
    func appearsLater() throws {
        let folder = try Folder()
        let follower = LogFileFollower(path: folder.log)
        #expect(try follower.readLines() == [])
        try folder.append("first\n")
        #expect(try follower.readLines() == ["first"])
    }

    @Test("rotation by rename: the old file is read to its end, then the new one from its start")
    func renameRotation() throws {
        let folder = try Folder()
        let follower = LogFileFollower(path: folder.log, startAtEnd: false)
        try folder.append("a\nb\n")
        #expect(try follower.readLines() == ["a", "b"])
        try folder.append("c\n")  // written before the rotation, not read yet
        try FileManager.default.moveItem(atPath: folder.log, toPath: folder.log + ".1")
        try folder.append("d\ne\n")
        #expect(try follower.readLines() == ["c", "d", "e"])
        #expect(follower.statistics.rotations == 1)
    }

    @Test("copytruncate: the lines written before the copy come from the copy, then the file again from its start")
    func copyTruncate() throws {
        let folder = try Folder()
        let follower = LogFileFollower(path: folder.log, startAtEnd: false)
        try folder.append("a long first line\nanother one\n")
        #expect(try follower.readLines().count == 2)
        try folder.append("written before the copy\n")
        try FileManager.default.copyItem(atPath: folder.log, toPath: folder.log + ".1")
        try FileHandle(forWritingAtPath: folder.log)!.truncate(atOffset: 0)
        try folder.append("c\n")
        #expect(try follower.readLines() == ["written before the copy", "c"])
        #expect(follower.statistics.truncations == 1)
    }

    @Test("after a rename, a writer still holding the old file is read there until the file stays idle")
    func retiredFileKeepsBeingRead() throws {
        let folder = try Folder()
        let follower = LogFileFollower(path: folder.log, startAtEnd: false, retiredFileGrace: .zero)
        try folder.append("a\n")
        #expect(try follower.readLines() == ["a"])
        // A process that opened the file before the rotation (a child of sshd -E).
        let writer = try #require(FileHandle(forWritingAtPath: folder.log))
        try FileManager.default.moveItem(atPath: folder.log, toPath: folder.log + ".1")
        try folder.append("new-1\n")
        #expect(try follower.readLines() == ["new-1"])
        try writer.seekToEnd()
        try writer.write(contentsOf: Data("old-2\nold-3 no newline yet".utf8))
        #expect(try follower.readLines() == ["old-2"])
        try writer.write(contentsOf: Data(" and done\n".utf8))
        try folder.append("new-2\n")
        #expect(try follower.readLines() == ["old-3 no newline yet and done", "new-2"])
        // Idle now: with no grace it is closed; later writes there are not read (nor anything twice).
        #expect(try follower.readLines() == [])
        try writer.write(contentsOf: Data("after-close\n".utf8))
        try writer.close()
        #expect(try follower.readLines() == [])
        #expect(follower.statistics.rotations == 1)
    }

    @Test("copytruncate after an earlier rename: an older rotated file that begins with the same lines is not taken for the copy")
    func olderRotatedFileIsNoCopy() throws {
        let folder = try Folder()
        // sshd -E lines carry no time: every start of the log begins with the same lines.
        let banner = "Server listening on 198.18.0.1 port 2222.\r\n"
        try folder.append(banner + "Failed password for x from 198.18.0.2 port 1 ssh2\r\n")
        let follower = LogFileFollower(path: folder.log, startAtEnd: false, retiredFileGrace: .zero)
        #expect(try follower.readLines().count == 2)
        try FileManager.default.moveItem(atPath: folder.log, toPath: folder.log + ".1")
        try folder.append(banner)
        #expect(try follower.readLines().count == 1)
        #expect(try follower.readLines() == [])  // the renamed file is idle and closed
        // Truncated in place, with .1 still the older file (its first line is the same banner).
        try FileHandle(forWritingAtPath: folder.log)?.truncate(atOffset: 0)
        try folder.append("Failed password for y from 198.18.0.2 port 2 ssh2\r\n")
        let after = try follower.readLines()
        #expect(after == ["Failed password for y from 198.18.0.2 port 2 ssh2\r"], "\(after)")
        #expect(follower.statistics.truncations == 1)
    }

    @Test("a truncated file whose PATH.1 is not its copy: nothing is read from PATH.1")
    func truncateWithoutCopy() throws {
        let folder = try Folder()
        let follower = LogFileFollower(path: folder.log, startAtEnd: false)
        try folder.append("one line of the live file\n")
        #expect(try follower.readLines().count == 1)
        try folder.append("an older rotated file, longer than what was read\n", to: folder.log + ".1")
        try FileHandle(forWritingAtPath: folder.log)!.truncate(atOffset: 0)
        try folder.append("c\n")
        #expect(try follower.readLines() == ["c"])
    }

    @Test("a restart resumes after the last line handed out, also when the file was rotated meanwhile")
    func restart() throws {
        let folder = try Folder()
        let store = LogPositionFile(path: folder.path + "/position.json")
        #expect(try store.load() == nil)
        let first = LogFileFollower(path: folder.log, startAtEnd: false)
        try folder.append("a\nb\n")
        #expect(try first.readLines() == ["a", "b"])
        try store.save(try #require(first.position))

        try folder.append("c\n")
        let second = LogFileFollower(path: folder.log, position: try store.load())
        #expect(try second.readLines() == ["c"])
        try store.save(try #require(second.position))

        // Down while the log rotates: the rest of auth.log.1 first, then the new auth.log.
        try folder.append("d\n")
        try FileManager.default.moveItem(atPath: folder.log, toPath: folder.log + ".1")
        try folder.append("e\n")
        let third = LogFileFollower(path: folder.log, position: try store.load())
        #expect(try third.readLines() == ["d", "e"])
        #expect(third.statistics.rotations == 1)
    }

    @Test("an overlong line is cut to the maximum and counted; the position still covers all of it")
    func overlongLines() throws {
        let folder = try Folder()
        let follower = LogFileFollower(path: folder.log, startAtEnd: false, maximumLineBytes: 16)
        let long = String(repeating: "x", count: 100_000)
        try folder.append(long + "\nok\n")
        let lines = try follower.readLines()
        #expect(lines == [String(repeating: "x", count: 16), "ok"])
        #expect(follower.statistics.linesCut == 1)
        #expect(follower.position?.offset == 100_004)
    }

    @Test("a position file that holds something else is an error naming it")
    func corruptPositionFile() throws {
        let folder = try Folder()
        let path = folder.path + "/position.json"
        _ = FileManager.default.createFile(atPath: path, contents: Data("{\"inode\": \"x\"}".utf8))
        #expect {
            try LogPositionFile(path: path).load()
        } throws: { error in
            "\(error)".hasPrefix("position file \(path) is not a saved position")
        }
    }

    @Test("a file that cannot be opened is an error naming it and the reason")
    func unreadable() throws {
        let folder = try Folder()
        // A directory where the file should be: open succeeds, read fails with EISDIR.
        try FileManager.default.createDirectory(atPath: folder.log, withIntermediateDirectories: false)
        let follower = LogFileFollower(path: folder.log, startAtEnd: false)
        #expect {
            try follower.readLines()
        } throws: { error in
            "\(error)" == "read \(folder.log): Is a directory"
        }
    }
}
