/// Every threat the rules can report. Raw values are the wire names (`threat_types`).
public enum ThreatType: String, Codable, Sendable, CaseIterable, Comparable {
    // Network (per window and per top source).
    case portScan = "port_scan"
    case ddos = "ddos"
    case synFlood = "syn_flood"
    case dataExfiltration = "data_exfiltration"
    case udpFlood = "udp_flood"
    case hostSweep = "host_sweep"
    case dnsTunnel = "dns_tunnel"
    // Authentication.
    case bruteForce = "brute_force"
    case credentialStuffing = "credential_stuffing"
    case serviceAccountAbuse = "service_account_abuse"
    case usernameConfusion = "username_confusion"
    case commandInjection = "command_injection"

    public static func < (a: ThreatType, b: ThreatType) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// One rule that fired, and why: the feature, its value, the threshold it crossed and, when the
/// finding is attributable, the source it came from.
public struct Finding: Codable, Sendable, Equatable {
    public var threat: ThreatType
    /// The feature the rule compared (for example `unique_ports` or `failed_attempts`).
    public var feature: String
    public var value: Double
    public var threshold: Double
    /// The attacking source (an IPv4 address or an IPv6 /64 prefix), when attributable.
    public var sourceIP: String?
    /// A sentence for people, e.g. "unique_ports 1000 > 20 with 1100 pps > 100 from 198.18.0.2".
    public var explanation: String

    public init(threat: ThreatType, feature: String, value: Double, threshold: Double, sourceIP: String? = nil, explanation: String) {
        self.threat = threat
        self.feature = feature
        self.value = value
        self.threshold = threshold
        self.sourceIP = sourceIP
        self.explanation = explanation
    }
}

/// The classes of the username-field classifier.
public enum UsernameClass: String, Codable, Sendable, CaseIterable {
    case username, password, command, email, service
}
