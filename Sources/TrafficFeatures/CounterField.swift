/// One counter of a counter set (``WindowCounters``, ``SourceCounters``, ``CaptureLosses``) as
/// `bpf/counters.def` defines it: where it is stored, its JSON key and the metric series it feeds.
///
/// The sets' `fields` tables are generated from that file, so code that handles every counter
/// (JSON coding, conversion, metrics) loops over them instead of listing the counters again.
public struct CounterField<Root>: Sendable {
    /// The counter's property.
    public let keyPath: any WritableKeyPath<Root, Int> & Sendable
    /// Its snake_case key in the window JSON.
    public let key: String
    /// The monitor's metric series it adds to, as the exposition writes them
    /// (`ebpf_syn_packets_total`, `ebpf_packets_processed_total{protocol="tcp"}`); empty when it feeds none.
    public let series: [String]

    /// A field of the table (the generated code builds them).
    public init(_ keyPath: any WritableKeyPath<Root, Int> & Sendable, key: String, series: [String]) {
        self.keyPath = keyPath
        self.key = key
        self.series = series
    }

    /// The field's coding key.
    var codingKey: CounterKey { CounterKey(key) }
}

/// A JSON key of a counter: the string of a ``CounterField``.
package struct CounterKey: CodingKey {
    package let stringValue: String
    package var intValue: Int? { nil }

    package init(_ key: String) { stringValue = key }
    package init(stringValue: String) { self.stringValue = stringValue }
    package init?(intValue: Int) { nil }
}

extension KeyedDecodingContainer where Key == CounterKey {
    /// Decodes every field of `fields` that `skipping` does not name into `counters`, each a count
    /// (an integer within 0 … ``WireLimits/maximumCount``, 0 when absent or `null`).
    package func decodeCounts<Root>(_ fields: [CounterField<Root>], into counters: inout Root, skipping: Set<String> = []) throws {
        for field in fields where !skipping.contains(field.key) {
            counters[keyPath: field.keyPath] = try decodeCount(field.codingKey, default: 0)
        }
    }
}

extension KeyedEncodingContainer where Key == CounterKey {
    /// Encodes every field of `fields` under its key.
    package mutating func encodeCounts<Root>(_ fields: [CounterField<Root>], of counters: Root) throws {
        for field in fields { try encode(counters[keyPath: field.keyPath], forKey: field.codingKey) }
    }
}
