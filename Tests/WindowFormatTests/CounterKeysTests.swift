import Foundation
import Testing
import TrafficFeatures
import WindowFormat

/// A window's body carries every counter of bpf/counters.def under its key, and reads it back.
@Suite("Counter keys in the wire format")
struct CounterKeysTests {
    /// A set whose field i holds i + 1, so every count is distinct.
    func numbered<Root>(_ empty: Root, _ fields: [CounterField<Root>]) -> Root {
        var value = empty
        for (index, field) in fields.enumerated() { value[keyPath: field.keyPath] = index + 1 }
        return value
    }

    @Test func aWindowCarriesEveryCountUnderItsKey() throws {
        let counters = numbered(WindowCounters(), WindowCounters.fields)
        let source = SourceStats(ip: "198.18.0.2", counters: numbered(SourceCounters(), SourceCounters.fields), udpSourcePort: 123)
        var window = TrafficWindow(
            windowStart: nil, windowSeconds: 1, counters: counters, uniqueIPs: 1, uniquePorts: 1, topSources: [source],
            losses: numbered(CaptureLosses(), CaptureLosses.fields))
        window.sequence = 3
        let object = try #require(JSONSerialization.jsonObject(with: try window.jsonData()) as? [String: Any])
        for (index, field) in WindowCounters.fields.enumerated() {
            #expect(object[field.key] as? Int == index + 1, "\(field.key)")
        }
        let losses = try #require(object["losses"] as? [String: Any])
        #expect(Set(losses.keys) == Set(CaptureLosses.fields.map(\.key)))
        for (index, field) in CaptureLosses.fields.enumerated() { #expect(losses[field.key] as? Int == index + 1, "\(field.key)") }
        let top = try #require((object["top_sources"] as? [[String: Any]])?.first)
        #expect(Set(top.keys) == Set(SourceCounters.fields.map(\.key) + ["ip", "udp_source_port"]))
        for (index, field) in SourceCounters.fields.enumerated() { #expect(top[field.key] as? Int == index + 1, "\(field.key)") }

        let decoded = try TrafficWindow(json: try window.jsonData())
        #expect(decoded == window)
    }
}
