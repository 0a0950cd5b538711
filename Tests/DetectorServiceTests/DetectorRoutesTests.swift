import AnomalyModels
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import PromExposition
import Testing
import ThreatRules
import TrafficFeatures

import DetectorService

/// A detector with bootstrap models (trained once for the whole target).
enum Fixture {
    static let networkEnsemble = try! ThreatDetector.bootstrapNetworkEnsemble()
    static let authenticationEnsemble = try! ThreatDetector.bootstrapAuthenticationEnsemble()

    static func detector() throws -> ThreatDetector {
        try ThreatDetector(thresholds: RuleThresholds(), networkEnsemble: networkEnsemble, authenticationEnsemble: authenticationEnsemble)
    }

    static func routes(token: String? = nil) throws -> DetectorRoutes {
        let detector = try detector()
        let logger = Logger(label: "detector-test")
        let training = Dictionary(uniqueKeysWithValues: DetectionType.allCases.map {
            ($0, TrainingService(detector: detector.model($0), interval: .seconds(3600), logger: logger))
        })
        return DetectorRoutes(detector: detector, metrics: DetectorMetrics(), token: token, training: training, logger: logger)
    }

    static func json(_ response: TestResponse) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(String(buffer: response.body).utf8)) as? [String: Any] ?? [:]
    }

    static let jsonHeaders: HTTPFields = [.contentType: "application/json"]
}

@Suite("detector: the original design's manual tests")
struct SeedExampleTests {
    @Test("the 1200-pps body reports port_scan")
    func portScanBody() async throws {
        let routes = try Fixture.routes()
        try await Application(router: routes.router()).test(.router) { client in
            let body = #"{"packets_per_second": 1200, "bytes_per_second": 1500000, "unique_ips": 30, "unique_ports": 50, "tcp_packets": 1140, "udp_packets": 60, "syn_packets": 800}"#
            let response = try await client.execute(uri: "/detect", method: .post, headers: Fixture.jsonHeaders, body: ByteBuffer(string: body))
            #expect(response.status == .ok)
            let verdict = try Fixture.json(response)
            #expect(verdict["threat_detected"] as? Bool == true)
            #expect((verdict["threat_types"] as? [String])?.contains("port_scan") == true)
            #expect(verdict["detection_type"] as? String == "network")
            #expect((verdict["explanations"] as? [String])?.isEmpty == false)
        }
    }

    @Test("the 136963-attempt service account reports service_account_abuse as authentication")
    func serviceAccountAbuse() async throws {
        let routes = try Fixture.routes()
        try await Application(router: routes.router()).test(.router) { client in
            let body = #"{"username_type": "service", "total_attempts": 136963, "failed_attempts": 2396, "unique_source_ips": 34, "privilege_level": 1}"#
            let response = try await client.execute(uri: "/detect", method: .post, headers: Fixture.jsonHeaders, body: ByteBuffer(string: body))
            #expect(response.status == .ok)
            let verdict = try Fixture.json(response)
            #expect(verdict["detection_type"] as? String == "authentication")
            #expect((verdict["threat_types"] as? [String])?.contains("service_account_abuse") == true)
        }
    }

    @Test("classify_username on `sudo rm -rf /` returns command")
    func classifyCommand() async throws {
        let routes = try Fixture.routes()
        try await Application(router: routes.router()).test(.router) { client in
            let response = try await client.execute(
                uri: "/classify_username", method: .post, headers: Fixture.jsonHeaders,
                body: ByteBuffer(string: #"{"username_text": "sudo rm -rf /"}"#))
            #expect(response.status == .ok)
            let answer = try Fixture.json(response)
            #expect(answer["predicted_type"] as? String == "command")
            #expect(answer["username_text"] as? String == "sudo rm -rf /")
        }
    }

    @Test("a quiet window reports nothing")
    func quietWindow() async throws {
        let routes = try Fixture.routes()
        try await Application(router: routes.router()).test(.router) { client in
            let body = #"{"packets_per_second": 40, "bytes_per_second": 30000, "unique_ips": 6, "unique_ports": 3, "tcp_packets": 34, "udp_packets": 6, "syn_packets": 2}"#
            let response = try await client.execute(uri: "/detect", method: .post, headers: Fixture.jsonHeaders, body: ByteBuffer(string: body))
            #expect(response.status == .ok)
            let verdict = try Fixture.json(response)
            #expect(verdict["threat_detected"] as? Bool == false, "\(verdict)")
            #expect((verdict["threat_types"] as? [String]) == [])
            #expect((verdict["attacking_ips"] as? [String]) == [])
        }
    }
}

@Suite("detector: bad requests")
struct BadRequestTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var path = "/detect"
        var method: HTTPRequest.Method = .post
        var body: String?
        /// Bytes that are not valid UTF-8 (sent instead of `body`).
        var raw: [UInt8]? = nil
        var contentType: String? = "application/json"
        var authorization: String? = "Bearer secret"
        var status: HTTPResponse.Status = .badRequest
        /// A word the error message must contain (the field or the problem).
        var mentions: String
        var testDescription: String { name }
    }

    static let window = #""packets_per_second": 10, "bytes_per_second": 1000, "unique_ips": 1, "unique_ports": 1, "tcp_packets": 10, "udp_packets": 0, "syn_packets": 1"#

    static let cases: [Case] = [
        Case(name: "malformed JSON", body: #"{"packets_per_second": 10,"#, mentions: "malformed"),
        Case(name: "not JSON at all", body: "hello", mentions: "malformed"),
        Case(name: "a JSON string", body: #""window""#, mentions: "body"),
        Case(name: "a JSON number", body: "42", mentions: "body"),
        Case(name: "empty body", body: "", mentions: "empty"),
        Case(name: "no body", body: nil, mentions: "empty"),
        Case(name: "wrong type for a count", body: #"{"packets_per_second": 10, "bytes_per_second": 1000, "unique_ips": "many", "unique_ports": 1, "tcp_packets": 10, "udp_packets": 0, "syn_packets": 1}"#, mentions: "unique_ips"),
        Case(name: "negative count", body: #"{"packets_per_second": 10, "bytes_per_second": 1000, "unique_ips": -1, "unique_ports": 1, "tcp_packets": 10, "udp_packets": 0, "syn_packets": 1}"#, mentions: "unique_ips"),
        Case(name: "negative rate", body: #"{"packets_per_second": -10, "bytes_per_second": 1000, "unique_ips": 1, "unique_ports": 1, "tcp_packets": 10, "udp_packets": 0, "syn_packets": 1}"#, mentions: "packets_per_second"),
        Case(name: "fractional count", body: #"{"packets_per_second": 10, "bytes_per_second": 1000, "unique_ips": 1.5, "unique_ports": 1, "tcp_packets": 10, "udp_packets": 0, "syn_packets": 1}"#, mentions: "unique_ips"),
        Case(name: "NaN", body: #"{"packets_per_second": NaN, "bytes_per_second": 1000, "unique_ips": 1, "unique_ports": 1, "tcp_packets": 10, "udp_packets": 0, "syn_packets": 1}"#, mentions: "malformed"),
        Case(name: "Infinity", body: #"{"packets_per_second": Infinity, "bytes_per_second": 1000, "unique_ips": 1, "unique_ports": 1, "tcp_packets": 10, "udp_packets": 0, "syn_packets": 1}"#, mentions: "malformed"),
        Case(name: "a number too large for a double", body: #"{"packets_per_second": 1e999, "bytes_per_second": 1000, "unique_ips": 1, "unique_ports": 1, "tcp_packets": 10, "udp_packets": 0, "syn_packets": 1}"#, mentions: "packets_per_second"),
        Case(name: "missing required field", body: #"{"bytes_per_second": 1000, "unique_ips": 1, "unique_ports": 1, "tcp_packets": 10, "udp_packets": 0, "syn_packets": 1}"#, mentions: "packets_per_second"),
        Case(name: "null field", body: #"{"packets_per_second": null, "bytes_per_second": 1000, "unique_ips": 1, "unique_ports": 1, "tcp_packets": 10, "udp_packets": 0, "syn_packets": 1}"#, mentions: "packets_per_second"),
        Case(name: "bad item in an array", body: "[{\(window)}, {\(window.replacingOccurrences(of: #""unique_ports": 1"#, with: #""unique_ports": -3"#))}]", mentions: "unique_ports"),
        Case(name: "empty array", body: "[]", mentions: "empty"),
        Case(name: "negative auth attempts", body: #"{"username_type": "service", "total_attempts": -5, "failed_attempts": 0}"#, mentions: "total_attempts"),
        Case(name: "failed attempts above total", body: #"{"username_type": "service", "total_attempts": 5, "failed_attempts": 9}"#, mentions: "failed_attempts"),
        Case(name: "unknown username_type", body: #"{"username_type": "wizard", "total_attempts": 5, "failed_attempts": 1}"#, mentions: "username_type"),
        Case(name: "body over 64 KiB", body: "{\"pad\": \"" + String(repeating: "x", count: 70_000) + "\"}", status: .contentTooLarge, mentions: "larger"),
        Case(name: "wrong content type", body: "{\(window)}", contentType: "text/plain", status: .unsupportedMediaType, mentions: "Content-Type"),
        Case(name: "a JSON-like content type", body: "{\(window)}", contentType: "application/json-patch+json", status: .unsupportedMediaType, mentions: "Content-Type"),
        Case(name: "JSONP", body: "{\(window)}", contentType: "application/jsonp", status: .unsupportedMediaType, mentions: "Content-Type"),
        Case(name: "JSON in Latin-1", body: "{\(window)}", contentType: "application/json; charset=latin1", status: .unsupportedMediaType, mentions: "Content-Type"),
        Case(name: "form data", body: "packets_per_second=10", contentType: "application/x-www-form-urlencoded", status: .unsupportedMediaType, mentions: "Content-Type"),
        Case(name: "arrays nested 20,000 deep", body: String(repeating: "[", count: 20_000) + String(repeating: "]", count: 20_000), mentions: "malformed"),
        Case(name: "objects nested 10,000 deep", body: String(repeating: #"{"a":"#, count: 10_000) + "1" + String(repeating: "}", count: 10_000), mentions: "malformed"),
        Case(name: "a 10,000-item array of empty objects", body: "[" + Array(repeating: "{}", count: 10_000).joined(separator: ",") + "]", mentions: "packets_per_second"),
        Case(name: "invalid UTF-8 in a username", path: "/classify_username", raw: Array(#"{"username_text": "ro"#.utf8) + [0xFF, 0xFE] + Array(#"ot"}"#.utf8), mentions: "malformed"),
        Case(name: "invalid UTF-8 in a field name", raw: Array("{\"pack".utf8) + [0xC3, 0x28] + Array("ets\": 1}".utf8), mentions: "malformed"),
        Case(name: "a UTF-16 body", raw: Array("{\(window)}".utf16).flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }, mentions: "malformed"),
        Case(name: "no content type", body: "{\(window)}", contentType: nil, status: .unsupportedMediaType, mentions: "Content-Type"),
        Case(name: "missing token", body: "{\(window)}", authorization: nil, status: .unauthorized, mentions: "token"),
        Case(name: "wrong token", body: "{\(window)}", authorization: "Bearer guess", status: .unauthorized, mentions: "token"),
        Case(name: "token on /train", path: "/train", body: nil, authorization: "Bearer nope", status: .unauthorized, mentions: "token"),
        Case(name: "unknown path", path: "/detect/now", method: .get, body: nil, status: .notFound, mentions: "no such endpoint"),
        Case(name: "wrong method", path: "/detect", method: .get, body: nil, status: .methodNotAllowed, mentions: "not allowed"),
        Case(name: "classify without text", path: "/classify_username", body: #"{"text": "root"}"#, mentions: "username_text"),
        Case(name: "classify with a number", path: "/classify_username", body: #"{"username_text": 12}"#, mentions: "username_text"),
        Case(name: "train with a bad window", path: "/train", body: #"{"windows": [{"packets_per_second": 1}]}"#, mentions: "bytes_per_second"),
    ]

    @Test("a 4xx JSON error naming the problem, and no change to the models or training data", arguments: cases)
    func refused(_ c: Case) async throws {
        let routes = try Fixture.routes(token: "secret")
        let before = (routes.detector.network.trainingSampleCount, routes.detector.authentication.trainingSampleCount)
        let ensembles = (routes.detector.network.ensemble, routes.detector.authentication.ensemble)
        try await Application(router: routes.router()).test(.router) { client in
            var headers = HTTPFields()
            if let type = c.contentType { headers[.contentType] = type }
            if let auth = c.authorization { headers[.authorization] = auth }
            let response = try await client.execute(
                uri: c.path, method: c.method, headers: headers, body: c.raw.map { ByteBuffer(bytes: $0) } ?? c.body.map { ByteBuffer(string: $0) })
            #expect(response.status == c.status, "\(String(buffer: response.body))")
            #expect(response.headers[.contentType] == "application/json")
            let error = try Fixture.json(response)
            let message = (error["error"] as? String ?? "") + " " + (error["field"] as? String ?? "")
            #expect(message.contains(c.mentions), "\(message)")
            #expect(error["status"] as? Int == Int(c.status.code))
        }
        #expect(routes.detector.network.trainingSampleCount == before.0)
        #expect(routes.detector.authentication.trainingSampleCount == before.1)
        #expect(routes.detector.network.ensemble?.trainingSampleCount == ensembles.0?.trainingSampleCount)
        #expect(routes.detector.network.statistics.trainings == 0 && routes.detector.authentication.statistics.trainings == 0)
    }

    @Test("the same requests with a good token and body succeed and do feed training")
    func accepted() async throws {
        let routes = try Fixture.routes(token: "secret")
        try await Application(router: routes.router()).test(.router) { client in
            let response = try await client.execute(
                uri: "/detect", method: .post,
                headers: [.contentType: "application/json; charset=utf-8", .authorization: "Bearer secret"],
                body: ByteBuffer(string: "[{\(Self.window)}, {\(Self.window)}]"))
            #expect(response.status == .ok)
            let verdicts = try JSONSerialization.jsonObject(with: Data(String(buffer: response.body).utf8)) as? [[String: Any]]
            #expect(verdicts?.count == 2)
        }
        #expect(routes.detector.network.trainingSampleCount == 2)
    }
}
