/// Every threat the rules can report. Raw values are the wire names (`threat_types`).
public enum ThreatType: String, Codable, Sendable, CaseIterable, Comparable {
    // Network (per window and per top source).
    /// One source probing many destination ports (without per-source data: many ports at a high
    /// packet rate).
    case portScan = "port_scan"
    /// High packet and byte rates from many distinct sources.
    case ddos = "ddos"
    /// Many connection attempts (SYN without ACK) in almost purely TCP traffic.
    case synFlood = "syn_flood"
    /// A high byte rate of large TCP packets from one source to few destinations.
    case dataExfiltration = "data_exfiltration"
    /// A high rate of UDP-dominated traffic, from many sources or from one very fast one.
    case udpFlood = "udp_flood"
    /// One source probing many distinct destination hosts.
    case hostSweep = "host_sweep"
    /// A DNS client sending many DNS packets, or a steady stream of large ones.
    case dnsTunnel = "dns_tunnel"
    /// Many reflectors sending replies nobody asked for to one victim: SYN-ACK/RST backscatter of
    /// spoofed SYNs, or UDP from a well-known amplification port (DNS, NTP, SSDP, memcached, …).
    case reflection = "reflection"
    // Authentication.
    /// Password guessing: many failed logins, or on the network a sustained stream of
    /// connections from one source to one service.
    case bruteForce = "brute_force"
    /// Many login attempts from many source addresses.
    case credentialStuffing = "credential_stuffing"
    /// Very many login attempts on a service account or a privileged one.
    case serviceAccountAbuse = "service_account_abuse"
    /// The username field holds a password.
    case usernameConfusion = "username_confusion"
    /// The username field holds a shell or SQL command.
    case commandInjection = "command_injection"
    /// One source failing on many login names (a few common passwords tried on every account).
    case passwordSpraying = "password_spraying"
    /// A login that succeeded from a source after many failed ones: the guessing may have worked.
    case loginAfterFailures = "login_after_failures"

    /// Orders threats by their declaration (network threats first): the order in which verdicts
    /// list them.
    public static func < (a: ThreatType, b: ThreatType) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// One rule that fired, and why: the feature, its value, the threshold it crossed and, when the
/// finding is attributable, the source it came from.
public struct Finding: Codable, Sendable, Equatable {
    /// The threat the rule reports.
    public var threat: ThreatType
    /// The feature the rule compared (for example `unique_ports` or `failed_attempts`).
    public var feature: String
    /// The value the rule compared, in the unit of its threshold (a rate per second or per minute
    /// where the threshold is one).
    public var value: Double
    /// The threshold ``value`` exceeded: the ``RuleThresholds`` entry in force (0 for the
    /// username-field rules, whose ``value`` is 1).
    public var threshold: Double
    /// The attacking source (an IPv4 address or an IPv6 /64 prefix), when attributable.
    public var sourceIP: String?
    /// A sentence for people, e.g. "unique_ports 1000 > 20 with 1100 pps > 100 from 198.18.0.2".
    public var explanation: String
    /// The host under attack, for findings about a victim rather than a source (`reflection`).
    public var victim: String?
    /// How many reflectors answered the victim (`reflection`).
    public var reflectors: Int?
    /// The UDP source port the reflectors share (`reflection` by UDP).
    public var port: Int?
    /// The login names the finding concerns, each in clear or masked (``LoginRules/displayName(_:classify:)``).
    public var usernames: [String]?
    /// For a login finding: the network threats the detector reported for the same source shortly
    /// before (within an hour) — one incident, e.g. `["port_scan"]` for a source that probed the
    /// host and then guessed passwords.
    public var incident: [String]?

    /// Creates a finding from its parts.
    ///
    /// - Parameters:
    ///   - threat: The threat the rule reports.
    ///   - feature: The feature the rule compared.
    ///   - value: The feature's value.
    ///   - threshold: The threshold the value exceeded.
    ///   - sourceIP: The attacking source, or nil when the finding is not attributable.
    ///   - explanation: A sentence for people.
    ///   - victim: The host under attack, for victim findings.
    ///   - reflectors: The number of reflectors, for reflection findings.
    ///   - port: The UDP source port the reflectors share.
    ///   - usernames: The login names concerned, in clear or masked.
    public init(
        threat: ThreatType, feature: String, value: Double, threshold: Double, sourceIP: String? = nil, explanation: String,
        victim: String? = nil, reflectors: Int? = nil, port: Int? = nil, usernames: [String]? = nil
    ) {
        self.threat = threat
        self.feature = feature
        self.value = value
        self.threshold = threshold
        self.sourceIP = sourceIP
        self.explanation = explanation
        self.victim = victim
        self.reflectors = reflectors
        self.port = port
        self.usernames = usernames.flatMap { $0.isEmpty ? nil : $0 }
    }
}

/// The classes of the username-field classifier: a plain `username`, a `password` typed by
/// mistake, a shell or SQL `command`, an `email` address, or a `service` (system, default or
/// application) account. Raw values are the wire names (`username_type`, `predicted_type`).
public enum UsernameClass: String, Codable, Sendable, CaseIterable {
    case username, password, command, email, service
}
