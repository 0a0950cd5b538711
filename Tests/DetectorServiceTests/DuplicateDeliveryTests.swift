import AnomalyModels
import Foundation
import Hummingbird
import HummingbirdTesting
import PromExposition
import Testing
import TestSupport
import ThreatRules

@testable import DetectorService

/// A window posted twice — the monitor retried a post whose first copy had arrived — is judged
/// once: the repeat gets the verdict given the first time and is not counted or learned again.
@Suite("detector: a window delivered twice is judged once")
struct DuplicateDeliveryTests {
    static func window(stream: String?, sequence: Int?, packets: Int = 10) -> String {
        var fields = [
            #""packets_per_second": \#(packets)"#, #""bytes_per_second": 1000"#, #""unique_ips": 1"#, #""unique_ports": 1"#,
            #""tcp_packets": \#(packets)"#, #""udp_packets": 0"#, #""syn_packets": 1"#,
        ]
        if let stream { fields.append(#""stream": "\#(stream)""#) }
        if let sequence { fields.append(#""sequence": \#(sequence)"#) }
        return "{" + fields.joined(separator: ", ") + "}"
    }

    static func post(_ client: some TestClientProtocol, _ body: String) async throws -> (status: HTTPResponse.Status, body: String) {
        let response = try await client.execute(uri: "/detect", method: .post, headers: Fixture.jsonHeaders, body: ByteBuffer(string: body))
        return (response.status, String(buffer: response.body))
    }

    static func duplicates(_ routes: DetectorRoutes) -> Double {
        PrometheusText.samples(routes.metrics.render())[MetricName.detectorDuplicateWindows] ?? -1
    }

    static func verdicts(_ routes: DetectorRoutes) -> Int {
        routes.stats().network.verdicts
    }

    /// New routes served in-process while `test` posts to them; returned for what they counted.
    static func serve(_ test: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws -> DetectorRoutes {
        let routes = try Fixture.routes()
        try await Application(router: routes.router()).test(.router, test)
        return routes
    }

    @Test("the repeat gets the same verdict; one verdict counted, one sample learned, one duplicate counted")
    func repeatIsAnsweredFromTheLedger() async throws {
        let routes = try await Self.serve { client in
            let first = try await Self.post(client, Self.window(stream: "run-a", sequence: 5))
            let again = try await Self.post(client, Self.window(stream: "run-a", sequence: 5))
            #expect(first.status == .ok && again.status == .ok)
            #expect(again.body == first.body)
        }
        #expect(Self.verdicts(routes) == 1)
        #expect(routes.detector.network.trainingSampleCount == 1)
        #expect(Self.duplicates(routes) == 1)
    }

    @Test("copies arriving at once are judged once")
    func concurrentCopies() async throws {
        let routes = try await Self.serve { client in
            let bodies = try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<8 {
                    group.addTask { try await Self.post(client, Self.window(stream: "run-b", sequence: 0)).body }
                }
                return try await group.reduce(into: [String]()) { $0.append($1) }
            }
            #expect(Set(bodies).count == 1)
        }
        #expect(Self.verdicts(routes) == 1)
        #expect(Self.duplicates(routes) == 7)
    }

    @Test("another stream, another sequence, or no stream at all is a new window")
    func newWindowsAreJudged() async throws {
        let routes = try await Self.serve { client in
            for body in [
                Self.window(stream: "run-c", sequence: 1), Self.window(stream: "run-d", sequence: 1),
                Self.window(stream: "run-c", sequence: 2), Self.window(stream: nil, sequence: 1), Self.window(stream: nil, sequence: 1),
                Self.window(stream: "run-c", sequence: nil), Self.window(stream: "run-c", sequence: nil),
            ] {
                let status = try await Self.post(client, body).status
                #expect(status == .ok)
            }
        }
        #expect(Self.verdicts(routes) == 7)
        #expect(Self.duplicates(routes) == 0)
    }

    @Test("in a batch, repeats are answered from the ledger and the rest judged, in order")
    func batches() async throws {
        let routes = try await Self.serve { client in
            let first = try await Self.post(client, "[" + (0..<3).map { Self.window(stream: "run-e", sequence: $0) }.joined(separator: ",") + "]")
            let second = try await Self.post(client, "[" + (1..<5).map { Self.window(stream: "run-e", sequence: $0) }.joined(separator: ",") + "]")
            #expect(first.status == .ok && second.status == .ok)
            let a = try JSONSerialization.jsonObject(with: Data(first.body.utf8)) as? [Any]
            let b = try JSONSerialization.jsonObject(with: Data(second.body.utf8)) as? [Any]
            #expect(a?.count == 3 && b?.count == 4)
        }
        #expect(Self.verdicts(routes) == 5)
        #expect(Self.duplicates(routes) == 2)
    }

    @Test("a repeat older than the ledger remembers is a 409 naming the sequence, and changes nothing")
    func tooOld() async throws {
        let routes = try Fixture.routes()
        try await Application(router: routes.router()).test(.router) { client in
            for sequence in 0...DeliveryLedger.rememberedWindows {
                #expect(try await Self.post(client, Self.window(stream: "run-f", sequence: sequence)).status == .ok)
            }
            let samples = routes.detector.network.trainingSampleCount
            let old = try await Self.post(client, Self.window(stream: "run-f", sequence: 0))
            #expect(old.status == .conflict, "\(old.body)")
            let error = try JSONSerialization.jsonObject(with: Data(old.body.utf8)) as? [String: Any]
            #expect(error?["field"] as? String == "sequence")
            #expect((error?["error"] as? String)?.contains("window 0 of stream run-f was judged already") == true, "\(old.body)")
            #expect(routes.detector.network.trainingSampleCount == samples)
            // The one just inside the ledger is still answered.
            #expect(try await Self.post(client, Self.window(stream: "run-f", sequence: 1)).status == .ok)
        }
        #expect(Self.verdicts(routes) == DeliveryLedger.rememberedWindows + 1)
    }

    @Test("a stream identifier must be 1 to 128 characters")
    func streamLength() async throws {
        _ = try await Self.serve { client in
            for stream in ["", String(repeating: "s", count: 129)] {
                let response = try await Self.post(client, Self.window(stream: stream, sequence: 1))
                #expect(response.status == .badRequest)
                #expect(response.body.contains(#""field":"stream""#), "\(response.body)")
            }
            #expect(try await Self.post(client, Self.window(stream: String(repeating: "é", count: 128), sequence: 1)).status == .ok)
        }
    }
}
