import Foundation
import Testing

@testable import TrafficFeatures

/// The generated counter sets (bpf/counters.def): every stored count is in its `fields` table once
/// (WindowFormatTests' `CounterKeysTests` checks that JSON carries each under its key).
@Suite("Counter schema")
struct CounterSchemaTests {
    /// A set whose field i holds i + 1, so every count is distinct.
    static func numbered<Root>(_ empty: Root, _ fields: [CounterField<Root>]) -> Root {
        var value = empty
        for (index, field) in fields.enumerated() { value[keyPath: field.keyPath] = index + 1 }
        return value
    }

    /// The stored `Int` values of a struct, by property name.
    static func stored(_ value: Any) -> [String: Int] {
        Dictionary(uniqueKeysWithValues: Mirror(reflecting: value).children.map { ($0.label ?? "?", $0.value as? Int ?? -1) })
    }

    static func checkCovers<Root>(_ empty: Root, _ fields: [CounterField<Root>]) {
        let values = stored(numbered(empty, fields))
        // Every stored property is one field's, and no two fields share one.
        #expect(values.count == fields.count, "\(Root.self): \(values.count) stored counts, \(fields.count) fields")
        #expect(Set(values.values) == Set(1...fields.count), "\(Root.self): \(values)")
        #expect(Set(fields.map(\.key)).count == fields.count, "\(Root.self): a JSON key twice")
        #expect(fields.allSatisfy { $0.key.allSatisfy { $0.isLowercase || $0.isNumber || $0 == "_" } })
    }

    @Test func everyStoredCountIsInItsTableOnce() {
        Self.checkCovers(WindowCounters(), WindowCounters.fields)
        Self.checkCovers(SourceCounters(), SourceCounters.fields)
        Self.checkCovers(CaptureLosses(), CaptureLosses.fields)
    }

    @Test func aSourceReadsItsCountsAsProperties() {
        var stats = SourceStats(ip: "198.18.0.2", packets: 10, bytes: 600, synPackets: 4, udpSourcePort: 53)
        stats.ackProbes += 2
        #expect(stats.counters.ackProbes == 2 && stats.synPackets == 4 && stats.packets == 10)
        #expect(stats.probePackets == 6)
        #expect(stats.udpSourcePort == 53)
    }
}
