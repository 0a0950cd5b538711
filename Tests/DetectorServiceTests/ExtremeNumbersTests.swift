import AnomalyModels
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import NIOHTTP1
import PromExposition
import Testing
import TestSupport
import ThreatRules
import TrafficFeatures

import DetectorService
import WindowTransport

/// The request of the crash report, and a table of extreme numbers to every endpoint that takes
/// numbers, against a real `detector` process: a trap anywhere would end the process, so each
/// answer is followed by a `/health` check.
@Suite("detector: extreme numbers never take the service down", .serialized, .serviceProcesses(1))
struct ExtremeNumbersTests {
    static let values = ["1e308", "-1e308", "9007199254740993", "18446744073709551616", "5e-324", "-0"]

    static let window: [String: String] = [
        "packets_per_second": "10", "bytes_per_second": "1000", "unique_ips": "1", "unique_ports": "1",
        "tcp_packets": "10", "udp_packets": "0", "syn_packets": "1",
    ]
    static let event: [String: String] = ["username_type": "\"service\"", "total_attempts": "10", "failed_attempts": "1"]

    static func object(_ fields: [String: String]) -> String {
        "{" + fields.sorted { $0.key < $1.key }.map { "\"\($0.key)\": \($0.value)" }.joined(separator: ", ") + "}"
    }

    /// A request that must be refused, and the field its error must name.
    struct Refused: Sendable {
        var path: String
        var body: String
        var field: String
    }

    /// Whether `value` is acceptable for a field: counts take only -0 (= 0); rates take -0 and
    /// subnormals; window_seconds neither.
    static func isValid(_ value: String, field: String) -> Bool {
        switch field {
        case "packets_per_second", "bytes_per_second", "tcp_ratio": value == "-0" || value == "5e-324"
        case "window_seconds": false
        default: value == "-0"
        }
    }

    /// Every (endpoint, field, value) that the limits refuse.
    static var refused: [Refused] {
        var out: [Refused] = []
        let windowFields = [
            "packets_per_second", "bytes_per_second", "unique_ips", "unique_ports", "tcp_packets", "udp_packets", "syn_packets",
            "icmp_packets", "packets", "bytes", "dns_packets", "sequence", "window_seconds", "tcp_ratio",
        ]
        let eventFields = ["total_attempts", "failed_attempts", "successful_attempts", "unique_source_ips", "privilege_level", "window_seconds"]
        for value in values {
            for field in windowFields where !isValid(value, field: field) {
                let body = object(window.merging([field: value]) { $1 })
                out.append(Refused(path: "/detect", body: body, field: field))
                out.append(Refused(path: "/detect", body: "[\(object(window)), \(body)]", field: "[1].\(field)"))
                out.append(Refused(path: "/train", body: "{\"windows\": [\(body)]}", field: "windows[0].\(field)"))
            }
            let source = #"[{"ip": "198.18.0.2", "packets": \#(value)}]"#
            if !isValid(value, field: "packets") {
                out.append(Refused(path: "/detect", body: object(window.merging(["top_sources": source]) { $1 }), field: "top_sources[0].packets"))
            }
            for field in eventFields where !isValid(value, field: field) {
                var fields = event.merging([field: value]) { $1 }
                if field == "failed_attempts" || field == "successful_attempts" { fields["total_attempts"] = "9007199254740991" }
                out.append(Refused(path: "/detect", body: object(fields), field: field))
            }
            out.append(Refused(path: "/classify_username", body: #"{"username_text": \#(value)}"#, field: "username_text"))
        }
        return out
    }

    @Test("the reported request: 400 naming packets_per_second, and the service stays healthy")
    func reportedRequest() async throws {
        let server = try MonitorProcess(arguments: [], environment: [:], executable: BuiltProducts.detector)
        defer { server.terminate() }
        try await server.waitUntil(path: "/health", timeout: .seconds(120))
        let body = #"{"packets_per_second":1.5e308,"bytes_per_second":1.5e308,"unique_ips":140,"unique_ports":3,"tcp_packets":10,"udp_packets":1,"syn_packets":1}"#
        let response = try await HTTP.send(
            server.baseURL + "/detect", method: .POST, body: Data(body.utf8), headers: [("Content-Type", "application/json")])
        #expect(response.status == 400, "\(response.text)")
        let error = try response.json()
        #expect(error["field"] as? String == "packets_per_second")
        #expect((error["error"] as? String)?.contains("1.5e+308") == true, "\(response.text)")
        #expect(try await server.get("/health").status == 200)
        #expect(server.isRunning)
    }

    @Test("a table of extreme values to every endpoint: a 4xx naming the field, healthy after each, nothing learned")
    func table() async throws {
        let server = try MonitorProcess(arguments: [], environment: ["DETECTOR_API_TOKEN": "t0ken"], executable: BuiltProducts.detector)
        defer { server.terminate() }
        try await server.waitUntil(path: "/health", timeout: .seconds(120))
        let before = try await server.get("/stats").json()
        let headers = [("Content-Type", "application/json"), ("Authorization", "Bearer t0ken")]
        let cases = Self.refused
        #expect(cases.count > 200)
        for c in cases {
            let response = try await HTTP.send(server.baseURL + c.path, method: .POST, body: Data(c.body.utf8), headers: headers)
            #expect((400..<500).contains(response.status), "\(c.path) \(c.body): \(response.status) \(response.text)")
            let error = try response.json()
            #expect(error["field"] as? String == c.field, "\(c.path) \(c.body): \(response.text)")
            #expect(error["status"] as? Int == response.status)
            let health = try await server.get("/health")
            #expect(health.status == 200, "after \(c.path) \(c.body)")
            guard health.status == 200 else { return }
        }
        // Nothing reached the models or their training data.
        let after = try await server.get("/stats").json()
        for model in ["network", "authentication"] {
            let (b, a) = (before[model] as? [String: Any] ?? [:], after[model] as? [String: Any] ?? [:])
            for key in ["training_samples", "rejected_samples", "trainings", "verdicts", "model_training_samples"] {
                #expect("\(b[key] ?? "nil")" == "\(a[key] ?? "nil")", "\(model).\(key): \(b[key] ?? "nil") → \(a[key] ?? "nil")")
            }
        }
        #expect(server.isRunning)
    }

    @Test("values within the limits (-0, subnormal rates, the largest counts) get a finite verdict")
    func edgeValuesAreAnswered() async throws {
        let routes = try Fixture.routes()
        let bodies = [
            Self.object(Self.window.merging(["packets_per_second": "-0", "bytes_per_second": "5e-324", "unique_ips": "-0"]) { $1 }),
            Self.object(
                Self.window.merging([
                    "packets_per_second": "1e12", "bytes_per_second": "1e15", "unique_ips": "9007199254740991",
                    "unique_ports": "9007199254740991", "syn_packets": "9007199254740991", "window_seconds": "0.001",
                ]) { $1 }),
            Self.object(Self.event.merging(["total_attempts": "9007199254740991", "window_seconds": "0.001"]) { $1 }),
        ]
        try await Application(router: routes.router()).test(.router) { client in
            for body in bodies {
                let response = try await client.execute(uri: "/detect", method: .post, headers: Fixture.jsonHeaders, body: ByteBuffer(string: body))
                #expect(response.status == .ok, "\(body): \(String(buffer: response.body))")
                let verdict = try Fixture.json(response)
                let confidence = try #require(verdict["confidence"] as? Double)
                #expect(confidence.isFinite && (0...1).contains(confidence))
                let scores = try #require(verdict["scores"] as? [String: Any])
                for model in ["dbscan", "vae", "zmad"] {
                    #expect((scores[model] as? Double).map { (0...1).contains($0) } == true, "\(model): \(scores)")
                }
            }
        }
    }
}

/// A Prometheus stand-in on loopback that answers every instant query with one sample whose value
/// is chosen per field (by a substring of the query), to produce answers a real server would only
/// give when broken. `values`: query substring → the value text, e.g. `["ebpf_unique_ips": "NaN"]`;
/// other queries get "1".
func startPrometheusStandIn(values: [String: String]) async throws -> LoopbackServer {
    let router = Router()
    router.get("/api/v1/query") { request, _ -> Response in
        let query = request.uri.queryParameters.get("query") ?? ""
        let value = values.first { query.contains($0.key) }?.value ?? "1"
        let body = #"{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1795514400,"\#(value)"]}]}}"#
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: body)))
    }
    return try await LoopbackServer.start(router, label: "prometheus-stand-in")
}

@Suite("detector: GET /detect/prom refuses what Prometheus cannot give", .serialized)
struct PrometheusAnswersTests {
    /// `timeout`: 60 s while the stand-in answers (a loaded machine must not turn its answer into a
    /// 503); 2 s for the closed port, where the client retries refused connections until then.
    static func routes(prometheus url: String, timeout: Duration = .seconds(60)) throws -> DetectorRoutes {
        let detector = try Fixture.detector()
        let logger = Logger(label: "detector-test")
        return DetectorRoutes(
            detector: detector, metrics: .init(), token: nil, training: [:], prometheus: PrometheusWindowQuery(baseURL: url, timeout: timeout),
            logger: logger)
    }

    @Test(
        "a value that is not finite, negative or beyond WireLimits: 502 naming the field",
        arguments: [
            ("ebpf_unique_ips", "NaN", "unique_ips"), ("ebpf_bytes_processed_total", "+Inf", "bytes_per_second"),
            ("ebpf_syn_packets_total", "1e308", "syn_packets"), ("ebpf_unique_ports", "-1", "unique_ports"),
            ("protocol=\"tcp\"", "9007199254740993", "tcp_packets"), ("ebpf_dns_packets_total", "-Inf", "dns_packets"),
        ])
    func badValue(_ query: String, _ value: String, _ field: String) async throws {
        let prometheus = try await startPrometheusStandIn(values: [query: value])
        let routes = try Self.routes(prometheus: prometheus.url)
        let samples = routes.detector.network.trainingSampleCount
        try await Application(router: routes.router()).test(.router) { client in
            let response = try await client.execute(uri: "/detect/prom", method: .get)
            #expect(response.status == .badGateway, "\(String(buffer: response.body))")
            let message = try Fixture.json(response)["error"] as? String ?? ""
            #expect(message.contains("for \(field) "), "\(message)")
            #expect(try await client.execute(uri: "/health", method: .get).status == .ok)
        }
        #expect(routes.detector.network.trainingSampleCount == samples)
        await prometheus.stop()
    }

    @Test("ordinary values give a verdict; Prometheus down gives 503")
    func ordinaryAndDown() async throws {
        let prometheus = try await startPrometheusStandIn(values: ["ebpf_packets_processed_total[": "250.5"])
        try await Application(router: try Self.routes(prometheus: prometheus.url).router()).test(.router) { client in
            let response = try await client.execute(uri: "/detect/prom", method: .get)
            #expect(response.status == .ok, "\(String(buffer: response.body))")
            let features = try Fixture.json(response)["features"] as? [String: Any]
            #expect(features?["packets_per_second"] as? Double == 250.5)
        }
        await prometheus.stop()
        let closed = try ClosedPort()
        try await Application(router: try Self.routes(prometheus: closed.url, timeout: .seconds(2)).router()).test(.router) { client in
            let response = try await client.execute(uri: "/detect/prom", method: .get)
            #expect(response.status == .serviceUnavailable, "\(String(buffer: response.body))")
            #expect((try Fixture.json(response)["error"] as? String)?.contains("unreachable") == true)
        }
        withExtendedLifetime(closed) {}
    }
}

@Suite("detector: undeclared methods answer 405 with Allow")
struct MethodNotAllowedTests {
    @Test("every path × every method it does not declare", arguments: DetectorRoutes.methods.keys.sorted())
    func undeclared(_ path: String) async throws {
        let routes = try Fixture.routes(token: "secret")
        let declared = try #require(DetectorRoutes.methods[path])
        try await Application(router: routes.router()).test(.router) { client in
            for method in [HTTPRequest.Method.get, .post, .put, .delete, .patch, .options, .head] where method != declared {
                let response = try await client.execute(uri: path, method: method, headers: Fixture.jsonHeaders)
                #expect(response.status == .methodNotAllowed, "\(method) \(path): \(response.status)")
                #expect(response.headers[.allow] == declared.rawValue, "\(method) \(path)")
                if method != .head {
                    #expect(try Fixture.json(response)["status"] as? Int == 405)
                }
            }
        }
    }
}
