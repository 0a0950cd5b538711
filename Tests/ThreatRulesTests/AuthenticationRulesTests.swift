import Foundation
import Testing
import ThreatRules

private func decodeEvent(_ json: String) throws -> AuthenticationEvent {
    try JSONDecoder().decode(AuthenticationEvent.self, from: Data(json.utf8))
}

private func threats(_ event: AuthenticationEvent, _ usernameClass: UsernameClass? = nil) -> [ThreatType] {
    AuthenticationRules.evaluate(event, usernameClass: usernameClass, thresholds: RuleThresholds()).map(\.threat)
}

@Suite struct AuthenticationRulesSeedExample {
    @Test func serviceAccountWith136kAttemptsIsAbuse() throws {
        let event = try decodeEvent(
            #"{"username_type": "service", "total_attempts": 136963, "failed_attempts": 2396, "unique_source_ips": 34, "privilege_level": 1}"#
        )
        #expect(event.windowSeconds == 60)
        let findings = AuthenticationRules.evaluate(event, usernameClass: event.usernameType, thresholds: RuleThresholds())
        // The seed expects service_account_abuse; its other rules fire honestly too.
        #expect(findings.map(\.threat) == [.bruteForce, .credentialStuffing, .serviceAccountAbuse])
        let abuse = try #require(findings.first { $0.threat == .serviceAccountAbuse })
        #expect(abuse.feature == "total_attempts")
        #expect(abuse.value == 136_963)
        #expect(abuse.threshold == 1000)
        #expect(
            abuse.explanation
                == "total_attempts 136963 > 1000 per minute on a service account, privilege_level 1 >= 1 from 34 source IPs")
        #expect(findings.allSatisfy { $0.sourceIP == nil })
    }
}

@Suite struct AuthenticationRulesTable {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var event: AuthenticationEvent
        var usernameClass: UsernameClass?
        var expected: [ThreatType]
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "ordinary login", event: .init(usernameType: .username, totalAttempts: 5, failedAttempts: 1), expected: []),
        Case(
            name: "brute force at the thresholds is not reported",
            event: .init(usernameType: .username, totalAttempts: 100, failedAttempts: 50), expected: []),
        Case(
            name: "brute force", event: .init(usernameType: .username, totalAttempts: 101, failedAttempts: 51, sourceIP: "203.0.113.5"),
            expected: [.bruteForce]),
        Case(
            name: "many attempts but few failures", event: .init(usernameType: .email, totalAttempts: 400, failedAttempts: 20),
            expected: []),
        Case(
            name: "credential stuffing",
            event: .init(usernameType: .email, totalAttempts: 600, failedAttempts: 40, uniqueSourceIPs: 25), expected: [.credentialStuffing]),
        Case(
            name: "many attempts from few addresses is not stuffing",
            event: .init(usernameType: .email, totalAttempts: 600, failedAttempts: 40, uniqueSourceIPs: 10), expected: []),
        Case(
            name: "busy privileged account",
            event: .init(usernameType: .username, totalAttempts: 1500, failedAttempts: 3, privilegeLevel: 2), expected: [.serviceAccountAbuse]),
        Case(
            name: "busy ordinary account is not abuse",
            event: .init(usernameType: .username, totalAttempts: 1500, failedAttempts: 3, privilegeLevel: 0), expected: []),
        Case(
            name: "service class from the classifier",
            event: .init(usernameText: "svc-backup", totalAttempts: 2000, failedAttempts: 0), usernameClass: .service,
            expected: [.serviceAccountAbuse]),
        Case(
            name: "password in the username field",
            event: .init(usernameText: "Tr0ub4dor&3", totalAttempts: 1, failedAttempts: 1), usernameClass: .password,
            expected: [.usernameConfusion]),
        Case(
            name: "command in the username field",
            event: .init(usernameText: "sudo rm -rf /", totalAttempts: 1, failedAttempts: 1), usernameClass: .command,
            expected: [.commandInjection]),
        Case(
            name: "the given class wins over username_type",
            event: .init(usernameType: .username, totalAttempts: 1, failedAttempts: 1), usernameClass: .command,
            expected: [.commandInjection]),
        Case(
            name: "username_type is used when no class is given",
            event: .init(usernameType: .password, totalAttempts: 1, failedAttempts: 0), expected: [.usernameConfusion]),
        Case(
            name: "an hour of brute force scaled to a minute is slow",
            event: .init(usernameType: .username, totalAttempts: 3000, failedAttempts: 2000, windowSeconds: 3600), expected: []),
        Case(
            name: "ten seconds of guessing scaled to a minute",
            event: .init(usernameType: .username, totalAttempts: 30, failedAttempts: 20, windowSeconds: 10), expected: [.bruteForce]),
    ]

    @Test(arguments: cases)
    func rules(_ example: Case) {
        #expect(threats(example.event, example.usernameClass) == example.expected)
    }

    @Test func findingsNameTheSourceButNeverQuoteTheUsername() {
        let secret = "hunter2-Secret!"
        let event = AuthenticationEvent(usernameText: secret, totalAttempts: 300, failedAttempts: 200, sourceIP: "198.51.100.23")
        let findings = AuthenticationRules.evaluate(event, usernameClass: .password, thresholds: RuleThresholds())
        #expect(findings.map(\.threat) == [.bruteForce, .usernameConfusion])
        #expect(findings.allSatisfy { $0.sourceIP == "198.51.100.23" && !$0.explanation.contains(secret) })
        #expect(findings.allSatisfy { $0.explanation.contains("198.51.100.23") })
    }

    @Test func doubleWindowWithDoubleCountsGivesTheSameFindings() {
        let minute = AuthenticationEvent(usernameType: .service, totalAttempts: 1200, failedAttempts: 80, uniqueSourceIPs: 12)
        let twoMinutes = AuthenticationEvent(
            usernameType: .service, totalAttempts: 2400, failedAttempts: 160, uniqueSourceIPs: 12, windowSeconds: 120)
        let a = AuthenticationRules.evaluate(minute, usernameClass: nil, thresholds: RuleThresholds())
        let b = AuthenticationRules.evaluate(twoMinutes, usernameClass: nil, thresholds: RuleThresholds())
        #expect(a.map(\.threat) == [.bruteForce, .credentialStuffing, .serviceAccountAbuse])
        #expect(a.map(\.threat) == b.map(\.threat))
        #expect(a.map(\.value) == b.map(\.value))
    }

    @Test func thresholdsComeFromConfiguration() throws {
        let thresholds = try RuleThresholds.load(file: nil, environment: ["RULE_SERVICE_ACCOUNT_ABUSE_TOTAL_ATTEMPTS": "200000"])
        let event = AuthenticationEvent(usernameType: .service, totalAttempts: 136_963, failedAttempts: 2396, uniqueSourceIPs: 34)
        #expect(!AuthenticationRules.evaluate(event, usernameClass: nil, thresholds: thresholds).contains { $0.threat == .serviceAccountAbuse })
    }
}

@Suite struct AuthenticationRulesStrictDecoding {
    @Test func fullBodyDecodesAndRoundTrips() throws {
        let event = try decodeEvent(
            #"{"username_text": "admin", "total_attempts": 10, "failed_attempts": 4, "successful_attempts": 6, "unique_source_ips": 2, "privilege_level": 0, "source_ip": "203.0.113.7", "window_seconds": 30}"#
        )
        #expect(
            event
                == AuthenticationEvent(
                    usernameText: "admin", totalAttempts: 10, failedAttempts: 4, successfulAttempts: 6, uniqueSourceIPs: 2,
                    privilegeLevel: 0, sourceIP: "203.0.113.7", windowSeconds: 30))
        let again = try JSONDecoder().decode(AuthenticationEvent.self, from: JSONEncoder().encode(event))
        #expect(again == event)
    }

    static let invalid: [(String, String)] = [
        (#"{"username_type": "service", "total_attempts": -1, "failed_attempts": 0}"#, "total_attempts"),
        (#"{"username_type": "service", "total_attempts": 10, "failed_attempts": -3}"#, "failed_attempts"),
        (#"{"username_type": "service", "total_attempts": 10, "failed_attempts": 11}"#, "failed_attempts"),
        (#"{"username_type": "service", "total_attempts": 10.5, "failed_attempts": 1}"#, "total_attempts"),
        (#"{"username_type": "service", "total_attempts": "ten", "failed_attempts": 1}"#, "total_attempts"),
        (#"{"username_type": "service", "total_attempts": 10, "failed_attempts": 4, "successful_attempts": 7}"#, "successful_attempts"),
        (#"{"username_type": "service", "total_attempts": 10, "failed_attempts": 1, "unique_source_ips": -2}"#, "unique_source_ips"),
        (#"{"username_type": "service", "total_attempts": 10, "failed_attempts": 1, "privilege_level": -1}"#, "privilege_level"),
        (#"{"username_type": "service", "total_attempts": 10, "failed_attempts": 1, "window_seconds": 0}"#, "window_seconds"),
        (#"{"username_type": "service", "total_attempts": 10, "failed_attempts": 1, "window_seconds": "NaN"}"#, "window_seconds"),
        (#"{"username_type": "robot", "total_attempts": 10, "failed_attempts": 1}"#, "username_type"),
        (#"{"username_type": 3, "total_attempts": 10, "failed_attempts": 1}"#, "username_type"),
        (#"{"username_type": "service", "failed_attempts": 1}"#, "total_attempts"),
        (#"{"username_type": "service", "total_attempts": 1}"#, "failed_attempts"),
    ]

    @Test(arguments: invalid)
    func invalidFieldsAreNamed(json: String, field: String) {
        do {
            _ = try decodeEvent(json)
            Issue.record("decoded \(json)")
        } catch let DecodingError.dataCorrupted(context) {
            #expect(context.codingPath.map(\.stringValue) == [field])
            #expect(context.debugDescription.hasPrefix(field))
        } catch let DecodingError.keyNotFound(key, _) {
            #expect(key.stringValue == field)
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func nonFiniteWindowIsRejectedWhenTheParserAllowsIt() throws {
        let decoder = JSONDecoder()
        decoder.allowsJSON5 = true
        for value in ["NaN", "Infinity", "-1"] {
            let json = #"{"username_type": "service", "total_attempts": 10, "failed_attempts": 1, "window_seconds": \#(value)}"#
            #expect(throws: DecodingError.self) { try decoder.decode(AuthenticationEvent.self, from: Data(json.utf8)) }
        }
    }
}

@Suite struct AuthenticationRulesFeatureVector {
    @Test func vectorMatchesItsNames() {
        #expect(AuthenticationEvent.featureNames.count == 9)
        #expect(AuthenticationEvent.syntheticBaseline.means.count == AuthenticationEvent.featureNames.count)
        #expect(AuthenticationEvent.syntheticBaseline.deviations.count == AuthenticationEvent.featureNames.count)
        let event = AuthenticationEvent(usernameType: .service, totalAttempts: 136_963, failedAttempts: 2396, uniqueSourceIPs: 34, privilegeLevel: 1)
        let vector = event.featureVector
        #expect(vector.count == AuthenticationEvent.featureNames.count)
        #expect(abs(vector[0] - log1p(136_963)) < 1e-12)
        #expect(abs(vector[1] - 2396.0 / 136_963) < 1e-12)
        #expect(abs(vector[2] - log(35)) < 1e-12)
        #expect(vector[3] == 1)
        #expect(Array(vector[4...]) == [0, 0, 0, 0, 1])
    }

    @Test func classComesFromTheCallerForUsernameText() {
        let event = AuthenticationEvent(usernameText: "sudo rm -rf /", totalAttempts: 0, failedAttempts: 0)
        #expect(event.featureVector == [0, 0, 0, 0, 0, 0, 0, 0, 0])
        let names = AuthenticationEvent.featureNames
        let vector = event.featureVector(usernameClass: .command)
        #expect(vector[names.firstIndex(of: "username_is_command")!] == 1)
        #expect(vector.reduce(0, +) == 1)
    }

    @Test func attemptsAreScaledToAMinute() {
        let a = AuthenticationEvent(totalAttempts: 100, failedAttempts: 10)
        let b = AuthenticationEvent(totalAttempts: 200, failedAttempts: 20, windowSeconds: 120)
        #expect(a.featureVector == b.featureVector)
    }
}
