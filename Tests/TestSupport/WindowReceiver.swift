public import Foundation
import Hummingbird
import NIOCore
import NIOFoundationCompat
import Synchronization
public import WindowFormat

/// A real HTTP server on 127.0.0.1 (ephemeral port) that accepts `POST /detect`
/// like the detector will: it records every request body and answers with a status
/// the test chooses (e.g. 503 for the first N requests, to simulate an outage).
public final class WindowReceiver: Sendable {
    public struct Request: Sendable {
        public var status: Int
        public var body: Data
        public var authorization: String?
    }

    private struct State {
        var requests: [Request] = []
        var statuses: [Int] = []
        var defaultStatus = 200
    }

    private let state = Mutex(State())
    private let server: Mutex<LoopbackServer?> = Mutex(nil)
    public let port: Int

    private init(port: Int) {
        self.port = port
    }

    /// Starts a receiver. `statuses` are answered in order, then `defaultStatus`.
    public static func start(statuses: [Int] = [], defaultStatus: Int = 200) async throws -> WindowReceiver {
        let receiverBox = Mutex<WindowReceiver?>(nil)
        let router = Router()
        router.post("/detect") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 16 << 20)
            let authorization = request.headers[.authorization]
            guard let receiver = receiverBox.withLock({ $0 }) else { return Response(status: .serviceUnavailable) }
            let status = receiver.state.withLock { state -> Int in
                let status = state.statuses.isEmpty ? state.defaultStatus : state.statuses.removeFirst()
                state.requests.append(Request(status: status, body: Data(buffer: body), authorization: authorization))
                return status
            }
            return Response(status: .init(code: status))
        }
        let server = try await LoopbackServer.start(router, label: "window-receiver")
        let receiver = WindowReceiver(port: server.port)
        receiver.state.withLock {
            $0.defaultStatus = defaultStatus
            $0.statuses = statuses
        }
        receiver.server.withLock { $0 = server }
        receiverBox.withLock { $0 = receiver }
        return receiver
    }

    public var url: String { "http://127.0.0.1:\(port)" }

    /// Every request received, in order.
    public var requests: [Request] { state.withLock { $0.requests } }

    /// The windows of the accepted (2xx) requests, in order (array bodies flattened).
    public var acceptedWindows: [WindowEnvelope] {
        requests.filter { (200..<300).contains($0.status) }.flatMap { Self.windows(in: $0.body) }
    }

    public static func windows(in body: Data) -> [WindowEnvelope] {
        let decoder = JSONDecoder()
        if let many = try? decoder.decode([WindowEnvelope].self, from: body) { return many }
        if let one = try? decoder.decode(WindowEnvelope.self, from: body) { return [one] }
        return []
    }

    /// Changes the answer to later requests.
    public func answer(_ status: Int) {
        state.withLock {
            $0.statuses = []
            $0.defaultStatus = status
        }
    }

    public func stop() async {
        await server.withLock { $0 }?.stop()
    }
}
