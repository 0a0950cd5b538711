public import Foundation
public import Logging
import Synchronization
public import TrafficFeatures

/// Synthetic traffic through the same aggregation as the other sources, for hosts
/// without the privileges XDP needs, for development and for demos.
///
/// Packets come from `SyntheticTraffic` (seeded, repeatable); attacks can be
/// scheduled by window number. With `.realTime` pacing a window is emitted when its
/// duration has elapsed; with `.asFastAsPossible` windows are produced back to back
/// from `startDate`, which makes runs reproducible.
public final class SimulatedCapture: WindowSource, Sendable {
    /// An attack active for the windows in `windows` (by sequence number).
    public struct ScheduledAttack: Sendable, Equatable {
        /// The attack traffic, added to the benign traffic.
        public var attack: SyntheticTraffic.Attack
        /// The window sequence numbers the attack is active in.
        public var windows: Range<Int>

        /// An attack active in the given windows.
        ///
        /// - Parameters:
        ///   - attack: The attack traffic.
        ///   - windows: The window sequence numbers (0, 1, 2, …) the attack is active in.
        public init(_ attack: SyntheticTraffic.Attack, windows: Range<Int>) {
            self.attack = attack
            self.windows = windows
        }

        /// The demo's scenario on simulated traffic (`monitor --simulate --simulate-attacks`),
        /// the same kinds of attacks `make demo` sends from a test namespace, 10 windows apart
        /// after 10 benign ones: a port scan from 198.18.0.66 (2 windows), a SYN flood from
        /// 198.18.0.77 (2), a UDP amplification flood from 300 reflectors (2), a ping sweep from
        /// 198.18.0.88 (1) and a DNS tunnel from 198.18.0.99 (3). Windows 60 and later are benign.
        public static let demoScenario: [ScheduledAttack] = [
            ScheduledAttack(.portScan(source: NetworkAddress(ipv4: 198, 18, 0, 66), ports: 1...1000, packetsPerSecond: 600), windows: 10..<12),
            ScheduledAttack(.synFlood(source: NetworkAddress(ipv4: 198, 18, 0, 77), port: 80, packetsPerSecond: 3000), windows: 20..<22),
            ScheduledAttack(.udpFlood(reflectors: 300, sourcePort: 123, packetsPerSecond: 3000), windows: 30..<32),
            ScheduledAttack(
                .hostSweep(source: NetworkAddress(ipv4: 198, 18, 0, 88), hosts: 254, firstHost: NetworkAddress(ipv4: 198, 19, 0, 1)),
                windows: 40..<41),
            ScheduledAttack(.dnsTunnel(source: NetworkAddress(ipv4: 198, 18, 0, 99), queriesPerSecond: 40), windows: 50..<53),
        ]
    }

    /// Settings of a simulation.
    public struct Configuration: Sendable {
        /// The length of each window.
        public var windowInterval: Duration
        /// The benign traffic: host address, mean packet rate, client population and daily cycle.
        public var profile: SyntheticTraffic.Profile
        /// The random seed; the same seed, profile and attacks give the same packets.
        public var seed: UInt64
        /// Attacks to add, by window sequence number.
        public var attacks: [ScheduledAttack]
        /// ``PcapCapture/Pacing/realTime`` (the default) emits a window when its duration has elapsed;
        /// ``PcapCapture/Pacing/asFastAsPossible`` emits windows back to back.
        public var pacing: PcapCapture.Pacing
        /// Start time of window 0; now when nil.
        public var startDate: Date?
        /// Stop after this many windows; run until stopped when nil.
        public var windowLimit: Int?
        /// Table bounds, IPv6 source grouping and top-source limit used to build windows.
        public var aggregation: AggregationSettings
        /// The value of each window's `interface` field; nil leaves it unset.
        public var interface: String?

        /// Settings with the given values; each parameter sets the property of the same name.
        public init(
            windowInterval: Duration = .seconds(1),
            profile: SyntheticTraffic.Profile = SyntheticTraffic.Profile(),
            seed: UInt64 = 1,
            attacks: [ScheduledAttack] = [],
            pacing: PcapCapture.Pacing = .realTime,
            startDate: Date? = nil,
            windowLimit: Int? = nil,
            aggregation: AggregationSettings = AggregationSettings(),
            interface: String? = nil
        ) {
            self.windowInterval = windowInterval
            self.profile = profile
            self.seed = seed
            self.attacks = attacks
            self.pacing = pacing
            self.startDate = startDate
            self.windowLimit = windowLimit
            self.aggregation = aggregation
            self.interface = interface
        }
    }

    /// The settings the simulation was created with.
    public let configuration: Configuration
    private let logger: Logger
    /// Starts a stopwatch on the pacing clock: the returned closure tells the time since.
    private let stopwatch: @Sendable () -> @Sendable () -> Duration
    /// Sleeps on the pacing clock.
    private let sleep: @Sendable (Duration) async throws -> Void
    private let stopping = Atomic<Bool>(false)
    private let started = Atomic<Bool>(false)

    /// Always `.simulation`.
    public var kind: CaptureSourceKind { .simulation }
    /// `simulation (<rate> pps mean)`, with the profile's mean packet rate.
    public var summary: String { "simulation (\(Int(configuration.profile.meanPacketsPerSecond)) pps mean)" }

    /// Creates a simulation; nothing runs until ``windows()``. It needs no privileges.
    ///
    /// - Parameters:
    ///   - configuration: The traffic, attacks, pacing and window settings.
    ///   - logger: The logger of the source.
    ///   - clock: Paces the windows with `.realTime` pacing (tests pass a clock they move
    ///     themselves); window start times still come from `startDate`, else the wall clock.
    public init(configuration: Configuration = Configuration(), logger: Logger, clock: some Clock<Duration> = ContinuousClock()) {
        stopwatch = {
            let start = clock.now
            return { start.duration(to: clock.now) }
        }
        sleep = { try await clock.sleep(for: $0) }
        self.configuration = configuration
        self.logger = logger
    }

    /// Starts generating in a task and returns the stream of windows.
    ///
    /// Window *n* starts at `startDate` + *n* × `windowInterval`. The stream finishes after
    /// ``stop()`` (the window in progress is still delivered), after `windowLimit` windows, or
    /// when the consumer stops iterating. Call it once: a second call returns a stream that throws
    /// `.invalidConfiguration`; otherwise the stream does not throw.
    public func windows() -> AsyncThrowingStream<TrafficWindow, any Error> {
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: TrafficWindow.self)
        guard !started.exchange(true, ordering: .relaxed) else {
            continuation.finish(
                throwing: CaptureError(
                    .invalidConfiguration, operation: "SimulatedCapture.windows", message: "windows() can be called once"))
            return stream
        }
        let task = Task { [self] in
            await generate(into: continuation)
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }

    /// Asks the generator to finish after the window in progress. Returns at once.
    public func stop() {
        stopping.store(true, ordering: .relaxed)
    }

    private func generate(into continuation: AsyncThrowingStream<TrafficWindow, any Error>.Continuation) async {
        var traffic = SyntheticTraffic(profile: configuration.profile, seed: configuration.seed)
        var aggregator = WindowAggregator(settings: configuration.aggregation)
        var enrichment = WindowEnrichment(horizons: configuration.aggregation.horizons)
        let elapsed = stopwatch()
        let firstStart = configuration.startDate ?? Date()
        let seconds = configuration.windowInterval.totalSeconds
        var sequence = 0
        while !stopping.load(ordering: .relaxed) && !Task.isCancelled {
            if let limit = configuration.windowLimit, sequence >= limit { break }
            if configuration.pacing == .realTime {
                let due = configuration.windowInterval * (sequence + 1)
                // Sleep in short steps so stop() is honoured promptly.
                while elapsed() < due && !stopping.load(ordering: .relaxed) && !Task.isCancelled {
                    try? await sleep(min(.milliseconds(100), due - elapsed()))
                }
            }
            let start = firstStart.addingTimeInterval(Double(sequence) * seconds)
            let attacks = configuration.attacks.filter { $0.windows.contains(sequence) }.map(\.attack)
            for packet in traffic.packets(start: start, duration: seconds, attacks: attacks) {
                aggregator.add(packet)
            }
            var (window, detail) = aggregator.closeWithDetail(
                start: start, duration: seconds, interface: configuration.interface, source: .simulation,
                sequence: sequence)
            enrichment.enrich(&window, detail: detail)
            continuation.yield(window)
            sequence += 1
        }
        continuation.finish()
    }
}
