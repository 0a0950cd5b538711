import Foundation
import NIOHTTP1
import Testing
import TestSupport

/// Clients that try to exhaust the services rather than use them, against real `detector` and
/// `monitor` processes: a 10 MiB body, and hundreds of connections that send half a request
/// head, or a head and a body that never ends, and go quiet (slowloris). Each is answered with a
/// 4xx or disconnected after `--idle-timeout`; meanwhile ordinary requests keep being answered
/// and nothing reaches the models.
@Suite("detector and monitor: hostile clients get a 4xx or a closed connection", .serialized, .serviceProcesses(1))
struct HostileClientsTests {
    static let window = #"{"packets_per_second": 10, "bytes_per_second": 1000, "unique_ips": 1, "unique_ports": 1, "tcp_packets": 10, "udp_packets": 0, "syn_packets": 1}"#

    @Test("a 10 MiB body: 413 naming the limit, nothing learned, the detector still answers")
    func tenMebibyteBody() async throws {
        let server = try MonitorProcess(arguments: [], executable: BuiltProducts.detector)
        defer { server.terminate() }
        try await server.waitUntil(path: "/health", timeout: .seconds(120))
        let huge = Data(#"{"username_text": ""#.utf8) + Data(repeating: UInt8(ascii: "x"), count: 10 << 20) + Data(#""}"#.utf8)
        for path in ["/detect", "/classify_username", "/train"] {
            let response = try await HTTP.send(
                server.baseURL + path, method: .POST, body: huge, headers: [("Content-Type", "application/json")])
            #expect(response.status == 413, "\(path): \(response.text)")
            #expect(try response.json()["error"] as? String == "request body is larger than 65536 bytes", "\(path)")
        }
        let stats = try await server.get("/stats").json()
        #expect((stats["network"] as? [String: Any])?["training_samples"] as? Int == 0, "\(stats)")
        #expect((stats["network"] as? [String: Any])?["trainings"] as? Int == 0, "\(stats)")
        let answer = try await HTTP.send(
            server.baseURL + "/detect", method: .POST, body: Data(Self.window.utf8), headers: [("Content-Type", "application/json")])
        #expect(answer.status == 200, "\(answer.text)")
        #expect(server.isRunning)
    }

    @Test(
        "300 slow clients are disconnected after the idle timeout, and ordinary requests are answered meanwhile",
        arguments: ["detector", "monitor"])
    func slowClients(service: String) async throws {
        let server =
            service == "detector"
            ? try MonitorProcess(arguments: ["--idle-timeout", "2s"], executable: BuiltProducts.detector)
            : try MonitorProcess(arguments: ["--simulate", "--ml-detector-url", "none", "--idle-timeout", "2s"])
        defer { server.terminate() }
        try await server.waitUntil(path: "/health", timeout: .seconds(120))
        // A third stop inside the request line, a third inside the headers, a third after a
        // head that announces a 1000-byte body and sends 10 bytes of it.
        var clients: [RawConnection] = []
        for index in 0..<300 {
            let client = try RawConnection(port: server.port)
            switch index % 3 {
            case 0: try client.send("POST /det")
            case 1: try client.send("POST /detect HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Ty")
            default: try client.send("POST /detect HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"packets")
            }
            clients.append(client)
        }
        // While they hold their connections, the service answers (each request is a new
        // connection of AsyncHTTPClient's pool next to the 300).
        for _ in 0..<10 {
            #expect(try await server.get("/health").status == 200)
            if service == "detector" {
                let answer = try await HTTP.send(
                    server.baseURL + "/detect", method: .POST, body: Data(Self.window.utf8), headers: [("Content-Type", "application/json")])
                #expect(answer.status == 200, "\(answer.text)")
            } else {
                #expect(try await server.get("/metrics").status == 200)
            }
        }
        // Every slow client is disconnected: none of them can hold its connection for good.
        let closed = try await Poll.until(timeout: .seconds(120), every: .milliseconds(200)) {
            clients.allSatisfy(\.isClosedByPeer)
        }
        let open = clients.indices.filter { !clients[$0].isClosedByPeer }
        #expect(closed, "\(open.count) of 300 slow connections still open, e.g. \(open.prefix(5).map { $0 % 3 })")
        #expect(try await server.get("/health").status == 200)
        if service == "detector" {
            // Only the ten ordinary requests were judged; no half request reached the models.
            let stats = try await server.get("/stats").json()
            #expect((stats["network"] as? [String: Any])?["verdicts"] as? Int == 10, "\(stats)")
        }
        #expect(server.isRunning)
    }
}
