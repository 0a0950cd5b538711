import AuthEvents
import Foundation
import TestSupport
import Testing
import TrafficFeatures

/// Reading sshd's and PAM's messages from a real journal: files written by Debian's
/// `systemd-journal-remote` from the test's own entries, read back through sd-journal.
@Suite(
    "following the systemd journal", .serialized,
    .enabled(if: JournalFiles.isAvailable, "systemd-journal-remote is not installed (make setup)"))
struct JournalFollowerTests {
    typealias Entry = JournalFiles.Entry

    static let t0 = 1_800_000_000
    static let failure = "Failed password for invalid user oracle from 198.18.0.2 port 40022 ssh2"
    static let accepted = "Accepted publickey for deploy01 from 198.18.0.3 port 40100 ssh2: ED25519 SHA256:abc"

    @Test("sshd's and PAM's entries only, in order, with their time; other programs are not read")
    func filtersAndParses() throws {
        let journal = try JournalFiles()
        try journal.write([
            Entry(identifier: "sshd", message: Self.failure, facility: 4, unit: "ssh.service", seconds: Double(Self.t0)),
            Entry(identifier: "CRON", message: "pam_unix(cron:session): session opened for user root(uid=0)", facility: 9,
                  seconds: Double(Self.t0 + 1)),
            Entry(identifier: "sudo", message: "pam_unix(sudo:auth): authentication failure; logname=deploy01 uid=3000 euid=0 tty=/dev/pts/0 ruser=deploy01 rhost=  user=deploy01",
                  seconds: Double(Self.t0 + 2)),
            Entry(identifier: "sshd-session", message: Self.accepted, facility: 4, seconds: Double(Self.t0 + 3)),
        ])
        let follower = try JournalFollower(source: .directory(journal.directory), startAtEnd: false)
        let entries = try follower.readEntries()
        #expect(entries.map(\.program) == ["sshd", "sudo", "sshd-session"])
        #expect(entries.first?.time == Date(timeIntervalSince1970: Double(Self.t0)))
        guard entries.count == 3 else { return }
        guard case .event(let failure) = entries[0].parsed, case .event(let sudo) = entries[1].parsed,
            case .event(let accepted) = entries[2].parsed
        else {
            Issue.record("not parsed as events: \(entries.map(\.parsed))")
            return
        }
        #expect(failure.kind == .failure && failure.username == "oracle" && failure.invalidUser)
        #expect(failure.source == NetworkAddress("198.18.0.2"))
        #expect(sudo.kind == .failure && sudo.service == "sudo" && sudo.source == nil)
        #expect(accepted.kind == .success && accepted.method == "publickey" && accepted.source == NetworkAddress("198.18.0.3"))
        #expect(try follower.readEntries().isEmpty)
        #expect(follower.cursor == entries.last?.cursor)
    }

    @Test("a saved cursor resumes after its entry: none read twice, none skipped; a live follower sees new files")
    func cursorResumes() throws {
        let journal = try JournalFiles()
        try journal.write((0..<3).map { Entry(identifier: "sshd", message: Self.failure, seconds: Double(Self.t0 + $0)) })
        let live = try JournalFollower(source: .directory(journal.directory), startAtEnd: false)
        #expect(try live.readEntries().count == 3)
        let cursorFile = JournalCursorFile(path: journal.directory + "/cursor")
        try cursorFile.save(try #require(live.cursor))

        try journal.write((3..<5).map { Entry(identifier: "sshd", message: Self.failure, seconds: Double(Self.t0 + $0)) })
        let resumed = try JournalFollower(source: .directory(journal.directory), cursor: try cursorFile.load())
        let afterRestart = try resumed.readEntries()
        #expect(afterRestart.map(\.time) == [3, 4].map { Date(timeIntervalSince1970: Double(Self.t0 + $0)) })
        let seenLive = try live.readEntries()
        #expect(seenLive.map(\.cursor) == afterRestart.map(\.cursor))
    }

    @Test("without a cursor the follower starts at the end: only what is logged afterwards")
    func startsAtTheEnd() throws {
        let journal = try JournalFiles()
        try journal.write([Entry(identifier: "sshd", message: Self.failure, seconds: Double(Self.t0))])
        let follower = try JournalFollower(source: .directory(journal.directory))
        #expect(try follower.readEntries().isEmpty)
        try journal.write([Entry(identifier: "sshd", message: Self.accepted, seconds: Double(Self.t0 + 10))])
        #expect(try follower.readEntries().map(\.message) == [Self.accepted])
    }

    @Test("a journal directory that cannot be opened is an error naming it")
    func missingDirectory() {
        #expect(throws: JournalError.self) {
            _ = try JournalFollower(source: .directory("/nonexistent-\(UUID().uuidString)"))
        }
    }
}
