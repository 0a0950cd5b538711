import AnomalyModels
import Foundation
import Hummingbird
import Logging
import NIOCore
import PromExposition
import Synchronization
import ThreatRules
import TrafficFeatures

/// The detector's HTTP API (see `openapi.json` at the repository root). Every error is a JSON
/// body `{"error", "field", "status"}` with a 4xx status for bad input.
///
/// - `POST /detect`            one window or event, or an array of them → verdict(s)   (token)
/// - `POST /classify_username` `{"username_text"}` → predicted class and probabilities
/// - `POST /train`             optional `{"windows": [...]}` of normal windows; retrains now (token)
/// - `GET  /health`, `/stats`, `/metrics`
struct DetectorRoutes: Sendable {
    /// Every path the router serves and its one method (the paths are also the bounded `endpoint`
    /// label of the request metric). Any other method on these paths answers 405 with `Allow`.
    static let methods: [String: HTTPRequest.Method] = [
        "/detect": .post, "/detect/prom": .get, "/classify_username": .post, "/train": .post,
        "/health": .get, "/stats": .get, "/metrics": .get,
    ]
    static var paths: Set<String> { Set(methods.keys) }
    static let maximumBodyBytes = 64 * 1024
    static let maximumBatch = 1000

    let detector: ThreatDetector
    let metrics: DetectorMetrics
    let token: String?
    let logger: Logger
    let training: [TrainingService]
    let prometheus: PrometheusWindowQuery?
    let started = Date()
    private let counts = VerdictCounts()

    init(
        detector: ThreatDetector, metrics: DetectorMetrics, token: String?, training: [TrainingService],
        prometheus: PrometheusWindowQuery? = nil, logger: Logger
    ) {
        self.detector = detector
        self.prometheus = prometheus
        self.metrics = metrics
        self.token = token
        self.training = training
        self.logger = logger
    }

    func router() -> Router<BasicRequestContext> {
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
                return Self.json(try items.map { try verdict($0) })
            }
            return Self.json(try verdict(decode(DetectItem.self, bytes)))
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
            let verdict = try verdict(.network(built.window), learn: false)
            return Self.json(
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
            return Self.json(
                Answer(
                    username_text: body.username_text, predicted_type: result.predictedType.rawValue,
                    confidence: result.confidence,
                    probabilities: Dictionary(uniqueKeysWithValues: result.probabilities.map { ($0.key.rawValue, $0.value) })))
        }
        router.post("/train") { request, context -> Response in
            try authorize(request)
            struct Body: Decodable { let windows: [TrafficWindow]? }
            let bytes = try await body(request, context, optional: true)
            let windows = bytes.isEmpty ? [] : try decode(Body.self, bytes).windows ?? []
            let now = Date().timeIntervalSince1970
            // All windows or none: a bad one changes nothing.
            do {
                try detector.network.observe(
                    contentsOf: windows.map { (FeatureVector($0).values, $0.windowStart?.timeIntervalSince1970 ?? now) })
            } catch {
                throw APIError(status: .unprocessableContent, message: "windows cannot be used for training: \(error)", field: "windows")
            }
            var results: [String: TrainResult] = [:]
            for (name, service) in zip(DetectorMetrics.models, training) {
                let trained = await service.trainIfDue()
                let model = service.detector
                results[name] = TrainResult(
                    trained: trained, training_samples: model.trainingSampleCount,
                    minimum_samples: service.minimumSamples, trainings: model.statistics.trainings)
            }
            refreshModelMetrics()
            return Self.json(results)
        }
        router.get("/health") { _, _ -> Response in
            struct Health: Encodable {
                let status = "healthy"
                let uptime_seconds: Double
                let models: [String: String]
            }
            return Self.json(Health(uptime_seconds: Date().timeIntervalSince(started), models: modelStates()))
        }
        router.get("/stats") { _, _ -> Response in
            refreshModelMetrics()
            return Self.json(stats())
        }
        router.get("/metrics") { _, _ -> Response in
            refreshModelMetrics()
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: metrics.render())))
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

    private func verdict(_ item: DetectItem, learn: Bool = true) throws -> Verdict {
        let clock = ContinuousClock()
        let start = clock.now
        let verdict: Verdict
        do {
            switch item {
            case .network(let window): verdict = try detector.detect(window, learn: learn)
            case .authentication(let event): verdict = try detector.detect(event)
            }
        } catch {
            throw APIError(status: .unprocessableContent, message: error.description, field: nil)
        }
        let elapsed = clock.now - start
        var network: (Double, Double, Double)?
        if case .network = item { network = (verdict.scores.dbscan, verdict.scores.zmad, verdict.rawScores.vae) }
        metrics.record(
            VerdictObservation(
                detectionType: verdict.detectionType, threatTypes: verdict.threatTypes, confidence: verdict.confidence,
                attackingIPs: verdict.attackingIPs, dbscanPercentile: network?.0, zmadPercentile: network?.1,
                vaeReconstructionError: network?.2,
                processingSeconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18))
        counts.withLock { counts in
            counts[verdict.detectionType, default: 0] += 1
            if verdict.threatDetected { counts["threats_" + verdict.detectionType, default: 0] += 1 }
        }
        return verdict
    }

    // MARK: - State

    private func modelStates() -> [String: String] {
        var states: [String: String] = [:]
        for (name, model) in zip(DetectorMetrics.models, [detector.network, detector.authentication]) {
            states[name] = model.ensemble == nil ? "none" : model.statistics.trainings > 0 ? "trained" : "bootstrap"
        }
        return states
    }

    func refreshModelMetrics() {
        for (name, model) in zip(DetectorMetrics.models, [detector.network, detector.authentication]) {
            let statistics = model.statistics
            let status = model.ensemble == nil ? 0 : statistics.trainings > 0 ? 1 : 0.5
            metrics.modelState(name, status: status, samples: statistics.trainingSamples, trainings: statistics.trainings)
        }
        metrics.trainingDataQuality(detector.network.meanTrainingConfidence)
    }

    private func stats() -> [String: AnyEncodable] {
        var out: [String: AnyEncodable] = [:]
        let snapshot = counts.withLock { $0 }
        for (name, model) in zip(DetectorMetrics.models, [detector.network, detector.authentication]) {
            let s = model.statistics
            let ensemble = model.ensemble
            out[name] = AnyEncodable([
                "state": AnyEncodable(modelStates()[name] ?? "none"),
                "verdicts": AnyEncodable(snapshot[name] ?? 0),
                "threats_detected": AnyEncodable(snapshot["threats_" + name] ?? 0),
                "training_samples": AnyEncodable(s.trainingSamples),
                "high_confidence_samples": AnyEncodable(s.highConfidenceSamples),
                "recent_samples": AnyEncodable(s.recentSamples),
                "rejected_samples": AnyEncodable(s.rejectedSamples),
                "trainings": AnyEncodable(s.trainings),
                "training_failures": AnyEncodable(s.trainingFailures),
                "last_training_seconds": AnyEncodable(s.lastTrainingSeconds),
                "model_training_samples": AnyEncodable(ensemble?.trainingSampleCount),
                "dbscan_clusters": AnyEncodable(ensemble?.dbscanClusterCount),
                "dbscan_noise_fraction": AnyEncodable(ensemble?.dbscanNoiseFraction),
                "features": AnyEncodable(model.configuration.featureNames ?? []),
            ])
        }
        out["thresholds"] = AnyEncodable(detector.thresholds)
        out["uptime_seconds"] = AnyEncodable(Date().timeIntervalSince(started))
        return out
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
        guard contentType.hasPrefix("application/json") else {
            throw APIError(
                status: .unsupportedMediaType,
                message: "Content-Type must be application/json, got \(contentType.isEmpty ? "none" : contentType)",
                field: "Content-Type")
        }
        return bytes
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

    static func isArray(_ bytes: [UInt8]) -> Bool {
        bytes.first { ![0x20, 0x09, 0x0A, 0x0D].contains($0) } == UInt8(ascii: "[")
    }

    static func json<Value: Encodable>(_ value: Value, status: HTTPResponse.Status = .ok) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = (try? encoder.encode(value)) ?? Data(#"{"error":"response could not be encoded","status":500}"#.utf8)
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// Verdict counts for /stats (a class: the routes struct is copied into every handler).
final class VerdictCounts: Sendable {
    private let counts = Mutex<[String: Int]>([:])
    func withLock<T>(_ body: (inout [String: Int]) -> T) -> T { counts.withLock { body(&$0) } }
}

/// Type-erased Encodable for heterogeneous JSON objects.
struct AnyEncodable: Encodable, @unchecked Sendable {
    private let encodeValue: (any Encoder) throws -> Void
    init<T: Encodable>(_ value: T) { encodeValue = value.encode }
    func encode(to encoder: any Encoder) throws { try encodeValue(encoder) }
}
