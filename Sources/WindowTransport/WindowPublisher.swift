public import AsyncHTTPClient
public import Foundation
public import Logging
import NIOCore
import NIOHTTP1
public import ServiceLifecycle
import Synchronization
public import TrafficFeatures
public import WindowFormat

/// Posts every closed window to a detector's `/detect` endpoint, in order, without
/// skipping any while the detector is reachable.
///
/// Windows go into a bounded FIFO queue. The service posts the queued windows (one
/// window as a JSON object, several as a JSON array) and removes them only after a
/// 2xx answer. When the detector is down or answers 408, 425, 429 or 5xx it keeps the
/// windows and retries with exponential backoff; capture is never blocked. When the
/// queue is full the oldest windows are dropped and reported. Any other 4xx answer
/// means the detector refuses those windows: they are reported as rejected and not
/// retried. Every outcome reaches `onEvent`, from which the monitor exports metrics; the
/// detector's answers (its verdicts) reach `onAnswer` with the windows they judge.
///
/// A retried post may reach the detector twice (the first copy arrived but its answer did not,
/// say while the detector was stopped). Each window carries the publisher's
/// ``Configuration/stream`` and its `sequence`, by which the detector judges it only once.
public final class WindowPublisher: Service, Sendable {
    /// Where windows are posted, and the bounds of the queue, the batches and the retries.
    public struct Configuration: Sendable {
        /// The full URL windows are posted to, e.g. `http://127.0.0.1:5000/detect`.
        public var endpoint: String
        /// Most windows kept while the detector is unreachable (default 600: ten minutes of 1 s windows).
        public var queueCapacity: Int
        /// Most windows in one request when catching up.
        public var maximumBatch: Int
        /// Most bytes in one request body (default `WindowEnvelope.maximumBodyBytes`, what the
        /// detector reads): a batch holds as many windows as fit; a single window larger than
        /// this is still sent, alone (and refused by a detector with that limit, counted).
        public var maximumBatchBytes: Int
        /// Pause after each successful post so windows are sent in batches
        /// (`POST_INTERVAL`); zero posts each window as soon as it closes.
        public var batchInterval: Duration
        /// The pause before the first retry after a failed post (default 0.5 s). It doubles with each
        /// further failure up to ``maximumBackoff`` and starts again from this value once the detector
        /// accepts or rejects a post.
        public var initialBackoff: Duration
        /// The longest pause between retries (default 30 s).
        public var maximumBackoff: Duration
        /// The longest one post may take (`POST_TIMEOUT`); a post that takes longer fails and is
        /// retried.
        public var requestTimeout: Duration
        /// Sent as `Authorization: Bearer …` when set.
        public var bearerToken: String?
        /// The `stream` every posted window carries (unless it has one): with the window's
        /// `sequence` it lets the detector recognise a window posted twice — a post that timed out
        /// after the detector had received it, then retried — and judge it once. A new random
        /// identifier for each configuration by default, so a restarted monitor's sequence numbers,
        /// which start again at 0, are a new stream.
        public var stream: String

        /// The default ``queueCapacity`` (`POST_QUEUE`): 600 windows.
        public static let defaultQueueCapacity = 600
        /// The values of ``queueCapacity`` a configuration (`POST_QUEUE`) accepts. The initializer
        /// itself only raises values below 1 to 1.
        public static let queueCapacityRange = 1...1_000_000
        /// The default ``requestTimeout`` (`POST_TIMEOUT`): 5 seconds.
        public static let defaultRequestTimeout = Duration.seconds(5)

        /// A configuration; a `queueCapacity` or `maximumBatch` below 1 becomes 1.
        ///
        /// - Parameters:
        ///   - endpoint: The full URL windows are posted to.
        ///   - queueCapacity: Most windows kept while the detector is unreachable.
        ///   - maximumBatch: Most windows in one request (default 60).
        ///   - maximumBatchBytes: Most bytes in one request (default 64 KiB).
        ///   - batchInterval: Pause after each accepted post (default zero: no pause).
        ///   - initialBackoff: Pause before the first retry (default 0.5 s).
        ///   - maximumBackoff: Longest pause between retries (default 30 s).
        ///   - requestTimeout: Longest time one post may take.
        ///   - bearerToken: Token sent as `Authorization: Bearer …`, or nil for none.
        ///   - stream: The windows' `stream` (default: a new UUID; at most
        ///     `WindowEnvelope.maximumStreamLength` characters).
        public init(
            endpoint: String,
            queueCapacity: Int = defaultQueueCapacity,
            maximumBatch: Int = 60,
            maximumBatchBytes: Int = WindowEnvelope.maximumBodyBytes,
            batchInterval: Duration = .zero,
            initialBackoff: Duration = .milliseconds(500),
            maximumBackoff: Duration = .seconds(30),
            requestTimeout: Duration = defaultRequestTimeout,
            bearerToken: String? = nil,
            stream: String = UUID().uuidString
        ) {
            self.endpoint = endpoint
            self.queueCapacity = max(1, queueCapacity)
            self.maximumBatch = max(1, maximumBatch)
            self.maximumBatchBytes = max(1, maximumBatchBytes)
            self.batchInterval = batchInterval
            self.initialBackoff = initialBackoff
            self.maximumBackoff = maximumBackoff
            self.requestTimeout = requestTimeout
            self.bearerToken = bearerToken
            self.stream = stream
        }
    }

    /// What happened to queued windows.
    public enum Event: Sendable, Equatable {
        /// The detector accepted these windows.
        case posted(windows: Int)
        /// A post failed and will be retried (connection error, timeout, 408/425/429/5xx).
        case failed(reason: String, windows: Int)
        /// The queue was full: the oldest windows were dropped without being posted.
        case dropped(windows: Int)
        /// The detector answered with this 4xx status: the windows are not retried.
        case rejected(status: Int, windows: Int)
    }

    private struct Queued: Sendable {
        var id: UInt64
        var body: Data
    }

    private struct State: Sendable {
        var queue: [Queued] = []
        var nextID: UInt64 = 0
    }

    /// The configuration the publisher was created with.
    public let configuration: Configuration
    private let httpClient: HTTPClient
    private let logger: Logger
    private let onEvent: @Sendable (Event) -> Void
    private let onAnswer: (@Sendable (_ windows: [Data], _ answer: Data) -> Void)?
    private let state = Mutex(State())
    private let clock: any Clock<Duration>
    private let wakeups: AsyncStream<Void>
    private let wake: AsyncStream<Void>.Continuation

    /// A publisher with an empty queue. Windows can be enqueued at once; they are posted once
    /// ``run()`` runs.
    ///
    /// - Parameters:
    ///   - configuration: Where and how to post.
    ///   - httpClient: The client that posts (the monitor uses `HTTPClient.shared`).
    ///   - logger: Failures and rejections are logged here.
    ///   - onEvent: Called for every outcome (posted, failed, dropped, rejected).
    ///   - onAnswer: Called after each accepted post with the posted windows' JSON, in order,
    ///     and the detector's answer body (its verdict, or an array of verdicts for a batch);
    ///     answers over 1 MiB are not passed on.
    ///   - clock: Times the pauses between retries and after accepted posts (tests pass a clock
    ///     they move themselves); the request timeout is the HTTP client's, in real time.
    public init(
        configuration: Configuration, httpClient: HTTPClient, logger: Logger,
        onEvent: @escaping @Sendable (Event) -> Void = { _ in },
        onAnswer: (@Sendable (_ windows: [Data], _ answer: Data) -> Void)? = nil,
        clock: any Clock<Duration> = ContinuousClock()
    ) {
        self.clock = clock
        self.configuration = configuration
        self.httpClient = httpClient
        self.logger = logger
        self.onEvent = onEvent
        self.onAnswer = onAnswer
        (wakeups, wake) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    /// Queues a window for posting in the publisher's stream (``Configuration/stream``). Never
    /// blocks; drops the oldest window when full.
    public func enqueue(_ window: TrafficWindow) {
        enqueue(WindowEnvelope(window))
    }

    /// Queues a window for posting as it is wrapped, stamped with ``Configuration/stream`` unless
    /// the envelope names a stream. Never blocks; drops the oldest window when full.
    public func enqueue(_ envelope: WindowEnvelope) {
        var envelope = envelope
        if envelope.stream == nil { envelope.stream = configuration.stream }
        let body: Data
        do {
            body = try envelope.jsonData()
        } catch {
            logger.error("cannot encode window for the detector", metadata: ["error": "\(error)"])
            onEvent(.dropped(windows: 1))
            return
        }
        append(body)
    }

    /// Queues a JSON object the caller encoded — another kind of item the detector's `/detect`
    /// accepts, such as an authentication event — to be posted as it is, in order with the
    /// windows. The caller gives it its stream (``Configuration/stream``) and a sequence of its
    /// own. Never blocks; drops the oldest item when full.
    ///
    /// - Parameter body: One JSON object.
    public func enqueue(body: Data) {
        append(body)
    }

    private func append(_ body: Data) {
        let dropped = state.withLock { state -> Int in
            state.queue.append(Queued(id: state.nextID, body: body))
            state.nextID += 1
            let excess = state.queue.count - configuration.queueCapacity
            if excess > 0 {
                state.queue.removeFirst(excess)
                return excess
            }
            return 0
        }
        if dropped > 0 {
            onEvent(.dropped(windows: dropped))
        }
        wake.yield()
    }

    /// Windows waiting to be posted.
    public var queueDepth: Int { state.withLock { $0.queue.count } }

    /// Posts queued windows, oldest first, until the task is cancelled or the service group
    /// shuts down gracefully; then makes one last attempt to post everything still queued (batch
    /// after batch, until one fails) and returns.
    ///
    /// A post under way when shutdown begins is allowed to finish (within
    /// ``Configuration/requestTimeout``) instead of being cut off, so windows the detector has
    /// received are not posted again. The method does not throw; `throws` comes from `Service`.
    public func run() async throws {
        await cancelWhenGracefulShutdown { [self] in
            await deliverUntilCancelled()
        }
        // Shutdown: one last attempt to deliver what is queued, batch after batch until one
        // fails.
        while let batch = nextBatch(), case .accepted = await postToCompletion(batch) {}
        wake.finish()
    }

    private func deliverUntilCancelled() async {
        var backoff = configuration.initialBackoff
        var wakeIterator = wakeups.makeAsyncIterator()
        while !Task.isCancelled {
            guard let batch = nextBatch() else {
                // Queue empty: wait for the next window (nil once cancelled).
                if await wakeIterator.next() == nil { return }
                continue
            }
            switch await postToCompletion(batch) {
            case .accepted:
                backoff = configuration.initialBackoff
                if configuration.batchInterval > .zero {
                    try? await clock.sleep(for: configuration.batchInterval)
                }
            case .retry:
                try? await clock.sleep(for: backoff)
                backoff = min(backoff * 2, configuration.maximumBackoff)
            }
        }
    }

    /// The oldest queued windows that fit in one request: at most ``Configuration/maximumBatch``
    /// windows and ``Configuration/maximumBatchBytes`` bytes (the array's brackets and commas
    /// included), and at least one.
    private func nextBatch() -> [Queued]? {
        state.withLock { state in
            guard let first = state.queue.first else { return nil }
            var batch = [first]
            var bytes = first.body.count
            for item in state.queue.dropFirst().prefix(configuration.maximumBatch - 1) {
                // "[" + items joined by "," + "]"
                guard bytes + item.body.count + batch.count + 2 <= configuration.maximumBatchBytes else { break }
                batch.append(item)
                bytes += item.body.count
            }
            return batch
        }
    }

    private enum Outcome {
        case accepted, retry
    }

    /// Posts without letting shutdown cancel the request half-way: a post the detector has
    /// received but whose answer was cut off would be retried, and the detector would judge
    /// those windows twice. A post takes at most `requestTimeout`.
    private func postToCompletion(_ batch: [Queued]) async -> Outcome {
        await Task { await self.post(batch) }.value
    }

    private func post(_ batch: [Queued]) async -> Outcome {
        var request = HTTPClientRequest(url: configuration.endpoint)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        if let token = configuration.bearerToken {
            request.headers.add(name: "Authorization", value: "Bearer \(token)")
        }
        var body = ByteBuffer()
        if batch.count == 1 {
            body.writeBytes(batch[0].body)
        } else {
            body.writeInteger(UInt8(ascii: "["))
            for (index, item) in batch.enumerated() {
                if index > 0 { body.writeInteger(UInt8(ascii: ",")) }
                body.writeBytes(item.body)
            }
            body.writeInteger(UInt8(ascii: "]"))
        }
        request.body = .bytes(body)

        let status: Int
        var answer: ByteBuffer?
        do {
            let response = try await httpClient.execute(
                request, timeout: .nanoseconds(configuration.requestTimeout.totalNanoseconds), logger: logger)
            status = Int(response.status.code)
            answer = try? await response.body.collect(upTo: 1 << 20)
        } catch {
            onEvent(.failed(reason: "\(error)", windows: batch.count))
            logger.warning(
                "detector unreachable; windows stay queued",
                metadata: ["endpoint": "\(configuration.endpoint)", "error": "\(error)", "queued": "\(queueDepth)"])
            return .retry
        }

        switch status {
        case 200..<300:
            remove(batch)
            onEvent(.posted(windows: batch.count))
            if let onAnswer, let answer {
                onAnswer(batch.map(\.body), Data(answer.readableBytesView))
            }
            return .accepted
        case 408, 425, 429, 500..<600:
            onEvent(.failed(reason: "HTTP \(status)", windows: batch.count))
            logger.warning("detector answered \(status); windows stay queued", metadata: ["queued": "\(queueDepth)"])
            return .retry
        default:
            remove(batch)
            onEvent(.rejected(status: status, windows: batch.count))
            logger.error("detector rejected \(batch.count) window(s) with HTTP \(status); not retried")
            return .accepted
        }
    }

    /// Removes the posted windows (those still queued: some may have been dropped meanwhile).
    private func remove(_ batch: [Queued]) {
        guard let last = batch.last?.id else { return }
        state.withLock { state in
            state.queue.removeAll { $0.id <= last }
        }
    }
}
