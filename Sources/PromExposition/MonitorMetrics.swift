public import Prometheus
import Synchronization

/// What one closed window contributes to the monitor's metrics. PromExposition
/// imports nothing of the project, so callers translate their window type into this.
///
/// Counts are per window (``MonitorMetrics/record(_:)`` adds them to the counters) and must
/// not be negative: swift-prometheus counters trap on a negative increment. Rates, distinct
/// counts and the window length describe the window itself and set gauges.
public struct WindowObservation: Sendable {
    /// Packets per protocol bucket label (`tcp`, `udp`, `icmp`, `other`); other keys are ignored,
    /// missing ones count 0.
    public var packetsByProtocol: [String: Int]
    /// Bytes (frame lengths) per protocol bucket label, keyed like ``packetsByProtocol``.
    public var bytesByProtocol: [String: Int]
    /// TCP segments with SYN set and ACK clear.
    public var synPackets: Int
    /// TCP segments with both SYN and ACK set.
    public var synAckPackets: Int
    /// TCP segments with RST set.
    public var rstPackets: Int
    /// TCP segments with FIN set.
    public var finPackets: Int
    /// TCP and UDP packets to or from port 53.
    public var dnsPackets: Int
    /// Bytes of the packets counted in ``dnsPackets``.
    public var dnsBytes: Int
    /// IPv4 packets.
    public var ipv4Packets: Int
    /// IPv6 packets.
    public var ipv6Packets: Int
    /// Frames that are neither IPv4 nor IPv6.
    public var nonIPPackets: Int
    /// IP fragments.
    public var fragmentPackets: Int
    /// Packets with truncated or inconsistent headers.
    public var malformedPackets: Int
    /// Packets per second over the window.
    public var packetsPerSecond: Double
    /// Bytes per second over the window.
    public var bytesPerSecond: Double
    /// Distinct source addresses in the window (exact or estimated, as the caller counted them).
    public var uniqueIPs: Int
    /// Distinct TCP and UDP destination ports in the window.
    public var uniquePorts: Int
    /// Length of the window, in seconds.
    public var windowSeconds: Double
    /// (source label, packets per second), largest first; only the first
    /// ``MonitorMetrics/topSourceSeriesLimit`` get a series.
    public var topSources: [(ip: String, packetsPerSecond: Double)]
    /// Sampled packet events written to the ring buffer during the window.
    public var sampledEvents: Int
    /// Sampled packet events lost because the ring buffer was full.
    public var ringBufferLostEvents: Int
    /// Insert failures by map label (`sources`, `port_pairs`, `host_pairs`); other keys are ignored.
    public var insertFailures: [String: Int]
    /// LRU evictions by map label, keyed like ``insertFailures``.
    public var evictions: [String: Int]
    /// Capture records cut by the snap length before their headers ended.
    public var captureTruncatedPackets: Int
    /// Capture records whose timestamp could not be used.
    public var captureInvalidTimestamps: Int
    /// Probes by kind (`syn`, `ack`, `stealth`, `udp`, `icmp`, `arp`; see ``MonitorMetrics/probeKinds``).
    public var probesByKind: [String: Int] = [:]
    /// UDP packets from a well-known reflection source port.
    public var udpReflectionPackets = 0
    /// DNS messages lost before their question was read.
    public var dnsSamplesLost = 0
    /// DNS messages whose question could not be read.
    public var dnsUnparsed = 0
    /// Sources the probe-horizon tracker holds after the window (nil: no tracker).
    public var horizonSources: Int?
    /// Entries the probe-horizon tracker holds after the window (nil: no tracker).
    public var horizonEntries: Int?
    /// The sources the window's probe horizons report (they probed something new in it), with
    /// their breadth over each horizon; feeds ``MetricName/sourceProbedPorts`` and
    /// ``MetricName/sourceProbedHosts``.
    public var probedBreadth: [ProbedBreadth] = []

    /// An observation with the given values; every value not given is 0 or empty.
    public init(
        packetsByProtocol: [String: Int] = [:], bytesByProtocol: [String: Int] = [:], synPackets: Int = 0,
        synAckPackets: Int = 0, rstPackets: Int = 0, finPackets: Int = 0, dnsPackets: Int = 0, dnsBytes: Int = 0,
        ipv4Packets: Int = 0, ipv6Packets: Int = 0, nonIPPackets: Int = 0, fragmentPackets: Int = 0,
        malformedPackets: Int = 0, packetsPerSecond: Double = 0, bytesPerSecond: Double = 0, uniqueIPs: Int = 0,
        uniquePorts: Int = 0, windowSeconds: Double = 0, topSources: [(ip: String, packetsPerSecond: Double)] = [],
        sampledEvents: Int = 0, ringBufferLostEvents: Int = 0, insertFailures: [String: Int] = [:],
        evictions: [String: Int] = [:], captureTruncatedPackets: Int = 0, captureInvalidTimestamps: Int = 0
    ) {
        self.packetsByProtocol = packetsByProtocol
        self.bytesByProtocol = bytesByProtocol
        self.synPackets = synPackets
        self.synAckPackets = synAckPackets
        self.rstPackets = rstPackets
        self.finPackets = finPackets
        self.dnsPackets = dnsPackets
        self.dnsBytes = dnsBytes
        self.ipv4Packets = ipv4Packets
        self.ipv6Packets = ipv6Packets
        self.nonIPPackets = nonIPPackets
        self.fragmentPackets = fragmentPackets
        self.malformedPackets = malformedPackets
        self.packetsPerSecond = packetsPerSecond
        self.bytesPerSecond = bytesPerSecond
        self.uniqueIPs = uniqueIPs
        self.uniquePorts = uniquePorts
        self.windowSeconds = windowSeconds
        self.topSources = topSources
        self.sampledEvents = sampledEvents
        self.ringBufferLostEvents = ringBufferLostEvents
        self.insertFailures = insertFailures
        self.evictions = evictions
        self.captureTruncatedPackets = captureTruncatedPackets
        self.captureInvalidTimestamps = captureInvalidTimestamps
    }
}

/// The monitor's metrics (all `ebpf_*` names of ``MetricName``) on a
/// swift-prometheus registry. Every series with a fixed label set is created when this object
/// is built, so `/metrics` lists them from the first scrape; each moves when the traffic or
/// event it counts happens. The `source_ip` series follow the latest window's top sources,
/// at most ``topSourceSeriesLimit`` of them.
///
/// All methods are safe to call from any thread.
public final class MonitorMetrics: Sendable {
    /// Values of the `protocol` label, in the order the series are created.
    public static let protocols = ["tcp", "udp", "icmp", "other"]
    /// Values of the `map` label.
    public static let maps = ["sources", "port_pairs", "host_pairs", "flows"]
    /// The `map` label values of ``MetricName/mapEvictions``: ``maps`` plus the probe-horizon
    /// tracker's `horizon_sources` and `horizon_entries` and the DNS tracker's `dns_clients` and
    /// `dns_names`.
    public static let evictionMaps = maps + ["horizon_sources", "horizon_entries", "dns_clients", "dns_names"]
    /// The `kind` label values of ``MetricName/probePackets``.
    public static let probeKinds = ["syn", "ack", "stealth", "udp", "icmp", "arp"]
    /// Values of the `source` label of ``MetricName/captureUp``.
    public static let sources = ["xdp", "pcap", "simulation"]

    /// The registry every series is registered on.
    public let registry: PrometheusCollectorRegistry
    /// Most `source_ip` series of ``MetricName/topSourcePacketsPerSecond``.
    public let topSourceSeriesLimit: Int

    private let packets: [String: Counter]
    private let bytes: [String: Counter]
    private let syn, synAck, rst, fin, dnsPackets, dnsBytes: Counter
    private let ipv4, ipv6, nonIP, fragments, malformed, windows: Counter
    private let packetsPerSecond, bytesPerSecond, uniqueIPs, uniquePorts, windowSeconds: Gauge
    private let ringBufferLost, sampledEvents, captureTruncated, captureInvalidTimestamps: Counter
    private let insertFailures: [String: Counter]
    private let evictions: [String: Counter]
    private let captureUp: [String: Gauge]
    private let probes: [String: Counter]
    private let udpReflection, dnsSamplesLost, dnsUnparsed: Counter
    private let horizonSources, horizonEntries: Gauge
    private let posts, postFailures, droppedWindows, rejectedWindows: Counter
    private let queueDepth: Gauge
    private let programRuns: Counter?
    private let programRunSeconds: Counter?
    private let programTotals = Mutex<(runs: UInt64, nanoseconds: UInt64)>((0, 0))
    private let topSourceGauges = Mutex<[String: Gauge]>([:])
    private let breadth = Mutex(BreadthSeries())

    /// The probing sources' breadth series: the latest value per source and when it expires.
    private struct BreadthSeries: Sendable {
        struct Entry: Sendable {
            var value: ProbedBreadth
            /// Capture time (sum of window lengths) after which the value is older than its horizon.
            var expires: Double
            /// The latest report over a shorter horizon, taken over when `value` expires.
            var shorter: (value: ProbedBreadth, expires: Double)?
            var ports: Gauge?
            var hosts: Gauge?

            /// Unregisters the entry's series, if it has any.
            mutating func dropSeries(from registry: PrometheusCollectorRegistry) {
                ports.map(registry.unregisterGauge)
                hosts.map(registry.unregisterGauge)
                (ports, hosts) = (nil, nil)
            }
        }
        var entries: [String: Entry] = [:]
        var clock = 0.0
    }

    /// Default value of `topSourceSeriesLimit` (`METRICS_TOP_SOURCES`).
    public static let defaultTopSourceSeriesLimit = 20
    /// Values of `topSourceSeriesLimit` the monitor's configuration accepts (`METRICS_TOP_SOURCES`).
    /// The initializer itself only raises negative values to 0.
    public static let topSourceSeriesLimitRange = 0...1000

    /// Registers the monitor's fixed series on `registry`, all at 0 (the `source_ip` series come
    /// with the first recorded window).
    ///
    /// - Parameters:
    ///   - registry: The registry to register on; by default a new one.
    ///   - topSourceSeriesLimit: Most `source_ip` series kept (negative values count as 0).
    ///   - programStatistics: Register the XDP program run counters (only when the
    ///     monitor enables kernel BPF statistics).
    public init(
        registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry(), topSourceSeriesLimit: Int = defaultTopSourceSeriesLimit,
        programStatistics: Bool = false
    ) {
        self.registry = registry
        self.topSourceSeriesLimit = max(0, topSourceSeriesLimit)
        let r = registry
        func counter(_ name: String, _ help: String) -> Counter { r.makeCounter(descriptor: describe(name, help)) }
        func gauge(_ name: String, _ help: String) -> Gauge { r.makeGauge(descriptor: describe(name, help)) }

        packets = Dictionary(uniqueKeysWithValues: Self.protocols.map {
            ($0, r.makeCounter(descriptor: describe(MetricName.packetsProcessed, "Packets seen, by protocol bucket."), labels: [("protocol", $0)]))
        })
        bytes = Dictionary(uniqueKeysWithValues: Self.protocols.map {
            ($0, r.makeCounter(descriptor: describe(MetricName.bytesProcessed, "Bytes (frame lengths) seen, by protocol bucket."), labels: [("protocol", $0)]))
        })
        syn = counter(MetricName.synPackets, "TCP segments with SYN set and ACK clear (connection attempts).")
        synAck = counter(MetricName.synAckPackets, "TCP segments with SYN and ACK set.")
        rst = counter(MetricName.rstPackets, "TCP segments with RST set.")
        fin = counter(MetricName.finPackets, "TCP segments with FIN set.")
        dnsPackets = counter(MetricName.dnsPackets, "TCP/UDP packets to or from port 53.")
        dnsBytes = counter(MetricName.dnsBytes, "Bytes of TCP/UDP packets to or from port 53.")
        ipv4 = r.makeCounter(descriptor: describe(MetricName.ipPackets, "IP packets by version."), labels: [("version", "4")])
        ipv6 = r.makeCounter(descriptor: describe(MetricName.ipPackets, "IP packets by version."), labels: [("version", "6")])
        nonIP = counter(MetricName.nonIPPackets, "Frames that are not IPv4 or IPv6.")
        fragments = counter(MetricName.fragmentPackets, "IP fragments.")
        malformed = counter(MetricName.malformedPackets, "Packets with truncated or inconsistent headers (passed and counted).")
        windows = counter(MetricName.windows, "Windows closed by the capture source.")
        packetsPerSecond = gauge(MetricName.packetsPerSecond, "Packets per second in the latest window.")
        bytesPerSecond = gauge(MetricName.bytesPerSecond, "Bytes per second in the latest window.")
        uniqueIPs = gauge(MetricName.uniqueIPs, "Distinct source addresses in the latest window.")
        uniquePorts = gauge(MetricName.uniquePorts, "Distinct TCP/UDP destination ports in the latest window.")
        windowSeconds = gauge(MetricName.windowSeconds, "Length of the latest window in seconds.")
        ringBufferLost = counter(MetricName.ringBufferLostEvents, "Sampled packet events lost because the ring buffer was full.")
        sampledEvents = counter(MetricName.sampledEvents, "Sampled packet events written to the ring buffer.")
        captureTruncated = counter(MetricName.captureTruncatedPackets, "Capture records cut by the snap length inside their headers.")
        captureInvalidTimestamps = counter(
            MetricName.captureInvalidTimestamps, "Capture records with an unusable timestamp, counted in the previous record's window.")
        insertFailures = Dictionary(uniqueKeysWithValues: Self.maps.map {
            ($0, r.makeCounter(descriptor: describe(MetricName.mapInsertFailures, "Map inserts the kernel refused."), labels: [("map", $0)]))
        })
        evictions = Dictionary(uniqueKeysWithValues: Self.evictionMaps.map {
            ($0, r.makeCounter(
                descriptor: describe(MetricName.mapEvictions, "Entries evicted from the bounded tables (kernel LRU tables, probe-horizon tracker)."),
                labels: [("map", $0)]))
        })
        probes = Dictionary(uniqueKeysWithValues: Self.probeKinds.map {
            ($0, r.makeCounter(descriptor: describe(MetricName.probePackets, "Probes (packets that open or test a port or host), by kind."), labels: [("kind", $0)]))
        })
        udpReflection = counter(MetricName.udpReflectionPackets, "UDP packets from a well-known reflection source port.")
        dnsSamplesLost = counter(MetricName.dnsSamplesLost, "DNS messages lost before their question was read.")
        dnsUnparsed = counter(MetricName.dnsUnparsed, "DNS messages whose question could not be read.")
        horizonSources = gauge(MetricName.horizonSources, "Sources the probe-horizon tracker holds.")
        horizonEntries = gauge(MetricName.horizonEntries, "Probed ports, hosts and windows the probe-horizon tracker holds.")
        captureUp = Dictionary(uniqueKeysWithValues: Self.sources.map {
            ($0, r.makeGauge(descriptor: describe(MetricName.captureUp, "1 while the capture source runs."), labels: [("source", $0)]))
        })
        posts = counter(MetricName.mlPosts, "Windows the detector accepted.")
        postFailures = counter(MetricName.mlPostFailures, "Failed posts to the detector (retried).")
        droppedWindows = counter(MetricName.mlDroppedWindows, "Windows dropped because the post queue was full.")
        rejectedWindows = counter(MetricName.mlRejectedWindows, "Windows the detector refused with a 4xx answer.")
        queueDepth = gauge(MetricName.mlQueueDepth, "Windows waiting to be posted to the detector.")
        programRuns = programStatistics ? counter(MetricName.programRuns, "XDP program runs.") : nil
        programRunSeconds = programStatistics ? counter(MetricName.programRunSeconds, "XDP program run time.") : nil
    }

    /// Adds a closed window: adds its counts to the counters, sets the latest-window gauges,
    /// counts one window in ``MetricName/windows`` and replaces the top-source series.
    ///
    /// - Precondition: Every count of `window` is ≥ 0.
    public func record(_ window: WindowObservation) {
        for (label, counter) in packets { counter.increment(by: Int64(window.packetsByProtocol[label] ?? 0)) }
        for (label, counter) in bytes { counter.increment(by: Int64(window.bytesByProtocol[label] ?? 0)) }
        syn.increment(by: Int64(window.synPackets))
        synAck.increment(by: Int64(window.synAckPackets))
        rst.increment(by: Int64(window.rstPackets))
        fin.increment(by: Int64(window.finPackets))
        dnsPackets.increment(by: Int64(window.dnsPackets))
        dnsBytes.increment(by: Int64(window.dnsBytes))
        ipv4.increment(by: Int64(window.ipv4Packets))
        ipv6.increment(by: Int64(window.ipv6Packets))
        nonIP.increment(by: Int64(window.nonIPPackets))
        fragments.increment(by: Int64(window.fragmentPackets))
        malformed.increment(by: Int64(window.malformedPackets))
        windows.increment()
        packetsPerSecond.set(to: window.packetsPerSecond)
        bytesPerSecond.set(to: window.bytesPerSecond)
        uniqueIPs.set(to: Double(window.uniqueIPs))
        uniquePorts.set(to: Double(window.uniquePorts))
        windowSeconds.set(to: window.windowSeconds)
        sampledEvents.increment(by: Int64(window.sampledEvents))
        ringBufferLost.increment(by: Int64(window.ringBufferLostEvents))
        captureTruncated.increment(by: Int64(window.captureTruncatedPackets))
        captureInvalidTimestamps.increment(by: Int64(window.captureInvalidTimestamps))
        for (label, counter) in insertFailures { counter.increment(by: Int64(window.insertFailures[label] ?? 0)) }
        for (label, counter) in evictions { counter.increment(by: Int64(window.evictions[label] ?? 0)) }
        for (label, counter) in probes { counter.increment(by: Int64(window.probesByKind[label] ?? 0)) }
        udpReflection.increment(by: Int64(window.udpReflectionPackets))
        dnsSamplesLost.increment(by: Int64(window.dnsSamplesLost))
        dnsUnparsed.increment(by: Int64(window.dnsUnparsed))
        if let sources = window.horizonSources { horizonSources.set(to: Double(sources)) }
        if let entries = window.horizonEntries { horizonEntries.set(to: Double(entries)) }
        updateTopSources(window.topSources)
        updateBreadth(window.probedBreadth, windowSeconds: window.windowSeconds)
    }

    /// Keeps, per probing source, its breadth over the longest horizon it was reported for, until
    /// one such horizon has passed without a report (then its latest shorter-horizon report, if
    /// still within its own horizon); only the ``topSourceSeriesLimit`` broadest sources get
    /// series.
    private func updateBreadth(_ reported: [ProbedBreadth], windowSeconds: Double) {
        breadth.withLock { state in
            state.clock += windowSeconds.isFinite && windowSeconds > 0 ? windowSeconds : 0
            for item in reported where !item.ip.isEmpty && item.horizonSeconds.isFinite && item.horizonSeconds > 0 {
                var entry = state.entries[item.ip] ?? .init(value: item, expires: 0)
                // A shorter horizon's report does not replace a live longer one.
                if entry.expires <= state.clock || item.horizonSeconds >= entry.value.horizonSeconds {
                    entry.value = item
                    entry.expires = state.clock + item.horizonSeconds
                    entry.shorter = nil
                } else {
                    entry.shorter = (item, state.clock + item.horizonSeconds)
                }
                state.entries[item.ip] = entry
            }
            for (ip, var entry) in state.entries where entry.expires <= state.clock {
                if let shorter = entry.shorter, shorter.expires > state.clock {
                    (entry.value, entry.expires, entry.shorter) = (shorter.value, shorter.expires, nil)
                    state.entries[ip] = entry
                } else {
                    entry.dropSeries(from: registry)
                    state.entries[ip] = nil
                }
            }
            // Bounded: the broadest sources keep series, the others lose theirs (and, far
            // outside the limit, their entries).
            let ranked = state.entries.sorted { a, b in
                let (x, y) = (a.value.value, b.value.value)
                return (x.ports + x.hosts, y.ip) > (y.ports + y.hosts, x.ip)
            }.map(\.key)
            for (rank, ip) in ranked.enumerated() {
                guard var entry = state.entries[ip] else { continue }
                if rank >= topSourceSeriesLimit {
                    entry.dropSeries(from: registry)
                    state.entries[ip] = rank >= 4 * max(1, topSourceSeriesLimit) ? nil : entry
                    continue
                }
                let labels = [("source_ip", ip)]
                let ports = entry.ports ?? registry.makeGauge(
                    descriptor: describe(MetricName.sourceProbedPorts, "Distinct ports a probing source probed over its longest reported horizon."),
                    labels: labels)
                let hosts = entry.hosts ?? registry.makeGauge(
                    descriptor: describe(MetricName.sourceProbedHosts, "Distinct hosts a probing source probed over its longest reported horizon."),
                    labels: labels)
                ports.set(to: Double(entry.value.ports))
                hosts.set(to: Double(entry.value.hosts))
                entry.ports = ports
                entry.hosts = hosts
                state.entries[ip] = entry
            }
        }
    }

    /// Keeps one series per top source (at most ``topSourceSeriesLimit``) and removes
    /// the series of sources no longer in the top.
    private func updateTopSources(_ sources: [(ip: String, packetsPerSecond: Double)]) {
        let current = Array(sources.prefix(topSourceSeriesLimit))
        topSourceGauges.withLock { gauges in
            let keep = Set(current.map(\.ip))
            for (ip, gauge) in gauges where !keep.contains(ip) {
                registry.unregisterGauge(gauge)
                gauges[ip] = nil
            }
            for source in current {
                let gauge =
                    gauges[source.ip]
                    ?? registry.makeGauge(
                        descriptor: describe(
                            MetricName.topSourcePacketsPerSecond, "Packets per second of the latest window's top sources."),
                        labels: [("source_ip", source.ip)])
                gauge.set(to: source.packetsPerSecond)
                gauges[source.ip] = gauge
            }
        }
    }

    /// Marks which capture source runs (1) and the others (0) in ``MetricName/captureUp``;
    /// `nil`, or a value not in ``sources``, sets every source to 0.
    public func captureRunning(source: String?) {
        for (label, gauge) in captureUp { gauge.set(to: label == source ? 1 : 0) }
    }

    /// Adds `count` (≥ 0) windows the detector accepted (``MetricName/mlPosts``).
    public func windowsPosted(_ count: Int) { posts.increment(by: Int64(count)) }
    /// Counts one failed post (``MetricName/mlPostFailures``).
    public func postFailed() { postFailures.increment() }
    /// Adds `count` (≥ 0) windows dropped because the queue was full (``MetricName/mlDroppedWindows``).
    public func windowsDropped(_ count: Int) { droppedWindows.increment(by: Int64(count)) }
    /// Adds `count` (≥ 0) windows the detector refused (``MetricName/mlRejectedWindows``).
    public func windowsRejected(_ count: Int) { rejectedWindows.increment(by: Int64(count)) }
    /// Sets the number of windows waiting to be posted (``MetricName/mlQueueDepth``).
    public func setQueueDepth(_ depth: Int) { queueDepth.set(to: Double(depth)) }

    /// Takes the kernel's cumulative run statistics of the program and adds what is
    /// new since the previous call (a smaller value means the program was reloaded).
    /// Does nothing unless the object was built with `programStatistics: true`.
    ///
    /// - Parameters:
    ///   - runCount: Total runs of the program so far.
    ///   - runTimeNanoseconds: Total run time of the program so far, in nanoseconds.
    public func programStatistics(runCount: UInt64, runTimeNanoseconds: UInt64) {
        let delta = programTotals.withLock { last -> (UInt64, UInt64) in
            defer { last = (runCount, runTimeNanoseconds) }
            return (
                runCount >= last.runs ? runCount - last.runs : runCount,
                runTimeNanoseconds >= last.nanoseconds ? runTimeNanoseconds - last.nanoseconds : runTimeNanoseconds
            )
        }
        programRuns?.increment(by: Int64(clamping: delta.0))
        programRunSeconds?.increment(by: Double(delta.1) / 1e9)
    }

    /// The Prometheus text exposition (format 0.0.4) of every series on ``registry``.
    public func render() -> String {
        registry.emitToString()
    }
}

/// One probing source's breadth over one horizon (``WindowObservation/probedBreadth``).
public struct ProbedBreadth: Sendable, Equatable {
    /// The source address (or IPv6 prefix).
    public var ip: String
    /// The horizon, in seconds.
    public var horizonSeconds: Double
    /// Distinct ports it probed within the horizon.
    public var ports: Int
    /// Distinct hosts it probed within the horizon.
    public var hosts: Int

    /// The breadth of `ip` over `horizonSeconds`.
    public init(ip: String, horizonSeconds: Double, ports: Int, hosts: Int) {
        self.ip = ip
        self.horizonSeconds = horizonSeconds
        self.ports = ports
        self.hosts = hosts
    }
}

/// A descriptor for a name already written out in full in ``MetricName``.
func describe(_ name: String, _ help: String) -> MetricNameDescriptor {
    MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
}
