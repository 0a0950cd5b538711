import AsyncHTTPClient
import Foundation
import Logging
import Synchronization
import TestSupport
import Testing

import TrafficFeatures
import WindowFormat
@testable import WindowTransport

@Suite("Posting windows to the detector")
struct WindowPublisherTests {
    static func window(_ sequence: Int) -> TrafficWindow {
        var counters = WindowCounters()
        counters.packets = sequence
        counters.udpPackets = sequence
        return TrafficWindow(
            windowStart: Date(timeIntervalSince1970: Double(sequence)), windowSeconds: 1, counters: counters,
            uniqueIPs: 1, uniquePorts: 1, source: .simulation, sequence: sequence)
    }

    /// Collects the publisher's events.
    final class Events: Sendable {
        let list = Mutex<[WindowPublisher.Event]>([])
        func append(_ event: WindowPublisher.Event) { list.withLock { $0.append(event) } }
        var posted: Int { list.withLock { $0.reduce(0) { if case let .posted(n) = $1 { $0 + n } else { $0 } } } }
        var failures: Int { list.withLock { $0.filter { if case .failed = $0 { true } else { false } }.count } }
        var dropped: Int { list.withLock { $0.reduce(0) { if case let .dropped(n) = $1 { $0 + n } else { $0 } } } }
        var rejected: Int { list.withLock { $0.reduce(0) { if case let .rejected(_, n) = $1 { $0 + n } else { $0 } } } }
    }

    /// `timeout`: generous by default, as the receiver shares the test process with every other
    /// test and a post cut off by a timeout would be retried (and counted) although it arrived.
    /// AsyncHTTPClient retries a refused connection until the timeout: short for a closed port.
    static func publisher(
        _ url: String, queue: Int = 600, token: String? = nil, timeout: Duration = .seconds(60), events: Events
    ) -> WindowPublisher {
        var logger = Logger(label: "publisher-test")
        logger.logLevel = .critical
        return WindowPublisher(
            configuration: .init(
                endpoint: url + "/detect", queueCapacity: queue, initialBackoff: .milliseconds(20),
                maximumBackoff: .milliseconds(100), requestTimeout: timeout, bearerToken: token),
            httpClient: .shared, logger: logger, onEvent: events.append)
    }

    /// Runs the publisher until `condition` holds, then stops it; a condition that never holds
    /// fails the test.
    static func run(_ publisher: WindowPublisher, until condition: @escaping @Sendable () -> Bool) async throws {
        let task = Task { try await publisher.run() }
        let held = try await Poll.until { condition() }
        task.cancel()
        try await task.value
        try #require(held, "the publisher never reached the expected state")
    }

    @Test func postsEveryWindowInOrder() async throws {
        let receiver = try await WindowReceiver.start()
        let events = Events()
        let publisher = Self.publisher(receiver.url, token: "s3cret", events: events)
        for sequence in 0..<25 { publisher.enqueue(Self.window(sequence)) }
        try await Self.run(publisher) { events.posted == 25 }
        await receiver.stop()
        #expect(receiver.acceptedWindows.map(\.sequence) == Array(0..<25))
        // Every window carries the publisher's stream, by which the detector recognises a repeat.
        #expect(receiver.acceptedWindows[3] == WindowEnvelope(Self.window(3), stream: publisher.configuration.stream))
        #expect(Set(receiver.acceptedWindows.map(\.stream)) == [publisher.configuration.stream])
        #expect(receiver.requests.allSatisfy { $0.authorization == "Bearer s3cret" })
        #expect(events.failures == 0 && events.dropped == 0)
        #expect(publisher.queueDepth == 0)
    }

    @Test("a window enqueued in an envelope keeps its own stream and source name; a bare one gets the publisher's")
    func anEnvelopeKeepsItsStream() async throws {
        let receiver = try await WindowReceiver.start()
        let events = Events()
        let publisher = Self.publisher(receiver.url, events: events)
        var relayed = try JSONDecoder().decode(WindowEnvelope.self, from: try Self.window(0).jsonData())
        relayed.stream = "relayed-sensor"
        relayed.window.source = nil
        relayed.otherSource = "sensor-7"
        publisher.enqueue(relayed)
        publisher.enqueue(Self.window(1))
        try await Self.run(publisher) { events.posted == 2 }
        await receiver.stop()
        #expect(receiver.acceptedWindows == [relayed, WindowEnvelope(Self.window(1), stream: publisher.configuration.stream)])
    }

    @Test func retriesThroughAnOutageWithoutSkipping() async throws {
        let receiver = try await WindowReceiver.start(statuses: [503, 503, 500, 429])
        let events = Events()
        let publisher = Self.publisher(receiver.url, events: events)
        for sequence in 0..<10 { publisher.enqueue(Self.window(sequence)) }
        try await Self.run(publisher) { events.posted == 10 }
        await receiver.stop()
        #expect(events.failures == 4)
        #expect(receiver.acceptedWindows.map(\.sequence) == Array(0..<10))
        #expect(events.dropped == 0)
    }

    @Test("a 2-minute outage on a test clock: the back-off doubles from 0.5 s to the 30 s cap, and every window arrives once, in order")
    func backOffOnATestClock() async throws {
        let receiver = try await WindowReceiver.start(defaultStatus: 503)
        let events = Events()
        let clock = TestClock()
        var logger = Logger(label: "publisher-test")
        logger.logLevel = .critical
        // The default back-off (0.5 s doubling to 30 s); a generous request timeout, as above.
        let publisher = WindowPublisher(
            configuration: .init(endpoint: receiver.url + "/detect", requestTimeout: .seconds(60)),
            httpClient: .shared, logger: logger, onEvent: events.append, clock: clock)
        for sequence in 0..<5 { publisher.enqueue(Self.window(sequence)) }
        let task = Task { try await publisher.run() }
        var next = 5
        for retry in 0..<9 {
            // The publisher failed a post and is pausing; capture goes on meanwhile.
            try #require(try await clock.waitForSleepers(), "the publisher never paused after retry \(retry)")
            publisher.enqueue(Self.window(next))
            next += 1
            if retry == 8 { receiver.answer(200) }
            clock.advanceToNextDeadline()
        }
        let delivered = try await Poll.until { events.posted == next }
        task.cancel()
        try await task.value
        await receiver.stop()
        #expect(delivered, "posted \(events.posted) of \(next)")
        #expect(clock.requestedSleeps == [0.5, 1, 2, 4, 8, 16, 30, 30, 30].map { Duration.milliseconds(Int($0 * 1000)) })
        #expect(clock.now.offset == .milliseconds(121_500))
        #expect(events.failures == 9 && events.dropped == 0)
        #expect(receiver.acceptedWindows.map(\.sequence) == Array(0..<next))
    }

    @Test func boundedQueueDropsTheOldestAndCountsThem() async throws {
        let events = Events()
        // Nothing listens on this port: every post fails.
        let closed = try ClosedPort()
        let publisher = Self.publisher(closed.url, queue: 3, timeout: .seconds(2), events: events)
        for sequence in 0..<10 { publisher.enqueue(Self.window(sequence)) }
        #expect(events.dropped == 7)
        #expect(publisher.queueDepth == 3)
        try await Self.run(publisher) { events.failures >= 2 }
        #expect(events.posted == 0)
        withExtendedLifetime(closed) {}

        // The detector comes back: the three newest windows arrive.
        let receiver = try await WindowReceiver.start()
        let recovered = Self.publisher(receiver.url, queue: 3, events: events)
        for sequence in 7..<10 { recovered.enqueue(Self.window(sequence)) }
        try await Self.run(recovered) { events.posted == 3 }
        await receiver.stop()
        #expect(receiver.acceptedWindows.map(\.sequence) == [7, 8, 9])
    }

    @Test func eachPublisherIsANewStream() {
        let events = Events()
        let a = Self.publisher("http://127.0.0.1:9", events: events), b = Self.publisher("http://127.0.0.1:9", events: events)
        #expect(a.configuration.stream != b.configuration.stream)
        #expect(a.configuration.stream.count == 36)  // a UUID, within WindowEnvelope.maximumStreamLength
    }

    /// A backlog goes in batches the detector reads whole: the detector refuses bodies over
    /// 64 KiB (413, not retried), so a batch of 60 windows of 1–2 KB each would lose them all.
    @Test func batchesStayWithinTheBodyLimit() async throws {
        let receiver = try await WindowReceiver.start(statuses: [503])
        let events = Events()
        var logger = Logger(label: "publisher-test")
        logger.logLevel = .critical
        let publisher = WindowPublisher(
            configuration: .init(
                endpoint: receiver.url + "/detect", maximumBatchBytes: 10_000, initialBackoff: .milliseconds(20),
                maximumBackoff: .milliseconds(100), requestTimeout: .seconds(60)),
            httpClient: .shared, logger: logger, onEvent: events.append)
        func large(_ sequence: Int, sources: Int) -> TrafficWindow {
            var window = Self.window(sequence)
            window.topSources = (0..<sources).map { SourceStats(ip: "198.18.1.\($0)", packets: sequence, bytes: 100 * sequence) }
            return window
        }
        for sequence in 0..<40 { publisher.enqueue(large(sequence, sources: 8)) }
        publisher.enqueue(large(40, sources: 200))  // larger than the bound alone
        publisher.enqueue(large(41, sources: 8))
        try await Self.run(publisher) { events.posted == 42 }
        await receiver.stop()
        #expect(receiver.acceptedWindows.map(\.sequence) == Array(0..<42))
        let accepted = receiver.requests.filter { $0.status == 200 }
        #expect(accepted.count > 4)
        for request in accepted where WindowReceiver.windows(in: request.body).count > 1 {
            #expect(request.body.count <= 10_000)
        }
        // The oversized window went alone.
        #expect(accepted.contains { WindowReceiver.windows(in: $0.body).map(\.sequence) == [40] })
        #expect(events.rejected == 0 && events.dropped == 0)
    }

    @Test func refusedWindowsAreCountedNotRetried() async throws {
        let receiver = try await WindowReceiver.start(statuses: [400])
        let events = Events()
        let publisher = Self.publisher(receiver.url, events: events)
        let task = Task { try await publisher.run() }
        publisher.enqueue(Self.window(1))
        let rejected = try await Poll.until { events.rejected == 1 }
        publisher.enqueue(Self.window(2))
        let posted = try await Poll.until { events.posted == 1 }
        task.cancel()
        try await task.value
        try #require(rejected && posted, "rejected \(events.rejected), posted \(events.posted)")
        await receiver.stop()
        #expect(receiver.requests.map(\.status) == [400, 200])
        #expect(receiver.acceptedWindows.map(\.sequence) == [2])
        #expect(events.failures == 0)
    }
}
