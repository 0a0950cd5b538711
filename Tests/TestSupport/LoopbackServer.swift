public import Hummingbird
import Logging

/// A Hummingbird router served on 127.0.0.1 at an ephemeral port, for a test's stand-in of
/// another service (a detector that records windows, a Prometheus with chosen answers).
public final class LoopbackServer: Sendable {
    public let port: Int
    private let task: Task<Void, any Error>

    private init(port: Int, task: Task<Void, any Error>) {
        self.port = port
        self.task = task
    }

    /// Starts serving `router`; returns once the port is bound.
    public static func start(_ router: Router<BasicRequestContext>, label: String) async throws -> LoopbackServer {
        let ready = AsyncStream<Int>.makeStream()
        var logger = Logger(label: label)
        logger.logLevel = .critical
        let app = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                ready.continuation.yield(channel.localAddress?.port ?? 0)
                ready.continuation.finish()
            },
            logger: logger)
        let task = Task { try await app.runService(gracefulShutdownSignals: []) }
        var iterator = ready.stream.makeAsyncIterator()
        guard let port = await iterator.next(), port > 0 else {
            task.cancel()
            throw CancellationError()
        }
        return LoopbackServer(port: port, task: task)
    }

    public var url: String { "http://127.0.0.1:\(port)" }

    /// Stops serving and waits for the server to end.
    public func stop() async {
        task.cancel()
        _ = try? await task.value
    }
}
