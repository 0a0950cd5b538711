import Foundation
import AnomalyModels
import Testing
import TrafficFeatures
import WindowFormat
import Synchronization

@testable import ThreatRules

/// The detector keeps per-stream state (sustained brute force, the models' persistence) in a
/// bounded table that no client can empty: streams that keep posting keep their state however
/// many new identities appear, and every state forgotten is counted.
@Suite("detector: per-stream state no client can reset")
struct StreamStateTests {
    static func rulesOnlyDetector(maximumStreams: Int = ThreatDetector.defaultMaximumStreams) throws -> ThreatDetector {
        try ThreatDetector(
            thresholds: RuleThresholds(), networkEnsemble: ThreatDetector.bootstrapNetworkEnsemble(),
            authenticationEnsemble: ThreatDetector.bootstrapAuthenticationEnsemble(), modelsEnabled: false,
            maximumStreams: maximumStreams)
    }

    /// Second `sequence` of a sensor's stream in which 198.18.0.5 opens 15 connections/s to one
    /// service: brute force once it has lasted 3 s.
    static func guessing(_ sequence: Int, stream: String = "sensor-a") -> WindowEnvelope {
        let guesser = SourceStats(
            ip: "198.18.0.5", packets: 90, bytes: 6000, synPackets: 15, uniquePorts: 1, uniqueHosts: 1, tcpPackets: 90)
        var window = craftedWindow(
            packets: 90, bytes: 6000, tcp: 90, syn: 15, ips: 2, ports: 2, sources: [guesser], sequence: sequence)
        window.interface = "eth0"
        window.source = .xdp
        return WindowEnvelope(window, stream: stream)
    }

    /// A quiet window of a stream no one posts to again.
    static func oneShot(_ number: Int) -> TrafficWindow {
        var window = craftedWindow(packets: 10, bytes: 1000, tcp: 10, ips: 1, ports: 1, sequence: 0)
        window.interface = "if\(number)"
        window.source = .xdp
        return window
    }

    @Test("10,000 stream identities posted between two halves of a sustained brute force: it is still reported")
    func aFloodOfIdentitiesDoesNotEraseAStream() throws {
        let detector = try Self.rulesOnlyDetector()
        #expect(try detector.detect(Self.guessing(0)).threatTypes.isEmpty)
        #expect(try detector.detect(Self.guessing(1)).threatTypes.isEmpty)
        for number in 0..<10_000 { _ = try detector.detect(Self.oneShot(number)) }
        let third = try detector.detect(Self.guessing(2))
        #expect(third.threatTypes == [.rule(.bruteForce)])
        #expect(third.attackingIPs == ["198.18.0.5"])
        #expect(third.explanations.first?.hasSuffix("sustained for 3 s") == true, "\(third.explanations)")
        // The one-shot identities cycled through probation (a fifth of the table); each one
        // pushed out was counted.
        let probation = ThreatDetector.defaultMaximumStreams / 5
        #expect(detector.trackedStreams == 1 + probation)
        #expect(detector.streamEvictions == 10_000 - probation)
    }

    @Test("streams are told apart by stream, interface and source: two sensors' windows do not break each other's streak")
    func twoSensorsKeepTheirOwnState() throws {
        let detector = try Self.rulesOnlyDetector()
        var reported: [[ReportedThreat]] = []
        for sequence in 0..<3 {
            // Interleaved, each with its own sequence: one shared state would see gaps and restart.
            reported.append(try detector.detect(Self.guessing(sequence, stream: "sensor-a")).threatTypes)
            reported.append(try detector.detect(Self.guessing(sequence + 100, stream: "sensor-b")).threatTypes)
        }
        #expect(reported == [[], [], [], [], [.rule(.bruteForce)], [.rule(.bruteForce)]])
        #expect(detector.trackedStreams == 2)
        #expect(detector.streamEvictions == 0)
    }

    @Test("more streams that keep posting than the table holds: the least recently used is forgotten, counted")
    func theLeastRecentlyUsedStreamIsForgotten() throws {
        // 5 streams: 4 protected, 1 probation.
        let detector = try Self.rulesOnlyDetector(maximumStreams: 5)
        for name in ["a", "b", "c", "d", "e", "f"] {
            for sequence in 0..<2 { _ = try detector.detect(Self.guessing(sequence, stream: name)) }
        }
        // e's second window moved a (the oldest) back to probation, f's first pushed it out.
        #expect(detector.maximumStreams == 5)
        #expect(detector.trackedStreams == 5)
        #expect(detector.streamEvictions == 1)
        // The most recently posting stream still has its 2 s streak; a forgotten one starts again.
        #expect(try detector.detect(Self.guessing(2, stream: "f")).threatTypes == [.rule(.bruteForce)])
        #expect(try detector.detect(Self.guessing(2, stream: "a")).threatTypes.isEmpty)
    }

    @Test("GET /detect/prom's judging (learn: false) creates no stream state")
    func judgingWithoutLearningKeepsNoState() throws {
        let detector = try Self.rulesOnlyDetector()
        for number in 0..<10 { _ = try detector.detect(Self.oneShot(number), learn: false) }
        #expect(detector.trackedStreams == 0)
    }

    @Test("a maximum outside 1…1,000,000 is clamped")
    func theMaximumIsClamped() throws {
        #expect(try Self.rulesOnlyDetector(maximumStreams: 0).maximumStreams == 1)
        #expect(try Self.rulesOnlyDetector(maximumStreams: Int.max).maximumStreams == 1_000_000)
    }

    @Test("identities do not collide: an interface containing the other fields is another stream")
    func identitiesDoNotCollide() {
        let joined = StreamIdentity(interface: "eth0|xdp")
        let parts = StreamIdentity(interface: "eth0", source: "xdp")
        #expect(joined != parts)
        #expect(parts.description == "-/eth0/xdp")
    }
}

/// `StreamStates` against a plain reference implementation of the same segmented LRU (arrays,
/// O(n)), over random uses of a few keys and several capacities.
@Suite("StreamStates: segmented LRU")
struct StreamStatesTests {
    /// The same policy, written the obvious way.
    struct Reference {
        let capacity: Int
        let protectedCapacity: Int
        var probation: [StreamIdentity] = []  // most recently used first
        var protected: [StreamIdentity] = []
        var values: [StreamIdentity: Int] = [:]
        var evictions = 0

        init(capacity: Int) {
            self.capacity = capacity
            protectedCapacity = capacity - max(1, capacity / 5)
        }

        mutating func use(_ key: StreamIdentity) -> Int {
            if let at = protected.firstIndex(of: key) {
                protected.remove(at: at)
                protected.insert(key, at: 0)
            } else if let at = probation.firstIndex(of: key) {
                probation.remove(at: at)
                if protectedCapacity == 0 {
                    probation.insert(key, at: 0)
                } else {
                    if protected.count >= protectedCapacity { probation.insert(protected.removeLast(), at: 0) }
                    protected.insert(key, at: 0)
                }
            } else {
                if probation.count >= capacity - protectedCapacity {
                    values[probation.removeLast()] = nil
                    evictions += 1
                }
                probation.insert(key, at: 0)
            }
            values[key, default: 0] += 1
            return values[key]!
        }
    }

    @Test("the same uses, values, members and evictions as the reference", arguments: [1, 2, 3, 5, 7, 16])
    func matchesTheReference(capacity: Int) {
        var generator = SplitMix64(seed: UInt64(capacity))
        var table = StreamStates<StreamIdentity, Int>(capacity: capacity)
        var reference = Reference(capacity: capacity)
        let keys = (0..<(capacity * 3)).map { StreamIdentity(stream: "s\($0)") }
        for _ in 0..<5_000 {
            // Skewed: a few keys are used far more often, as streams that keep posting are.
            let key = generator.next() % 4 == 0
                ? keys[Int(generator.next() % UInt64(keys.count))] : keys[Int(generator.next() % UInt64(capacity))]
            let value = table.update(key, make: { 0 }) { value -> Int in
                value += 1
                return value
            }
            #expect(value == reference.use(key))
            #expect(table.count <= capacity)
        }
        #expect(table.count == reference.values.count)
        #expect(table.evictions == reference.evictions)
        for key in keys { #expect(table.peek(key) == reference.values[key]) }
    }

    @Test("identities that post once never push out one that posted twice")
    func oneShotsStayInProbation() {
        var table = StreamStates<StreamIdentity, Int>(capacity: 5)
        let kept = StreamIdentity(stream: "kept")
        for _ in 0..<2 { table.update(kept, make: { 0 }) { $0 += 1 } }
        for number in 0..<1_000 { table.update(StreamIdentity(stream: "once-\(number)"), make: { 0 }) { $0 += 1 } }
        #expect(table.peek(kept) == 2)
        #expect(table.count == 2)
        #expect(table.evictions == 999)
    }
}

/// Windows without `window_start` and events without a timestamp are learned at the detector's
/// wall clock, which a test sets.
@Suite("detector: the wall clock is injected")
struct DetectorWallClockTests {
    final class ManualWallClock: Sendable {
        let now = Mutex(Date(timeIntervalSince1970: 1_800_000_000))
        func advance(_ seconds: Double) { now.withLock { $0 += seconds } }
    }

    @Test func windowsWithoutAStartAreLearnedAtTheInjectedTime() throws {
        let clock = ManualWallClock()
        let detector = try ThreatDetector(
            thresholds: RuleThresholds(), networkEnsemble: ThreatDetector.bootstrapNetworkEnsemble(),
            authenticationEnsemble: ThreatDetector.bootstrapAuthenticationEnsemble(),
            wallClock: { clock.now.withLock { $0 } })
        var window = craftedWindow(packets: 100, bytes: 60_000, tcp: 100, ips: 3, ports: 2)
        window.windowStart = nil
        _ = try detector.detect(window)
        _ = try detector.detect(window)
        // Both at the same instant: both are recent.
        #expect(detector.network.statistics.recentSamples == 2)
        // Eleven minutes later on the injected clock, the first two are no longer recent (600 s).
        clock.advance(660)
        _ = try detector.detect(window)
        #expect(detector.network.statistics.recentSamples == 1)
        #expect(detector.network.statistics.trainingSamples == 3)
    }
}
