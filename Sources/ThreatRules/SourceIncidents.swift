import Foundation

/// What the network rules lately reported of each source, so that a login finding from a source
/// that probed or flooded the host shortly before is told as one incident naming both.
///
/// Bounded: at most ``capacity`` sources (the one reported longest ago forgotten first), each
/// remembered for ``horizonSeconds`` after its latest network finding.
struct SourceIncidents: Sendable {
    /// Most sources remembered.
    let capacity: Int
    /// How long after a network finding a login finding from the same source joins it.
    let horizonSeconds: Double

    /// The latest time of each network threat reported for a source.
    private var sources: [String: [ThreatType: Double]] = [:]
    private var lastReported: [String: Double] = [:]

    init(capacity: Int = 4096, horizonSeconds: Double = 3600) {
        self.capacity = max(1, capacity)
        self.horizonSeconds = horizonSeconds
    }

    /// Notes the attributed findings of a network verdict made at `time` (seconds since 1970).
    mutating func note(_ findings: [Finding], at time: Double) {
        for finding in findings {
            guard let source = finding.sourceIP, !source.isEmpty else { continue }
            sources[source, default: [:]][finding.threat] = max(time, sources[source]?[finding.threat] ?? time)
            lastReported[source] = max(time, lastReported[source] ?? time)
        }
        guard sources.count > capacity else { return }
        let drop = sources.count - capacity + capacity / 8
        for (source, _) in lastReported.sorted(by: { ($0.value, $0.key) < ($1.value, $1.key) }).prefix(drop) {
            sources[source] = nil
            lastReported[source] = nil
        }
    }

    /// The network threats reported for `source` within ``horizonSeconds`` before `time` (or at
    /// most a minute after it: a window and a login event close at about the same time), earliest
    /// first, with their times.
    func recent(_ source: String, at time: Double) -> [(threat: ThreatType, time: Double)] {
        (sources[source] ?? [:])
            .filter { time - $0.value <= horizonSeconds && $0.value - time <= 60 }
            .map { (threat: $0.key, time: $0.value) }
            .sorted { ($0.time, $0.threat) < ($1.time, $1.threat) }
    }
}

extension LoginRules {
    /// The login findings joined to the same sources' recent network findings: each finding with a
    /// source that `incidents` knows gets ``Finding/incident`` (the network threats) and a sentence
    /// naming them and how long before they were.
    static func join(_ findings: [Finding], with incidents: SourceIncidents, at time: Double) -> [Finding] {
        findings.map { finding in
            guard let source = finding.sourceIP else { return finding }
            let related = incidents.recent(source, at: time)
            guard !related.isEmpty else { return finding }
            var joined = finding
            joined.incident = related.map(\.threat.rawValue)
            let parts = related.map { item in
                let seconds = max(0, time - item.time)
                return "\(item.threat.rawValue) \(RuleFormat.duration(seconds.rounded())) before"
            }
            joined.explanation += "; one incident with the network findings of \(source): \(parts.joined(separator: ", "))"
            return joined
        }
    }
}
