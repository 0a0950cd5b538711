public import PromExposition
public import TrafficFeatures

extension WindowObservation {
    /// The metrics view of a window: what `MonitorMetrics.record(_:)` counts and exports. Every
    /// counter and loss adds to the series its row of `bpf/counters.def` names.
    ///
    /// - Parameter window: A closed window.
    public init(_ window: TrafficWindow) {
        self.init(
            packetsPerSecond: window.packetsPerSecond, bytesPerSecond: window.bytesPerSecond,
            uniqueIPs: window.uniqueIPs, uniquePorts: window.uniquePorts, windowSeconds: window.windowSeconds,
            topSources: window.topSources.map { ($0.ip, Double($0.packets) / max(window.windowSeconds, 1e-9)) },
            sampledEvents: window.sampledEvents)
        add(WindowCounters.fields, of: window.counters)
        add(CaptureLosses.fields, of: window.losses)
        horizonSources = window.horizonMemory?.sources
        horizonEntries = window.horizonMemory?.entries
        probedBreadth = window.probeHorizons.map {
            ProbedBreadth(ip: $0.ip, horizonSeconds: $0.horizonSeconds, ports: $0.uniquePorts, hosts: $0.uniqueHosts)
        }
    }

    private mutating func add<Root>(_ fields: [CounterField<Root>], of counters: Root) {
        for field in fields {
            for series in field.series { counts[series, default: 0] += counters[keyPath: field.keyPath] }
        }
    }
}
