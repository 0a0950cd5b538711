# Writes the Swift side of bpf/counters.def for one target (run by Plugins/CounterSchemaPlugin at
# build time; see the table's header for what derives from it). POSIX awk, no other tool: the
# plugin runs where SwiftPM builds, and a compiled generator would be built with every flag of
# the build (the fuzzing build's sanitizers included).
#
#   awk -v target=TrafficFeatures|EBPFCapture|PromExposition -f counter-schema.awk bpf/counters.def > out.swift
#
# A malformed table stops with "counter-schema: bpf/counters.def:LINE: what" on standard error
# and exit status 1.

function fail(line, message) {
    printf "counter-schema: bpf/counters.def:%d: %s\n", line, message > "/dev/stderr"
    failed = 1
    exit 1
}

function trim(s) {
    sub(/^[ \t]+/, "", s)
    sub(/[ \t]+$/, "", s)
    return s
}

# Splits the arguments of a row at commas outside double quotes into args[1..n]; quotes removed.
function split_arguments(text, line,    n, i, c, current, quoted, was_quoted) {
    n = 0; current = ""; quoted = 0; was_quoted = 0
    for (i = 1; i <= length(text); i++) {
        c = substr(text, i, 1)
        if (c == "\"") { quoted = !quoted; was_quoted = 1; continue }
        if (c == "," && !quoted) {
            args[++n] = was_quoted ? current : trim(current)
            current = ""; was_quoted = 0
            continue
        }
        if (quoted || c !~ /[ \t]/ || current != "") current = current c
    }
    if (quoted) fail(line, "unterminated string")
    args[++n] = was_quoted ? current : trim(current)
    return n
}

# The series of a row ("synPackets probePackets{kind=syn}") as ids, each as the exposition writes
# it, into series_out[1..n]; the metrics' Swift names into series_metric, label name and value
# into series_label, series_value ("" without a label).
function parse_series(text, line,    items, n, i, item, name, inner, eq) {
    n = split(text, items, " ")
    for (i = 1; i <= n; i++) {
        item = items[i]
        name = item
        sub(/\{.*$/, "", name)
        if (!(name in metric_name)) fail(line, "series " item " names no metric of NM_METRICS")
        series_metric[i] = name
        if (index(item, "{") == 0) {
            series_label[i] = ""; series_value[i] = ""
            series_out[i] = metric_name[name]
            continue
        }
        inner = substr(item, index(item, "{") + 1)
        eq = index(inner, "=")
        if (substr(item, length(item)) != "}" || eq == 0) fail(line, "series " item " is not name{label=value}")
        inner = substr(inner, 1, length(inner) - 1)
        series_label[i] = substr(inner, 1, eq - 1)
        series_value[i] = substr(inner, eq + 1)
        series_out[i] = metric_name[name] "{" series_label[i] "=\\\"" series_value[i] "\\\"}"
    }
    return n
}

# A Swift string literal.
function literal(s,    i, c, out) {
    out = ""
    for (i = 1; i <= length(s); i++) {
        c = substr(s, i, 1)
        out = out ((c == "\\" || c == "\"") ? "\\" c : c)
    }
    return "\"" out "\""
}

# A doc comment line: the row's text, a full stop, and the JSON key.
function doc(text, key) {
    sub(/\.$/, "", text)
    return "    /// " text " (`" key "`).\n"
}

BEGIN { list = ""; failed = 0 }

{
    line = $0
    sub(/^[ \t]+/, "", line)
    sub(/[ \t]+$/, "", line)
    if (line ~ /^#define NM_[A-Z_]+\(X\) \\$/) {
        list = line
        sub(/^#define /, "", list)
        sub(/\(X\) \\$/, "", list)
        count[list] = 0
        next
    }
    if (list == "") next
    continues = (line ~ /\\$/)
    if (continues) { sub(/\\$/, "", line); line = trim(line) }
    if (line ~ /^X\(.*\)$/) {
        n = split_arguments(substr(line, 3, length(line) - 3), NR)
        k = ++count[list]
        arity[list, k] = n
        row_line[list, k] = NR
        for (i = 1; i <= n; i++) cell[list, k, i] = args[i]
    } else if (line != "") {
        fail(NR, "expected an X(...) row in " list ", got " line)
    }
    if (!continues) list = ""
}

function rows(name, wanted,    k) {
    if (!(name in count)) { printf "counter-schema: bpf/counters.def has no list %s\n", name > "/dev/stderr"; failed = 1; exit 1 }
    for (k = 1; k <= count[name]; k++)
        if (arity[name, k] != wanted) fail(row_line[name, k], name " rows have " wanted " arguments, this one " arity[name, k])
    return count[name]
}

# Appends the series of a row to the registry of every series (in the table's order, once each).
function register_series(n,    i) {
    for (i = 1; i <= n; i++) {
        if (series_out[i] in registered) continue
        registered[series_out[i]] = 1
        registry_count++
        registry_metric[registry_count] = series_metric[i]
        registry_label[registry_count] = series_label[i]
        registry_value[registry_count] = series_value[i]
        if (series_label[i] != "") metric_labelled[series_metric[i]] = 1
    }
}

function series_list(n,    i, s) {
    s = "["
    for (i = 1; i <= n; i++) s = s (i > 1 ? ", " : "") "\"" series_out[i] "\""
    return s "]"
}

function counter_set(name, type_doc, empty_doc, fields_doc, prefix, n,    out, k, i, lines, m) {
    m = split(type_doc, lines, "\n")
    out = ""
    for (i = 1; i <= m; i++) out = out (lines[i] == "" ? "///" : "/// " lines[i]) "\n"
    out = out "public struct " name ": Sendable, Equatable, Hashable {\n"
    for (k = 1; k <= n; k++) out = out doc(member_doc[prefix, k], member_key[prefix, k]) "    public var " member_name[prefix, k] " = 0\n"
    out = out "\n    /// " empty_doc "\n    public init() {}\n\n    /// " fields_doc "\n"
    out = out "    public static let fields: [CounterField<" name ">] = [\n"
    for (k = 1; k <= n; k++)
        out = out "        CounterField(\\." member_name[prefix, k] ", key: " literal(member_key[prefix, k]) ", series: " member_series[prefix, k] "),\n"
    return out "    ]\n}\n"
}

END {
    if (failed) exit 1
    if (target !~ /^(TrafficFeatures|EBPFCapture|PromExposition)$/) {
        printf "counter-schema: writes code for TrafficFeatures, EBPFCapture and PromExposition, not %s\n", target > "/dev/stderr"
        exit 1
    }
    metrics = rows("NM_METRICS", 4)
    for (k = 1; k <= metrics; k++) {
        metric_name[cell["NM_METRICS", k, 1]] = cell["NM_METRICS", k, 2]
        metric_help[cell["NM_METRICS", k, 1]] = cell["NM_METRICS", k, 3]
        metric_doc[cell["NM_METRICS", k, 1]] = cell["NM_METRICS", k, 4]
    }
    windows = rows("NM_WINDOW_COUNTERS", 5)
    window_members = 0
    kernel_bytes = 0
    for (k = 1; k <= windows; k++) {
        kind = cell["NM_WINDOW_COUNTERS", k, 1]
        if (kind != "WINDOW" && kind != "KERNEL") fail(row_line["NM_WINDOW_COUNTERS", k], "kind " kind " of " cell["NM_WINDOW_COUNTERS", k, 2] " is not WINDOW or KERNEL")
        n = parse_series(cell["NM_WINDOW_COUNTERS", k, 4], row_line["NM_WINDOW_COUNTERS", k])
        register_series(n)
        kernel_bytes += 8
        if (kind == "KERNEL") continue
        j = ++window_members
        member_name["w", j] = cell["NM_WINDOW_COUNTERS", k, 3]
        member_key["w", j] = cell["NM_WINDOW_COUNTERS", k, 2]
        member_doc["w", j] = cell["NM_WINDOW_COUNTERS", k, 5]
        member_series["w", j] = series_list(n)
    }
    sources = rows("NM_SOURCE_COUNTERS", 5)
    source_bytes = 0; cached_bytes = 0
    for (k = 1; k <= sources; k++) {
        type = cell["NM_SOURCE_COUNTERS", k, 1]; cached = cell["NM_SOURCE_COUNTERS", k, 4]
        if ((type != "__u64" && type != "__u32") || (cached != "0" && cached != "1"))
            fail(row_line["NM_SOURCE_COUNTERS", k], "source counter " cell["NM_SOURCE_COUNTERS", k, 2] ": type must be __u64 or __u32 and cached 0 or 1")
        size = type == "__u64" ? 8 : 4
        source_bytes += size
        if (cached == "1") cached_bytes += size
        member_name["s", k] = cell["NM_SOURCE_COUNTERS", k, 3]
        member_key["s", k] = cell["NM_SOURCE_COUNTERS", k, 2]
        member_doc["s", k] = cell["NM_SOURCE_COUNTERS", k, 5]
        member_series["s", k] = "[]"
        source_cached[k] = cached
    }
    losses = rows("NM_LOSSES", 4)
    for (k = 1; k <= losses; k++) {
        n = parse_series(cell["NM_LOSSES", k, 3], row_line["NM_LOSSES", k])
        register_series(n)
        member_name["l", k] = cell["NM_LOSSES", k, 2]
        member_key["l", k] = cell["NM_LOSSES", k, 1]
        member_doc["l", k] = cell["NM_LOSSES", k, 4]
        member_series["l", k] = series_list(n)
    }

    out = "// Generated by Plugins/CounterSchemaPlugin from bpf/counters.def. Do not edit: change the table.\n\n"
    if (target == "TrafficFeatures") {
        out = out counter_set("WindowCounters", \
            "Exact per-window counters: the Swift counterpart of `struct nm_counters` (the rows of kind `WINDOW`\nin `bpf/counters.def`), each under its snake_case key at the top level of the window JSON.\n\nEvery packet is in exactly one protocol bucket, so\n`tcpPackets + udpPackets + icmpPackets + otherPackets == packets`.", \
            "Counters that are all 0.", \
            "Every counter, in the table's order: its property, its JSON key and the metric series it feeds.", "w", window_members)
        out = out "\n" counter_set("SourceCounters", \
            "One source's counts in a window: the Swift counterpart of the counters of `struct nm_source_stats`\n(`NM_SOURCE_COUNTERS` in `bpf/counters.def`), each under its snake_case key in a `top_sources` entry.", \
            "Counts that are all 0.", "Every count, in the table's order: its property and its JSON key.", "s", sources)
        out = out "\nextension SourceStats {\n    /// The statistics of one source; every count defaults to 0 and `udpSourcePort` to nil.\n    public init(\n        ip: String,\n"
        for (k = 1; k <= sources; k++) out = out "        " member_name["s", k] ": Int = 0,\n"
        out = out "        udpSourcePort: Int? = nil\n    ) {\n        var counters = SourceCounters()\n"
        for (k = 1; k <= sources; k++) out = out "        counters." member_name["s", k] " = " member_name["s", k] "\n"
        out = out "        self.init(ip: ip, counters: counters, udpSourcePort: udpSourcePort)\n    }\n}\n\n"
        out = out counter_set("CaptureLosses", \
            "What a window could not record exactly (the window JSON's `losses` object; `NM_LOSSES` in\n`bpf/counters.def`). Nothing is dropped silently: each loss is counted here and exported by the\nmonitor's metrics.", \
            "No losses: every count is 0.", \
            "Every loss, in the table's order: its property, its JSON key and the metric series it feeds.", "l", losses)
    } else if (target == "EBPFCapture") {
        out = out "internal import CLibBPF\nimport TrafficFeatures\n\n"
        out = out "extension WindowCounters {\n    /// The counters of one `struct nm_counters` (summed over CPUs).\n    init(kernel c: nm_counters) {\n        self.init()\n"
        for (k = 1; k <= window_members; k++) out = out "        " member_name["w", k] " = Int(c." member_key["w", k] ")\n"
        out = out "    }\n}\n\n"
        out = out "extension SourceCounters {\n    /// Adds one CPU's copy of a table entry (distinct ports and hosts were counted by exactly one CPU per\n"
        out = out "    /// new pair, so their sums are exact).\n    mutating func add(kernel s: nm_source_stats) {\n"
        for (k = 1; k <= sources; k++) out = out "        " member_name["s", k] " += Int(s." member_key["s", k] ")\n"
        out = out "    }\n\n    /// Adds the counters one CPU's source cache had not flushed yet.\n    mutating func add(pending c: nm_source_cache) {\n"
        for (k = 1; k <= sources; k++) if (source_cached[k] == "1") out = out "        " member_name["s", k] " += Int(c." member_key["s", k] ")\n"
        out = out "    }\n}\n\n"
        out = out "/// Bytes of the counters in the shared structures, from the table (the header asserts there is no padding).\nenum CounterLayout {\n"
        out = out "    /// `struct nm_counters`.\n    static let windowCounterBytes = " kernel_bytes "\n"
        out = out "    /// The counters of `struct nm_source_stats`.\n    static let sourceCounterBytes = " source_bytes "\n"
        out = out "    /// The pending counters of `struct nm_source_cache`.\n    static let cachedCounterBytes = " cached_bytes "\n}\n"
    } else {
        out = out "extension MetricName {\n"
        for (k = 1; k <= metrics; k++) {
            name = cell["NM_METRICS", k, 1]
            text = metric_doc[name]
            if (text !~ /\.$/) text = text "."
            out = out "    /// " text (name in metric_labelled ? " Counter." : " Counter, no labels.") "\n"
            out = out "    public static let " name " = " literal(metric_name[name]) "\n"
        }
        out = out "}\n\nextension CounterSeries {\n"
        out = out "    /// Every series the window counters and losses feed (their rows in `bpf/counters.def`), in the table's order.\n"
        out = out "    public static let all: [CounterSeries] = [\n"
        for (k = 1; k <= registry_count; k++) {
            label = registry_label[k] == "" ? "nil" : "(" literal(registry_label[k]) ", " literal(registry_value[k]) ")"
            out = out "        CounterSeries(metric: MetricName." registry_metric[k] ", label: " label ", help: " literal(metric_help[registry_metric[k]]) "),\n"
        }
        out = out "    ]\n}\n"
    }
    printf "%s", out
}
