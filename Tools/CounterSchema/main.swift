// Writes the Swift side of bpf/counters.def for one target (run by Plugins/CounterSchemaPlugin at
// build time; see the table's header for what derives from it).
//
// Usage: counter-schema TABLE TARGET OUTPUT
//   TARGET: TrafficFeatures, EBPFCapture or PromExposition.
import Foundation

/// One `X(...)` row of a list, its arguments without quotes.
struct Row {
    var arguments: [String]
    var line: Int
}

enum SchemaError: Error, CustomStringConvertible {
    case malformed(line: Int, String)
    case unknown(String)

    var description: String {
        switch self {
        case .malformed(let line, let why): "bpf/counters.def:\(line): \(why)"
        case .unknown(let why): why
        }
    }
}

/// The lists of the table: `#define NAME(X) \` starts one, its `X(...)` rows follow.
func parseLists(_ text: String) throws -> [String: [Row]] {
    var lists: [String: [Row]] = [:]
    var current: String?
    for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
        var line = raw.trimmingCharacters(in: .whitespaces)
        if line.hasPrefix("#define "), line.hasSuffix("(X) \\") {
            let name = line.dropFirst("#define ".count).prefix { $0 != "(" }
            current = String(name)
            lists[String(name)] = []
            continue
        }
        guard let list = current else { continue }
        let continues = line.hasSuffix("\\")
        if continues { line = String(line.dropLast()).trimmingCharacters(in: .whitespaces) }
        if line.hasPrefix("X("), line.hasSuffix(")") {
            let arguments = try splitArguments(String(line.dropFirst(2).dropLast()), line: index + 1)
            lists[list, default: []].append(Row(arguments: arguments, line: index + 1))
        } else if !line.isEmpty {
            throw SchemaError.malformed(line: index + 1, "expected an X(...) row in \(list), got \(line)")
        }
        if !continues { current = nil }
    }
    return lists
}

/// `a, "b, c", d` → [a, b, c-with-comma, d]: commas split except inside double quotes.
func splitArguments(_ text: String, line: Int) throws -> [String] {
    var arguments: [String] = []
    var current = ""
    var quoted = false
    var wasQuoted = false
    for character in text {
        switch character {
        case "\"":
            quoted.toggle()
            wasQuoted = true
        case "," where !quoted:
            arguments.append(wasQuoted ? current : current.trimmingCharacters(in: .whitespaces))
            current = ""
            wasQuoted = false
        default:
            if quoted || !character.isWhitespace || !current.isEmpty { current.append(character) }
        }
    }
    guard !quoted else { throw SchemaError.malformed(line: line, "unterminated string") }
    arguments.append(wasQuoted ? current : current.trimmingCharacters(in: .whitespaces))
    return arguments
}

struct Metric {
    var swiftName: String
    var name: String
    var help: String
    var doc: String
}

struct Series {
    var metric: Metric
    var label: (name: String, value: String)?

    /// The series as the exposition writes it: `name` or `name{label="value"}`.
    var id: String {
        guard let label else { return metric.name }
        return "\(metric.name){\(label.name)=\"\(label.value)\"}"
    }
}

struct WindowCounter {
    var kernelOnly: Bool
    var field: String
    var swiftName: String
    var series: [Series]
    var doc: String
}

struct SourceCounter {
    var cType: String
    var field: String
    var swiftName: String
    var cached: Bool
    var doc: String
}

struct Loss {
    var key: String
    var swiftName: String
    var series: [Series]
    var doc: String
}

struct Schema {
    var window: [WindowCounter] = []
    var source: [SourceCounter] = []
    var losses: [Loss] = []
    var metrics: [Metric] = []

    init(_ lists: [String: [Row]]) throws {
        func rows(_ name: String, arity: Int) throws -> [[String]] {
            guard let rows = lists[name] else { throw SchemaError.unknown("bpf/counters.def has no list \(name)") }
            return try rows.map { row in
                guard row.arguments.count == arity else {
                    throw SchemaError.malformed(line: row.line, "\(name) rows have \(arity) arguments, this one \(row.arguments.count)")
                }
                return row.arguments
            }
        }
        metrics = try rows("NM_METRICS", arity: 4).map { Metric(swiftName: $0[0], name: $0[1], help: $0[2], doc: $0[3]) }
        let byName = Dictionary(uniqueKeysWithValues: metrics.map { ($0.swiftName, $0) })
        func series(_ text: String) throws -> [Series] {
            try text.split(separator: " ").map { item in
                let name = String(item.prefix { $0 != "{" })
                guard let metric = byName[name] else { throw SchemaError.unknown("series \(item) names no metric of NM_METRICS") }
                guard item.contains("{") else { return Series(metric: metric, label: nil) }
                let inner = item.drop { $0 != "{" }.dropFirst().dropLast()
                let parts = inner.split(separator: "=", maxSplits: 1).map(String.init)
                guard item.hasSuffix("}"), parts.count == 2 else { throw SchemaError.unknown("series \(item) is not name{label=value}") }
                return Series(metric: metric, label: (parts[0], parts[1]))
            }
        }
        window = try rows("NM_WINDOW_COUNTERS", arity: 5).map { r in
            guard ["WINDOW", "KERNEL"].contains(r[0]) else { throw SchemaError.unknown("kind \(r[0]) of \(r[1]) is not WINDOW or KERNEL") }
            return WindowCounter(kernelOnly: r[0] == "KERNEL", field: r[1], swiftName: r[2], series: try series(r[3]), doc: r[4])
        }
        source = try rows("NM_SOURCE_COUNTERS", arity: 5).map { r in
            guard ["__u64", "__u32"].contains(r[0]), ["0", "1"].contains(r[3]) else {
                throw SchemaError.unknown("source counter \(r[1]): type must be __u64 or __u32 and cached 0 or 1")
            }
            return SourceCounter(cType: r[0], field: r[1], swiftName: r[2], cached: r[3] == "1", doc: r[4])
        }
        losses = try rows("NM_LOSSES", arity: 4).map { Loss(key: $0[0], swiftName: $0[1], series: try series($0[2]), doc: $0[3]) }
    }
}

/// A doc comment: the row's text, a full stop, and the JSON key.
func doc(_ text: String, key: String?, indent: String = "    ") -> String {
    let sentence = text.hasSuffix(".") ? String(text.dropLast()) : text
    let suffix = key.map { " (`\($0)`)." } ?? "."
    return "\(indent)/// \(sentence)\(suffix)\n"
}

func literal(_ text: String) -> String {
    "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
}

func seriesList(_ series: [Series]) -> String {
    "[" + series.map { literal($0.id) }.joined(separator: ", ") + "]"
}

let header = "// Generated by Plugins/CounterSchemaPlugin from bpf/counters.def. Do not edit: change the table.\n\n"

/// One counter of a generated set: its property, JSON key, metric series and documentation.
struct Member {
    var swiftName: String
    var key: String
    var series: [Series]
    var doc: String
}

/// A counter set: a struct of `Int` properties, each documented with its key, an initializer of
/// zeros (documented `emptyDoc`) and its `fields` table (documented `fieldsDoc`).
func counterSet(_ name: String, doc typeDoc: String, emptyDoc: String, fieldsDoc: String, _ members: [Member]) -> String {
    var out = typeDoc.split(separator: "\n", omittingEmptySubsequences: false).map { "/// \($0)".trimmingCharacters(in: .whitespaces) + "\n" }.joined()
    out += "public struct \(name): Sendable, Equatable, Hashable {\n"
    for member in members { out += doc(member.doc, key: member.key) + "    public var \(member.swiftName) = 0\n" }
    out += "\n    /// \(emptyDoc)\n    public init() {}\n\n    /// \(fieldsDoc)\n"
    out += "    public static let fields: [CounterField<\(name)>] = [\n"
    for member in members {
        out += "        CounterField(\\.\(member.swiftName), key: \(literal(member.key)), series: \(seriesList(member.series))),\n"
    }
    return out + "    ]\n}\n"
}

func trafficFeatures(_ schema: Schema) -> String {
    var out = header
    out += counterSet(
        "WindowCounters",
        doc: """
            Exact per-window counters: the Swift counterpart of `struct nm_counters` (the rows of kind `WINDOW`
            in `bpf/counters.def`), each under its snake_case key at the top level of the window JSON.

            Every packet is in exactly one protocol bucket, so
            `tcpPackets + udpPackets + icmpPackets + otherPackets == packets`.
            """,
        emptyDoc: "Counters that are all 0.",
        fieldsDoc: "Every counter, in the table's order: its property, its JSON key and the metric series it feeds.",
        schema.window.filter { !$0.kernelOnly }.map { Member(swiftName: $0.swiftName, key: $0.field, series: $0.series, doc: $0.doc) })
    out += "\n" + counterSet(
        "SourceCounters",
        doc: """
            One source's counts in a window: the Swift counterpart of the counters of `struct nm_source_stats`
            (`NM_SOURCE_COUNTERS` in `bpf/counters.def`), each under its snake_case key in a `top_sources` entry.
            """,
        emptyDoc: "Counts that are all 0.",
        fieldsDoc: "Every count, in the table's order: its property and its JSON key.",
        schema.source.map { Member(swiftName: $0.swiftName, key: $0.field, series: [], doc: $0.doc) })

    out += """

        extension SourceStats {
            /// The statistics of one source; every count defaults to 0 and `udpSourcePort` to nil.
            public init(
                ip: String,

        """
    for counter in schema.source { out += "        \(counter.swiftName): Int = 0,\n" }
    out += "        udpSourcePort: Int? = nil\n    ) {\n        var counters = SourceCounters()\n"
    for counter in schema.source { out += "        counters.\(counter.swiftName) = \(counter.swiftName)\n" }
    out += "        self.init(ip: ip, counters: counters, udpSourcePort: udpSourcePort)\n    }\n}\n\n"

    out += counterSet(
        "CaptureLosses",
        doc: """
            What a window could not record exactly (the window JSON's `losses` object; `NM_LOSSES` in
            `bpf/counters.def`). Nothing is dropped silently: each loss is counted here and exported by the
            monitor's metrics.
            """,
        emptyDoc: "No losses: every count is 0.",
        fieldsDoc: "Every loss, in the table's order: its property, its JSON key and the metric series it feeds.",
        schema.losses.map { Member(swiftName: $0.swiftName, key: $0.key, series: $0.series, doc: $0.doc) })
    return out
}

func ebpfCapture(_ schema: Schema) -> String {
    var out = header + "internal import CLibBPF\nimport TrafficFeatures\n\n"
    out += "extension WindowCounters {\n    /// The counters of one `struct nm_counters` (summed over CPUs).\n    init(kernel c: nm_counters) {\n        self.init()\n"
    for counter in schema.window where !counter.kernelOnly { out += "        \(counter.swiftName) = Int(c.\(counter.field))\n" }
    out += "    }\n}\n\n"
    out += "extension SourceCounters {\n    /// Adds one CPU's copy of a table entry (distinct ports and hosts were counted by exactly one CPU per\n"
    out += "    /// new pair, so their sums are exact).\n    mutating func add(kernel s: nm_source_stats) {\n"
    for counter in schema.source { out += "        \(counter.swiftName) += Int(s.\(counter.field))\n" }
    out += "    }\n\n    /// Adds the counters one CPU's source cache had not flushed yet.\n    mutating func add(pending c: nm_source_cache) {\n"
    for counter in schema.source where counter.cached { out += "        \(counter.swiftName) += Int(c.\(counter.field))\n" }
    out += "    }\n}\n\n"
    func bytes(_ type: String) -> Int { type == "__u64" ? 8 : 4 }
    out += """
        /// Bytes of the counters in the shared structures, from the table (the header asserts there is no padding).
        enum CounterLayout {
            /// `struct nm_counters`.
            static let windowCounterBytes = \(schema.window.count * 8)
            /// The counters of `struct nm_source_stats`.
            static let sourceCounterBytes = \(schema.source.map { bytes($0.cType) }.reduce(0, +))
            /// The pending counters of `struct nm_source_cache`.
            static let cachedCounterBytes = \(schema.source.filter(\.cached).map { bytes($0.cType) }.reduce(0, +))
        }

        """
    return out
}

func promExposition(_ schema: Schema) -> String {
    var out = header
    out += "extension MetricName {\n"
    for metric in schema.metrics {
        var labels: [String: [String]] = [:]
        for series in schema.window.flatMap(\.series) + schema.losses.flatMap(\.series) where series.metric.name == metric.name {
            if let label = series.label { labels[label.name, default: []].append(label.value) }
        }
        let sentence = metric.doc.hasSuffix(".") ? metric.doc : metric.doc + "."
        let kind = labels.isEmpty ? " Counter, no labels." : " Counter."
        out += "    /// \(sentence)\(kind)\n    public static let \(metric.swiftName) = \(literal(metric.name))\n"
    }
    out += "}\n\nextension CounterSeries {\n"
    out += "    /// Every series the window counters and losses feed (their rows in `bpf/counters.def`), in the table's order.\n"
    out += "    public static let all: [CounterSeries] = [\n"
    var seen = Set<String>()
    for series in schema.window.flatMap(\.series) + schema.losses.flatMap(\.series) where seen.insert(series.id).inserted {
        let label = series.label.map { "(\(literal($0.name)), \(literal($0.value)))" } ?? "nil"
        out += "        CounterSeries(metric: MetricName.\(series.metric.swiftName), label: \(label), help: \(literal(series.metric.help))),\n"
    }
    out += "    ]\n}\n"
    return out
}

let arguments = CommandLine.arguments
guard arguments.count == 4 else {
    FileHandle.standardError.write(Data("usage: counter-schema TABLE TARGET OUTPUT\n".utf8))
    exit(2)
}
do {
    let schema = try Schema(parseLists(String(contentsOfFile: arguments[1], encoding: .utf8)))
    let text: String
    switch arguments[2] {
    case "TrafficFeatures": text = trafficFeatures(schema)
    case "EBPFCapture": text = ebpfCapture(schema)
    case "PromExposition": text = promExposition(schema)
    default: throw SchemaError.unknown("counter-schema writes code for TrafficFeatures, EBPFCapture and PromExposition, not \(arguments[2])")
    }
    try Data(text.utf8).write(to: URL(fileURLWithPath: arguments[3]), options: .atomic)
} catch {
    FileHandle.standardError.write(Data("counter-schema: \(error)\n".utf8))
    exit(1)
}
