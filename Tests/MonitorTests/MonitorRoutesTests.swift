import EBPFCapture
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import PromExposition
import Testing
import TrafficFeatures

import MonitorService

/// The routes on a router, without a socket, driven through CaptureStatus phases.
@Suite("monitor routes")
struct MonitorRoutesTests {
    static func application(_ status: CaptureStatus) -> some ApplicationProtocol {
        let routes = MonitorRoutes(status: status, metrics: MonitorMetrics(), xdp: nil, sampleEvery: 0)
        return Application(router: routes.router())
    }

    static func json(_ response: TestResponse) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(String(buffer: response.body).utf8)) as? [String: Any] ?? [:]
    }

    @Test func readyIs503UntilTheSourceRunsAndNamesIt() async throws {
        let status = CaptureStatus()
        let source = SimulatedCapture(logger: Logger(label: "routes-test"))
        try await Self.application(status).test(.router) { client in
            var response = try await client.execute(uri: "/ready", method: .get)
            #expect(response.status == .serviceUnavailable)
            #expect(try Self.json(response)["ready"] as? Bool == false)
            #expect(try Self.json(response)["phase"] as? String == "starting")
            #expect(try await client.execute(uri: "/stats", method: .get).status == .serviceUnavailable)

            status.running(source)
            response = try await client.execute(uri: "/ready", method: .get)
            #expect(response.status == .ok)
            #expect(try Self.json(response)["source"] as? String == "simulation")

            status.failed(CaptureError(.mapOperationFailed, operation: "test", message: "boom"))
            response = try await client.execute(uri: "/health", method: .get)
            #expect(response.status == .serviceUnavailable)
            #expect(try Self.json(response)["failure"] as? String == "test: boom")
            #expect(try await client.execute(uri: "/ready", method: .get).status == .serviceUnavailable)
        }
    }

    @Test func unknownPathsAndMethodsAreNotServed() async throws {
        try await Self.application(CaptureStatus()).test(.router) { client in
            let unknown = try await client.execute(uri: "/readyz", method: .get)
            #expect(unknown.status == .notFound)
            let wrongMethod = try await client.execute(uri: "/stats", method: .post)
            #expect(wrongMethod.status != .ok)
        }
    }
}
