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
    /// Calibrated DBSCAN percentile, 0–1 (network verdicts only; `nil` leaves the gauge unchanged).
    public var dbscanPercentile: Double?
    /// Calibrated ZMAD percentile, 0–1 (network verdicts only; `nil` leaves the gauge unchanged).
    public var zmadPercentile: Double?
    /// Raw VAE reconstruction error (network verdicts only; `nil` leaves the gauge unchanged).
    public var vaeReconstructionError: Double?
    /// Time taken to produce the verdict, in seconds (negative values count as 0).
    public var processingSeconds: Double

    /// An observation with the given values; the model scores default to `nil`.
    public init(
        detectionType: String, threatTypes: [String], confidence: Double, attackingIPs: [String],
        dbscanPercentile: Double? = nil, zmadPercentile: Double? = nil, vaeReconstructionError: Double? = nil,
        processingSeconds: Double
    ) {
        self.detectionType = detectionType
        self.threatTypes = threatTypes
        self.confidence = confidence
        self.attackingIPs = attackingIPs
        self.dbscanPercentile = dbscanPercentile
        self.zmadPercentile = zmadPercentile
        self.vaeReconstructionError = vaeReconstructionError
        self.processingSeconds = processingSeconds
    }
}

/// The detector's metrics (every `ml_detector_*` name of ``MetricName``) on a swift-prometheus
/// registry. Label sets with a fixed vocabulary are created up front, so `/metrics` lists them
/// from the first scrape; `source_ip` series exist only for a bounded top-K of offenders and are
/// removed when a source drops out.
///
/// All methods are safe to call from any thread.
public final class DetectorMetrics: Sendable {
    /// Values of the `model` label.
    public static let models = ["network", "authentication"]
    /// Values of the `detection_type` label.
    public static let detectionTypes = ["network", "authentication"]
    /// Values of the `confidence_level` label, lowest first (see ``confidenceLevel(_:)``).
    public static let confidenceLevels = ["low", "medium", "high", "critical"]

    /// The registry every series is registered on.
    public let registry: PrometheusCollectorRegistry
    /// Most `source_ip` series of ``MetricName/detectorSuspiciousIP``.
    public let suspiciousIPLimit: Int

    private let portScans, ddos, synFloods: Counter
    private let processing: DurationHistogram
    private let dbscanScore, vaeError, zmadScore, trainingQuality: Gauge
    private let suppressedModelAlerts: Counter
    private let suppressedCounted = Mutex(0)
    private let modelStatus: [String: Gauge]
    private let trainingSamples: [String: Gauge]
    private let trainings: [String: Counter]
    private let verdicts: [String: Counter]
    /// Counters whose label values are only known when they occur, by name and labels.
    private let labelledCounters = Mutex<[String: Counter]>([:])
    /// Trainings already counted, by model (the detector reports totals).
    private let trainingsCounted = Mutex<[String: Int]>([:])
    /// Suspicion per source, newest verdict wins; only the top `suspiciousIPLimit` have series.
    private let suspicion = Mutex<(scores: [String: Double], gauges: [String: Gauge])>(([:], [:]))

    /// Default value of `suspiciousIPLimit` (`METRICS_TOP_IPS`).
    public static let defaultSuspiciousIPLimit = 20
    /// Values of `suspiciousIPLimit` the detector's configuration accepts (`METRICS_TOP_IPS`).
    /// The initializer itself only raises negative values to 0.
    public static let suspiciousIPLimitRange = 0...1000

    /// Registers the detector's fixed series on `registry`, all at 0.
    ///
    /// - Parameters:
    ///   - registry: The registry to register on; by default a new one.
    ///   - suspiciousIPLimit: Most `source_ip` series of ``MetricName/detectorSuspiciousIP``
    ///     (negative values count as 0).
    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry(), suspiciousIPLimit: Int = defaultSuspiciousIPLimit) {
        self.registry = registry
        self.suspiciousIPLimit = max(0, suspiciousIPLimit)
        let r = registry
        func counter(_ name: String, _ help: String) -> Counter { r.makeCounter(descriptor: describe(name, help)) }
        func gauge(_ name: String, _ help: String) -> Gauge { r.makeGauge(descriptor: describe(name, help)) }
        portScans = counter(MetricName.detectorPortScans, "Verdicts reporting port_scan.")
        ddos = counter(MetricName.detectorDDoS, "Verdicts reporting ddos.")
        synFloods = counter(MetricName.detectorSynFloods, "Verdicts reporting syn_flood.")
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
        modelStatus = Dictionary(uniqueKeysWithValues: Self.models.map {
            ($0, r.makeGauge(descriptor: describe(MetricName.detectorModelStatus, "1 trained from data, 0.5 bootstrap baseline, 0 none."), labels: [("model", $0)]))
        })
        trainingSamples = Dictionary(uniqueKeysWithValues: Self.models.map {
            ($0, r.makeGauge(descriptor: describe(MetricName.detectorTrainingSamples, "Training samples held."), labels: [("model", $0)]))
        })
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
    /// counted there), records its processing time, counts each threat type at the verdict's
    /// confidence level, sets the model-score gauges it carries and updates the suspicion of
    /// the sources it names.
    public func record(_ verdict: VerdictObservation) {
        verdicts[verdict.detectionType]?.increment()
        processing.recordSeconds(verdict.processingSeconds)
        let level = Self.confidenceLevel(verdict.confidence)
        for threat in verdict.threatTypes {
            counter(MetricName.detectorThreats, "Detections by threat type and confidence level.",
                [("threat_type", threat), ("confidence_level", level)]).increment()
            switch threat {
            case "port_scan": portScans.increment()
            case "ddos": ddos.increment()
            case "syn_flood": synFloods.increment()
            default: break
            }
        }
        if let d = verdict.dbscanPercentile { dbscanScore.set(to: d) }
        if let z = verdict.zmadPercentile { zmadScore.set(to: z) }
        if let v = verdict.vaeReconstructionError { vaeError.set(to: v) }
        if !verdict.attackingIPs.isEmpty { updateSuspicion(verdict.attackingIPs, verdict.confidence) }
    }

    /// The counter `name{labels}`, registered on first use.
    private func counter(_ name: String, _ help: String, _ labels: [(String, String)]) -> Counter {
        labelledCounters.withLock { counters in
            let key = ([name] + labels.map { $0.0 + "=" + $0.1 }).joined(separator: "\u{0}")
            if let c = counters[key] { return c }
            let c = registry.makeCounter(descriptor: describe(name, help), labels: labels)
            counters[key] = c
            return c
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
    ///   - status: 1 trained from data, 0.5 bootstrap baseline, 0 none.
    ///   - samples: Training samples the model holds.
    ///   - trainings: The model's total trainings so far; only the increase since the previous
    ///     call is added to ``MetricName/detectorTrainings``.
    public func modelState(_ model: String, status: Double, samples: Int, trainings: Int) {
        modelStatus[model]?.set(to: status)
        trainingSamples[model]?.set(to: Double(samples))
        let new = trainingsCounted.withLock { counted in
            let before = counted[model] ?? 0
            counted[model] = max(before, trainings)
            return max(0, trainings - before)
        }
        if new > 0 { self.trainings[model]?.increment(by: Int64(new)) }
    }

    /// Mean training confidence of the network model's training window.
    public func trainingDataQuality(_ value: Double) { trainingQuality.set(to: value) }

    /// Sets the suppressed model alerts to `total` (only the increase since the previous call is
    /// added).
    public func suppressedModelAlerts(total: Int) {
        let new = suppressedCounted.withLock { counted in
            defer { counted = max(counted, total) }
            return max(0, total - counted)
        }
        if new > 0 { suppressedModelAlerts.increment(by: Int64(new)) }
    }

    /// The Prometheus text exposition (format 0.0.4) of every series on ``registry``.
    public func render() -> String { registry.emitToString() }
}

extension DurationHistogram {
    fileprivate func recordSeconds(_ seconds: Double) {
        record(.nanoseconds(Int64((max(0, seconds) * 1e9).rounded())))
    }
}
