import AuthEvents
import Foundation
import TestSupport
import Testing
import TrafficFeatures

/// A real OpenSSH server (Debian's sshd, the test's own configuration and accounts) attacked with
/// Debian's hydra from a test namespace; its log, followed and parsed, names every attempt.
@Suite(
    "the host's logins: a real sshd's log read as authentication events", .serialized,
    .requires(TestNetwork.isPrivileged, "needs root (namespaces, sshd in a mount namespace)"),
    .requires(SSHServer.isAvailable, "Debian's sshd is not unpacked in .build-tools (make setup)"),
    .requires(Command.exists("hydra"), "hydra is not installed (make setup)"))
struct SSHLoginLogTests {
    /// Everything the parser made of the log so far, by what each line was.
    struct Tally {
        var events: [AuthLogEvent] = []
        var unparsed: [String] = []
        var irrelevant = 0

        mutating func add(_ lines: [String]) {
            let parser = SSHLogParser()
            for line in lines {
                switch parser.parse(line) {
                case .event(let event): events.append(event)
                case .unparsed: unparsed.append(line)
                case .irrelevant, .otherProgram: irrelevant += 1
                }
            }
        }

        func count(_ kind: AuthLogEvent.Kind) -> Int { events.count { $0.kind == kind } }
    }

    static func wordlist(_ words: [String]) throws -> String {
        let path = NSTemporaryDirectory() + "hydra-words-\(UUID().uuidString)"
        try (words.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Reads the log until `done` holds for what was read (sshd writes a line after hydra has
    /// moved on), at most 30 s.
    static func follow(_ follower: LogFileFollower, into tally: inout Tally, until done: (Tally) -> Bool) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(30)
        repeat {
            tally.add(try follower.readLines())
            if done(tally) { return }
            try await Task.sleep(for: .milliseconds(100))
        } while clock.now < deadline
    }

    @Test("hydra guessing one account's password: every wrong guess and the success, from the attacker, exactly")
    func guessingOneAccount() async throws {
        let network = try TestNetwork()
        defer { network.remove() }
        // MaxAuthTries above the list: sshd cutting the connection makes hydra try the guess in
        // flight again, which sshd logs (and the parser counts) as one more failure.
        let server = try await SSHServer(
            address: network.hostAddress, accounts: [.init(name: "deploy01", password: "Winter2026!")], maxAuthTries: 50)
        let follower = LogFileFollower(path: server.logPath, startAtEnd: false)
        let wrong = ["123456", "password", "qwerty", "letmein", "deploy", "Summer2026!", "changeme"]
        let list = try Self.wordlist(wrong + ["Winter2026!", "never-tried"])
        defer { try? FileManager.default.removeItem(atPath: list) }

        // One task, stop at the first hit: exactly the seven wrong guesses, then the right one.
        let hydra = try await network.exec(
            ["hydra", "-I", "-q", "-t", "1", "-f", "-l", "deploy01", "-P", list, "-s", "\(server.port)", network.hostAddress, "ssh"],
            check: false)
        #expect(hydra.stdout.contains("password: Winter2026!"), "hydra did not find the password: \(hydra.stdout) \(hydra.stderr)")

        var tally = Tally()
        try await Self.follow(follower, into: &tally) { $0.count(.success) >= 1 && $0.count(.failure) >= wrong.count }
        let attacker = NetworkAddress(network.peerAddress)
        let failures = tally.events.filter { $0.kind == .failure }
        #expect(failures.count == wrong.count, "\(server.logLines)")
        #expect(failures.allSatisfy { $0.username == "deploy01" && !$0.invalidUser && $0.method == "password" && $0.source == attacker })
        let successes = tally.events.filter { $0.kind == .success }
        #expect(successes.count == 1)
        #expect(successes.first?.username == "deploy01" && successes.first?.source == attacker)
        #expect(tally.unparsed.isEmpty, "lines of sshd the parser does not know: \(tally.unparsed)")
    }

    @Test("names that are no account — a password and a command among them — are read as sshd logged them")
    func invalidUsersAndTypedSecrets() async throws {
        let network = try TestNetwork()
        defer { network.remove() }
        let server = try await SSHServer(address: network.hostAddress, accounts: [.init(name: "deploy01", password: "Winter2026!")])
        let follower = LogFileFollower(path: server.logPath, startAtEnd: false)
        // (In a trial run "sudo rm -rf /" reached sshd's log as "sudo rm -rf ": no slash here.)
        let names = ["admin", "oracle", "P@ssw0rd!2026", "sudo reboot"]
        let list = try Self.wordlist(names)
        defer { try? FileManager.default.removeItem(atPath: list) }

        _ = try await network.exec(
            ["hydra", "-I", "-q", "-t", "1", "-L", list, "-p", "wrong-password", "-s", "\(server.port)", network.hostAddress, "ssh"],
            check: false)

        var tally = Tally()
        try await Self.follow(follower, into: &tally) { $0.count(.failure) >= names.count }
        let attacker = NetworkAddress(network.peerAddress)
        let failures = tally.events.filter { $0.kind == .failure }
        #expect(failures.map { $0.username ?? "-" }.sorted() == names.sorted(), "\(server.logLines)")
        #expect(failures.allSatisfy { $0.invalidUser && $0.source == attacker })
        let invalid = tally.events.filter { $0.kind == .invalidUser }
        #expect(Set(invalid.compactMap(\.username)) == Set(names))
        #expect(tally.count(.success) == 0)
        #expect(tally.unparsed.isEmpty, "lines of sshd the parser does not know: \(tally.unparsed)")
    }
}
