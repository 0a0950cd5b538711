public import Prometheus
import Synchronization

/// What one verdict contributes to the detector's metrics (PromExposition imports nothing of
/// the project, so the detector translates its verdict into this).
public struct VerdictObservation: Sendable {
    /// `network` or `authentication`.
    public var detectionType: String
    /// Threat types reported (rule names and `ml_*_risk`).
    public var threatTypes: [String]
    /// Confidence of the verdict, 0–1.
    public var confidence: Double
    /// Sources the verdict names.
    public var attackingIPs: [String]
    /// The sources named per threat type (each rule finding names its own). A threat type
    /// missing here, or with no sources, is counted under `source_ip=""`.
    public var threatSources: [String: [String]]
    /// Packets of each of the judged network window's top sources, for
    /// ``MetricName/detectorIPPacketCount`` (`nil`, as for authentication verdicts, leaves it
    /// unchanged).
    public var sourcePackets: [SourcePackets]?
    /// Calibrated DBSCAN percentile, 0–1 (network verdicts only; `nil` leaves the gauge unchanged).
    public var dbscanPercentile: Double?
    /// Calibrated ZMAD percentile, 0–1 (network verdicts only; `nil` leaves the gauge unchanged).
    public var zmadPercentile: Double?
    /// Raw VAE reconstruction error (network verdicts only; `nil` leaves the gauge unchanged).
    public var vaeReconstructionError: Double?
    /// Time taken to produce the verdict, in seconds (negative values count as 0).
    public var processingSeconds: Double

    /// An observation with the given values; the model scores and source packets default to
    /// `nil`, and `threatSources` to `attackingIPs` for every threat type.
    public init(
        detectionType: String, threatTypes: [String], confidence: Double, attackingIPs: [String],
        threatSources: [String: [String]]? = nil, sourcePackets: [SourcePackets]? = nil,
        dbscanPercentile: Double? = nil, zmadPercentile: Double? = nil, vaeReconstructionError: Double? = nil,
        processingSeconds: Double
    ) {
        self.detectionType = detectionType
        self.threatTypes = threatTypes
        self.confidence = confidence
        self.attackingIPs = attackingIPs
        self.threatSources = threatSources ?? Dictionary(uniqueKeysWithValues: threatTypes.map { ($0, attackingIPs) })
        self.sourcePackets = sourcePackets
        self.dbscanPercentile = dbscanPercentile
        self.zmadPercentile = zmadPercentile
        self.vaeReconstructionError = vaeReconstructionError
        self.processingSeconds = processingSeconds
    }
}

/// One source's packets in a window (``VerdictObservation/sourcePackets``).
public struct SourcePackets: Sendable, Equatable {
    /// The source address (or IPv6 /64 prefix), as in `top_sources`.
    public var ip: String
    /// Its packets in the window.
    public var packets: Int

    /// The packets of `ip`.
    public init(ip: String, packets: Int) {
        self.ip = ip
        self.packets = packets
    }
}

/// The detector's metrics (every `ml_detector_*` name of ``MetricName``) on a swift-prometheus
/// registry. Label sets with a fixed vocabulary are created up front, so `/metrics` lists them
/// from the first scrape; `source_ip` series exist only for a bounded number of offenders and
/// are removed when a source drops out.
///
/// The per-source counters (``MetricName/detectorThreats``, the per-threat counters and
/// ``MetricName/detectorAnomalies``) keep series for the ``suspiciousIPLimit`` sources named
/// most recently; a source pushed out loses its series (a later detection starts a new one at
/// its count), and detections naming no source count under `source_ip=""`.
///
/// All methods are safe to call from any thread.
public final class DetectorMetrics: Sendable {
    /// Values of the `model` label.
    public static let models = ["network", "authentication"]
    /// Values of the `model` label of ``MetricName/detectorAdvancedModelStatus``: the network
    /// ensemble's three models.
    public static let advancedModels = ["dbscan", "vae", "zmad"]
    /// Values of the `detection_type` label.
    public static let detectionTypes = ["network", "authentication"]
    /// Values of the `confidence_level` label, lowest first (see ``confidenceLevel(_:)``).
    public static let confidenceLevels = ["low", "medium", "high", "critical"]

    /// The registry every series is registered on.
    public let registry: PrometheusCollectorRegistry
    /// Most `source_ip` series per metric (``MetricName/detectorSuspiciousIP``,
    /// ``MetricName/detectorIPPacketCount`` and the per-source counters).
    public let suspiciousIPLimit: Int

    private let processing: DurationHistogram
    private let dbscanScore, vaeError, zmadScore, trainingQuality: Gauge
    private let suppressedModelAlerts: Counter
    private let duplicateWindows: Counter
    private let suppressedCounted = Mutex(0)
    private let streams: [String: Gauge]
    private let streamEvictions: [String: Counter]
    private let streamEvictionsCounted = Mutex<[String: Int]>([:])
    private let modelStatus: [String: Gauge]
    private let advancedModelStatus: [String: Gauge]
    /// Registered on the first agreement reported: a rules-only detector has none, and a 0 would
    /// read as "never right".
    private let modelAccuracy = Mutex<[String: Gauge]>([:])
    private let threatConfidence: [String: Gauge]
    private let trainingSamples: [String: Gauge]
    private let trainings: [String: Counter]
    private let verdicts: [String: Counter]
    /// Counters whose label values are only known when they occur (no `source_ip`), by name
    /// and labels.
    private let labelledCounters = Mutex<[String: Counter]>([:])
    /// The per-source counters: each named source's series, and when it was last named.
    private let sourceCounters = Mutex(SourceCounters())
    /// Trainings already counted, by model (the detector reports totals).
    private let trainingsCounted = Mutex<[String: Int]>([:])
    /// Suspicion per source, newest verdict wins; only the top `suspiciousIPLimit` have series.
    private let suspicion = Mutex<(scores: [String: Double], gauges: [String: Gauge])>(([:], [:]))
    /// The latest network window's packets per top source.
    private let ipPackets = Mutex<[String: Gauge]>([:])

    private struct SourceCounters: Sendable {
        var counters: [String: [String: Counter]] = [:]
        var lastNamed: [String: Int] = [:]
        var tick = 0
    }

    /// The threat types with a counter of their own (the original design's), and its name.
    static let perThreatCounters: [String: (name: String, help: String)] = [
        "port_scan": (MetricName.detectorPortScans, "Detections of port_scan by source."),
        "ddos": (MetricName.detectorDDoS, "Detections of ddos by source."),
        "syn_flood": (MetricName.detectorSynFloods, "Detections of syn_flood by source."),
    ]
    static let anomalyHelp = "Model-only detections (ml_*_risk) by source."
    static let threatsHelp = "Detections by threat type, confidence level and source."

    /// Default value of `suspiciousIPLimit` (`METRICS_TOP_IPS`).
    public static let defaultSuspiciousIPLimit = 20
    /// Values of `suspiciousIPLimit` the detector's configuration accepts (`METRICS_TOP_IPS`).
    /// The initializer itself only raises negative values to 0.
    public static let suspiciousIPLimitRange = 0...1000

    /// Registers the detector's fixed series on `registry`, all at 0.
    ///
    /// - Parameters:
    ///   - registry: The registry to register on; by default a new one.
    ///   - suspiciousIPLimit: Most `source_ip` series per metric (negative values count as 0;
    ///     0 counts every detection under `source_ip=""`).
    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry(), suspiciousIPLimit: Int = defaultSuspiciousIPLimit) {
        self.registry = registry
        self.suspiciousIPLimit = max(0, suspiciousIPLimit)
        let r = registry
        func gauge(_ name: String, _ help: String) -> Gauge { r.makeGauge(descriptor: describe(name, help)) }
        func labelled(_ name: String, _ help: String, _ label: String, _ values: [String]) -> [String: Gauge] {
            Dictionary(uniqueKeysWithValues: values.map { ($0, r.makeGauge(descriptor: describe(name, help), labels: [(label, $0)])) })
        }
        // The unnamed-source series exist from the start, so the per-threat counters and the
        // anomaly counter are listed (at 0) before the first detection.
        for (_, counter) in Self.perThreatCounters {
            _ = r.makeCounter(descriptor: describe(counter.name, counter.help), labels: [("source_ip", "")])
        }
        _ = r.makeCounter(descriptor: describe(MetricName.detectorAnomalies, Self.anomalyHelp), labels: [("source_ip", "")])
        processing = r.makeDurationHistogram(
            descriptor: describe(MetricName.detectorProcessingSeconds, "Time to produce one verdict (rules and models)."),
            buckets: [.microseconds(50), .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1),
                      .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(50), .milliseconds(250)])
        dbscanScore = gauge(MetricName.detectorDBSCANScore, "Calibrated DBSCAN percentile of the latest network window.")
        vaeError = gauge(MetricName.detectorVAEReconstructionError, "VAE reconstruction error of the latest network window.")
        zmadScore = gauge(MetricName.detectorZMADScore, "Calibrated ZMAD percentile of the latest network window.")
        trainingQuality = gauge(MetricName.detectorTrainingDataQuality, "Mean training confidence of the network training window.")
        suppressedModelAlerts = r.makeCounter(
            descriptor: describe(
                MetricName.detectorSuppressedModelAlerts, "Network windows the models agreed on but the model-alert policy kept from alerting."))
        duplicateWindows = r.makeCounter(
            descriptor: describe(
                MetricName.detectorDuplicateWindows, "Windows received again (same stream and sequence) and answered without judging them again."))
        streams = labelled(
            MetricName.detectorStreams, "Window streams held: the rules' and models' state (state), the delivery ledger (ledger).", "table",
            Self.streamTables)
        streamEvictions = Dictionary(uniqueKeysWithValues: Self.streamTables.map { table in
            (table, r.makeCounter(
                descriptor: describe(MetricName.detectorStreamEvictions, "Streams forgotten because their table was full when a new one posted."),
                labels: [("table", table)]))
        })
        modelStatus = labelled(MetricName.detectorModelStatus, "1 trained from data, 0.5 bootstrap baseline, 0 none.", "model", Self.models)
        advancedModelStatus = labelled(
            MetricName.detectorAdvancedModelStatus, "State of each model of the network ensemble: 1 trained from data, 0.5 bootstrap, 0 none.",
            "model", Self.advancedModels)
        threatConfidence = labelled(
            MetricName.detectorThreatConfidence, "Confidence of the latest verdict (0 when it found nothing).", "detection_type",
            Self.detectionTypes)
        trainingSamples = labelled(MetricName.detectorTrainingSamples, "Training samples held.", "model", Self.models)
        trainings = Dictionary(uniqueKeysWithValues: Self.models.map {
            ($0, r.makeCounter(descriptor: describe(MetricName.detectorTrainings, "Completed trainings."), labels: [("model", $0)]))
        })
        verdicts = Dictionary(uniqueKeysWithValues: Self.detectionTypes.map {
            ($0, r.makeCounter(descriptor: describe(MetricName.detectorVerdicts, "Verdicts by detection type."), labels: [("detection_type", $0)]))
        })
    }

    /// The `confidence_level` label of `confidence`: `low` below 0.5, `medium` below 0.8,
    /// `high` below 0.95, `critical` from 0.95.
    public static func confidenceLevel(_ confidence: Double) -> String {
        confidence >= 0.95 ? "critical" : confidence >= 0.8 ? "high" : confidence >= 0.5 ? "medium" : "low"
    }

    /// Adds one verdict: counts it by detection type (a type not in ``detectionTypes`` is not
    /// counted there), records its processing time and confidence, counts each threat type at
    /// the verdict's confidence level once per source it names, sets the model-score and
    /// per-source packet gauges it carries and updates the suspicion of the sources it names.
    public func record(_ verdict: VerdictObservation) {
        verdicts[verdict.detectionType]?.increment()
        processing.recordSeconds(verdict.processingSeconds)
        threatConfidence[verdict.detectionType]?.set(to: verdict.threatTypes.isEmpty ? 0 : verdict.confidence)
        let level = Self.confidenceLevel(verdict.confidence)
        for threat in verdict.threatTypes {
            let named = (verdict.threatSources[threat] ?? []).filter { !$0.isEmpty }
            for ip in Set(named).isEmpty ? [""] : Array(Set(named)).sorted() {
                countBySource(threat: threat, level: level, ip: ip)
            }
        }
        if let d = verdict.dbscanPercentile { dbscanScore.set(to: d) }
        if let z = verdict.zmadPercentile { zmadScore.set(to: z) }
        if let v = verdict.vaeReconstructionError { vaeError.set(to: v) }
        if let packets = verdict.sourcePackets { updateIPPackets(packets) }
        if !verdict.attackingIPs.isEmpty { updateSuspicion(verdict.attackingIPs, verdict.confidence) }
    }

    /// Counts one detection of `threat` from `ip` (`""` for none) in the threats counter, the
    /// threat's own counter if it has one, and the anomaly counter for `ml_*` threats; pushes
    /// the source named longest ago out when a new one would exceed the limit.
    private func countBySource(threat: String, level: String, ip: String) {
        let ip = suspiciousIPLimit == 0 ? "" : ip
        var series: [(String, String, [(String, String)])] = [
            (MetricName.detectorThreats, Self.threatsHelp, [("threat_type", threat), ("confidence_level", level), ("source_ip", ip)])
        ]
        if let own = Self.perThreatCounters[threat] { series.append((own.name, own.help, [("source_ip", ip)])) }
        if threat.hasPrefix("ml_") { series.append((MetricName.detectorAnomalies, Self.anomalyHelp, [("source_ip", ip)])) }
        let counters = sourceCounters.withLock { state -> [Counter] in
            state.tick += 1
            if !ip.isEmpty {
                if state.lastNamed[ip] == nil, state.lastNamed.count >= suspiciousIPLimit,
                    let oldest = state.lastNamed.min(by: { $0.value != $1.value ? $0.value < $1.value : $0.key < $1.key })?.key
                {
                    for (_, counter) in state.counters[oldest] ?? [:] { registry.unregisterCounter(counter) }
                    state.counters[oldest] = nil
                    state.lastNamed[oldest] = nil
                }
                state.lastNamed[ip] = state.tick
            }
            return series.map { name, help, labels in
                let key = Self.seriesKey(name, labels)
                if let c = state.counters[ip]?[key] { return c }
                let c = registry.makeCounter(descriptor: describe(name, help), labels: labels)
                state.counters[ip, default: [:]][key] = c
                return c
            }
        }
        for counter in counters { counter.increment() }
    }

    /// One key per series: the name and its label pairs.
    private static func seriesKey(_ name: String, _ labels: [(String, String)]) -> String {
        ([name] + labels.map { $0.0 + "=" + $0.1 }).joined(separator: "\u{0}")
    }

    /// The counter `name{labels}`, registered on first use.
    private func counter(_ name: String, _ help: String, _ labels: [(String, String)]) -> Counter {
        labelledCounters.withLock { counters in
            let key = Self.seriesKey(name, labels)
            if let c = counters[key] { return c }
            let c = registry.makeCounter(descriptor: describe(name, help), labels: labels)
            counters[key] = c
            return c
        }
    }

    /// Replaces the per-source packet gauges with the `suspiciousIPLimit` busiest of `packets`.
    private func updateIPPackets(_ packets: [SourcePackets]) {
        var busiest: [String: Int] = [:]
        for p in packets where !p.ip.isEmpty { busiest[p.ip] = max(busiest[p.ip] ?? 0, max(0, p.packets)) }
        let keep = busiest.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(suspiciousIPLimit)
        ipPackets.withLock { gauges in
            let keepIPs = Set(keep.map(\.key))
            for (ip, gauge) in gauges where !keepIPs.contains(ip) {
                registry.unregisterGauge(gauge)
                gauges[ip] = nil
            }
            for (ip, count) in keep {
                let gauge = gauges[ip] ?? registry.makeGauge(
                    descriptor: describe(MetricName.detectorIPPacketCount, "Packets of the top sources in the latest network window."),
                    labels: [("source_ip", ip)])
                gauge.set(to: Double(count))
                gauges[ip] = gauge
            }
        }
    }

    /// Keeps one series per worst offender (at most ``suspiciousIPLimit``), removing the others.
    private func updateSuspicion(_ ips: [String], _ confidence: Double) {
        suspicion.withLock { state in
            for ip in ips { state.scores[ip] = confidence }
            let ranked = state.scores.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
            let keep = ranked.prefix(suspiciousIPLimit)
            // Forget sources far outside the top so the table stays bounded too.
            if state.scores.count > 4 * max(1, suspiciousIPLimit) {
                state.scores = Dictionary(uniqueKeysWithValues: ranked.prefix(2 * max(1, suspiciousIPLimit)).map { ($0.key, $0.value) })
            }
            let keepIPs = Set(keep.map(\.key))
            for (ip, gauge) in state.gauges where !keepIPs.contains(ip) {
                registry.unregisterGauge(gauge)
                state.gauges[ip] = nil
            }
            for (ip, score) in keep {
                let gauge = state.gauges[ip] ?? registry.makeGauge(
                    descriptor: describe(MetricName.detectorSuspiciousIP, "Suspicion (latest verdict's confidence) of the worst offenders."),
                    labels: [("source_ip", ip)])
                gauge.set(to: score)
                state.gauges[ip] = gauge
            }
        }
    }

    /// Counts one HTTP request by endpoint and status code.
    public func request(endpoint: String, code: Int) {
        counter(MetricName.detectorRequests, "Requests by endpoint and status code.", [("endpoint", endpoint), ("code", String(code))])
            .increment()
    }

    /// Counts one username-field classification.
    public func classified(as label: String) {
        counter(MetricName.detectorUsernameClassifications, "Username-field classifications by predicted class.", [("class", label)])
            .increment()
    }

    /// Sets the state of `model` (one of ``models``; other values are ignored).
    ///
    /// - Parameters:
    ///   - model: The `model` label.
    ///   - status: 1 trained from data, 0.5 bootstrap baseline, 0 none; the network model's
    ///     status is also that of its three models (``MetricName/detectorAdvancedModelStatus``).
    ///   - samples: Training samples the model holds.
    ///   - trainings: The model's total trainings so far; only the increase since the previous
    ///     call is added to ``MetricName/detectorTrainings``.
    public func modelState(_ model: String, status: Double, samples: Int, trainings: Int) {
        modelStatus[model]?.set(to: status)
        if model == "network" { for gauge in advancedModelStatus.values { gauge.set(to: status) } }
        trainingSamples[model]?.set(to: Double(samples))
        let new = trainingsCounted.withLock { counted in
            let before = counted[model] ?? 0
            counted[model] = max(before, trainings)
            return max(0, trainings - before)
        }
        if new > 0 { self.trainings[model]?.increment(by: Int64(new)) }
    }

    /// Sets the share (0–1) of `model`'s recent verdicts on which its models' consensus agreed
    /// with the rules (``MetricName/detectorModelAccuracy``); `model` is one of ``models``.
    /// The series appears with the first call for `model`.
    public func modelAccuracy(_ model: String, _ agreement: Double) {
        guard Self.models.contains(model) else { return }
        let gauge = modelAccuracy.withLock { gauges in
            if let gauge = gauges[model] { return gauge }
            let gauge = registry.makeGauge(
                descriptor: describe(MetricName.detectorModelAccuracy, "Share of recent verdicts where the models' consensus agreed with the rules."),
                labels: [("model", model)])
            gauges[model] = gauge
            return gauge
        }
        gauge.set(to: min(1, max(0, agreement.isFinite ? agreement : 0)))
    }

    /// Mean training confidence of the network model's training window.
    public func trainingDataQuality(_ value: Double) { trainingQuality.set(to: value) }

    /// Sets the suppressed model alerts to `total` (only the increase since the previous call is
    /// added).
    public func suppressedModelAlerts(total: Int) {
        let new = suppressedCounted.withLock { Self.gained(total, since: &$0) }
        if new > 0 { suppressedModelAlerts.increment(by: Int64(new)) }
    }

    /// What `total`, a count kept elsewhere, gained since `counted` (the total last added to a
    /// counter), which it then becomes.
    private static func gained(_ total: Int, since counted: inout Int) -> Int {
        defer { counted = max(counted, total) }
        return max(0, total - counted)
    }

    /// Values of the `table` label of ``MetricName/detectorStreams`` and
    /// ``MetricName/detectorStreamEvictions``: `state` (the rules' and models' per-stream state),
    /// `ledger` (the windows already judged, by which repeats are answered).
    public static let streamTables = ["state", "ledger"]

    /// Sets the streams `table` (one of ``streamTables``) holds to `count`, and the streams it
    /// forgot to `evictions` (only the increase since the previous call is added).
    public func streams(table: String, count: Int, evictions: Int) {
        guard let gauge = streams[table], let counter = streamEvictions[table] else { return }
        gauge.set(to: Double(count))
        let new = streamEvictionsCounted.withLock { Self.gained(evictions, since: &$0[table, default: 0]) }
        if new > 0 { counter.increment(by: Int64(new)) }
    }

    /// Counts one window received again and answered from the delivery ledger
    /// (``MetricName/detectorDuplicateWindows``).
    public func duplicateWindow() { duplicateWindows.increment() }

    /// The Prometheus text exposition (format 0.0.4) of every series on ``registry``.
    public func render() -> String { registry.emitToString() }
}

extension DurationHistogram {
    fileprivate func recordSeconds(_ seconds: Double) {
        record(.nanoseconds(Int64((max(0, seconds) * 1e9).rounded())))
    }
}
