public import AnomalyModels
import Foundation
public import TrafficFeatures

/// When the models alone may raise an alert, and how severe it may be.
///
/// A model score says how *surprising* a window is, not what it costs: nine DNS lookups on a
/// quiet host can be as surprising as a flood. So, for network windows:
///
/// - **Severity follows impact.** A window's impact is the largest of its packet rate / 1000,
///   byte rate / 1 MB/s, sources per second / 200 and distinct ports / 100 (1 is the scale of
///   the `ddos` rule). The models' risk level is capped by it: below 0.05 at most `ml_low_risk`,
///   below 0.2 `ml_medium_risk`, below 0.5 `ml_high_risk`; `ml_critical_risk` needs 0.5.
/// - **Persistence or impact.** An alert from the models alone (no rule fired) is raised only when
///   the models agreed in at least ``persistenceWindows`` of the stream's last ``persistenceOf``
///   windows (this one included), or when the window's impact reaches ``minimumImpact``.
/// - **Warm-up.** Until the models have been retrained on this host's own windows
///   ``warmUpTrainings`` times (they start from the synthetic bootstrap), only an impact of at
///   least ``minimumImpact`` lets them alert alone.
///
/// Rule findings are never held back, and windows a rule fired on stay out of training.
public struct ModelAlertPolicy: Sendable, Equatable {
    /// Windows of the last ``persistenceOf`` in which the models must agree (default 3).
    public var persistenceWindows: Int
    /// The run of windows persistence is counted over (default 5).
    public var persistenceOf: Int
    /// The impact at which the models may alert alone at once (default 1).
    public var minimumImpact: Double
    /// Retrainings on the host's own windows before persistent alerts count (default 1; 0 when
    /// the models were trained on this host before, e.g. loaded from `MODEL_DIR`).
    public var warmUpTrainings: Int

    /// A policy with the given values (defaults: 3 of 5 windows, impact 1, one retraining).
    public init(persistenceWindows: Int = 3, persistenceOf: Int = 5, minimumImpact: Double = 1, warmUpTrainings: Int = 1) {
        self.persistenceOf = max(1, persistenceOf)
        self.persistenceWindows = min(max(1, persistenceWindows), self.persistenceOf)
        self.minimumImpact = minimumImpact.isFinite ? max(0, minimumImpact) : 1
        self.warmUpTrainings = max(0, warmUpTrainings)
    }

    /// Every model agreement alerts at once, whatever its impact (the behaviour before the policy).
    public static let immediate = ModelAlertPolicy(persistenceWindows: 1, persistenceOf: 1, minimumImpact: 0, warmUpTrainings: 0)

    /// The impact of a window (see the type's description), 0 for an empty one.
    public static func impact(of window: TrafficWindow) -> Double {
        let seconds = window.windowSeconds.isFinite && window.windowSeconds > 0 ? window.windowSeconds : 1
        let values = [
            window.packetsPerSecond / 1000, window.bytesPerSecond / 1_000_000, Double(window.uniqueIPs) / seconds / 200,
            Double(window.uniquePorts) / 100,
        ]
        return values.filter(\.isFinite).max() ?? 0
    }

    /// The highest risk level a window of this impact may be given.
    public static func maximumRisk(impact: Double) -> RiskLevel {
        switch impact {
        case ..<0.05: .low
        case ..<0.2: .medium
        case ..<0.5: .high
        default: .critical
        }
    }
}

/// Parses `ML_PERSISTENCE` values such as `3/5` (3 of 5 windows).
extension ModelAlertPolicy {
    /// The (windows, of) pair of a `K/N` text, or nil when it is not two integers with
    /// 1 ≤ K ≤ N ≤ 1000.
    public static func parsePersistence(_ text: String) -> (windows: Int, of: Int)? {
        let parts = text.split(separator: "/").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count == 2, let k = parts[0], let n = parts[1], 1 <= k, k <= n, n <= 1000 else { return nil }
        return (k, n)
    }
}
