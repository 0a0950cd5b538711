import Foundation
import NIOHTTP1
import Testing
import TestSupport

import DetectorService

/// docs/openapi.json against a running `detector` process: every documented operation answers
/// with a documented status and the documented required fields, every documented error status
/// can be produced and has the error shape, and every endpoint the server has is documented.
@Suite("detector matches its OpenAPI document", .serialized, .serviceProcesses(1))
struct OpenAPITests {
    nonisolated(unsafe) static let document: [String: Any] = {
        let data = try! Data(contentsOf: Repository.root.appendingPathComponent("docs/openapi.json"))
        return try! JSONSerialization.jsonObject(with: data) as! [String: Any]
    }()

    static var paths: [String: [String: Any]] { document["paths"] as! [String: [String: Any]] }

    /// Follows `$ref` and takes the first `oneOf` alternative (the object form).
    static func resolve(_ schema: [String: Any]) -> [String: Any] {
        if let ref = schema["$ref"] as? String {
            var node: Any = document
            for part in ref.dropFirst(2).split(separator: "/") { node = (node as! [String: Any])[String(part)]! }
            return resolve(node as! [String: Any])
        }
        if let alternatives = schema["oneOf"] as? [[String: Any]] { return resolve(alternatives[0]) }
        return schema
    }

    static func requiredKeys(of response: [String: Any]) -> [String] {
        let response = resolve(response)
        guard let content = response["content"] as? [String: Any], let json = content["application/json"] as? [String: Any],
            let schema = json["schema"] as? [String: Any]
        else { return [] }
        return resolve(schema)["required"] as? [String] ?? []
    }

    @Test("every documented operation and error status, against the real server")
    func conforms() async throws {
        // No Prometheus here (a closed port): /detect/prom must answer its documented 503;
        // DetectorPrometheusTests covers its 200 with a real server, PrometheusAnswersTests its 502.
        let closed = try ClosedPort()
        let server = try MonitorProcess(
            arguments: [], environment: ["DETECTOR_API_TOKEN": "t0ken", "PROMETHEUS_URL": closed.url],
            executable: BuiltProducts.detector)
        defer {
            server.terminate()
            withExtendedLifetime(closed) {}  // the port stays closed while the detector runs
        }
        try await server.waitUntil(path: "/health", timeout: .seconds(120))
        let auth = [("Authorization", "Bearer t0ken")]
        let json = [("Content-Type", "application/json")]
        for (path, operations) in Self.paths.sorted(by: { $0.key < $1.key }) {
            for (method, operationValue) in operations {
                let operation = operationValue as! [String: Any]
                let responses = operation["responses"] as! [String: Any]
                let url = server.baseURL + path
                var body: Data?
                if let requestBody = operation["requestBody"] as? [String: Any],
                    let content = requestBody["content"] as? [String: Any],
                    let media = content["application/json"] as? [String: Any], let example = media["example"]
                {
                    body = try JSONSerialization.data(withJSONObject: example)
                }
                let httpMethod: HTTPMethod = method == "post" ? .POST : .GET
                let ok = try await HTTP.send(url, method: httpMethod, body: body, headers: json + auth)
                if path == "/detect/prom" {
                    #expect(ok.status == 503, "\(ok.status) \(ok.text)")
                    #expect(try ok.json()["error"] as? String != nil)
                    continue
                }
                #expect(ok.status == 200, "\(method.uppercased()) \(path): \(ok.status) \(ok.text)")
                if path == "/metrics" {
                    #expect(ok.text.contains("ml_detector_"))
                } else {
                    let object = try ok.json()
                    for key in Self.requiredKeys(of: responses["200"] as! [String: Any]) {
                        #expect(object[key] != nil, "\(method.uppercased()) \(path): 200 lacks \(key)")
                    }
                }
                // Every documented error status, provoked.
                for code in responses.keys.compactMap(Int.init) where code != 200 && code < 500 {
                    let response: HTTP.Response
                    switch code {
                    case 400: response = try await HTTP.send(url, method: .POST, body: Data("{\"x\":".utf8), headers: json + auth)
                    case 401: response = try await HTTP.send(url, method: .POST, body: body, headers: json)
                    case 413: response = try await HTTP.send(url, method: .POST, body: Data(repeating: 0x20, count: 70_000), headers: json + auth)
                    case 415: response = try await HTTP.send(url, method: .POST, body: body ?? Data("{}".utf8), headers: [("Content-Type", "text/plain")] + auth)
                    case 409:
                        // A repeat older than the delivery ledger remembers (64 windows of a stream).
                        func window(_ sequence: Int) -> String {
                            #"{"packets_per_second": 1, "bytes_per_second": 100, "unique_ips": 1, "unique_ports": 1, "tcp_packets": 1, "udp_packets": 0, "syn_packets": 0, "stream": "openapi-409", "sequence": \#(sequence)}"#
                        }
                        let batch = "[" + (0...64).map(window).joined(separator: ",") + "]"
                        let judged = try await HTTP.send(url, method: .POST, body: Data(batch.utf8), headers: json + auth)
                        #expect(judged.status == 200, "\(judged.text)")
                        response = try await HTTP.send(url, method: .POST, body: Data(window(0).utf8), headers: json + auth)
                    default:
                        Issue.record("\(path): no way to provoke documented status \(code)")
                        continue
                    }
                    #expect(response.status == code, "\(path) expected \(code): \(response.status) \(response.text)")
                    let error = try response.json()
                    for key in Self.requiredKeys(of: responses[String(code)] as! [String: Any]) {
                        #expect(error[key] != nil, "\(path) \(code) lacks \(key)")
                    }
                }
            }
        }
        // An undocumented path is a JSON 404.
        let missing = try await HTTP.get(server.baseURL + "/nope")
        let missingError = try missing.json()["error"] as? String
        #expect(missing.status == 404 && missingError != nil)
    }

    @Test("the server has no endpoint the document does not describe")
    func everyEndpointIsDocumented() {
        let documented = Set(Self.paths.keys)
        let served = DetectorRoutes.paths
        #expect(served.isSubset(of: documented), "undocumented: \(served.subtracting(documented))")
        #expect(documented.isSubset(of: served), "documented but not served: \(documented.subtracting(served))")
    }
}
