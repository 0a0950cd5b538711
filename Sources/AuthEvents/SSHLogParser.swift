public import Foundation
public import TrafficFeatures

/// One authentication-relevant message of OpenSSH's `sshd` or of PAM, read from a log line.
public struct AuthLogEvent: Sendable, Equatable {
    /// What the message reports.
    public enum Kind: String, Sendable, CaseIterable {
        /// An authentication attempt that failed (`Failed password for …`, or PAM's
        /// `authentication failure` of a service other than sshd).
        case failure
        /// An authentication that succeeded (`Accepted password|publickey for …`).
        case success
        /// A login name that is no account of the host (`Invalid user U from …`): one per
        /// connection, before its attempts.
        case invalidUser = "invalid_user"
        /// The client left before authenticating (`Connection closed by … [preauth]`,
        /// `Disconnected from … [preauth]`).
        case closedBeforeAuthentication = "closed_before_authentication"
        /// sshd cut the connection after `MaxAuthTries` failures (`maximum authentication attempts
        /// exceeded`, `Too many authentication failures`).
        case attemptsExceeded = "attempts_exceeded"
        /// PAM's report of failures sshd logs itself too (`pam_unix(sshd:auth): authentication
        /// failure`, `PAM N more authentication failures`): kept, never counted as attempts.
        case pamReport = "pam_report"
    }

    /// What the message reports.
    public var kind: Kind
    /// The service: `sshd`, or the PAM service of a PAM message (`sudo`, `login`, …).
    public var service: String
    /// The authentication method (`password`, `publickey`, `keyboard-interactive/pam`, `none`),
    /// for failures and successes of sshd.
    public var method: String?
    /// The login name as the client sent it, when the message names one. It may be anything a
    /// client typed, a password or a command included: handle it as secret.
    public var username: String?
    /// sshd said the name is no account of the host (`invalid user`).
    public var invalidUser: Bool
    /// The client's address.
    public var source: NetworkAddress?
    /// The client's port.
    public var port: Int?
    /// Attempts the message stands for: 1 for a failure or a success, 0 for the other kinds.
    public var attempts: Int { kind == .failure || kind == .success ? 1 : 0 }
    /// The time of the log line, when it has one.
    public var time: Date?

    /// An event from its parts.
    public init(
        kind: Kind, service: String = "sshd", method: String? = nil, username: String? = nil, invalidUser: Bool = false,
        source: NetworkAddress? = nil, port: Int? = nil, time: Date? = nil
    ) {
        self.kind = kind
        self.service = service
        self.method = method
        self.username = username
        self.invalidUser = invalidUser
        self.source = source
        self.port = port
        self.time = time
    }
}

/// What one log line was, for the reader's counts.
public enum AuthLogLine: Sendable, Equatable {
    /// An authentication event.
    case event(AuthLogEvent)
    /// A line of sshd or PAM that says nothing about authentication (`Server listening on …`,
    /// `session opened`, key exchange errors, …).
    case irrelevant
    /// A line of another program (`CRON`, `sudo` without PAM failure, …).
    case otherProgram
    /// A line of sshd or PAM that the parser does not know: counted, never silently dropped.
    case unparsed
}

/// Parses log lines of OpenSSH's `sshd` (Debian 12's OpenSSH 9.2 and later, `sshd-session` of 9.8+)
/// and PAM's `pam_unix` as they appear in `/var/log/auth.log`, `/var/log/secure`, the journal's
/// `MESSAGE` field or an `sshd -E` file.
///
/// A line may carry a syslog prefix — RFC 3339 (`2026-12-07T21:43:20.123456+00:00 host sshd[812]: …`,
/// Debian 12's rsyslog) or RFC 3164 (`Dec  7 21:43:20 host sshd[812]: …`) — or be sshd's bare
/// message (`sshd -E`, the journal). Addresses are IPv4 or IPv6. Login names are read as sshd wrote
/// them, spaces included: the address, port and protocol are matched from the end of the line, so
/// a name that contains ` from 198.18.0.9 port 22` cannot move them.
public struct SSHLogParser: Sendable {
    /// The longest line read, in bytes; longer lines are cut to it (and counted by the reader).
    public static let maximumLineBytes = 4096

    /// The year RFC 3164 timestamps (which have none) are placed in, relative to `now`: a line
    /// dated more than a day after `now` is from the year before.
    public var now: @Sendable () -> Date

    /// A parser; `now` dates RFC 3164 lines, which carry no year.
    public init(now: @escaping @Sendable () -> Date = { Date() }) {
        self.now = now
    }

    /// What `line` is.
    ///
    /// - Parameter line: One log line, with or without a syslog prefix; a trailing `\r` is ignored.
    public func parse(_ line: Substring) -> AuthLogLine {
        var text = line
        while text.last == "\r" || text.last == "\n" { text.removeLast() }
        if let prefixed = Self.syslogPrefix(text, now: now()) {
            return Self.message(prefixed.message, program: prefixed.program, time: prefixed.time)
        }
        // No syslog prefix: sshd's own message (an `sshd -E` file, the journal's MESSAGE).
        return Self.message(text, program: "sshd", time: nil)
    }

    /// What `line` is (as the `Substring` form).
    public func parse(_ line: String) -> AuthLogLine { parse(line[...]) }

    /// What a message of `program` is (the journal gives the message and the program apart).
    ///
    /// - Parameters:
    ///   - message: The message, without a syslog prefix.
    ///   - program: The program (`SYSLOG_IDENTIFIER`): `sshd`, `sshd-session`, or another.
    ///   - time: When it was logged.
    public static func message(_ message: Substring, program: Substring, time: Date?) -> AuthLogLine {
        let isSSHD = program == "sshd" || program == "sshd-session"
        if message.hasPrefix("pam_unix(") {
            return pam(message, time: time)
        }
        guard isSSHD else { return .otherProgram }
        return sshd(message, time: time)
    }

    // MARK: - sshd's messages

    static func sshd(_ message: Substring, time: Date?) -> AuthLogLine {
        var text = message
        if text.hasPrefix("error: ") { text = text.dropFirst("error: ".count) }
        for (prefix, kind) in [("Failed ", AuthLogEvent.Kind.failure), ("Accepted ", .success)] where text.hasPrefix(prefix) {
            // "Failed password for [invalid user ]U from IP port P ssh2[: key]"; "Failed to …" and
            // "Accepted key …" are other messages.
            if let event = attempt(text.dropFirst(prefix.count), kind: kind, time: time) { return .event(event) }
        }
        if text.hasPrefix("Invalid user ") {
            // "Invalid user U from IP port P"
            guard let tail = fromAddressPort(text.dropFirst("Invalid user ".count), protocolSuffix: false) else { return .unparsed }
            return .event(AuthLogEvent(
                kind: .invalidUser, username: String(tail.before), invalidUser: true, source: tail.address, port: tail.port,
                time: time))
        }
        if text.hasPrefix("maximum authentication attempts exceeded for ") {
            // "maximum authentication attempts exceeded for [invalid user ]U from IP port P ssh2 [preauth]"
            let rest = text.dropFirst("maximum authentication attempts exceeded for ".count)
            guard let tail = fromAddressPort(rest, protocolSuffix: true) else { return .unparsed }
            let (invalid, user) = splitInvalid(tail.before)
            return .event(AuthLogEvent(
                kind: .attemptsExceeded, username: String(user), invalidUser: invalid, source: tail.address, port: tail.port,
                time: time))
        }
        if text.hasPrefix("Disconnecting "), let reason = text.range(of: ": Too many authentication failures", options: .backwards) {
            // "Disconnecting [invalid|authenticating] user U IP port P: Too many authentication failures [preauth]"
            guard let who = userAddressPort(text[text.index(text.startIndex, offsetBy: "Disconnecting ".count)..<reason.lowerBound])
            else { return .unparsed }
            return .event(AuthLogEvent(
                kind: .attemptsExceeded, username: who.user, invalidUser: who.invalid, source: who.address, port: who.port,
                time: time))
        }
        for prefix in ["Connection closed by ", "Disconnected from "] where text.hasPrefix(prefix) {
            // "Connection closed by [invalid|authenticating] [user U ]IP port P [preauth]"
            var rest = text.dropFirst(prefix.count)
            guard rest.hasSuffix(" [preauth]") else { return .irrelevant }  // after a session: not an attempt
            rest = rest.dropLast(" [preauth]".count)
            guard let who = userAddressPort(rest) else { return .unparsed }
            return .event(AuthLogEvent(
                kind: .closedBeforeAuthentication, username: who.user, invalidUser: who.invalid, source: who.address,
                port: who.port, time: time))
        }
        if text.hasPrefix("PAM: Authentication failure for ") {
            // "PAM: Authentication failure for [illegal user ]U from HOST" (keyboard-interactive)
            let rest = text.dropFirst("PAM: Authentication failure for ".count)
            guard let from = rest.range(of: " from ", options: .backwards) else { return .unparsed }
            var user = rest[..<from.lowerBound]
            let illegal = user.hasPrefix("illegal user ")
            if illegal { user = user.dropFirst("illegal user ".count) }
            return .event(AuthLogEvent(
                kind: .pamReport, username: String(user), invalidUser: illegal,
                source: NetworkAddress(String(rest[from.upperBound...])), time: time))
        }
        if text.hasPrefix("PAM "), text.contains(" more authentication failure") {
            // "PAM 2 more authentication failures; logname= uid=0 euid=0 tty=ssh ruser= rhost=IP  user=U"
            let fields = pamFields(text)
            return .event(AuthLogEvent(
                kind: .pamReport, username: fields.user, source: fields.host.flatMap(NetworkAddress.init), time: time))
        }
        return irrelevantPrefixes.contains { text.hasPrefix($0) } ? .irrelevant : .unparsed
    }

    /// sshd's messages that say nothing about an authentication attempt.
    static let irrelevantPrefixes = [
        "Server listening on ", "Received signal ", "Received disconnect from ", "Connection reset by ",
        "Connection from ", "Starting session", "User child is on pid", "Timeout before authentication",
        "banner exchange", "kex_exchange_identification", "Unable to negotiate", "Bad protocol version",
        "Did not receive identification string", "Close session", "Transferred:", "Exiting on signal",
        "Postponed ", "fatal: Timeout before authentication", "ssh_dispatch_run_fatal", "kex_protocol_error",
        "Read error from remote host", "Protocol major versions differ", "drop connection #",
        "beginning MaxStartups throttling", "exited MaxStartups throttling", "srclimit_penalise",
        "Accepted key ", "Failed to ", "Disconnecting: ", "pam_unix(sshd:session)", "Attempt to write login records",
        "Authentication refused", "Received request to connect", "rexec line", "debug", "fatal: ",
        "Changed root directory", "Nasty PTR record", "reverse mapping checking", "Address ",
        "Could not ", "Missing privilege separation directory", "Server will not fork",
    ]

    /// `METHOD for [invalid user ]U from IP port P ssh2[…]`, or nil when the text is another message.
    static func attempt(_ rest: Substring, kind: AuthLogEvent.Kind, time: Date?) -> AuthLogEvent? {
        guard let space = rest.firstIndex(of: " ") else { return nil }
        let method = rest[..<space]
        var who = rest[space...]
        guard who.hasPrefix(" for ") else { return nil }
        who = who.dropFirst(" for ".count)
        guard let tail = fromAddressPort(who, protocolSuffix: true) else { return nil }
        let (invalid, user) = splitInvalid(tail.before)
        return AuthLogEvent(
            kind: kind, method: String(method), username: String(user), invalidUser: invalid, source: tail.address,
            port: tail.port, time: time)
    }

    /// Splits `invalid user U` / `U`.
    static func splitInvalid(_ text: Substring) -> (invalid: Bool, user: Substring) {
        text.hasPrefix("invalid user ") ? (true, text.dropFirst("invalid user ".count)) : (false, text)
    }

    /// `… from IP port P[ ssh2[…]]`: the address and port matched from the end, and what was before.
    static func fromAddressPort(_ text: Substring, protocolSuffix: Bool) -> (before: Substring, address: NetworkAddress, port: Int)? {
        var search = text.endIndex
        while let from = text.range(of: " from ", options: .backwards, range: text.startIndex..<search) {
            search = from.lowerBound
            let words = text[from.upperBound...].split(separator: " ", maxSplits: 3, omittingEmptySubsequences: false)
            guard words.count >= 3, words[1] == "port", let address = NetworkAddress(String(words[0])) else { continue }
            var portText = words[2]
            if !protocolSuffix {
                // "… port P" ends the message (a colon may follow in other messages).
                if portText.hasSuffix(":") { portText = portText.dropLast() }
                guard words.count == 3 else { continue }
            } else {
                guard words.count == 4, words[3].hasPrefix("ssh2") else { continue }
            }
            guard let port = Int(portText), (0...65535).contains(port) else { continue }
            return (text[..<from.lowerBound], address, port)
        }
        return nil
    }

    /// `[invalid |authenticating ][user ][U ]IP port P`: the parts of sshd's connection messages.
    static func userAddressPort(_ text: Substring) -> (user: String?, invalid: Bool, address: NetworkAddress, port: Int)? {
        // From the end: "IP port P".
        let words = text.split(separator: " ", omittingEmptySubsequences: false)
        guard words.count >= 3, words[words.count - 2] == "port", let port = Int(words[words.count - 1]),
            (0...65535).contains(port), let address = NetworkAddress(String(words[words.count - 3]))
        else { return nil }
        let addressStart = words[words.count - 3].startIndex
        var who = text[..<addressStart]
        guard who.isEmpty || who.hasSuffix(" ") else { return nil }
        if !who.isEmpty { who.removeLast() }
        for qualifier in ["invalid user ", "authenticating user ", "user "] where who.hasPrefix(qualifier) {
            return (String(who.dropFirst(qualifier.count)), qualifier == "invalid user ", address, port)
        }
        // "Connection closed by IP port P": no name; anything else before the address is unknown.
        guard who.isEmpty else { return nil }
        return (nil, false, address, port)
    }

    // MARK: - PAM

    /// `pam_unix(SERVICE:auth): authentication failure; … rhost=IP  user=U`: a failure of SERVICE,
    /// or, for sshd (which logs the attempt itself), a report.
    static func pam(_ message: Substring, time: Date?) -> AuthLogLine {
        guard let close = message.firstIndex(of: ")") else { return .unparsed }
        let inside = message[message.index(message.startIndex, offsetBy: "pam_unix(".count)..<close]
        let parts = inside.split(separator: ":", maxSplits: 1)
        guard parts.count == 2 else { return .unparsed }
        let (service, facility) = (parts[0], parts[1])
        let text = message[message.index(after: close)...]
        guard facility == "auth" else { return .irrelevant }  // session, account, password
        guard text.hasPrefix(": authentication failure;") else {
            // "check pass; user unknown", "auth could not identify password for [U]", …
            return text.hasPrefix(": check pass;") || text.hasPrefix(": auth could not identify") ? .irrelevant : .unparsed
        }
        let fields = pamFields(text)
        let isSSHD = service == "sshd" || service == "sshd-session"
        return .event(AuthLogEvent(
            kind: isSSHD ? .pamReport : .failure, service: String(service), username: fields.user,
            source: fields.host.flatMap(NetworkAddress.init), time: time))
    }

    /// The `rhost=` and `user=` fields of a PAM message (`user=` is last and may hold spaces).
    static func pamFields(_ text: Substring) -> (host: String?, user: String?) {
        var host: String?
        if let range = text.range(of: " rhost=") {
            let value = text[range.upperBound...].prefix { $0 != " " }
            host = value.isEmpty ? nil : String(value)
        }
        var user: String?
        if let range = text.range(of: " user=", options: .backwards) {
            let value = text[range.upperBound...]
            user = value.isEmpty ? nil : String(value)
        }
        return (host, user)
    }

    // MARK: - syslog prefixes

    /// `TIME HOST PROGRAM[PID]: MESSAGE` with an RFC 3339 or RFC 3164 time, or nil.
    static func syslogPrefix(_ line: Substring, now: Date) -> (time: Date?, program: Substring, message: Substring)? {
        let time: Date?
        var rest: Substring
        if let first = line.first, first.isNumber {
            // "2026-12-07T21:43:20.123456+00:00 host sshd[812]: …"
            guard let space = line.firstIndex(of: " ") else { return nil }
            let stamp = line[..<space]
            guard stamp.count >= 20, stamp.dropFirst(10).first == "T" else { return nil }
            time = rfc3339(String(stamp))
            guard time != nil else { return nil }
            rest = line[line.index(after: space)...]
        } else {
            // "Dec  7 21:43:20 host sshd[812]: …" (15 characters)
            guard line.count > 16, let parsed = rfc3164(line.prefix(15), now: now) else { return nil }
            time = parsed
            rest = line.dropFirst(16)
        }
        // HOST PROGRAM[PID]: MESSAGE
        guard let hostEnd = rest.firstIndex(of: " ") else { return nil }
        rest = rest[rest.index(after: hostEnd)...]
        guard let colon = rest.range(of: ": ") else { return nil }
        var program = rest[..<colon.lowerBound]
        if let bracket = program.firstIndex(of: "[") {
            guard program.last == "]" else { return nil }
            program = program[..<bracket]
        }
        guard !program.isEmpty, !program.contains(" ") else { return nil }
        return (time, program, rest[colon.upperBound...])
    }

    static func rfc3339(_ text: String) -> Date? {
        if let date = try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)) { return date }
        return try? Date(text, strategy: Date.ISO8601FormatStyle())
    }

    static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// `Mmm dd hh:mm:ss` in the host's time zone (syslog's), in the year that puts it at most a day
    /// after `now`.
    static func rfc3164(_ text: Substring, now: Date) -> Date? {
        let parts = text.split(separator: " ", omittingEmptySubsequences: true)
        guard parts.count == 3, let month = months.firstIndex(of: String(parts[0])), let day = Int(parts[1]),
            (1...31).contains(day)
        else { return nil }
        let clock = parts[2].split(separator: ":")
        guard clock.count == 3, let hour = Int(clock[0]), let minute = Int(clock[1]), let second = Int(clock[2]),
            (0...23).contains(hour), (0...59).contains(minute), (0...60).contains(second)
        else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .current
        let year = calendar.component(.year, from: now)
        for candidate in [year, year - 1] {
            let components = DateComponents(
                year: candidate, month: month + 1, day: day, hour: hour, minute: minute, second: second)
            guard let date = calendar.date(from: components) else { return nil }
            if date <= now.addingTimeInterval(86_400) { return date }
        }
        return nil
    }
}
