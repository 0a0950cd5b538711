import Foundation
import TrafficFeatures
import WindowFormat

/// Login statistics for one account over a window: the original design's authentication body.
///
/// ```json
/// {"username_type": "service", "total_attempts": 136963, "failed_attempts": 2396,
///  "unique_source_ips": 34, "privilege_level": 1}
/// ```
///
/// The username is given either classified (`username_type`, a ``UsernameClass`` raw value) or
/// as the raw text of the login field (`username_text`), which the caller classifies (the
/// detector uses its username classifier). Counts are over `window_seconds` (default 60 s, the
/// original design's bodies carry none); the rules scale them to a minute.
///
/// Decoding is strict: counts must be integers within 0 … `WireLimits.maximumCount` (2⁵³ − 1),
/// `failed_attempts` and `successful_attempts` cannot exceed `total_attempts` (nor together),
/// `window_seconds` must be a finite number within `WireLimits.windowSeconds` (0.001 … 86 400),
/// `username_type` one of the classes. A violation is a
/// `DecodingError.dataCorrupted` whose coding path is the field and whose message starts with
/// the field's name (the same convention as `TrafficWindow`, so the detector answers 400 naming
/// the field).
public struct AuthenticationEvent: Codable, Sendable, Equatable {
    /// The username field's class, when the sender classified it.
    public var usernameType: UsernameClass?
    /// The username field as typed, when the sender did not classify it. Never copied into
    /// findings (it may be a password).
    public var usernameText: String?
    /// Login attempts over ``windowSeconds`` (`total_attempts`).
    public var totalAttempts: Int
    /// Failed attempts among them (`failed_attempts`); at most ``totalAttempts``.
    public var failedAttempts: Int
    /// Successful attempts among them, when known (`successful_attempts`); with
    /// ``failedAttempts``, at most ``totalAttempts``. Neither the rules nor the models use it.
    public var successfulAttempts: Int?
    /// Distinct addresses the attempts came from.
    public var uniqueSourceIPs: Int?
    /// 0 = ordinary account; ≥ 1 = privileged (admin, root, service principal with rights).
    public var privilegeLevel: Int?
    /// The client address, when the attempts came from one (named in findings).
    public var sourceIP: String?
    /// The period the counts cover, in seconds.
    public var windowSeconds: Double
    /// The service logged in to (`service`, e.g. `sshd`), when a sensor says.
    public var service: String?
    /// The names tried in the window, with their counts (`usernames`, at most
    /// ``maximumUsernames``), when a sensor reports them. They may hold passwords: the detector
    /// writes them only through ``LoginRules/displayName(_:classify:)``.
    public var usernames: [AuthenticationUsername]?
    /// Distinct names tried in the window (`unique_usernames`), when known.
    public var uniqueUsernames: Int?
    /// The counts over horizons ending with the window (`horizons`, at most ``maximumHorizons``).
    /// An event with horizons is judged by ``LoginRules`` instead of the per-minute rules.
    public var horizons: [AuthenticationHorizon]?
    /// For a summary over every source: the most active sources (`top_sources`, at most
    /// ``maximumTopSources``).
    public var topSources: [String]?
    /// The sensor's delivery stream (`stream`): with ``sequence``, an event delivered twice is
    /// judged once.
    public var stream: String?
    /// The event's number within its ``stream`` (`sequence`).
    public var sequence: Int?
    /// When the event's window ended, in seconds since 1970 (`timestamp`).
    public var timestamp: Double?

    /// Most entries of `usernames`.
    public static let maximumUsernames = 64
    /// Most entries of `horizons`.
    public static let maximumHorizons = 16
    /// Most entries of `top_sources`.
    public static let maximumTopSources = 64
    /// Longest `service`, `source_ip` and `top_sources` entry, in characters (none may be empty).
    public static let maximumNameLength = 64

    /// The period assumed when a body gives none, and the period authentication thresholds are
    /// expressed in.
    public static let defaultWindowSeconds: Double = 60

    /// Creates an event from its parts. Unlike decoding, this checks nothing.
    ///
    /// - Parameters:
    ///   - usernameType: The username field's class, when known.
    ///   - usernameText: The username field as typed, for the detector to classify.
    ///   - totalAttempts: Login attempts over `windowSeconds`.
    ///   - failedAttempts: Failed attempts among them.
    ///   - successfulAttempts: Successful attempts among them, when known.
    ///   - uniqueSourceIPs: Distinct addresses the attempts came from, when known.
    ///   - privilegeLevel: 0 for an ordinary account, 1 or more for a privileged one.
    ///   - sourceIP: The client address, when the attempts came from one.
    ///   - windowSeconds: The period the counts cover, in seconds.
    ///   - service: The service logged in to.
    ///   - usernames: The names tried, with their counts.
    ///   - uniqueUsernames: Distinct names tried.
    ///   - horizons: The counts over horizons ending with the window.
    ///   - topSources: For a summary over every source, the most active sources.
    ///   - stream: The sensor's delivery stream.
    ///   - sequence: The event's number within `stream`.
    ///   - timestamp: When the window ended, in seconds since 1970.
    public init(
        usernameType: UsernameClass? = nil, usernameText: String? = nil, totalAttempts: Int, failedAttempts: Int,
        successfulAttempts: Int? = nil, uniqueSourceIPs: Int? = nil, privilegeLevel: Int? = nil, sourceIP: String? = nil,
        windowSeconds: Double = AuthenticationEvent.defaultWindowSeconds, service: String? = nil,
        usernames: [AuthenticationUsername]? = nil, uniqueUsernames: Int? = nil, horizons: [AuthenticationHorizon]? = nil,
        topSources: [String]? = nil, stream: String? = nil, sequence: Int? = nil, timestamp: Double? = nil
    ) {
        self.service = service
        self.usernames = usernames
        self.uniqueUsernames = uniqueUsernames
        self.horizons = horizons
        self.topSources = topSources
        self.stream = stream
        self.sequence = sequence
        self.timestamp = timestamp
        self.usernameType = usernameType
        self.usernameText = usernameText
        self.totalAttempts = totalAttempts
        self.failedAttempts = failedAttempts
        self.successfulAttempts = successfulAttempts
        self.uniqueSourceIPs = uniqueSourceIPs
        self.privilegeLevel = privilegeLevel
        self.sourceIP = sourceIP
        self.windowSeconds = windowSeconds
    }

    /// `privilege_level` ≥ 1.
    public var isPrivileged: Bool { (privilegeLevel ?? 0) >= 1 }

    /// `count` scaled from `window_seconds` to one minute (a `window_seconds` that is not a
    /// positive finite number counts as ``defaultWindowSeconds``).
    ///
    /// - Parameter count: A count over ``windowSeconds``.
    /// - Returns: The count per 60 seconds.
    public func perMinute(_ count: Int) -> Double {
        let seconds = windowSeconds.isFinite && windowSeconds > 0 ? windowSeconds : Self.defaultWindowSeconds
        return Double(count) * Self.defaultWindowSeconds / seconds
    }

    enum CodingKeys: String, CodingKey {
        case usernameType = "username_type"
        case usernameText = "username_text"
        case totalAttempts = "total_attempts"
        case failedAttempts = "failed_attempts"
        case successfulAttempts = "successful_attempts"
        case uniqueSourceIPs = "unique_source_ips"
        case privilegeLevel = "privilege_level"
        case sourceIP = "source_ip"
        case windowSeconds = "window_seconds"
        case service
        case usernames
        case uniqueUsernames = "unique_usernames"
        case horizons
        case topSources = "top_sources"
        case stream, sequence, timestamp
    }

    /// Decodes the snake_case body strictly (see the type's description); a missing or null
    /// `window_seconds` is ``defaultWindowSeconds``.
    ///
    /// - Throws: `DecodingError.keyNotFound` when `total_attempts` or `failed_attempts` is
    ///   missing, and `DecodingError.dataCorrupted` naming the field when a field has the wrong
    ///   type or an unacceptable value.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        if let text = try c.strictIfPresent(String.self, .usernameType) {
            guard let type = UsernameClass(rawValue: text) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .usernameType, in: c,
                    debugDescription: "username_type must be one of \(UsernameClass.allCases.map(\.rawValue).joined(separator: ", ")), got \"\(text)\"")
            }
            usernameType = type
        } else {
            usernameType = nil
        }
        usernameText = try c.strictIfPresent(String.self, .usernameText)
        let total = try c.decodeCount(.totalAttempts)
        let failed = try c.decodeCount(.failedAttempts)
        totalAttempts = total
        failedAttempts = failed
        guard failed <= total else {
            throw DecodingError.dataCorruptedError(
                forKey: .failedAttempts, in: c,
                debugDescription: "failed_attempts (\(failed)) must not exceed total_attempts (\(total))")
        }
        successfulAttempts = try c.decodeCountIfPresent(.successfulAttempts)
        if let successful = successfulAttempts, successful + failed > total {
            throw DecodingError.dataCorruptedError(
                forKey: .successfulAttempts, in: c,
                debugDescription: "successful_attempts (\(successful)) + failed_attempts (\(failed)) must not exceed total_attempts (\(total))")
        }
        uniqueSourceIPs = try c.decodeCountIfPresent(.uniqueSourceIPs)
        privilegeLevel = try c.decodeCountIfPresent(.privilegeLevel)
        sourceIP = try c.strictIfPresent(String.self, .sourceIP)
        if c.contains(.windowSeconds), try !c.decodeNil(forKey: .windowSeconds) {
            windowSeconds = try c.decodeNumber(.windowSeconds, within: WireLimits.windowSeconds)
        } else {
            windowSeconds = Self.defaultWindowSeconds
        }
        service = try c.strictIfPresent(String.self, .service)
        try c.checkLength(service, .service, Self.maximumNameLength)
        try c.checkLength(sourceIP, .sourceIP, Self.maximumNameLength)
        usernames = try c.boundedList(AuthenticationUsername.self, .usernames, Self.maximumUsernames)
        uniqueUsernames = try c.decodeCountIfPresent(.uniqueUsernames)
        horizons = try c.boundedList(AuthenticationHorizon.self, .horizons, Self.maximumHorizons)
        topSources = try c.boundedList(String.self, .topSources, Self.maximumTopSources)
        for entry in topSources ?? [] { try c.checkLength(entry, .topSources, Self.maximumNameLength) }
        stream = try c.strictIfPresent(String.self, .stream)
        try c.checkLength(stream, .stream, WindowEnvelope.maximumStreamLength)
        sequence = try c.decodeCountIfPresent(.sequence)
        if try c.isPresent(.timestamp) {
            timestamp = try c.decodeNumber(.timestamp, within: 0...1e11)
        } else {
            timestamp = nil
        }
        if stream != nil, sequence == nil {
            throw DecodingError.keyNotFound(
                CodingKeys.sequence, .init(codingPath: c.codingPath, debugDescription: "sequence is required with stream"))
        }
    }

    /// Encodes the snake_case body: absent optional fields are left out, `window_seconds` is
    /// always written.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(usernameType, forKey: .usernameType)
        try c.encodeIfPresent(usernameText, forKey: .usernameText)
        try c.encode(totalAttempts, forKey: .totalAttempts)
        try c.encode(failedAttempts, forKey: .failedAttempts)
        try c.encodeIfPresent(successfulAttempts, forKey: .successfulAttempts)
        try c.encodeIfPresent(uniqueSourceIPs, forKey: .uniqueSourceIPs)
        try c.encodeIfPresent(privilegeLevel, forKey: .privilegeLevel)
        try c.encodeIfPresent(sourceIP, forKey: .sourceIP)
        try c.encode(windowSeconds, forKey: .windowSeconds)
        try c.encodeIfPresent(service, forKey: .service)
        try c.encodeIfPresent(usernames, forKey: .usernames)
        try c.encodeIfPresent(uniqueUsernames, forKey: .uniqueUsernames)
        try c.encodeIfPresent(horizons, forKey: .horizons)
        try c.encodeIfPresent(topSources, forKey: .topSources)
        try c.encodeIfPresent(stream, forKey: .stream)
        try c.encodeIfPresent(sequence, forKey: .sequence)
        try c.encodeIfPresent(timestamp, forKey: .timestamp)
    }
}

extension KeyedDecodingContainer {
    /// An array of at most `limit` elements when present (`null` is absent); an element's error
    /// names its index.
    fileprivate func boundedList<T: Decodable>(_ type: T.Type, _ key: Key, _ limit: Int) throws -> [T]? {
        guard try isPresent(key) else { return nil }
        var list: [T] = []
        var items: any UnkeyedDecodingContainer
        do {
            items = try nestedUnkeyedContainer(forKey: key)
        } catch {
            throw DecodingError.dataCorruptedError(forKey: key, in: self, debugDescription: "\(key.stringValue) must be an array")
        }
        if let count = items.count, count > limit {
            throw DecodingError.dataCorruptedError(
                forKey: key, in: self, debugDescription: "\(key.stringValue) must have at most \(limit) entries, got \(count)")
        }
        while !items.isAtEnd {
            if T.self == String.self {
                guard let text = try? items.decode(String.self) else {
                    throw DecodingError.dataCorruptedError(
                        in: items, debugDescription: "\(key.stringValue)[\(items.currentIndex)] must be a string")
                }
                list.append(text as! T)
            } else {
                list.append(try items.decode(T.self))
            }
        }
        return list
    }

    /// Throws naming `key` when `text` is empty or longer than `limit` characters (Unicode scalars,
    /// as JSON Schema counts them).
    fileprivate func checkLength(_ text: String?, _ key: Key, _ limit: Int) throws {
        guard let text, text.isEmpty || text.unicodeScalars.count > limit else { return }
        throw DecodingError.dataCorruptedError(
            forKey: key, in: self,
            debugDescription: "\(key.stringValue) must be 1 to \(limit) characters, got \(text.unicodeScalars.count)")
    }

    /// A value of the expected type when present; any mismatch is an error naming the key.
    fileprivate func strictIfPresent<T: Decodable>(_ type: T.Type, _ key: Key) throws -> T? {
        guard contains(key), try !decodeNil(forKey: key) else { return nil }
        do {
            return try decode(T.self, forKey: key)
        } catch {
            throw DecodingError.dataCorruptedError(
                forKey: key, in: self, debugDescription: "\(key.stringValue) must be \(T.self == String.self ? "a string" : "a number")")
        }
    }
}

// MARK: - Features for the authentication models

extension AuthenticationEvent {
    /// The names of ``featureVector`` entries, in order:
    ///
    /// 0. `log_attempts_per_minute`: ln(1 + total attempts per minute)
    /// 1. `failure_ratio`: failed / total (0 without attempts)
    /// 2. `log_unique_source_ips`: ln(1 + distinct source addresses); 1 address assumed when the
    ///    event has attempts but no `unique_source_ips`
    /// 3. `privileged`: 1 when `privilege_level` ≥ 1, else 0
    /// 4–8. `username_is_<class>`: one-hot of the username class (username, password, command,
    ///    email, service); all 0 when unknown
    public static let featureNames: [String] =
        ["log_attempts_per_minute", "failure_ratio", "log_unique_source_ips", "privileged"]
        + UsernameClass.allCases.map { "username_is_\($0.rawValue)" }

    /// The features of this event with its own `username_type`.
    public var featureVector: [Double] { featureVector(usernameClass: usernameType) }

    /// The features of this event with the username class the caller determined (the
    /// classifier's prediction for `username_text`). For an event with `horizons`, the counts are
    /// those of its shortest horizon of at least 60 s (attempts in it scaled to a minute; a name
    /// marked privileged sets `privileged`).
    ///
    /// - Parameter usernameClass: The class to one-hot encode; nil sets all the class features
    ///   to 0.
    /// - Returns: The values named by ``featureNames``, in order.
    public func featureVector(usernameClass: UsernameClass?) -> [Double] {
        // A sensor's one-second event is scored on its minute: the shortest horizon of at least 60 s.
        if let minute = (horizons ?? []).filter({ $0.seconds >= 60 }).min(by: { $0.seconds < $1.seconds }) {
            let failureRatio = minute.totalAttempts == 0 ? 0 : Double(minute.failedAttempts) / Double(minute.totalAttempts)
            let privileged = isPrivileged || (usernames ?? []).contains(where: \.privileged)
            var vector = [
                log1p(Double(minute.totalAttempts) * Self.defaultWindowSeconds / minute.seconds), failureRatio,
                log1p(Double(minute.uniqueSourceIPs)), privileged ? 1 : 0,
            ]
            vector += UsernameClass.allCases.map { $0 == usernameClass ? 1 : 0 }
            return vector
        }
        let failureRatio = totalAttempts == 0 ? 0 : Double(failedAttempts) / Double(totalAttempts)
        let sources = uniqueSourceIPs ?? (totalAttempts > 0 ? 1 : 0)
        var vector = [log1p(perMinute(totalAttempts)), failureRatio, log1p(Double(sources)), isPrivileged ? 1 : 0]
        vector += UsernameClass.allCases.map { $0 == usernameClass ? 1 : 0 }
        return vector
    }

    /// Means and standard deviations of ``featureVector`` for ordinary logins, to bootstrap the
    /// authentication models before real events arrive: a handful of attempts a minute (≈ 5),
    /// ~10% failures, one or two addresses, one account in ten privileged, usernames mostly plain
    /// names or e-mail addresses, some service accounts, passwords and commands practically never.
    public static let syntheticBaseline: (means: [Double], deviations: [Double]) = (
        means: [log1p(5), 0.1, log1p(1.5), 0.1, 0.65, 0.005, 0.005, 0.25, 0.09],
        deviations: [0.6, 0.1, 0.35, 0.3, 0.45, 0.05, 0.05, 0.4, 0.25]
    )
}

// MARK: - Rules

/// The authentication rules of the original design (docs/original-design.md) on one ``AuthenticationEvent``.
///
/// Attempt counts are scaled to a minute (``AuthenticationEvent/perMinute(_:)``); address counts
/// are compared as they are. With the default thresholds:
///
/// | threat | condition |
/// |---|---|
/// | `brute_force` | total > 100/min ∧ failed > 50/min |
/// | `credential_stuffing` | total > 500/min ∧ unique_source_ips > 10 |
/// | `service_account_abuse` | (username class `service` ∨ privilege_level ≥ 1) ∧ total > 1000/min |
/// | `username_confusion` | the username field holds a password (class `password`) |
/// | `command_injection` | the username field holds a command (class `command`) |
///
/// Findings name `source_ip` when the event has one. The username text is never quoted.
public enum AuthenticationRules {
    /// The findings for one event, in the order of the table above.
    ///
    /// - Parameters:
    ///   - event: The login statistics to judge.
    ///   - usernameClass: The event's `username_type`, or for `username_text` what the
    ///     classifier predicted; when nil, the event's own `username_type` is used.
    ///   - t: The thresholds in force (the argument label is `thresholds`).
    /// - Returns: One finding per rule that fired; empty when none did.
    public static func evaluate(
        _ event: AuthenticationEvent, usernameClass: UsernameClass?, thresholds t: RuleThresholds
    ) -> [Finding] {
        let usernameClass = usernameClass ?? event.usernameType
        let total = event.perMinute(event.totalAttempts)
        let failed = event.perMinute(event.failedAttempts)
        let n = RuleFormat.number
        let per = event.windowSeconds == AuthenticationEvent.defaultWindowSeconds
            ? " per minute" : " per minute (\(event.totalAttempts) over \(n(event.windowSeconds)) s)"
        let from = event.sourceIP.map { " from \($0)" } ?? ""
        let addresses = event.uniqueSourceIPs.map { " from \($0) source IPs" } ?? from
        var findings: [Finding] = []

        if total > t.bruteForceTotalAttempts, failed > t.bruteForceFailedAttempts {
            findings.append(
                Finding(
                    threat: .bruteForce, feature: "failed_attempts", value: failed, threshold: t.bruteForceFailedAttempts,
                    sourceIP: event.sourceIP,
                    explanation: "failed_attempts \(n(failed.rounded())) > \(n(t.bruteForceFailedAttempts)) with total_attempts "
                        + "\(n(total.rounded())) > \(n(t.bruteForceTotalAttempts))\(per)\(addresses)"))
        }
        if total > t.credentialStuffingTotalAttempts, let ips = event.uniqueSourceIPs,
            Double(ips) > t.credentialStuffingUniqueSourceIPs
        {
            findings.append(
                Finding(
                    threat: .credentialStuffing, feature: "unique_source_ips", value: Double(ips),
                    threshold: t.credentialStuffingUniqueSourceIPs, sourceIP: event.sourceIP,
                    explanation: "unique_source_ips \(ips) > \(n(t.credentialStuffingUniqueSourceIPs)) with total_attempts "
                        + "\(n(total.rounded())) > \(n(t.credentialStuffingTotalAttempts))\(per)\(from)"))
        }
        let isServiceAccount = usernameClass == .service
        if isServiceAccount || event.isPrivileged, total > t.serviceAccountAbuseTotalAttempts {
            let account = [
                isServiceAccount ? "a service account" : nil,
                event.isPrivileged ? "privilege_level \(event.privilegeLevel ?? 0) >= 1" : nil,
            ].compactMap { $0 }.joined(separator: ", ")
            findings.append(
                Finding(
                    threat: .serviceAccountAbuse, feature: "total_attempts", value: total,
                    threshold: t.serviceAccountAbuseTotalAttempts, sourceIP: event.sourceIP,
                    explanation: "total_attempts \(n(total.rounded())) > \(n(t.serviceAccountAbuseTotalAttempts))\(per) "
                        + "on \(account)\(addresses)"))
        }
        if usernameClass == .password {
            findings.append(
                Finding(
                    threat: .usernameConfusion, feature: "username_type", value: 1, threshold: 0, sourceIP: event.sourceIP,
                    explanation: "username field holds a password (classified password)\(from)"))
        }
        if usernameClass == .command {
            findings.append(
                Finding(
                    threat: .commandInjection, feature: "username_type", value: 1, threshold: 0, sourceIP: event.sourceIP,
                    explanation: "username field holds a shell or SQL command (classified command)\(from)"))
        }
        return findings
    }
}
