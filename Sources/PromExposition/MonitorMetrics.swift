public import Prometheus
import Synchronization

/// What one closed window contributes to the monitor's metrics. PromExposition
/// imports nothing of the project, so callers translate their window type into this.
///
/// Counts are per window (``MonitorMetrics/record(_:)`` adds them to the counters) and must
/// not be negative: swift-prometheus counters trap on a negative increment. Rates, distinct
/// counts and the window length describe the window itself and set gauges.
public struct WindowObservation: Sendable {
    /// What the window adds to each counter series of ``CounterSeries/all`` (packets by protocol,
    /// TCP flags, probes by kind, losses by map, …), keyed by ``CounterSeries/id``; missing series
    /// count 0, and a key that is the id of no series of ``CounterSeries/all`` has no series to go
    /// to (the monitor's own keys come from the same table, and a test checks that each has one).
    /// ``add(_:to:label:)`` fills it.
    public var counts: [String: Int]
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
        counts: [String: Int] = [:], packetsPerSecond: Double = 0, bytesPerSecond: Double = 0, uniqueIPs: Int = 0,
        uniquePorts: Int = 0, windowSeconds: Double = 0, topSources: [(ip: String, packetsPerSecond: Double)] = [],
        sampledEvents: Int = 0
    ) {
        self.counts = counts
        self.packetsPerSecond = packetsPerSecond
        self.bytesPerSecond = bytesPerSecond
        self.uniqueIPs = uniqueIPs
        self.uniquePorts = uniquePorts
        self.windowSeconds = windowSeconds
        self.topSources = topSources
        self.sampledEvents = sampledEvents
    }

    /// Adds `value` to the count of one series, e.g. `add(5, to: MetricName.synPackets)` or
    /// `add(1_200, to: MetricName.packetsProcessed, label: ("protocol", "tcp"))`.
    public mutating func add(_ value: Int, to metric: String, label: (name: String, value: String)? = nil) {
        counts[CounterSeries.id(metric, label: label), default: 0] += value
    }
}

/// One series of a monitor counter that window counts feed: a metric of ``MetricName`` and at most
/// one label. ``all`` (generated from `bpf/counters.def`) lists every one; ``MonitorMetrics``
/// creates them all when it is built.
public struct CounterSeries: Sendable, Hashable {
    /// The metric's name, e.g. `ebpf_packets_processed_total`.
    public let metric: String
    /// The label's name, e.g. `protocol`; nil for a series without labels.
    public let labelName: String?
    /// The label's value, e.g. `tcp`; nil for a series without labels.
    public let labelValue: String?
    /// The metric's help text.
    public let help: String

    /// A series of `metric`, with `label` when it has one.
    public init(metric: String, label: (name: String, value: String)?, help: String) {
        self.metric = metric
        self.labelName = label?.name
        self.labelValue = label?.value
        self.help = help
    }

    /// The series as the exposition writes it: `ebpf_syn_packets_total`,
    /// `ebpf_packets_processed_total{protocol="tcp"}`. The key of ``WindowObservation/counts``.
    public var id: String {
        Self.id(metric, label: labelName.map { ($0, labelValue ?? "") })
    }

    /// The ``id`` of a series of `metric` with `label`.
    public static func id(_ metric: String, label: (name: String, value: String)? = nil) -> String {
        guard let label else { return metric }
        return "\(metric){\(label.name)=\"\(label.value)\"}"
    }

    /// The values of `label` among ``all``'s series of `metric`, in the table's order.
    static func labelValues(of metric: String) -> [String] {
        all.filter { $0.metric == metric }.compactMap(\.labelValue)
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
    /// Values of the `protocol` label (`tcp`, `udp`, `icmp`, `other`), in the order the series are created.
    public static let protocols = CounterSeries.labelValues(of: MetricName.packetsProcessed)
    /// The `map` label values of ``MetricName/mapInsertFailures`` (`sources`, `port_pairs`,
    /// `host_pairs`, `flows`).
    public static let maps = CounterSeries.labelValues(of: MetricName.mapInsertFailures)
    /// The `map` label values of ``MetricName/mapEvictions``: ``maps`` plus the probe-horizon
    /// tracker's `horizon_sources` and `horizon_entries` and the DNS tracker's `dns_clients` and
    /// `dns_names`.
    public static let evictionMaps = CounterSeries.labelValues(of: MetricName.mapEvictions)
    /// The `kind` label values of ``MetricName/probePackets`` (`syn`, `ack`, `stealth`, `udp`, `icmp`, `arp`).
    public static let probeKinds = CounterSeries.labelValues(of: MetricName.probePackets)
    /// Values of the `source` label of ``MetricName/captureUp``.
    public static let sources = ["xdp", "pcap", "simulation"]
    /// Values of the `kind` label of ``MetricName/authEvents``: the kinds of AuthEvents'
    /// `AuthLogEvent`.
    public static let authEventKinds = [
        "failure", "success", "invalid_user", "closed_before_authentication", "attempts_exceeded", "pam_report",
    ]

    /// The registry every series is registered on.
    public let registry: PrometheusCollectorRegistry
    /// Most `source_ip` series of ``MetricName/topSourcePacketsPerSecond``.
    public let topSourceSeriesLimit: Int

    /// The counters of ``CounterSeries/all``, in its order.
    private let counterSeries: [(id: String, counter: Counter)]
    private let windows: Counter
    private let packetsPerSecond, bytesPerSecond, uniqueIPs, uniquePorts, windowSeconds: Gauge
    private let sampledEvents: Counter
    private let captureUp: [String: Gauge]
    private let horizonSources, horizonEntries: Gauge
    private let posts, postFailures, droppedWindows, rejectedWindows: Counter
    private let queueDepth: Gauge
    private let authLogs, authTracked: Gauge
    private let authRead, authUnparsed, authCut, authRenames, authTruncations, authErrors: Counter
    private let authWithoutSource, authActivityCount, authForgottenSources, authForgottenUsernames: Counter
    private let authKinds: [String: Counter]
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

        counterSeries = CounterSeries.all.map { series in
            let labels = series.labelName.map { [($0, series.labelValue ?? "")] } ?? []
            return (series.id, r.makeCounter(descriptor: describe(series.metric, series.help), labels: labels))
        }
        windows = counter(MetricName.windows, "Windows closed by the capture source.")
        packetsPerSecond = gauge(MetricName.packetsPerSecond, "Packets per second in the latest window.")
        bytesPerSecond = gauge(MetricName.bytesPerSecond, "Bytes per second in the latest window.")
        uniqueIPs = gauge(MetricName.uniqueIPs, "Distinct source addresses in the latest window.")
        uniquePorts = gauge(MetricName.uniquePorts, "Distinct TCP/UDP destination ports in the latest window.")
        windowSeconds = gauge(MetricName.windowSeconds, "Length of the latest window in seconds.")
        sampledEvents = counter(MetricName.sampledEvents, "Sampled packet events written to the ring buffer.")
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
        authLogs = gauge(MetricName.authLogsFollowed, "Authentication log files followed.")
        authTracked = gauge(MetricName.authTrackedSources, "Sources the login tracker holds.")
        authRead = counter(MetricName.authLinesRead, "Lines read from the authentication logs.")
        authUnparsed = counter(MetricName.authLinesUnparsed, "Lines of sshd or PAM the parser could not read.")
        authCut = counter(MetricName.authLinesCut, "Authentication log lines cut to the reader's bound.")
        let rotations = "Rotations (rename) and truncations (copytruncate) of the authentication logs."
        authRenames = r.makeCounter(descriptor: describe(MetricName.authLogRotations, rotations), labels: [("kind", "rename")])
        authTruncations = r.makeCounter(descriptor: describe(MetricName.authLogRotations, rotations), labels: [("kind", "truncate")])
        authErrors = counter(MetricName.authReadErrors, "Failed reads of an authentication log.")
        authWithoutSource = counter(MetricName.authAttemptsWithoutSource, "Login attempts without a client address.")
        authActivityCount = counter(MetricName.authActivities, "Per-source authentication events queued for the detector.")
        let evictions = "Entries the login tracker forgot to stay within its bounds."
        authForgottenSources = r.makeCounter(descriptor: describe(MetricName.authTrackerEvictions, evictions), labels: [("entry", "source")])
        authForgottenUsernames = r.makeCounter(
            descriptor: describe(MetricName.authTrackerEvictions, evictions), labels: [("entry", "username")])
        authKinds = Dictionary(uniqueKeysWithValues: Self.authEventKinds.map {
            ($0, r.makeCounter(descriptor: describe(MetricName.authEvents, "Authentication messages read, by kind."), labels: [("kind", $0)]))
        })
        programRuns = programStatistics ? counter(MetricName.programRuns, "XDP program runs.") : nil
        programRunSeconds = programStatistics ? counter(MetricName.programRunSeconds, "XDP program run time.") : nil
    }

    /// Adds a closed window: adds its counts to the counters, sets the latest-window gauges,
    /// counts one window in ``MetricName/windows`` and replaces the top-source series.
    ///
    /// - Precondition: Every count of `window` is ≥ 0.
    public func record(_ window: WindowObservation) {
        for (id, counter) in counterSeries { counter.increment(by: Int64(window.counts[id] ?? 0)) }
        windows.increment()
        packetsPerSecond.set(to: window.packetsPerSecond)
        bytesPerSecond.set(to: window.bytesPerSecond)
        uniqueIPs.set(to: Double(window.uniqueIPs))
        uniquePorts.set(to: Double(window.uniquePorts))
        windowSeconds.set(to: window.windowSeconds)
        sampledEvents.increment(by: Int64(window.sampledEvents))
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
    /// Sets the number of authentication logs followed (``MetricName/authLogsFollowed``).
    public func authLogsFollowed(_ count: Int) { authLogs.set(to: Double(count)) }
    /// Counts one failed read of an authentication log (``MetricName/authReadErrors``).
    public func authReadError() { authErrors.increment() }

    /// Adds what one read of an authentication log gave (all counts ≥ 0).
    ///
    /// - Parameters:
    ///   - read: Lines read.
    ///   - unparsed: Lines of sshd or PAM the parser could not read.
    ///   - cut: Lines cut to the reader's bound.
    ///   - rotations: Renames of the log followed.
    ///   - truncations: Truncations (copytruncate) of the log followed.
    ///   - events: Messages per kind (a kind outside ``authEventKinds`` is not counted).
    public func authLines(read: Int, unparsed: Int, cut: Int, rotations: Int, truncations: Int, events: [(String, Int)]) {
        authRead.increment(by: Int64(read))
        authUnparsed.increment(by: Int64(unparsed))
        authCut.increment(by: Int64(cut))
        authRenames.increment(by: Int64(rotations))
        authTruncations.increment(by: Int64(truncations))
        for (kind, count) in events { authKinds[kind]?.increment(by: Int64(count)) }
    }

    /// Adds one closed window of login activity (all counts ≥ 0).
    ///
    /// - Parameters:
    ///   - events: Authentication events queued for the detector.
    ///   - trackedSources: Sources the tracker holds now.
    ///   - attemptsWithoutSource: Attempts without a client address.
    ///   - forgottenSources: Sources the tracker forgot.
    ///   - forgottenUsernames: Names the tracker forgot.
    public func authWindow(
        events: Int, trackedSources: Int, attemptsWithoutSource: Int, forgottenSources: Int, forgottenUsernames: Int
    ) {
        authActivityCount.increment(by: Int64(events))
        authTracked.set(to: Double(trackedSources))
        authWithoutSource.increment(by: Int64(attemptsWithoutSource))
        authForgottenSources.increment(by: Int64(forgottenSources))
        authForgottenUsernames.increment(by: Int64(forgottenUsernames))
    }

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
