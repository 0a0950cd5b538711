import Foundation
import MonitorService
import PromExposition
import Testing
import TrafficFeatures

/// The monitor's counter series come from the same table as the window's counters
/// (bpf/counters.def): each series is fed, and by exactly the counts its rows name.
@Suite("Counter metrics from the schema")
struct CounterMetricsTests {
    static var feeding: [String: [String]] {
        var feeding: [String: [String]] = [:]
        for field in WindowCounters.fields { for series in field.series { feeding[series, default: []].append(field.key) } }
        for field in CaptureLosses.fields { for series in field.series { feeding[series, default: []].append(field.key) } }
        return feeding
    }

    @Test func everySeriesIsFedAndEveryFedSeriesExists() {
        let registered = CounterSeries.all.map(\.id)
        #expect(Set(registered).count == registered.count, "a series twice: \(registered)")
        #expect(Set(registered) == Set(Self.feeding.keys))
        // syn_packets feeds two series: its own counter and the probes of kind syn.
        #expect(Self.feeding[#"ebpf_probe_packets_total{kind="syn"}"#] == ["syn_packets"])
        #expect(Self.feeding["ebpf_syn_packets_total"] == ["syn_packets"])
    }

    @Test func aWindowAddsEachCountToItsSeries() {
        var counters = WindowCounters()
        for (index, field) in WindowCounters.fields.enumerated() { counters[keyPath: field.keyPath] = 100 + index }
        var losses = CaptureLosses()
        for (index, field) in CaptureLosses.fields.enumerated() { losses[keyPath: field.keyPath] = 1000 + index }
        let window = TrafficWindow(
            windowStart: nil, windowSeconds: 1, counters: counters, uniqueIPs: 1, uniquePorts: 1, losses: losses)
        let metrics = MonitorMetrics()
        metrics.record(WindowObservation(window))
        metrics.record(WindowObservation(window))
        let lines = Set(metrics.render().split(separator: "\n").map(String.init))
        for (index, field) in WindowCounters.fields.enumerated() {
            for series in field.series { #expect(lines.contains("\(series) \(2 * (100 + index))"), "\(series)") }
        }
        for (index, field) in CaptureLosses.fields.enumerated() {
            for series in field.series { #expect(lines.contains("\(series) \(2 * (1000 + index))"), "\(series)") }
        }
    }
}
