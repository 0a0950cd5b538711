public import AnomalyModels

/// What a verdict judged, and which of the detector's two model sets scored it.
public enum DetectionType: String, Codable, Sendable, CaseIterable, Hashable {
    /// A traffic window (`TrafficWindow`), scored by the network models.
    case network
    /// A login statistics event (``AuthenticationEvent``), scored by the authentication models.
    case authentication
}

/// One entry of ``Verdict/threatTypes``: a rule that fired, or the models' risk tier when they
/// agree. Encoded as its name (``rawValue``): `port_scan`, `ddos`, …, `ml_low_risk` …
/// `ml_critical_risk`.
public enum ReportedThreat: RawRepresentable, Codable, Sendable, Hashable, CustomStringConvertible {
    /// A rule fired (see ``Finding``).
    case rule(ThreatType)
    /// The models agreed the input is anomalous, at this risk tier.
    case model(RiskLevel)

    /// The name in the JSON.
    public var rawValue: String {
        switch self {
        case .rule(let threat): threat.rawValue
        case .model(let risk): risk.rawValue
        }
    }

    /// The threat of a name, nil for an unknown one.
    public init?(rawValue: String) {
        if let threat = ThreatType(rawValue: rawValue) {
            self = .rule(threat)
        } else if let risk = RiskLevel(rawValue: rawValue) {
            self = .model(risk)
        } else {
            return nil
        }
    }

    /// The wire name, the same as ``rawValue``.
    public var description: String { rawValue }

    /// True for the models' risk tiers.
    public var isModelRisk: Bool {
        if case .model = self { true } else { false }
    }
}

/// ``Verdict/decision``: the models' decision label, or `models_disabled` when the detector runs
/// rules only. Encoded as its name (``rawValue``).
public enum VerdictDecision: RawRepresentable, Codable, Sendable, Hashable, CustomStringConvertible {
    /// What the ensemble decided.
    case models(Decision)
    /// The detector runs without models (`--rules-only`).
    case modelsDisabled

    /// The name in the JSON: `high_confidence_attack`, …, or `models_disabled`.
    public var rawValue: String {
        switch self {
        case .models(let decision): decision.rawValue
        case .modelsDisabled: "models_disabled"
        }
    }

    /// The decision of a name, nil for an unknown one.
    public init?(rawValue: String) {
        if rawValue == "models_disabled" {
            self = .modelsDisabled
        } else if let decision = Decision(rawValue: rawValue) {
            self = .models(decision)
        } else {
            return nil
        }
    }

    /// The wire name, the same as ``rawValue``.
    public var description: String { rawValue }
}
