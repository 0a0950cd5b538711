import Foundation
import TestSupport
import Testing

/// The monitor reading sshd's messages from journal files (`--auth-journal DIR`, as a host's
/// journal mounted into a container) and posting them to a real detector; restarted, it resumes
/// at its saved cursor.
@Suite(
    "monitor reading logins from the journal", .serialized,
    .enabled(if: JournalFiles.isAvailable, "systemd-journal-remote is not installed (make setup)"))
struct AuthJournalTests {
    static let attacker = "198.18.0.9"

    static func failures(_ count: Int, from start: Double, tag: String) -> [JournalFiles.Entry] {
        (0..<count).map {
            JournalFiles.Entry(
                identifier: "sshd", message: "Failed password for deploy01 from \(attacker) port \(40000 + $0) ssh2", facility: 4,
                unit: "ssh.service", seconds: start + Double($0) * 0.1)
        }
    }

    static func failuresRead(_ monitor: MonitorProcess) async throws -> Int {
        Int(PrometheusText.samples(try await monitor.get("/metrics").text)[#"ebpf_auth_events_total{kind="failure"}"#] ?? -1)
    }

    static func monitor(detector: MonitorProcess, journal: JournalFiles, state: String) throws -> MonitorProcess {
        try MonitorProcess(arguments: [
            "--simulate", "--ml-detector-url", detector.baseURL, "--auth-journal", journal.directory, "--auth-state-dir", state,
            "--print-verdicts", "json",
        ])
    }

    @Test("guessing in the journal is judged with its source; a restarted monitor reads only what came after", .serviceProcesses(2))
    func journalToVerdictAndResume() async throws {
        let journal = try JournalFiles()
        let now = Date().timeIntervalSince1970
        try journal.write([JournalFiles.Entry(identifier: "sshd", message: "Server listening on 0.0.0.0 port 22.", seconds: now - 60)])
        let state = NSTemporaryDirectory() + "nm-auth-journal-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: state) }
        let detector = try MonitorProcess(arguments: ["--rules-only"], executable: BuiltProducts.detector)
        defer { detector.killHard() }
        try await detector.waitUntil(path: "/health")
        let first = try Self.monitor(detector: detector, journal: journal, state: state)
        defer { first.killHard() }
        try await first.waitUntil(path: "/ready")
        #expect(try await Poll.until { first.log.contains("following the journal") })

        try journal.write(
            Self.failures(15, from: now, tag: "a")
                + [JournalFiles.Entry(
                    identifier: "sshd", message: "Accepted password for deploy01 from \(Self.attacker) port 41000 ssh2", facility: 4,
                    seconds: now + 2)])
        let judged = try await Poll.until(timeout: .seconds(60)) {
            first.log.contains(#""threat":"brute_force""#) && first.log.contains(#""threat":"login_after_failures""#)
        }
        #expect(judged, "no verdict naming the guessing: \(first.log.suffix(3000))")
        #expect(first.log.contains(#""source_ip":"198.18.0.9""#))
        #expect(try await Self.failuresRead(first) == 15)
        #expect(await first.terminate() == 0)
        #expect(FileManager.default.fileExists(atPath: state + "/auth-journal-cursor"))

        // Logged while no monitor ran: the next one starts at the saved cursor.
        try journal.write(Self.failures(12, from: now + 10, tag: "b"))
        let second = try Self.monitor(detector: detector, journal: journal, state: state)
        defer { second.killHard() }
        try await second.waitUntil(path: "/ready")
        let resumed = try await Poll.until(timeout: .seconds(60)) { (try? await Self.failuresRead(second)) == 12 }
        let read = try await Self.failuresRead(second)
        #expect(resumed, "the restarted monitor read \(read) failures, expected the 12 new ones (none twice)")
    }

    @Test(
        "unusable authentication settings stop the monitor with a message naming them", .serviceProcesses(1),
        arguments: [
            (["--auth-log", "auth.log"], "AUTH_LOGS must list absolute paths"),
            (["--auth-journal", "sometimes"], "AUTH_JOURNAL must be auto, system, none or an absolute directory"),
        ])
    func badSettings(arguments: [String], message: String) async throws {
        let result = try await Command.run(
            [BuiltProducts.monitor, "--simulate", "--ml-detector-url", "none"] + arguments, check: false)
        #expect(result.status != 0)
        #expect(result.stderr.contains(message), "\(result.stderr)")
    }
}
