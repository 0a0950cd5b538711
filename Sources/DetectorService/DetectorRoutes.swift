public import AnomalyModels
import Foundation
public import Hummingbird
public import Logging
import NIOCore
public import PromExposition
import ServiceSupport
import Synchronization
public import ThreatRules
import TrafficFeatures
import WindowFormat
public import WindowTransport

/// The detector's HTTP API (described in `docs/openapi.json`). Every error is a JSON
/// body `{"error", "field", "status"}` with a 4xx status for bad input.
///
/// - `POST /detect`            one window or event, or an array of them → verdict(s)   (token)
/// - `POST /classify_username` `{"username_text"}` → predicted class and probabilities
/// - `POST /train`             optional `{"windows": [...]}` of normal windows; retrains the model
///                               sets that are due now (token)
/// - `GET  /detect/prom`       a window built from Prometheus → its features and verdict, without
///                               learning (503 without ``prometheus`` or when it is unreachable)
/// - `GET  /health`, `/stats`, `/metrics`
/// - `GET  /ready`             200 once every enabled model set can score (503 before)
public struct DetectorRoutes: Sendable {
    /// Every path the router serves and its one method (the paths are also the bounded `endpoint`
    /// label of the request metric). Any other method on these paths answers 405 with `Allow`.
    public static let methods: [String: HTTPRequest.Method] = [
        "/detect": .post, "/detect/prom": .get, "/classify_username": .post, "/train": .post,
        "/health": .get, "/ready": .get, "/stats": .get, "/metrics": .get,
    ]
    /// The paths the router serves (the keys of ``methods``).
    public static var paths: Set<String> { Set(methods.keys) }
    /// The largest request body accepted (413 beyond).
    public static let maximumBodyBytes = WindowEnvelope.maximumBodyBytes
    /// Most items in one `/detect` array (413 beyond).
    public static let maximumBatch = 1000

    /// The rules and models that judge `/detect` bodies and classify usernames.
    public let detector: ThreatDetector
    /// The Prometheus metrics the routes update and `GET /metrics` renders.
    public let metrics: DetectorMetrics
    /// The bearer token `/detect` and `/train` need; nil: no token.
    public let token: String?
    let logger: Logger
    /// The background retraining of each model set.
    public let training: [DetectionType: TrainingService]
    /// Where `GET /detect/prom` builds its window from; nil answers 503.
    public let prometheus: PrometheusWindowQuery?
    let started = Date()
    private let counts = VerdictCounts()
    /// What each delivery stream has been answered, so a retried window is judged once.
    private let ledger = DeliveryLedger()

    /// Routes over `detector`, counting into `metrics`; `training` retrains each model set.
    ///
    /// - Parameters:
    ///   - detector: The rules and models that judge requests.
    ///   - metrics: The metrics to count requests and verdicts into.
    ///   - token: The bearer token `/detect` and `/train` require; nil requires none.
    ///   - training: The retraining service of each model set; `POST /train` runs those given.
    ///   - prometheus: Where `GET /detect/prom` builds its window from; nil answers 503.
    ///   - logger: Receives messages about failed requests.
    public init(
        detector: ThreatDetector, metrics: DetectorMetrics, token: String?, training: [DetectionType: TrainingService],
        prometheus: PrometheusWindowQuery? = nil, logger: Logger
    ) {
        self.detector = detector
        self.prometheus = prometheus
        self.metrics = metrics
        self.token = token
        self.training = training
        self.logger = logger
    }

    /// The router, with the error and metrics middleware.
    ///
    /// - Returns: A Hummingbird router serving every path of ``methods``, to run in an
    ///   `Application` of your own or as ``DetectorServer`` does.
    public func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: ErrorAndMetricsMiddleware(metrics: metrics, logger: logger))
        router.post("/detect") { request, context -> Response in
            try authorize(request)
            let bytes = try await body(request, context)
            if Self.isArray(bytes) {
                let items: [DetectItem] = try decode([DetectItem].self, bytes)
                guard !items.isEmpty else { throw APIError(status: .badRequest, message: "the array is empty", field: nil) }
                guard items.count <= Self.maximumBatch else {
                    throw APIError(status: .contentTooLarge, message: "at most \(Self.maximumBatch) items per request", field: nil)
                }
                return Response.json(try items.map { try deliveredVerdict($0) })
            }
            return Response.json(try deliveredVerdict(decode(DetectItem.self, bytes)))
        }
        router.get("/detect/prom") { _, _ -> Response in
            guard let prometheus else {
                throw APIError(status: .serviceUnavailable, message: "PROMETHEUS_URL is not configured", field: nil)
            }
            let built: (window: TrafficWindow, values: [String: Double])
            do throws(PrometheusWindowQuery.Failure) {
                built = try await prometheus.window()
            } catch {
                // Down or unreachable: the service is unavailable; a bad answer is a bad gateway.
                throw APIError(status: error.kind == .unreachable ? .serviceUnavailable : .badGateway, message: "\(error)", field: nil)
            }
            struct Answer: Encodable {
                let prometheus_url: String
                let range: String
                let features: [String: Double]
                let feature_vector: [String: Double]
                let verdict: Verdict
            }
            let verdict = try verdict(.network(WindowEnvelope(built.window)), learn: false)
            return Response.json(
                Answer(
                    prometheus_url: prometheus.baseURL, range: prometheus.range, features: built.values,
                    feature_vector: Dictionary(uniqueKeysWithValues: zip(FeatureVector.names, FeatureVector(built.window).values)),
                    verdict: verdict))
        }
        router.post("/classify_username") { request, context -> Response in
            struct Body: Decodable { let username_text: String }
            struct Answer: Encodable {
                let username_text: String
                let predicted_type: String
                let confidence: Double
                let probabilities: [String: Double]
                let n_gram_analysis = true
            }
            let body = try decode(Body.self, try await self.body(request, context))
            guard body.username_text.utf8.count <= 1024 else {
                throw APIError(status: .badRequest, message: "username_text is longer than 1024 bytes", field: "username_text")
            }
            let result = detector.classifier.classify(body.username_text)
            metrics.classified(as: result.predictedType.rawValue)
            return Response.json(
                Answer(
                    username_text: body.username_text, predicted_type: result.predictedType.rawValue,
                    confidence: result.confidence,
                    probabilities: Dictionary(uniqueKeysWithValues: result.probabilities.map { ($0.key.rawValue, $0.value) })))
        }
        router.post("/train") { request, context -> Response in
            try authorize(request)
            struct Body: Decodable { let windows: [WindowEnvelope]? }
            let bytes = try await body(request, context, optional: true)
            let windows = bytes.isEmpty ? [] : try decode(Body.self, bytes).windows ?? []
            let now = Date().timeIntervalSince1970
            // All windows or none: a bad one changes nothing.
            do {
                try detector.network.observe(
                    contentsOf: windows.map { (FeatureVector($0.window).values, $0.window.windowStart?.timeIntervalSince1970 ?? now) })
            } catch {
                throw APIError(status: .unprocessableContent, message: "windows cannot be used for training: \(error)", field: "windows")
            }
            var results: [String: TrainResult] = [:]
            for kind in DetectionType.allCases {
                guard let service = training[kind] else { continue }
                let trained = await service.trainIfDue()
                let model = service.detector
                results[kind.rawValue] = TrainResult(
                    trained: trained, training_samples: model.trainingSampleCount,
                    minimum_samples: service.minimumSamples, trainings: model.statistics.trainings)
            }
            refreshModelMetrics()
            return Response.json(results)
        }
        router.get("/health") { _, _ -> Response in
            struct Health: Encodable {
                let status = "healthy"
                let uptime_seconds: Double
                let models: [String: String]
            }
            return Response.json(Health(uptime_seconds: Date().timeIntervalSince(started), models: modelStates()))
        }
        router.get("/ready") { _, _ -> Response in
            struct Ready: Encodable {
                let ready: Bool
                let models: [String: String]
            }
            // Rules always run; with models on, each model set must be able to score.
            let ready = !detector.modelsEnabled || DetectionType.allCases.allSatisfy { detector.model($0).ensemble != nil }
            return Response.json(Ready(ready: ready, models: modelStates()), status: ready ? .ok : .serviceUnavailable)
        }
        router.get("/stats") { _, _ -> Response in
            refreshModelMetrics()
            return Response.json(stats())
        }
        router.get("/metrics") { _, _ -> Response in
            refreshModelMetrics()
            return Response.prometheusText(metrics.render())
        }
        return router
    }

    struct TrainResult: Encodable {
        let trained: Bool
        let training_samples: Int
        let minimum_samples: Int
        let trainings: Int
    }

    // MARK: - Verdicts

    /// The verdict of a posted item: a window with a `stream` and a `sequence` that was judged
    /// before (a retried post) gets the verdict it got then, and is not judged, counted or
    /// learned again.
    private func deliveredVerdict(_ item: DetectItem) throws -> Verdict {
        let delivery: (stream: String, kind: DetectionType, sequence: Int, noun: String)
        switch item {
        case .network(let envelope):
            guard let stream = envelope.stream, let sequence = envelope.window.sequence else { return try verdict(item) }
            delivery = (stream, .network, sequence, "window")
        case .authentication(let event):
            guard let stream = event.stream, let sequence = event.sequence else { return try verdict(item) }
            delivery = (stream, .authentication, sequence, "authentication event")
        }
        let (stream, sequence) = (delivery.stream, delivery.sequence)
        switch try ledger.judge(stream: stream, kind: delivery.kind, sequence: sequence, { try verdict(item) }) {
        case .judged(let verdict):
            return verdict
        case .repeated(let verdict):
            metrics.duplicateWindow()
            return verdict
        case .tooOld(let highest):
            metrics.duplicateWindow()
            throw APIError(
                status: .conflict,
                message: "\(delivery.noun) \(sequence) of stream \(stream) was judged already (the stream is at \(highest); "
                    + "only the last \(DeliveryLedger.rememberedWindows) \(delivery.noun)s are answered again)",
                field: "sequence")
        }
    }

    private func verdict(_ item: DetectItem, learn: Bool = true) throws -> Verdict {
        let clock = ContinuousClock()
        let start = clock.now
        let verdict: Verdict
        do {
            switch item {
            case .network(let envelope): verdict = try detector.detect(envelope, learn: learn)
            case .authentication(let event): verdict = try detector.detect(event, timestamp: event.timestamp)
            }
        } catch {
            throw APIError(status: .unprocessableContent, message: error.description, field: nil)
        }
        let elapsed = clock.now - start
        var network: (Double, Double, Double)?
        var sourcePackets: [SourcePackets]?
        if case .network(let envelope) = item {
            network = (verdict.scores.dbscan, verdict.scores.zmad, verdict.rawScores.vae)
            sourcePackets = envelope.window.topSources.map { SourcePackets(ip: $0.ip, packets: $0.packets) }
        }
        // Each rule names its own sources; the models' risk names the verdict's.
        var threatSources: [String: [String]] = [:]
        for finding in verdict.findings {
            threatSources[finding.threat.rawValue, default: []].append(contentsOf: finding.sourceIP.map { [$0] } ?? [])
        }
        for threat in verdict.threatTypes where threatSources[threat.rawValue] == nil {
            threatSources[threat.rawValue] = verdict.attackingIPs
        }
        metrics.record(
            VerdictObservation(
                detectionType: verdict.detectionType.rawValue, threatTypes: verdict.threatTypes.map(\.rawValue),
                confidence: verdict.confidence, attackingIPs: verdict.attackingIPs, threatSources: threatSources,
                sourcePackets: sourcePackets, dbscanPercentile: network?.0, zmadPercentile: network?.1,
                vaeReconstructionError: network?.2,
                processingSeconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18))
        counts.withLock { counts in
            counts[verdict.detectionType, default: (0, 0)].verdicts += 1
            if verdict.threatDetected { counts[verdict.detectionType, default: (0, 0)].threats += 1 }
        }
        return verdict
    }

    // MARK: - State

    private func modelStates() -> [String: String] {
        Dictionary(uniqueKeysWithValues: DetectionType.allCases.map { ($0.rawValue, ModelState(detector.model($0)).rawValue) })
    }

    /// Sets the model gauges (state, samples, trainings, agreement with the rules, training data
    /// quality) from the models.
    public func refreshModelMetrics() {
        for kind in DetectionType.allCases {
            let model = detector.model(kind)
            let statistics = model.statistics
            metrics.modelState(
                kind.rawValue, status: ModelState(model).gauge, samples: statistics.trainingSamples, trainings: statistics.trainings)
        }
        for kind in DetectionType.allCases {
            if let agreement = detector.ruleAgreement(kind) { metrics.modelAccuracy(kind.rawValue, agreement) }
        }
        metrics.trainingDataQuality(detector.network.meanTrainingConfidence)
        metrics.suppressedModelAlerts(total: detector.suppressedModelAlerts)
        metrics.streams(table: "state", count: detector.trackedStreams, evictions: detector.streamEvictions)
        metrics.streams(table: "ledger", count: ledger.count, evictions: ledger.evictions)
    }

    /// What `GET /stats` answers.
    public func stats() -> DetectorStats {
        let snapshot = counts.withLock { $0 }
        func model(_ kind: DetectionType) -> DetectorStats.Model {
            let model = detector.model(kind)
            let s = model.statistics
            let ensemble = model.ensemble
            let count = snapshot[kind] ?? (0, 0)
            return DetectorStats.Model(
                state: ModelState(model), verdicts: count.verdicts, threatsDetected: count.threats,
                trainingSamples: s.trainingSamples, highConfidenceSamples: s.highConfidenceSamples,
                recentSamples: s.recentSamples, rejectedSamples: s.rejectedSamples, trainings: s.trainings,
                trainingFailures: s.trainingFailures, lastTrainingSeconds: s.lastTrainingSeconds,
                modelTrainingSamples: ensemble?.trainingSampleCount, dbscanClusters: ensemble?.dbscanClusterCount,
                dbscanNoiseFraction: ensemble?.dbscanNoiseFraction, features: model.configuration.featureNames ?? [])
        }
        return DetectorStats(
            network: model(.network), authentication: model(.authentication), thresholds: detector.thresholds,
            uptimeSeconds: Date().timeIntervalSince(started))
    }

    // MARK: - Request plumbing

    private func authorize(_ request: Request) throws {
        guard let token else { return }
        let header = request.headers[.authorization] ?? ""
        let expected = "Bearer " + token
        // Compare without an early exit, so timing does not reveal a prefix.
        let a = Array(header.utf8), b = Array(expected.utf8)
        var difference = a.count ^ b.count
        for i in 0..<min(a.count, b.count) { difference |= Int(a[i] ^ b[i]) }
        guard difference == 0 else {
            throw APIError(
                status: .unauthorized, message: header.isEmpty ? "missing Authorization: Bearer token" : "wrong bearer token",
                field: "Authorization")
        }
    }

    /// The body, at most 64 KiB, of a JSON request.
    private func body(_ request: Request, _ context: BasicRequestContext, optional: Bool = false) async throws -> [UInt8] {
        let contentType = request.headers[.contentType]?.lowercased() ?? ""
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: Self.maximumBodyBytes)
        } catch {
            throw APIError(status: .contentTooLarge, message: "request body is larger than \(Self.maximumBodyBytes) bytes", field: nil)
        }
        let bytes = Array(buffer.readableBytesView)
        if bytes.isEmpty {
            if optional { return [] }
            throw APIError(status: .badRequest, message: "request body is empty: send a JSON object", field: nil)
        }
        guard Self.isJSON(contentType) else {
            throw APIError(
                status: .unsupportedMediaType,
                message: "Content-Type must be application/json (UTF-8), got \(contentType.isEmpty ? "none" : contentType)",
                field: "Content-Type")
        }
        // JSON is UTF-8 (RFC 8259). Foundation's decoder would also guess UTF-16 and UTF-32 from
        // NUL bytes, which JSON text never holds raw, so a NUL is refused with invalid UTF-8.
        if let offset = Self.firstNonUTF8Byte(bytes) {
            throw APIError(
                status: .badRequest, message: "malformed JSON: the body is not UTF-8 text (byte \(offset))", field: nil)
        }
        return bytes
    }

    /// The offset of the first byte where `bytes` stops being UTF-8 text without NUL
    /// characters, or nil when all of it is.
    static func firstNonUTF8Byte(_ bytes: [UInt8]) -> Int? {
        if let nul = bytes.firstIndex(of: 0) { return nul }
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        var offset = 0
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar): offset += UTF8.width(scalar)
            case .emptyInput: return nil
            case .error: return offset
            }
        }
    }

    private func decode<T: Decodable>(_ type: T.Type, _ bytes: [UInt8]) throws -> T {
        do {
            return try JSONDecoder().decode(T.self, from: Data(bytes))
        } catch let error as DecodingError {
            let (message, field) = error.explanation
            throw APIError(status: .badRequest, message: message, field: field)
        } catch {
            throw APIError(status: .badRequest, message: "malformed JSON: \(error)", field: nil)
        }
    }

    /// True for `application/json`, with parameters or not, whose `charset` (when given) is
    /// UTF-8, the only encoding of JSON (RFC 8259); `application/json-patch+json`,
    /// `application/jsonp` and `charset=latin1` are not. `contentType` is lowercased.
    static func isJSON(_ contentType: String) -> Bool {
        let parts = contentType.split(separator: ";", omittingEmptySubsequences: false)
        guard let type = parts.first, type.trimmingCharacters(in: .whitespaces) == "application/json" else { return false }
        for parameter in parts.dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2, pair[0] == "charset" else { continue }
            guard ["utf-8", "utf8", "\"utf-8\""].contains(pair[1]) else { return false }
        }
        return true
    }

    static func isArray(_ bytes: [UInt8]) -> Bool {
        bytes.first { ![0x20, 0x09, 0x0A, 0x0D].contains($0) } == UInt8(ascii: "[")
    }
}

/// Verdicts and threats per detection type, for /stats (a class: the routes struct is copied
/// into every handler).
final class VerdictCounts: Sendable {
    private let counts = Mutex<[DetectionType: (verdicts: Int, threats: Int)]>([:])
    func withLock<T>(_ body: (inout [DetectionType: (verdicts: Int, threats: Int)]) -> T) -> T { counts.withLock { body(&$0) } }
}
