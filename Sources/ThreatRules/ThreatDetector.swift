public import AnomalyModels
public import Foundation
public import TrafficFeatures
public import WindowFormat
import Synchronization

/// The answer to one window or authentication event: rules and models combined, with the
/// attacking sources and the reasons. This is the body `POST /detect` answers with.
public struct Verdict: Codable, Sendable, Equatable {
    /// Per-model scores and which side fired.
    public struct Scores: Codable, Sendable, Equatable {
        /// True when at least one rule fired (`rule_based`).
        public var ruleBased: Bool
        /// True when the models reached consensus that the input is anomalous (`ml_based`).
        public var mlBased: Bool
        /// The DBSCAN model's calibrated percentile (0–1), comparable across models; 0 without
        /// models.
        public var dbscan: Double
        /// The VAE model's calibrated percentile (0–1); 0 without models.
        public var vae: Double
        /// The ZMAD model's calibrated percentile (0–1); 0 without models.
        public var zmad: Double

        enum CodingKeys: String, CodingKey {
            case ruleBased = "rule_based", mlBased = "ml_based", dbscan, vae, zmad
        }
    }

    /// True when a rule fired or the models agree the input is anomalous.
    public var threatDetected: Bool
    /// 0 when nothing was detected; otherwise the strongest evidence: a rule's margin over its
    /// threshold, or the ensemble's weighted percentile when the models agree.
    public var confidence: Double
    /// The rules that fired (`port_scan`, …, sorted) and, with model consensus, the ML risk
    /// (`ml_high_risk`, …) last.
    public var threatTypes: [ReportedThreat]
    /// Sources named by the findings, in order of first mention.
    public var attackingIPs: [String]
    /// What was judged: a network window or an authentication event.
    public var detectionType: DetectionType
    /// The models' decision label (`high_confidence_attack`, …), or `models_disabled`.
    public var decision: VerdictDecision
    /// Each model's calibrated percentile, and whether the rules and the models fired.
    public var scores: Scores
    /// Why: one sentence per finding, and one for the models when they agree.
    public var explanations: [String]
    /// The rule findings in full.
    public var findings: [Finding]
    /// For authentication events with a `username_text`: what the classifier made of it.
    public var usernameClassification: UsernameClassification?
    /// The models' own scores before calibration: DBSCAN distance to the nearest core point / ε,
    /// VAE reconstruction error, ZMAD max |modified z|.
    public var rawScores: RawScores

    /// The models' own scores before calibration; all 0 without models.
    public struct RawScores: Codable, Sendable, Equatable {
        /// DBSCAN: the distance to the nearest core point divided by ε.
        public var dbscan: Double
        /// VAE: the reconstruction error.
        public var vae: Double
        /// ZMAD: the largest absolute modified z-score over the features.
        public var zmad: Double
    }

    enum CodingKeys: String, CodingKey {
        case threatDetected = "threat_detected", confidence, threatTypes = "threat_types", attackingIPs = "attacking_ips"
        case detectionType = "detection_type", decision, scores, explanations, findings
        case usernameClassification = "username_classification", rawScores = "raw_scores"
    }
}

/// Rules plus models in one place, shared by the `detector` service, `monitor --offline` and the
/// examples. Thread-safe; every verdict also feeds the models' training windows (windows on which
/// a rule fired are kept out of the "normal" data).
public final class ThreatDetector: Sendable {
    /// The thresholds of the network and authentication rules.
    public let thresholds: RuleThresholds
    /// The ensemble over `FeatureVector` (network windows).
    public let network: AnomalyDetector
    /// The ensemble over ``AuthenticationEvent/featureVector``.
    public let authentication: AnomalyDetector
    /// Classifies the `username_text` of authentication events that carry no `username_type`.
    public let classifier: UsernameClassifier
    /// False: rules only (no model scores, no training); for comparison and benchmarks.
    public let modelsEnabled: Bool
    /// When the network models alone may alert, and how severe their alerts may be.
    public let modelPolicy: ModelAlertPolicy
    /// One rule tracker and model-agreement history per window stream (``StreamIdentity``), so
    /// rules that need several consecutive windows (sustained brute force) and the models'
    /// persistence work; at most ``maximumStreams`` of them, forgotten least recently used
    /// first, new streams before streams that posted again (``StreamStates``), never all at once.
    private let streams: Mutex<StreamStates<StreamIdentity, StreamSlot>>

    /// The state of one stream, locked for the whole of each of its windows, so a window reads and
    /// changes it in one critical section (windows of other streams are judged meanwhile).
    private final class StreamSlot: Sendable {
        let state: Mutex<StreamState>
        init() { state = Mutex(StreamState()) }
    }

    private struct StreamState: Sendable {
        /// What the rules remember of the stream (sustained brute force).
        var rules = NetworkRuleState()
        /// Model agreement in the stream's latest windows, oldest first.
        var agreements: [Bool] = []
    }

    /// The default of ``maximumStreams``.
    public static let defaultMaximumStreams = 1_024
    /// The accepted values of ``maximumStreams``.
    public static let maximumStreamsRange = 1...1_000_000
    /// Most window streams whose state (``StreamIdentity``) is kept.
    public var maximumStreams: Int { streams.withLock { $0.capacity } }
    /// Window streams whose state is kept now.
    public var trackedStreams: Int { streams.withLock { $0.count } }
    /// Stream states forgotten because ``maximumStreams`` streams were held when a new one came.
    public var streamEvictions: Int { streams.withLock { $0.evictions } }

    /// Network windows the models agreed on but the policy kept from alerting (``modelPolicy``).
    public var suppressedModelAlerts: Int { suppressed.load(ordering: .relaxed) }
    private let suppressed = Atomic<Int>(0)
    /// The current time for inputs without one (see `init`).
    private let wallClock: @Sendable () -> Date

    /// Whether the models' consensus matched the rules, over the latest scored verdicts.
    private let agreements = Mutex<[DetectionType: RuleAgreement]>([:])
    /// The network findings of each source in the last hour, joined to its login findings.
    private let incidents = Mutex(SourceIncidents())

    /// The share (0–1) of the latest scored verdicts (up to ``RuleAgreement/capacity``, learning
    /// ones only) of `kind` on which the models' consensus agreed with the rules (both fired,
    /// or neither); `nil` before the models scored anything. The rules stand in for the labels
    /// a deployed sensor does not have, so this is agreement, not accuracy against ground truth.
    public func ruleAgreement(_ kind: DetectionType) -> Double? {
        agreements.withLock { $0[kind]?.share }
    }

    private func noteAgreement(_ kind: DetectionType, score: EnsembleScore?, rulesFired: Bool) {
        guard let score else { return }
        agreements.withLock { $0[kind, default: RuleAgreement()].append(score.consensus == rulesFired) }
    }

    /// A detector over two model sets.
    ///
    /// - Parameters:
    ///   - thresholds: The rule thresholds.
    ///   - network: The models that score network windows (`FeatureVector`).
    ///   - authentication: The models that score ``AuthenticationEvent/featureVector``.
    ///   - classifier: The username-field classifier.
    ///   - modelsEnabled: False runs the rules only: no model scores and no training.
    ///   - modelPolicy: When the network models alone may alert (``ModelAlertPolicy``).
    ///   - maximumStreams: Most window streams whose state is kept (clamped to
    ///     ``maximumStreamsRange``).
    ///   - wallClock: The current time, for the training data of inputs that carry no time of
    ///     their own (a window without `window_start`, an event without a timestamp); tests pass a
    ///     clock of their own.
    /// - Throws: `ModelError.dimensionMismatch(expected:got:)` when `network` does not score
    ///   `FeatureVector` or `authentication` does not score ``AuthenticationEvent/featureVector``.
    public init(
        thresholds: RuleThresholds, network: AnomalyDetector, authentication: AnomalyDetector, classifier: UsernameClassifier,
        modelsEnabled: Bool = true, modelPolicy: ModelAlertPolicy = ModelAlertPolicy(),
        maximumStreams: Int = ThreatDetector.defaultMaximumStreams,
        wallClock: @escaping @Sendable () -> Date = { Date() }
    ) throws(ModelError) {
        guard network.configuration.dimension == FeatureVector.dimension else {
            throw .dimensionMismatch(expected: FeatureVector.dimension, got: network.configuration.dimension)
        }
        guard authentication.configuration.dimension == AuthenticationEvent.featureNames.count else {
            throw .dimensionMismatch(expected: AuthenticationEvent.featureNames.count, got: authentication.configuration.dimension)
        }
        self.modelsEnabled = modelsEnabled
        self.modelPolicy = modelPolicy
        self.thresholds = thresholds
        self.network = network
        self.authentication = authentication
        self.classifier = classifier
        self.wallClock = wallClock
        streams = Mutex(StreamStates(
            capacity: min(Self.maximumStreamsRange.upperBound, max(Self.maximumStreamsRange.lowerBound, maximumStreams))))
    }

    /// The models that score inputs of `kind`.
    public func model(_ kind: DetectionType) -> AnomalyDetector {
        switch kind {
        case .network: network
        case .authentication: authentication
        }
    }

    /// The network ensemble's configuration.
    public static var networkConfiguration: EnsembleConfiguration {
        EnsembleConfiguration(dimension: FeatureVector.dimension, featureNames: FeatureVector.names)
    }

    /// The authentication ensemble's configuration.
    public static var authenticationConfiguration: EnsembleConfiguration {
        EnsembleConfiguration(dimension: AuthenticationEvent.featureNames.count, featureNames: AuthenticationEvent.featureNames)
    }

    /// Training confidence of network windows: the original design's sigmoid on the packet rate (½ at
    /// 300 packets/s, width ≈ 50 packets/s), on the log-rate feature, plus similarity to recent
    /// history.
    public static var networkConfidence: TrainingConfidence {
        TrainingConfidence(rateFeature: 0, rateMidpoint: log1p(300), rateWidth: 50.0 / 300)
    }

    /// The network models a detector without saved models starts from:
    /// ``trainBootstrapNetworkEnsemble(windowsPerHost:seed:)`` with its defaults, trained once and
    /// shipped in the library (`Embedded/network.amdl`), so this costs a read of about 300 KB
    /// (milliseconds), not a training (seconds). Were the shipped file unreadable (a broken
    /// build), the models would be trained instead: the same models, only slower.
    ///
    /// - Throws: `ModelError` only when the shipped file is unreadable and training fails.
    public static func bootstrapNetworkEnsemble() throws(ModelError) -> AnomalyEnsemble {
        guard case .success(let ensemble) = ShippedModels.network else { return try trainBootstrapNetworkEnsemble() }
        return ensemble
    }

    /// The authentication models a detector without saved models starts from:
    /// ``trainBootstrapAuthenticationEnsemble()``, trained once and shipped in the library
    /// (`Embedded/authentication.amdl`); trained instead were the shipped file unreadable.
    ///
    /// - Throws: `ModelError` only when the shipped file is unreadable and training fails.
    public static func bootstrapAuthenticationEnsemble() throws(ModelError) -> AnomalyEnsemble {
        guard case .success(let ensemble) = ShippedModels.authentication else { return try trainBootstrapAuthenticationEnsemble() }
        return ensemble
    }

    /// Trains network models on generated normal traffic of `SyntheticTraffic.hostProfiles`.
    /// With the defaults this is how the shipped ``bootstrapNetworkEnsemble()`` was made (seconds
    /// of training); other values give other baselines, for experiments.
    ///
    /// - Parameters:
    ///   - windowsPerHost: How many windows to generate for every host profile.
    ///   - seed: Determines the generated traffic, and so the models.
    /// - Throws: `ModelError` when the ensemble cannot be trained on the generated windows.
    public static func trainBootstrapNetworkEnsemble(windowsPerHost: Int = 150, seed: UInt64 = 1) throws(ModelError) -> AnomalyEnsemble {
        let vectors = SyntheticTraffic.hostWindowStreams(seed: seed, count: windowsPerHost).flatMap(\.windows).map { FeatureVector($0).values }
        return try AnomalyEnsemble.train(TrainingData(vectors: vectors), configuration: networkConfiguration)
    }

    /// Trains authentication models on a synthetic baseline of ordinary login statistics
    /// (``AuthenticationEvent/syntheticBaseline``): how the shipped
    /// ``bootstrapAuthenticationEnsemble()`` was made.
    ///
    /// - Throws: `ModelError` when the ensemble cannot be built from the baseline.
    public static func trainBootstrapAuthenticationEnsemble() throws(ModelError) -> AnomalyEnsemble {
        let baseline = AuthenticationEvent.syntheticBaseline
        return try AnomalyEnsemble.bootstrap(
            means: baseline.means, deviations: baseline.deviations, configuration: authenticationConfiguration)
    }

    // MARK: - Verdicts

    /// Rules on the window and its top sources, then the models; the window joins the training
    /// data unless a rule fired or the models agree it is anomalous. An agreement of the models
    /// alone is reported as ``ModelAlertPolicy`` allows (persistence over the stream, impact,
    /// warm-up), with its risk level capped by the window's impact.
    ///
    /// With `learn: true` the window is judged as the next of its stream (``StreamIdentity``):
    /// the stream's state is read and changed in one critical section, and only when the window
    /// was judged (a window the models cannot score leaves it as it was). With `learn: false`
    /// nothing changes: the window is judged on its own (no stream state, so `brute_force` only
    /// for windows of at least `brute_force_sustained_seconds`), neither joins the training data
    /// nor the models' history (used by `GET /detect/prom`, which must not mutate).
    ///
    /// - Parameters:
    ///   - window: The window to judge.
    ///   - stream: The stream the window is the next of; nil is the window's own
    ///     (`StreamIdentity(window)`: its interface and capture source).
    ///   - timestamp: The window's time in seconds since 1970 for the training data; nil uses the
    ///     window's `window_start`, else the detector's wall clock.
    ///   - learn: False judges the window without changing any state.
    /// - Returns: The verdict on the window.
    /// - Throws: `ModelError` when the models cannot score the window, for example
    ///   `ModelError.notTrained` when they have no ensemble yet.
    public func detect(
        _ window: TrafficWindow, stream: StreamIdentity? = nil, timestamp: Double? = nil, learn: Bool = true
    ) throws(ModelError) -> Verdict {
        let vector = FeatureVector(window).values
        let time = timestamp ?? window.windowStart?.timeIntervalSince1970 ?? wallClock().timeIntervalSince1970
        guard learn else {
            let findings = NetworkRules.evaluate(window, thresholds: thresholds)
            guard modelsEnabled else { return judged(window, findings: findings, score: nil, agreements: 0) }
            guard let ensemble = network.ensemble else { throw .notTrained }
            let score = try ensemble.score(vector)
            return judged(window, findings: findings, score: score, agreements: score.consensus ? 1 : 0)
        }
        let identity = stream ?? StreamIdentity(window)
        let slot = streams.withLock { table in table.update(identity, make: { StreamSlot() }) { $0 } }
        return try slot.state.withLock { state throws(ModelError) -> Verdict in
            // The stream's state changes only when the window was judged whole: the rules are
            // evaluated on the state before it, and their next state is kept below.
            var next = state
            let findings: [Finding]
            (findings, next.rules) = NetworkRules.evaluate(window, after: state.rules, thresholds: thresholds)
            if !findings.isEmpty { incidents.withLock { $0.note(findings, at: time) } }
            guard modelsEnabled else {
                state = next
                return judged(window, findings: findings, score: nil, agreements: 0)
            }
            let score = try network.process(vector, timestamp: time, isAttack: !findings.isEmpty)
            noteAgreement(.network, score: score, rulesFired: !findings.isEmpty)
            next.agreements.append(score.consensus)
            if next.agreements.count > modelPolicy.persistenceOf { next.agreements.removeFirst() }
            state = next
            return judged(window, findings: findings, score: score, agreements: next.agreements.count { $0 })
        }
    }

    /// The verdict on a delivered window, judged as the next of the stream its envelope names
    /// (`StreamIdentity(envelope)`: its stream, interface and source name); otherwise as `detect(_:stream:timestamp:learn:)`.
    ///
    /// - Parameters:
    ///   - envelope: The window as it was delivered.
    ///   - timestamp: The window's time in seconds since 1970 for the training data; nil uses the
    ///     window's `window_start`, else the detector's wall clock.
    ///   - learn: False judges the window without changing any state.
    /// - Returns: The verdict on the window.
    /// - Throws: `ModelError` when the models cannot score the window.
    public func detect(_ envelope: WindowEnvelope, timestamp: Double? = nil, learn: Bool = true) throws(ModelError) -> Verdict {
        try detect(envelope.window, stream: StreamIdentity(envelope), timestamp: timestamp, learn: learn)
    }

    /// The verdict on a network window from its findings and scores; `agreements` is how many of
    /// the stream's latest windows the models agreed on (the persistence of ``modelPolicy``).
    private func judged(_ window: TrafficWindow, findings: [Finding], score: EnsembleScore?, agreements: Int) -> Verdict {
        let agreed = score?.consensus ?? false
        let impact = ModelAlertPolicy.impact(of: window)
        var gate = Gate(maximumRisk: ModelAlertPolicy.maximumRisk(impact: impact), alert: true, reason: nil)
        if agreed, findings.isEmpty {
            let warmedUp = network.statistics.trainings >= modelPolicy.warmUpTrainings
            let persistent = agreements >= modelPolicy.persistenceWindows
            if impact < modelPolicy.minimumImpact, !(warmedUp && persistent) {
                gate.alert = false
                gate.reason = !warmedUp
                    ? "models agree, not reported: still learning this host (retrained \(network.statistics.trainings) of "
                        + "\(modelPolicy.warmUpTrainings) time(s)) and impact \(RuleFormat.ratio(impact)) < \(RuleFormat.ratio(modelPolicy.minimumImpact))"
                    : "models agree, not reported: \(agreements) of the last \(modelPolicy.persistenceOf) windows (needs "
                        + "\(modelPolicy.persistenceWindows)) and impact \(RuleFormat.ratio(impact)) < \(RuleFormat.ratio(modelPolicy.minimumImpact))"
                suppressed.add(1, ordering: .relaxed)
            }
        }
        return Self.verdict(
            findings: findings, score: score, detectionType: .network, featureNames: FeatureVector.names, gate: gate)
    }

    /// What the model policy allows for one verdict.
    struct Gate {
        var maximumRisk: RiskLevel
        /// The models' agreement may be reported.
        var alert: Bool
        /// Why it is not (an explanation), when it is not.
        var reason: String?
    }

    /// Authentication rules (the username field classified when only its text is given; for an
    /// event with `horizons`, ``LoginRules``), then the authentication models.
    ///
    /// - Parameters:
    ///   - event: The login statistics to judge.
    ///   - timestamp: The event's time in seconds since 1970 for the training data; nil uses the
    ///     detector's wall clock.
    /// - Returns: The verdict, with ``Verdict/usernameClassification`` set when the event's
    ///   `username_text` was classified.
    /// - Throws: `ModelError` when the models cannot score the event.
    public func detect(_ event: AuthenticationEvent, timestamp: Double? = nil) throws(ModelError) -> Verdict {
        var classification: UsernameClassification?
        var usernameClass = event.usernameType
        if usernameClass == nil, let text = event.usernameText {
            let result = classifier.classify(text)
            classification = result
            usernameClass = result.predictedType
        }
        var findings = event.horizons == nil
            ? AuthenticationRules.evaluate(event, usernameClass: usernameClass, thresholds: thresholds)
            : LoginRules.evaluate(event, classify: { classifier.classify($0) }, thresholds: thresholds)
        let time = timestamp ?? event.timestamp ?? wallClock().timeIntervalSince1970
        if !findings.isEmpty {
            findings = incidents.withLock { LoginRules.join(findings, with: $0, at: time) }
        }
        let vector = event.featureVector(usernameClass: usernameClass)
        let score = modelsEnabled
            ? try authentication.process(vector, timestamp: time, isAttack: !findings.isEmpty)
            : nil
        noteAgreement(.authentication, score: score, rulesFired: !findings.isEmpty)
        var gate = Gate(maximumRisk: .critical, alert: true, reason: nil)
        if let horizons = event.horizons, score?.consensus == true {
            // A sensor's per-source events: the models alone speak only for a busy source.
            let minute = horizons.filter { $0.seconds >= 60 }.min { $0.seconds < $1.seconds }
            let attempts = minute.map { Double($0.totalAttempts) * 60 / $0.seconds } ?? 0
            if event.sourceIP == nil {
                gate.alert = false
                gate.reason = "models agree on the summary over every source; only the rules report it"
            } else if attempts < LoginRules.modelMinimumAttempts {
                gate.alert = false
                gate.reason = "models agree, but \(RuleFormat.number(attempts.rounded())) login attempts within a minute "
                    + "is below the \(RuleFormat.number(LoginRules.modelMinimumAttempts)) a model-only login alert needs"
            }
        }
        var verdict = Self.verdict(
            findings: findings, score: score, detectionType: .authentication, featureNames: AuthenticationEvent.featureNames,
            gate: gate)
        verdict.usernameClassification = classification
        return verdict
    }

    static func verdict(
        findings: [Finding], score: EnsembleScore?, detectionType: DetectionType, featureNames: [String],
        gate: Gate = Gate(maximumRisk: .critical, alert: true, reason: nil)
    ) -> Verdict {
        var threats = Set(findings.map(\.threat)).sorted().map(ReportedThreat.rule)
        var ips: [String] = []
        for ip in findings.compactMap(\.sourceIP) where !ips.contains(ip) { ips.append(ip) }
        var explanations = findings.map(\.explanation)
        let ruleConfidence = findings.map { finding in
            // Half confident at the threshold, approaching 1 as the value leaves it behind.
            finding.value > 0 && finding.threshold >= 0 ? min(0.99, 0.5 + 0.5 * (1 - finding.threshold / finding.value)) : 0.5
        }.max() ?? 0
        var confidence = ruleConfidence
        if let score, score.consensus, let risk = score.risk, gate.alert {
            threats.append(.model(min(risk, gate.maximumRisk)))
            confidence = max(confidence, score.weightedScore)
            let models = [("dbscan", score.dbscan), ("vae", score.vae), ("zmad", score.zmad)]
                .filter { $0.1.vote }.map { "\($0.0) \(String(format: "%.3f", $0.1.percentile))" }
            var sentence = "models agree (\(score.votes) of 3: \(models.joined(separator: ", ")))"
            if let (index, z) = score.featureZScores.enumerated().max(by: { abs($0.1) < abs($1.1) }), index < featureNames.count {
                sentence += "; most unusual \(featureNames[index]) (modified z \(String(format: "%.1f", z)))"
            }
            if risk > gate.maximumRisk { sentence += "; severity capped at \(gate.maximumRisk.rawValue) by the window's impact" }
            explanations.append(sentence)
        }
        if let reason = gate.reason { explanations.append(reason) }
        let consensus = score?.consensus ?? false
        let detected = !findings.isEmpty || (consensus && gate.alert)
        return Verdict(
            threatDetected: detected,
            confidence: detected ? (confidence * 1000).rounded() / 1000 : 0,
            threatTypes: threats,
            attackingIPs: ips,
            detectionType: detectionType,
            decision: score.map { .models($0.decision) } ?? .modelsDisabled,
            scores: .init(
                ruleBased: !findings.isEmpty, mlBased: consensus,
                dbscan: score?.dbscan.percentile ?? 0, vae: score?.vae.percentile ?? 0, zmad: score?.zmad.percentile ?? 0),
            explanations: explanations,
            findings: findings,
            usernameClassification: nil,
            rawScores: .init(dbscan: score?.dbscan.raw ?? 0, vae: score?.vae.raw ?? 0, zmad: score?.zmad.raw ?? 0))
    }
}

extension ThreatDetector {
    /// A detector over the given ensembles, with the standard configurations, training
    /// confidence and classifier: how the service, `monitor --offline` and the tests compose it.
    ///
    /// - Parameters:
    ///   - thresholds: The rule thresholds.
    ///   - networkEnsemble: The trained network models.
    ///   - authenticationEnsemble: The trained authentication models.
    ///   - modelsEnabled: False runs the rules only: no model scores and no training.
    ///   - modelPolicy: When the network models alone may alert.
    ///   - maximumStreams: Most window streams whose state is kept.
    ///   - wallClock: The current time for inputs that carry none.
    /// - Throws: `ModelError` when an ensemble does not fit its configuration (for example a
    ///   different number of features).
    public convenience init(
        thresholds: RuleThresholds, networkEnsemble: AnomalyEnsemble, authenticationEnsemble: AnomalyEnsemble,
        modelsEnabled: Bool = true, modelPolicy: ModelAlertPolicy = ModelAlertPolicy(),
        maximumStreams: Int = ThreatDetector.defaultMaximumStreams, wallClock: @escaping @Sendable () -> Date = { Date() }
    ) throws(ModelError) {
        try self.init(
            thresholds: thresholds,
            network: try AnomalyDetector(
                configuration: Self.networkConfiguration, confidence: Self.networkConfidence, ensemble: networkEnsemble),
            authentication: try AnomalyDetector(configuration: Self.authenticationConfiguration, ensemble: authenticationEnsemble),
            classifier: UsernameClassifier.shared,
            modelsEnabled: modelsEnabled, modelPolicy: modelPolicy, maximumStreams: maximumStreams, wallClock: wallClock)
    }

    /// A detector with the shipped bootstrap models, for in-process use (`monitor --offline`,
    /// examples): it learns from what it sees like the service does.
    ///
    /// - Parameter thresholds: The rule thresholds; the defaults when not given.
    /// - Throws: `ModelError` when the bootstrap models cannot be read or trained.
    public static func standalone(thresholds: RuleThresholds = RuleThresholds()) throws -> ThreatDetector {
        try ThreatDetector(
            thresholds: thresholds, networkEnsemble: bootstrapNetworkEnsemble(),
            authenticationEnsemble: bootstrapAuthenticationEnsemble())
    }
}

/// A fixed-size record of whether the models' consensus matched the rules
/// (``ThreatDetector/ruleAgreement(_:)``).
public struct RuleAgreement: Sendable, Equatable {
    /// Verdicts remembered; older ones are forgotten.
    public static let capacity = 1_000
    private var outcomes: [Bool] = []
    private var next = 0
    private var agreeing = 0

    /// An empty record.
    public init() {}

    /// Verdicts remembered (at most ``capacity``).
    public var count: Int { outcomes.count }

    /// The share of remembered verdicts that agreed; `nil` when there are none.
    public var share: Double? { outcomes.isEmpty ? nil : Double(agreeing) / Double(outcomes.count) }

    /// Remembers one verdict, forgetting the oldest when full.
    public mutating func append(_ agreed: Bool) {
        if outcomes.count < Self.capacity {
            outcomes.append(agreed)
        } else {
            if outcomes[next] { agreeing -= 1 }
            outcomes[next] = agreed
            next = (next + 1) % Self.capacity
        }
        if agreed { agreeing += 1 }
    }
}
