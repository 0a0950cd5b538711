import Foundation
import TestSupport
import Testing
import ThreatRules

/// A classifier stand-in with fixed answers: the rules' logic, apart from the shipped classifier's.
private func classify(_ classes: [String: UsernameClass]) -> (String) -> UsernameClassification {
    { name in
        let predicted = classes[name] ?? .username
        return UsernameClassification(predictedType: predicted, confidence: 0.95, probabilities: [predicted: 0.95])
    }
}

private let attacker = "198.18.0.2"

/// A sensor's event for one source: one horizon per (seconds, failures, successes, names).
private func event(
    horizons: [(seconds: Double, failed: Int, succeeded: Int, names: Int)], names: [AuthenticationUsername] = [],
    privilegedFailures: Int = 0, succeededNow: Int = 0, source: String? = attacker, sources: Int = 1
) -> AuthenticationEvent {
    AuthenticationEvent(
        totalAttempts: names.reduce(0) { $0 + $1.attempts } + succeededNow,
        failedAttempts: names.reduce(0) { $0 + $1.failed }, successfulAttempts: succeededNow,
        uniqueSourceIPs: source == nil ? sources : 1, sourceIP: source, windowSeconds: 1, service: "sshd", usernames: names,
        uniqueUsernames: names.count,
        horizons: horizons.map {
            AuthenticationHorizon(
                seconds: $0.seconds, totalAttempts: $0.failed + $0.succeeded, failedAttempts: $0.failed,
                successfulAttempts: $0.succeeded, privilegedFailures: min(privilegedFailures, $0.failed), uniqueUsernames: $0.names,
                uniqueSourceIPs: source == nil ? sources : 1)
        })
}

private func findings(
    _ event: AuthenticationEvent, _ classes: [String: UsernameClass] = [:], thresholds: RuleThresholds = RuleThresholds()
) -> [Finding] {
    LoginRules.evaluate(event, classify: classify(classes), thresholds: thresholds)
}

@Suite("login rules over horizons: guessing, spraying, privileged accounts, success after failures, stuffing")
struct LoginRulesTests {
    static let deploy = AuthenticationUsername(name: "deploy01", attempts: 4, failed: 4, succeeded: 0)

    @Test("password guessing: more than 10 failures within 60 s on one account, named with the account")
    func guessing() throws {
        let found = findings(event(horizons: [(60, 11, 0, 1), (600, 11, 0, 1), (3600, 11, 0, 1)], names: [Self.deploy]))
        #expect(found.map(\.threat) == [.bruteForce])
        let finding = try #require(found.first)
        #expect(finding.sourceIP == attacker && finding.usernames == ["deploy01"])
        #expect(finding.explanation == "11 failed logins > 10 within 60 s from 198.18.0.2 (sshd) on one account: deploy01 (password guessing)")
        #expect(findings(event(horizons: [(60, 10, 0, 1), (600, 10, 0, 1)], names: [Self.deploy])).isEmpty, "10 is not more than 10")
    }

    @Test("slow guessing adds up: the threshold grows with √(horizon / 60 s), 32 within 10 min, 77 within 1 h")
    func slowGuessing() throws {
        #expect(LoginRules.guessThreshold(600, RuleThresholds()) > 31.6 && LoginRules.guessThreshold(600, RuleThresholds()) < 31.7)
        let slow = findings(event(horizons: [(60, 4, 0, 1), (600, 32, 0, 1), (3600, 32, 0, 1)], names: [Self.deploy]))
        #expect(slow.map(\.threat) == [.bruteForce])
        #expect(slow.first?.explanation.contains("within 10 min") == true)
        #expect(findings(event(horizons: [(60, 4, 0, 1), (600, 31, 0, 1), (3600, 31, 0, 1)], names: [Self.deploy])).isEmpty)
        let hourly = findings(event(horizons: [(60, 1, 0, 1), (600, 20, 0, 1), (3600, 78, 0, 1)], names: [Self.deploy]))
        #expect(hourly.first?.explanation.contains("within 1 h") == true)
    }

    @Test("spraying: one source failing on more than 5 names is spraying, not guessing")
    func spraying() throws {
        let names = (1...6).map { AuthenticationUsername(name: "user\($0)", attempts: 2, failed: 2, succeeded: 0, invalid: true) }
        let found = findings(event(horizons: [(60, 12, 0, 6), (600, 12, 0, 6)], names: names))
        #expect(found.map(\.threat) == [.passwordSpraying])
        #expect(found.first?.usernames == names.map(\.name))
        #expect(found.first?.sourceIP == attacker)
    }

    @Test("privileged accounts: more than 5 failures on root or an administrator")
    func privileged() throws {
        let root = AuthenticationUsername(name: "root", attempts: 6, failed: 6, succeeded: 0, privileged: true)
        let found = findings(event(horizons: [(60, 6, 0, 1), (600, 6, 0, 1)], names: [root], privilegedFailures: 6))
        #expect(found.map(\.threat) == [.serviceAccountAbuse])
        #expect(found.first?.usernames == ["root"])
        #expect(findings(event(horizons: [(60, 5, 0, 1)], names: [root], privilegedFailures: 5)).isEmpty)
    }

    @Test("a login accepted after more than 10 failures from the same source")
    func successAfterFailures() throws {
        let accepted = AuthenticationUsername(name: "deploy01", attempts: 1, failed: 0, succeeded: 1)
        let found = findings(event(horizons: [(60, 8, 1, 1), (600, 40, 1, 1)], names: [accepted], succeededNow: 0))
        #expect(!found.map(\.threat).contains(.loginAfterFailures), "no success in this window")
        var withSuccess = event(horizons: [(60, 8, 1, 1), (600, 40, 1, 1)], names: [accepted])
        withSuccess.successfulAttempts = 1
        let after = findings(withSuccess)
        #expect(after.map(\.threat) == [.bruteForce, .loginAfterFailures])
        let finding = try #require(after.last)
        #expect(finding.usernames == ["deploy01"] && finding.sourceIP == attacker)
        #expect(finding.explanation.hasPrefix("login accepted for deploy01 from 198.18.0.2 (sshd) after 40 failed logins > 10 within 10 min"))
    }

    @Test("stuffing: many sources, many names, few attempts each, in the summary over every source")
    func stuffing() throws {
        var summary = event(horizons: [(60, 22, 0, 14), (600, 22, 0, 14)], source: nil, sources: 11)
        summary.topSources = ["198.18.1.7", "198.18.1.1"]
        let found = findings(summary)
        #expect(found.map(\.threat) == [.credentialStuffing])
        #expect(found.first?.sourceIP == nil)
        #expect(found.first?.explanation.contains("from 11 sources > 10 on 14 usernames > 10 within 60 s") == true)
        #expect(found.first?.explanation.hasSuffix("most active: 198.18.1.7, 198.18.1.1") == true)
        // Eleven guessers of ten attempts each are guessers, each reported on its own event.
        #expect(findings(event(horizons: [(60, 110, 0, 14)], source: nil, sources: 11)).isEmpty)
        #expect(findings(event(horizons: [(60, 22, 0, 14)], source: nil, sources: 10)).isEmpty)
    }

    @Test("a password or a command typed as a name that is no account: reported, and shown masked")
    func typedSecrets() throws {
        let password = AuthenticationUsername(name: "P@ssw0rd!2026", attempts: 1, failed: 1, succeeded: 0, invalid: true)
        let command = AuthenticationUsername(name: "sudo reboot", attempts: 1, failed: 1, succeeded: 0, invalid: true)
        let valid = AuthenticationUsername(name: "Winter2026", attempts: 1, failed: 1, succeeded: 0, invalid: false)
        let classes: [String: UsernameClass] = ["P@ssw0rd!2026": .password, "sudo reboot": .command, "Winter2026": .password]
        let found = findings(event(horizons: [(60, 3, 0, 3)], names: [password, command, valid]), classes)
        #expect(found.map(\.threat) == [.usernameConfusion, .commandInjection], "an account of the host is never a typed secret")
        for finding in found {
            #expect(finding.usernames?.allSatisfy { $0.hasPrefix("masked:") && $0.count == 15 } == true)
            #expect(!finding.explanation.contains("P@ssw0rd") && !finding.explanation.contains("reboot"))
        }
        #expect(LoginRules.mask("P@ssw0rd!2026") == LoginRules.mask("P@ssw0rd!2026"))
        #expect(LoginRules.mask("P@ssw0rd!2026") != LoginRules.mask("P@ssw0rd!2027"))
    }

    @Test("an ordinary account name is never a typed secret, whatever the classifier says of it")
    func accountNamesAreNeverSecrets() {
        let ordinary = ["deploy01", "jsmith2", "svc-backup", "testuser", "admin", "guest", "john.smith", "MACHINE$", "_apt"]
        let names = ordinary.map { AuthenticationUsername(name: $0, attempts: 1, failed: 1, succeeded: 0, invalid: true) }
        let classes = Dictionary(uniqueKeysWithValues: ordinary.map { ($0, UsernameClass.password) })
        #expect(ordinary.allSatisfy(LoginRules.isAccountName))
        #expect(findings(event(horizons: [(60, 9, 0, 9)], names: names), classes).allSatisfy {
            $0.threat != .usernameConfusion && $0.threat != .commandInjection
        })
        for secret in ["P@ssw0rd!2026", "sudo reboot", "hunter2!", "1qaz2wsx", "", String(repeating: "a", count: 33), "ad$min"] {
            #expect(!LoginRules.isAccountName(secret), "\(secret)")
        }
    }

    @Test("names are shown in clear only when the classifier is confident they are names")
    func display() {
        let names = classify(["hunter2": .password])
        #expect(LoginRules.displayName("deploy01", classify: names) == "deploy01")
        #expect(LoginRules.displayName("hunter2", classify: names).hasPrefix("masked:"))
        #expect(LoginRules.displayName("deploy 01", classify: names).hasPrefix("masked:"), "spaces are not in account names")
        let unsure: (String) -> UsernameClassification = { _ in
            UsernameClassification(predictedType: .username, confidence: 0.5, probabilities: [.username: 0.5])
        }
        #expect(LoginRules.displayName("deploy01", classify: unsure).hasPrefix("masked:"))
    }

    @Test("each rule is silent with its threshold raised")
    func rulesCanBeTurnedDown() {
        var high = RuleThresholds()
        high.loginGuessFailures = 1e9
        high.loginSprayUsernames = 1e9
        high.loginPrivilegedFailures = 1e9
        high.loginSuccessAfterFailures = 1e9
        high.credentialStuffingHorizonSources = 1e9
        let root = AuthenticationUsername(name: "root", attempts: 40, failed: 39, succeeded: 1, privileged: true)
        var attack = event(horizons: [(60, 40, 1, 1), (600, 40, 1, 1)], names: [root], privilegedFailures: 39)
        attack.successfulAttempts = 1
        #expect(Set(findings(attack).map(\.threat)) == [.bruteForce, .serviceAccountAbuse, .loginAfterFailures])
        #expect(findings(attack, thresholds: high).isEmpty)
        let stuffing = event(horizons: [(60, 22, 0, 14)], source: nil, sources: 11)
        #expect(findings(stuffing, thresholds: high).isEmpty)
    }

    @Test("the detector judges a sensor's event with these rules, and the models alone do not alert on a few attempts")
    func detectorUsesLoginRules() throws {
        let detector = try ThreatDetector.standalone()
        let typos = event(
            horizons: [(60, 3, 1, 1), (600, 3, 1, 1)],
            names: [AuthenticationUsername(name: "deploy01", attempts: 4, failed: 3, succeeded: 1)], succeededNow: 0)
        for _ in 0..<5 {
            let verdict = try detector.detect(typos)
            #expect(!verdict.threatDetected, "\(verdict.explanations)")
        }
        var attack = event(horizons: [(60, 40, 1, 1), (600, 40, 1, 1)], names: [Self.deploy])
        attack.successfulAttempts = 1
        attack.totalAttempts += 1
        let verdict = try detector.detect(attack)
        #expect(verdict.threatTypes.contains(.rule(.bruteForce)) && verdict.threatTypes.contains(.rule(.loginAfterFailures)))
        #expect(verdict.attackingIPs == [attacker])
        #expect(verdict.detectionType == .authentication)
    }
}

@Suite("a source that probed the host and then guesses passwords: one incident naming both")
struct LoginIncidentTests {
    static func guessing(from source: String, at time: Double) -> AuthenticationEvent {
        var event = event(
            horizons: [(60, 20, 0, 1)], names: [AuthenticationUsername(name: "deploy01", attempts: 20, failed: 20, succeeded: 0)],
            source: source)
        event.timestamp = time
        return event
    }

    @Test("the login finding names the network findings of the same source within the hour, and only those")
    func joined() throws {
        let detector = try ThreatDetector.standalone()
        let scan = try detector.detect(SampleWindows.scan())
        #expect(scan.findings.contains { $0.threat == .portScan && $0.sourceIP == "198.18.0.2" })
        let scanTime = 1_795_514_401.25  // the window's end

        let verdict = try detector.detect(Self.guessing(from: "198.18.0.2", at: scanTime + 90))
        let guessing = try #require(verdict.findings.first { $0.threat == .bruteForce })
        #expect(guessing.incident?.contains("port_scan") == true, "\(guessing)")
        #expect(guessing.explanation.contains("one incident with the network findings of 198.18.0.2: "))
        #expect(guessing.explanation.contains("port_scan 90 s before") || guessing.explanation.contains("port_scan 91 s before"))

        let other = try detector.detect(Self.guessing(from: "198.18.0.3", at: scanTime + 90))
        #expect(other.findings.allSatisfy { $0.incident == nil }, "another source is another incident")
        let later = try detector.detect(Self.guessing(from: "198.18.0.2", at: scanTime + 3700))
        #expect(later.findings.allSatisfy { $0.incident == nil }, "more than an hour later it is not joined")
    }
}

@Suite("a sensor's authentication event on the wire: round trip and every limit named")
struct AuthenticationEventWireTests {
    static func decode(_ json: String) throws -> AuthenticationEvent {
        try JSONDecoder().decode(AuthenticationEvent.self, from: Data(json.utf8))
    }

    static let body = #"""
        {"total_attempts": 5, "failed_attempts": 4, "successful_attempts": 1, "source_ip": "198.18.0.2", "window_seconds": 1,
         "service": "sshd", "unique_usernames": 2, "privilege_level": 1,
         "usernames": [{"name": "root", "attempts": 4, "failed": 4, "succeeded": 0, "privileged": true},
                       {"name": "deploy01", "attempts": 1, "failed": 0, "succeeded": 1}],
         "horizons": [{"seconds": 60, "total_attempts": 5, "failed_attempts": 4, "successful_attempts": 1,
                       "privileged_failures": 4, "unique_usernames": 2, "unique_source_ips": 1}],
         "stream": "s-1", "sequence": 7, "timestamp": 1800000000.5}
        """#

    @Test("a full body decodes, and encodes back to the same event")
    func roundTrip() throws {
        let event = try Self.decode(Self.body)
        #expect(event.usernames?.count == 2 && event.usernames?.first?.privileged == true && event.usernames?.last?.invalid == false)
        #expect(event.horizons == [
            AuthenticationHorizon(
                seconds: 60, totalAttempts: 5, failedAttempts: 4, successfulAttempts: 1, privilegedFailures: 4, uniqueUsernames: 2)
        ])
        #expect(event.stream == "s-1" && event.sequence == 7 && event.timestamp == 1_800_000_000.5 && event.service == "sshd")
        let again = try JSONDecoder().decode(AuthenticationEvent.self, from: JSONEncoder().encode(event))
        #expect(again == event)
    }

    @Test(
        "bad values are refused with a message naming the field",
        arguments: [
            (#""usernames": [{"name": "a", "attempts": 1, "failed": 2}]"#, "must not exceed attempts"),
            (#""usernames": [{"name": 5, "attempts": 1}]"#, "name must be a string"),
            (#""usernames": [{"name": "a", "attempts": 1, "invalid": "yes"}]"#, "invalid must be true or false"),
            (#""usernames": 3"#, "usernames must be an array"),
            (#""horizons": [{"seconds": 60, "total_attempts": 1, "failed_attempts": 2}]"#, "must not exceed total_attempts"),
            (#""horizons": [{"seconds": -1, "total_attempts": 1, "failed_attempts": 1}]"#, "seconds must be a finite number"),
            (#""horizons": [{"seconds": 60, "total_attempts": 2, "failed_attempts": 1, "privileged_failures": 2}]"#,
             "privileged_failures (2) must not exceed failed_attempts (1)"),
            (#""top_sources": [1]"#, "top_sources[0] must be a string"),
            (#""stream": "s""#, "sequence is required with stream"),
            (#""source_ip": """#, "source_ip must be 1 to 64 characters, got 0"),
            (#""sequence": -1"#, "sequence must be an integer"),
            (#""timestamp": "now""#, "timestamp must be a finite number"),
            (#""service": "\#(String(repeating: "x", count: 65))""#, "service must be 1 to 64 characters, got 65"),
        ])
    func refused(field: String, message: String) {
        let json = #"{"total_attempts": 2, "failed_attempts": 1, "#.dropLast() + " " + field + "}"
        do {
            _ = try Self.decode(String(json))
            Issue.record("accepted: \(json)")
        } catch let error as DecodingError {
            let text: String = switch error {
            case .dataCorrupted(let context), .keyNotFound(_, let context): context.debugDescription
            default: "\(error)"
            }
            #expect(text.contains(message), "\(json): \(text)")
        } catch {
            Issue.record("\(error)")
        }
    }

    @Test("lists are bounded: 65 names, 17 horizons, 65 top sources are refused")
    func listsAreBounded() {
        let name = #"{"name": "a", "attempts": 1}"#
        let horizon = #"{"seconds": 60, "total_attempts": 1, "failed_attempts": 1}"#
        for (field, item, count) in [("usernames", name, 65), ("horizons", horizon, 17), ("top_sources", #""198.18.0.1""#, 65)] {
            let json = #"{"total_attempts": 1, "failed_attempts": 1, ""# + field + #"": ["#
                + Array(repeating: item, count: count).joined(separator: ",") + "]}"
            #expect(throws: DecodingError.self, "\(field)") { try Self.decode(json) }
        }
    }
}
