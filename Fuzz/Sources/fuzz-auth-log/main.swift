// The sshd/PAM log-line parser and the per-source login tracker on arbitrary text.
//
// Input: log lines separated by "\n" (any bytes; at most 256 lines of at most 4096 bytes, as the
// follower hands them out).
//
// Checks, besides "never traps": a line parses the same way twice and the same with its "\r"; an
// event's name, address and port are in the line; the tracker's windows add up (attempts =
// failures + successes, per name and in total) and a horizon never counts less than its window.
import AuthEvents
import Foundation
import FuzzSupport
import TrafficFeatures

@_cdecl("LLVMFuzzerTestOneInput")
func testOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let input = FuzzInput(data, size)
    let parser = SSHLogParser(now: { Date(timeIntervalSince1970: 1_800_000_000) })
    var tracker = AuthActivityTracker(configuration: .init(sourceCapacity: 8, usernamesPerSource: 8, reportedUsernames: 4))
    var attempts = 0
    var attributed = 0
    for raw in input.all.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).prefix(256) {
        let line = String(decoding: raw.prefix(4096), as: UTF8.self)
        let parsed = parser.parse(line)
        Fuzz.check(parser.parse(line) == parsed, "the same line parsed two ways: \(line.debugDescription)")
        Fuzz.check(parser.parse(line + "\r") == parsed, "a trailing CR changed the parse: \(line.debugDescription)")
        guard case .event(let event) = parsed else { continue }
        if let name = event.username, !name.isEmpty {
            Fuzz.check(line.contains(name), "name \(name.debugDescription) is not in \(line.debugDescription)")
        }
        if let port = event.port { Fuzz.check((0...65_535).contains(port), "port \(port)") }
        if let source = event.source {
            Fuzz.check(NetworkAddress(source.description) == source, "address \(source) does not read back")
        }
        attempts += event.attempts
        if event.source != nil { attributed += event.attempts }
        tracker.record(event)
    }
    let activities = tracker.closeWindow(end: Date(timeIntervalSince1970: 1_800_000_001), seconds: 1)
    Fuzz.check(tracker.attemptsWithoutSource == attempts - attributed, "attempts without a source miscounted")
    var total = 0
    for activity in activities {
        Fuzz.check(activity.attempts == activity.failures + activity.successes, "attempts != failures + successes")
        for name in activity.usernames {
            Fuzz.check(name.attempts == name.failures + name.successes, "a name's attempts do not add up")
        }
        for horizon in activity.horizons {
            Fuzz.check(horizon.attempts >= activity.attempts && horizon.failures >= activity.failures, "a horizon counts less than its window")
        }
        if activity.source != nil { total += activity.attempts }
    }
    Fuzz.check(total == attributed, "per-source activities count \(total) attempts for \(attributed) attributed")
    return 0
}

/// Real message shapes of OpenSSH 9.2 and PAM, alone and all together.
func seeds() -> [(name: String, bytes: [UInt8])] {
    let lines = [
        "2026-12-07T21:43:20.123456+00:00 host sshd[812]: Failed password for invalid user oracle from 198.18.0.2 port 40022 ssh2",
        "Dec  7 21:43:20 host sshd[812]: Failed password for root from 2001:db8::5 port 40022 ssh2",
        "Accepted publickey for deploy01 from 198.18.0.3 port 40100 ssh2: ED25519 SHA256:abc\r",
        "Invalid user sudo reboot from 198.18.0.2 port 40023",
        "Connection closed by authenticating user deploy01 198.18.0.2 port 40024 [preauth]",
        "Disconnected from invalid user admin 198.18.0.2 port 40025 [preauth]",
        "error: maximum authentication attempts exceeded for root from 198.18.0.2 port 40026 ssh2 [preauth]",
        "Disconnecting authenticating user root 198.18.0.2 port 40026: Too many authentication failures [preauth]",
        "PAM 2 more authentication failures; logname= uid=0 euid=0 tty=ssh ruser= rhost=198.18.0.2  user=root",
        "Dec  7 21:43:21 host sudo: pam_unix(sudo:auth): authentication failure; logname=deploy01 uid=3000 euid=0 tty=/dev/pts/0 ruser=deploy01 rhost=  user=deploy01",
        "Server listening on 0.0.0.0 port 22.",
    ]
    var seeds = lines.enumerated().map { (name: "line-\($0.offset)", bytes: Array($0.element.utf8)) }
    seeds.append((name: "all", bytes: Array(lines.joined(separator: "\n").utf8)))
    return seeds
}

Fuzz.main(seeds: seeds, testOne: testOne)
