import Foundation
import TrafficFeatures

/// One login name in an ``AuthenticationEvent``'s `usernames`: how often a source tried it in the
/// event's window and how it went.
///
/// ```json
/// {"name": "root", "attempts": 8, "failed": 8, "succeeded": 0, "invalid": false, "privileged": true}
/// ```
///
/// The name is what the client typed and may be a password: the detector never writes it in
/// clear unless its classifier is confident it is a name (see ``LoginRules``).
public struct AuthenticationUsername: Codable, Sendable, Equatable {
    /// The name as the client sent it (at most ``maximumNameLength`` characters).
    public var name: String
    /// Failed and successful attempts with it.
    public var attempts: Int
    /// Failed attempts with it (`failed`).
    public var failed: Int
    /// Successful attempts with it (`succeeded`).
    public var succeeded: Int
    /// The service said it is no account of the host (`invalid user`).
    public var invalid: Bool
    /// The sensor counts it as a privileged account (root, the host's administrators).
    public var privileged: Bool

    /// The longest name accepted, in characters (Unicode scalars; sshd's own log lines are shorter).
    public static let maximumNameLength = 1024

    /// A name's counts from their parts. Unlike decoding, this checks nothing.
    public init(name: String, attempts: Int, failed: Int, succeeded: Int, invalid: Bool = false, privileged: Bool = false) {
        self.name = name
        self.attempts = attempts
        self.failed = failed
        self.succeeded = succeeded
        self.invalid = invalid
        self.privileged = privileged
    }

    enum CodingKeys: String, CodingKey {
        case name, attempts, failed, succeeded, invalid, privileged
    }

    /// Decodes strictly: `name` a string of at most ``maximumNameLength`` characters, counts integers
    /// within 0 … 2⁵³ − 1 with `failed` + `succeeded` ≤ `attempts`, `invalid` and `privileged`
    /// booleans (false when absent).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        do {
            name = try c.decode(String.self, forKey: .name)
        } catch {
            throw DecodingError.dataCorruptedError(forKey: .name, in: c, debugDescription: "name must be a string")
        }
        guard name.unicodeScalars.count <= Self.maximumNameLength else {
            throw DecodingError.dataCorruptedError(
                forKey: .name, in: c,
                debugDescription: "name must be at most \(Self.maximumNameLength) characters, got \(name.unicodeScalars.count)")
        }
        attempts = try c.decodeCount(.attempts)
        failed = try c.decodeCount(.failed, default: 0)
        succeeded = try c.decodeCount(.succeeded, default: 0)
        guard failed + succeeded <= attempts else {
            throw DecodingError.dataCorruptedError(
                forKey: .failed, in: c,
                debugDescription: "failed (\(failed)) + succeeded (\(succeeded)) must not exceed attempts (\(attempts))")
        }
        invalid = try c.decodeFlag(.invalid)
        privileged = try c.decodeFlag(.privileged)
    }
}

/// The counts of an ``AuthenticationEvent`` over one horizon ending with its window: how a
/// sensor reports slow guessing that no single window shows.
///
/// ```json
/// {"seconds": 600, "total_attempts": 214, "failed_attempts": 213, "successful_attempts": 1,
///  "privileged_failures": 0, "unique_usernames": 1, "unique_source_ips": 1}
/// ```
public struct AuthenticationHorizon: Codable, Sendable, Equatable {
    /// The horizon's length in seconds (within `WireLimits.windowSeconds`).
    public var seconds: Double
    /// Failed and successful attempts within the horizon (`total_attempts`).
    public var totalAttempts: Int
    /// Failed attempts within it (`failed_attempts`).
    public var failedAttempts: Int
    /// Successful attempts within it (`successful_attempts`).
    public var successfulAttempts: Int
    /// Failed attempts on privileged accounts within it (`privileged_failures`).
    public var privilegedFailures: Int
    /// Distinct names tried within it (`unique_usernames`).
    public var uniqueUsernames: Int
    /// Distinct source addresses within it (`unique_source_ips`; 1 for one source's event).
    public var uniqueSourceIPs: Int
    /// The sensor forgot names or sources to stay within its bounds: the distinct counts are
    /// lower bounds (`capped`).
    public var capped: Bool

    /// A horizon's counts from their parts. Unlike decoding, this checks nothing.
    public init(
        seconds: Double, totalAttempts: Int, failedAttempts: Int, successfulAttempts: Int, privilegedFailures: Int = 0,
        uniqueUsernames: Int, uniqueSourceIPs: Int = 1, capped: Bool = false
    ) {
        self.seconds = seconds
        self.totalAttempts = totalAttempts
        self.failedAttempts = failedAttempts
        self.successfulAttempts = successfulAttempts
        self.privilegedFailures = privilegedFailures
        self.uniqueUsernames = uniqueUsernames
        self.uniqueSourceIPs = uniqueSourceIPs
        self.capped = capped
    }

    enum CodingKeys: String, CodingKey {
        case seconds
        case totalAttempts = "total_attempts"
        case failedAttempts = "failed_attempts"
        case successfulAttempts = "successful_attempts"
        case privilegedFailures = "privileged_failures"
        case uniqueUsernames = "unique_usernames"
        case uniqueSourceIPs = "unique_source_ips"
        case capped
    }

    /// Decodes strictly: `seconds` within `WireLimits.windowSeconds`, counts integers within
    /// 0 … 2⁵³ − 1 (`failed_attempts` + `successful_attempts` ≤ `total_attempts`,
    /// `privileged_failures` ≤ `failed_attempts`), `capped` a boolean.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        seconds = try c.decodeNumber(.seconds, within: WireLimits.windowSeconds)
        totalAttempts = try c.decodeCount(.totalAttempts)
        failedAttempts = try c.decodeCount(.failedAttempts)
        successfulAttempts = try c.decodeCount(.successfulAttempts, default: 0)
        guard failedAttempts + successfulAttempts <= totalAttempts else {
            throw DecodingError.dataCorruptedError(
                forKey: .failedAttempts, in: c,
                debugDescription: "failed_attempts (\(failedAttempts)) + successful_attempts (\(successfulAttempts)) must not exceed total_attempts (\(totalAttempts))")
        }
        privilegedFailures = try c.decodeCount(.privilegedFailures, default: 0)
        guard privilegedFailures <= failedAttempts else {
            throw DecodingError.dataCorruptedError(
                forKey: .privilegedFailures, in: c,
                debugDescription: "privileged_failures (\(privilegedFailures)) must not exceed failed_attempts (\(failedAttempts))")
        }
        uniqueUsernames = try c.decodeCount(.uniqueUsernames, default: 0)
        uniqueSourceIPs = try c.decodeCount(.uniqueSourceIPs, default: 1)
        capped = try c.decodeFlag(.capped)
    }
}

extension KeyedDecodingContainer {
    /// A boolean, false when absent or `null`; anything else is an error naming the key.
    fileprivate func decodeFlag(_ key: Key) throws -> Bool {
        guard try isPresent(key) else { return false }
        do {
            return try decode(Bool.self, forKey: key)
        } catch {
            throw DecodingError.dataCorruptedError(forKey: key, in: self, debugDescription: "\(key.stringValue) must be true or false")
        }
    }
}

// MARK: - Rules over horizons

/// The rules for login activity a sensor reports per source and window with its horizons (an
/// ``AuthenticationEvent`` with `horizons`, as the monitor posts from the host's sshd log). They
/// replace the per-minute rules of the original design for such events, whose windows are a
/// second long: two typos in one second are not 120 attempts a minute.
///
/// With the default thresholds, for a source's event (counts within a horizon *h* of 60 s,
/// 10 min, 1 h; *g(h)* = `login_guess_failures` × √(h / 60 s), so 10, 32 and 77 failures):
///
/// | threat | condition |
/// |---|---|
/// | `brute_force` | failures > g(h), on at most `login_spray_usernames` names (password guessing) |
/// | `password_spraying` | failures > `login_spray_usernames` on more than `login_spray_usernames` (5) names |
/// | `service_account_abuse` | failures on privileged accounts > `login_privileged_failures` (5) |
/// | `login_after_failures` | a login succeeded in this window after more than `login_success_after_failures` (10) failures within h |
/// | `username_confusion` / `command_injection` | a name that is no account of the host, and could not be one (``isAccountName(_:)``), classifies as a password / a command |
///
/// and for the summary over every source (an event without `source_ip`):
///
/// | `credential_stuffing` | failures from more than `credential_stuffing_horizon_sources` (10) sources, on more than `credential_stuffing_horizon_usernames` (10) names, at most `credential_stuffing_max_attempts_per_source` (5) attempts per source |
///
/// Each finding names the source and the shortest horizon that crossed. The models' agreement
/// alone is reported for such events only from a source with at least ``modelMinimumAttempts``
/// attempts within a minute. Names appear in
/// explanations only when the classifier is confident they are names (``displayName(_:classify:)``);
/// anything else is shown masked.
public enum LoginRules {
    /// The findings for one event with horizons, in the order of the table above.
    ///
    /// - Parameters:
    ///   - event: The event; its `horizons` carry the counts.
    ///   - classify: The username classifier's verdict on a name.
    ///   - t: The thresholds in force.
    /// - Returns: One finding per rule that fired.
    public static func evaluate(
        _ event: AuthenticationEvent, classify: (String) -> UsernameClassification, thresholds t: RuleThresholds
    ) -> [Finding] {
        let horizons = (event.horizons ?? []).sorted { $0.seconds < $1.seconds }
        let names = event.usernames ?? []
        let service = event.service.map { " (\($0))" } ?? ""
        let n = RuleFormat.number
        func span(_ h: AuthenticationHorizon) -> String { RuleFormat.duration(h.seconds) }
        let shown = names.map { displayName($0.name, classify: classify) }
        func list(_ filter: (AuthenticationUsername) -> Bool = { _ in true }) -> [String] {
            zip(names, shown).filter { filter($0.0) }.map(\.1)
        }
        var findings: [Finding] = []

        guard let source = event.sourceIP else {
            // The summary over every source: credential stuffing.
            if let h = horizons.first(where: { h in
                Double(h.uniqueSourceIPs) > t.credentialStuffingHorizonSources
                    && Double(h.uniqueUsernames) > t.credentialStuffingHorizonUsernames
                    && Double(h.totalAttempts) / Double(max(1, h.uniqueSourceIPs)) <= t.credentialStuffingMaxAttemptsPerSource
            }) {
                let perSource = Double(h.totalAttempts) / Double(max(1, h.uniqueSourceIPs))
                let top = (event.topSources ?? []).prefix(5).joined(separator: ", ")
                findings.append(
                    Finding(
                        threat: .credentialStuffing, feature: "unique_source_ips", value: Double(h.uniqueSourceIPs),
                        threshold: t.credentialStuffingHorizonSources,
                        explanation: "\(h.failedAttempts) failed logins from \(h.uniqueSourceIPs) sources > "
                            + "\(n(t.credentialStuffingHorizonSources)) on \(h.uniqueUsernames) usernames > "
                            + "\(n(t.credentialStuffingHorizonUsernames)) within \(span(h)), \(n((perSource * 10).rounded() / 10)) "
                            + "attempts per source <= \(n(t.credentialStuffingMaxAttemptsPerSource))\(service)"
                            + (top.isEmpty ? "" : "; most active: \(top)"),
                        usernames: Array(list().prefix(5))))
            }
            return findings
        }

        let sprayNames = t.loginSprayUsernames
        if let h = horizons.first(where: { h in
            Double(h.uniqueUsernames) <= sprayNames && Double(h.failedAttempts) > guessThreshold(h.seconds, t)
        }) {
            let threshold = guessThreshold(h.seconds, t)
            let targets = list { $0.failed > 0 }
            findings.append(
                Finding(
                    threat: .bruteForce, feature: "failed_attempts", value: Double(h.failedAttempts),
                    threshold: (threshold * 10).rounded() / 10, sourceIP: source,
                    explanation: "\(h.failedAttempts) failed logins > \(n((threshold * 10).rounded() / 10)) within \(span(h)) "
                        + "from \(source)\(service) on \(h.uniqueUsernames == 1 ? "one account" : "\(h.uniqueUsernames) accounts")"
                        + (targets.isEmpty ? "" : ": \(targets.joined(separator: ", "))") + " (password guessing)",
                    usernames: targets))
        }
        if let h = horizons.first(where: { h in
            Double(h.uniqueUsernames) > sprayNames && Double(h.failedAttempts) > sprayNames
        }) {
            let targets = list { $0.failed > 0 }
            findings.append(
                Finding(
                    threat: .passwordSpraying, feature: "unique_usernames", value: Double(h.uniqueUsernames),
                    threshold: sprayNames, sourceIP: source,
                    explanation: "\(h.failedAttempts) failed logins on \(h.uniqueUsernames) usernames > \(n(sprayNames)) within "
                        + "\(span(h)) from \(source)\(service)"
                        + (targets.isEmpty ? "" : "; this window: \(targets.prefix(8).joined(separator: ", "))"),
                    usernames: Array(targets.prefix(8))))
        }
        if let h = horizons.first(where: { Double($0.privilegedFailures) > t.loginPrivilegedFailures }) {
            let targets = list { $0.privileged }
            findings.append(
                Finding(
                    threat: .serviceAccountAbuse, feature: "privileged_failures", value: Double(h.privilegedFailures),
                    threshold: t.loginPrivilegedFailures, sourceIP: source,
                    explanation: "\(h.privilegedFailures) failed logins on privileged accounts > \(n(t.loginPrivilegedFailures)) "
                        + "within \(span(h)) from \(source)\(service)"
                        + (targets.isEmpty ? "" : ": \(targets.joined(separator: ", "))"),
                    usernames: targets))
        }
        if event.successfulAttempts ?? 0 > 0,
            let h = horizons.first(where: { Double($0.failedAttempts) > t.loginSuccessAfterFailures })
        {
            let accepted = list { $0.succeeded > 0 }
            findings.append(
                Finding(
                    threat: .loginAfterFailures, feature: "failed_attempts", value: Double(h.failedAttempts),
                    threshold: t.loginSuccessAfterFailures, sourceIP: source,
                    explanation: "login accepted\(accepted.isEmpty ? "" : " for \(accepted.joined(separator: ", "))") from "
                        + "\(source)\(service) after \(h.failedAttempts) failed logins > \(n(t.loginSuccessAfterFailures)) "
                        + "within \(span(h)): the guessing may have succeeded",
                    usernames: accepted))
        }
        // What a name that is no account of the host holds: a password or a command typed there.
        // A name that could be an account name (letters, digits, `.`, `_`, `-`) is never called
        // one: `admin`, `guest`, `jsmith2`, `svc-backup` are what scanners and users try.
        var confused: [String] = []
        var commands: [String] = []
        for (entry, display) in zip(names, shown) where entry.invalid && !isAccountName(entry.name) {
            switch classify(entry.name).predictedType {
            case .password: confused.append(display)
            case .command: commands.append(display)
            default: break
            }
        }
        if !confused.isEmpty {
            findings.append(
                Finding(
                    threat: .usernameConfusion, feature: "username_type", value: 1, threshold: 0, sourceIP: source,
                    explanation: "username field holds a password (classified password) from \(source)\(service): "
                        + "\(confused.count == 1 ? "one name" : "\(confused.count) names"), shown masked: \(confused.joined(separator: ", "))",
                    usernames: confused))
        }
        if !commands.isEmpty {
            findings.append(
                Finding(
                    threat: .commandInjection, feature: "username_type", value: 1, threshold: 0, sourceIP: source,
                    explanation: "username field holds a shell or SQL command (classified command) from \(source)\(service): "
                        + "\(commands.count == 1 ? "one name" : "\(commands.count) names"), shown masked: \(commands.joined(separator: ", "))",
                    usernames: commands))
        }
        return findings
    }

    /// True when `name` has the shape of an account name: 1 to 32 characters, a letter or `_`
    /// first, then letters, digits, `.`, `_` or `-`, optionally a final `$` (Samba machine
    /// accounts). Such a name is never reported as a password or a command typed into the name
    /// field, whatever the classifier says of it.
    public static func isAccountName(_ name: String) -> Bool {
        let scalars = Array(name.unicodeScalars)
        guard (1...32).contains(scalars.count), let first = scalars.first,
            first == "_" || ("a"..."z").contains(first) || ("A"..."Z").contains(first)
        else { return false }
        for (index, scalar) in scalars.enumerated().dropFirst() {
            let allowed = ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
                || scalar == "." || scalar == "_" || scalar == "-" || (scalar == "$" && index == scalars.count - 1)
            if !allowed { return false }
        }
        return true
    }

    /// The fewest login attempts within a minute from one source for the models' agreement alone
    /// (no rule fired) to be reported on a sensor's event (20): a user's few typos are unusual for
    /// the models but no alert. The summary over every source is reported by its rule only.
    public static let modelMinimumAttempts: Double = 20

    /// The failures over `seconds` above which a source is guessing:
    /// `login_guess_failures` × √(seconds / 60).
    public static func guessThreshold(_ seconds: Double, _ t: RuleThresholds) -> Double {
        t.loginGuessFailures * (max(seconds, 1) / 60).squareRoot()
    }

    /// How a typed name is written in findings: in clear when the classifier calls it a
    /// username, an e-mail address or a service account with confidence ≥ 0.6, else masked as
    /// `masked:` and 8 hex digits of a keyed hash (SipHash with this process's random key: the
    /// same name gets the same mask while the detector runs, and nothing links it to the text).
    ///
    /// - Parameters:
    ///   - name: The name as typed.
    ///   - classify: The username classifier's verdict on a name.
    /// - Returns: The name, or its mask.
    public static func displayName(_ name: String, classify: (String) -> UsernameClassification) -> String {
        let result = classify(name)
        if [.username, .email, .service].contains(result.predictedType), result.confidence >= 0.6,
            name.allSatisfy({ !$0.isWhitespace && !$0.isNewline && $0.isASCII && !$0.isASCIIControl }), name.count <= 64
        {
            return name
        }
        return mask(name)
    }

    /// `masked:` and 8 hex digits of a keyed hash of `text` (see ``displayName(_:classify:)``).
    public static func mask(_ text: String) -> String {
        var hasher = Hasher()
        hasher.combine(text)
        let value = UInt32(truncatingIfNeeded: hasher.finalize())
        return "masked:" + String(format: "%08x", value)
    }
}

extension Character {
    fileprivate var isASCIIControl: Bool { asciiValue.map { $0 < 0x20 || $0 == 0x7f } ?? false }
}
