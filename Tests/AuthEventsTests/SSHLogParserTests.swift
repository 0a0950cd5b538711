import AuthEvents
import Foundation
import Testing
import TrafficFeatures

/// OpenSSH 9.2's authentication messages (Debian 12) and PAM's, with and without syslog prefixes.
@Suite("sshd and PAM log lines")
struct SSHLogParserTests {
    static let parser = SSHLogParser(now: { Date(timeIntervalSince1970: 1_796_680_000) })  // 2026-12-07 21:46:40 UTC
    static let attacker = NetworkAddress("198.18.0.2")!

    static func event(_ line: String) throws -> AuthLogEvent {
        guard case .event(let event) = parser.parse(line) else {
            Issue.record("not an event: \(line) → \(parser.parse(line))")
            throw CancellationError()
        }
        return event
    }

    @Test("a failed password, for an account and for a name that is none")
    func failedPasswords() throws {
        let account = try Self.event("Failed password for root from 198.18.0.2 port 40022 ssh2")
        #expect(account == AuthLogEvent(kind: .failure, method: "password", username: "root", source: Self.attacker, port: 40022))
        #expect(account.attempts == 1)
        let invalid = try Self.event("Failed password for invalid user admin from 198.18.0.2 port 40024 ssh2")
        #expect(invalid.username == "admin" && invalid.invalidUser && invalid.kind == .failure)
        let none = try Self.event("Failed none for invalid user oracle from 198.18.0.2 port 40026 ssh2")
        #expect(none.method == "none" && none.username == "oracle")
        let key = try Self.event("Failed publickey for alice from 198.18.0.2 port 40028 ssh2: ED25519 SHA256:Zm9vYmFy")
        #expect(key.method == "publickey" && key.username == "alice" && key.port == 40028)
    }

    @Test("names with spaces, commands and a forged ' from … port … ssh2' inside stay names; the real address is the last")
    func namesAreReadFromTheEnd() throws {
        let command = try Self.event("Failed password for invalid user sudo rm -rf / from 198.18.0.2 port 40030 ssh2")
        #expect(command.username == "sudo rm -rf /" && command.source == Self.attacker)
        let forged = try Self.event(
            "Failed password for invalid user x from 198.18.0.9 port 22 ssh2 from 198.18.0.2 port 40032 ssh2")
        #expect(forged.username == "x from 198.18.0.9 port 22 ssh2" && forged.source == Self.attacker && forged.port == 40032)
        let empty = try Self.event("Invalid user  from 198.18.0.2 port 40034")
        #expect(empty.username == "" && empty.kind == .invalidUser)
    }

    @Test("successes by password and by key, IPv4 and IPv6")
    func successes() throws {
        let password = try Self.event("Accepted password for deploy01 from 198.18.0.2 port 40036 ssh2")
        #expect(password.kind == .success && password.method == "password" && password.username == "deploy01")
        let key = try Self.event("Accepted publickey for alice from 2001:db8::7 port 51000 ssh2: RSA SHA256:YWJj")
        #expect(key.kind == .success && key.source == NetworkAddress("2001:db8::7") && key.port == 51000)
    }

    @Test("connections that end before authenticating, and sshd cutting a guesser off")
    func connectionEnds() throws {
        let invalid = try Self.event("Connection closed by invalid user admin 198.18.0.2 port 40038 [preauth]")
        #expect(invalid == AuthLogEvent(
            kind: .closedBeforeAuthentication, username: "admin", invalidUser: true, source: Self.attacker, port: 40038))
        let authenticating = try Self.event("Connection closed by authenticating user root 198.18.0.2 port 40040 [preauth]")
        #expect(authenticating.username == "root" && !authenticating.invalidUser)
        let anonymous = try Self.event("Connection closed by 198.18.0.2 port 40042 [preauth]")
        #expect(anonymous.username == nil && anonymous.source == Self.attacker)
        let disconnected = try Self.event("Disconnected from invalid user test 2001:db8::9 port 40044 [preauth]")
        #expect(disconnected.kind == .closedBeforeAuthentication && disconnected.username == "test")
        // After a session: not an authentication event.
        #expect(Self.parser.parse("Disconnected from user alice 198.18.0.2 port 40046") == .irrelevant)
        let maximum = try Self.event(
            "error: maximum authentication attempts exceeded for invalid user admin from 198.18.0.2 port 40048 ssh2 [preauth]")
        #expect(maximum.kind == .attemptsExceeded && maximum.username == "admin" && maximum.invalidUser && maximum.attempts == 0)
        let tooMany = try Self.event(
            "Disconnecting authenticating user root 198.18.0.2 port 40050: Too many authentication failures [preauth]")
        #expect(tooMany.kind == .attemptsExceeded && tooMany.username == "root" && tooMany.port == 40050)
    }

    @Test("PAM: sshd's own failures are reports (never counted twice), another service's are failures")
    func pam() throws {
        let sshd = try Self.event(
            "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=198.18.0.2  user=root")
        #expect(sshd.kind == .pamReport && sshd.username == "root" && sshd.source == Self.attacker && sshd.attempts == 0)
        let more = try Self.event(
            "PAM 2 more authentication failures; logname= uid=0 euid=0 tty=ssh ruser= rhost=198.18.0.2  user=root")
        #expect(more.kind == .pamReport && more.attempts == 0)
        let keyboard = try Self.event("error: PAM: Authentication failure for illegal user admin from 198.18.0.2")
        #expect(keyboard.kind == .pamReport && keyboard.invalidUser && keyboard.username == "admin")
        let sudo = try Self.event(
            "2026-12-07T21:43:20.123456+00:00 host sudo: pam_unix(sudo:auth): authentication failure; logname=bob uid=1000 euid=0 tty=/dev/pts/0 ruser=bob rhost=  user=bob")
        #expect(sudo.kind == .failure && sudo.service == "sudo" && sudo.username == "bob" && sudo.source == nil)
        #expect(Self.parser.parse("pam_unix(sshd:session): session opened for user alice(uid=1000) by (uid=0)") == .irrelevant)
        #expect(Self.parser.parse("pam_unix(sshd:auth): check pass; user unknown") == .irrelevant)
    }

    @Test("syslog prefixes: RFC 3339 (Debian 12's rsyslog) and RFC 3164, sshd-session, other programs")
    func prefixes() throws {
        let rfc3339 = try Self.event(
            "2026-12-07T21:43:20.123456+00:00 gateway sshd[812]: Failed password for root from 198.18.0.2 port 40052 ssh2")
        #expect(rfc3339.username == "root")
        #expect(rfc3339.time.map { abs($0.timeIntervalSince1970 - 1_796_679_800.123456) < 0.001 } == true)
        let rfc3164 = try Self.event("Dec  7 21:43:20 gateway sshd[812]: Invalid user admin from 198.18.0.2 port 40054")
        #expect(rfc3164.kind == .invalidUser && rfc3164.time != nil)
        let session = try Self.event(
            "2026-12-07T21:43:21+00:00 gateway sshd-session[901]: Accepted publickey for alice from 198.18.0.2 port 40056 ssh2: ED25519 SHA256:eA")
        #expect(session.kind == .success)
        #expect(Self.parser.parse("2026-12-07T21:43:22+00:00 gateway CRON[77]: (root) CMD (run-parts /etc/cron.hourly)") == .otherProgram)
        // sshd -E writes bare messages ending in \r\n.
        #expect(try Self.event("Failed password for root from 198.18.0.2 port 40058 ssh2\r").port == 40058)
    }

    @Test("lines of sshd it does not know are unparsed; known lines of no attempt are irrelevant")
    func unknownLines() {
        #expect(Self.parser.parse("Server listening on 0.0.0.0 port 22.") == .irrelevant)
        #expect(Self.parser.parse("Received disconnect from 198.18.0.2 port 40060:11: Bye Bye [preauth]") == .irrelevant)
        #expect(Self.parser.parse("Failed to create session: no such user") == .irrelevant)
        #expect(Self.parser.parse("Something sshd 10 will say") == .unparsed)
        #expect(Self.parser.parse("Failed password for root from not-an-address port 1 ssh2") == .unparsed)
        #expect(Self.parser.parse("Connection closed by someone 198.18.0.2 port 40062 [preauth]") == .unparsed)
    }
}
