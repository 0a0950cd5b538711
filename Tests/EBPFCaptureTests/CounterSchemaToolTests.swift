import Foundation
import Testing
import TestSupport

/// The counter-schema generator (Plugins/CounterSchemaPlugin/counter-schema.awk, what the build
/// runs) on bpf/counters.def: adding a row is all it takes for the C structures and the Swift code to
/// carry a new counter, and a malformed table is an error naming its line.
@Suite("Counter schema generator")
struct CounterSchemaToolTests {
    static let table = Repository.root.appendingPathComponent("bpf/counters.def")

    /// A copy of bpf/ with `edit` applied to the table, in a fresh folder.
    static func editedCopy(_ edit: (String) -> String) throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("counter-schema-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for name in ["counters.def", "network_monitor.h"] {
            try FileManager.default.copyItem(
                at: Repository.root.appendingPathComponent("bpf/\(name)"), to: folder.appendingPathComponent(name))
        }
        let table = folder.appendingPathComponent("counters.def")
        try edit(try String(contentsOf: table, encoding: .utf8)).write(to: table, atomically: true, encoding: .utf8)
        return folder
    }

    static let generator = Repository.root.appendingPathComponent("Plugins/CounterSchemaPlugin/counter-schema.awk")

    static func generate(_ table: URL, _ target: String) async throws -> (CommandResult, String) {
        let result = try await Command.run(["awk", "-v", "target=\(target)", "-f", generator.path, table.path], check: false)
        return (result, result.stdout)
    }

    @Test("the generator's output for the table is what the build compiled", arguments: ["TrafficFeatures", "EBPFCapture", "PromExposition"])
    func theBuildUsesTheTable(_ target: String) async throws {
        let (result, code) = try await Self.generate(Self.table, target)
        #expect(result.status == 0, "\(result.stderr)")
        // .build/<triple>/debug → .build/plugins/outputs/<package>/<target>/destination/CounterSchemaPlugin/
        let outputs = BuiltProducts.directory.resolvingSymlinksInPath()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("plugins/outputs")
        let packages = try FileManager.default.contentsOfDirectory(atPath: outputs.path)
        let built = packages.compactMap { package in
            try? String(
                contentsOf: outputs.appendingPathComponent("\(package)/\(target)/destination/CounterSchemaPlugin/CounterSchema+\(target).swift"),
                encoding: .utf8)
        }
        #expect(built == [code], "\(outputs.path): \(built.count) generated file(s) for \(target)")
    }

    /// The table with one more window counter (after `udp_reflection_bytes`) and one more
    /// per-source count (before `unique_ports`).
    static func withGRE(_ text: String) -> String {
        text.replacingOccurrences(
            of: "\tX(WINDOW, udp_reflection_bytes,",
            with: "\tX(WINDOW, gre_packets, grePackets, \"probePackets{kind=gre}\", \"GRE packets\") \\\n\tX(WINDOW, udp_reflection_bytes,"
        ).replacingOccurrences(
            of: "\tX(__u32, unique_ports,",
            with: "\tX(__u64, gre_packets, grePackets, 1, \"GRE packets from this source\") \\\n\tX(__u32, unique_ports,")
    }

    @Test func aNewRowReachesEveryDerivedPlace() async throws {
        let folder = try Self.editedCopy(Self.withGRE)
        defer { try? FileManager.default.removeItem(at: folder) }
        let table = folder.appendingPathComponent("counters.def")

        let (features, featuresCode) = try await Self.generate(table, "TrafficFeatures")
        #expect(features.status == 0, "\(features.stderr)")
        #expect(featuresCode.contains("    /// GRE packets (`gre_packets`).\n    public var grePackets = 0\n"))
        #expect(featuresCode.contains(#"CounterField(\.grePackets, key: "gre_packets", series: ["ebpf_probe_packets_total{kind=\"gre\"}"]),"#))
        #expect(featuresCode.contains(#"CounterField(\.grePackets, key: "gre_packets", series: []),"#))
        #expect(featuresCode.contains("        grePackets: Int = 0,\n"))

        let (capture, captureCode) = try await Self.generate(table, "EBPFCapture")
        #expect(capture.status == 0, "\(capture.stderr)")
        #expect(captureCode.contains("        grePackets = Int(c.gre_packets)\n"))
        #expect(captureCode.contains("        grePackets += Int(s.gre_packets)\n"))
        #expect(captureCode.contains("        grePackets += Int(c.gre_packets)\n"))
        #expect(captureCode.contains("static let windowCounterBytes = 328"))

        let (metrics, metricsCode) = try await Self.generate(table, "PromExposition")
        #expect(metrics.status == 0, "\(metrics.stderr)")
        #expect(metricsCode.contains(#"CounterSeries(metric: MetricName.probePackets, label: ("kind", "gre"),"#))

        // The C side: the structures grow by the new fields, with no other edit (the header's
        // static asserts hold), and the cache's move code carries the new pending counter.
        let program = folder.appendingPathComponent("sizes.c")
        try """
            #include <stdio.h>
            #include "network_monitor.h"
            static void move(struct nm_source_cache *cache, struct nm_source_stats *s) { NM_SOURCE_COUNTERS(NM_CACHED_MOVE) }
            int main(void) {
                struct nm_source_cache cache = {0};
                struct nm_source_stats stats = {0};
                cache.gre_packets = 7;
                move(&cache, &stats);
                printf("%zu %zu %zu %llu\\n", sizeof(struct nm_counters), sizeof(struct nm_source_stats),
                       sizeof(struct nm_source_cache), (unsigned long long)stats.gre_packets);
                return 0;
            }
            """.write(to: program, atomically: true, encoding: .utf8)
        let binary = folder.appendingPathComponent("sizes").path
        let compiled = try await Command.run(["clang", "-Wall", "-Werror", "-o", binary, program.path], check: false)
        #expect(compiled.status == 0, "\(compiled.stderr)")
        let sizes = try await Command.run([binary])
        #expect(sizes.stdout == "328 160 184 7\n")
    }

    @Test func aMalformedTableIsAnErrorNamingItsLine() async throws {
        let folder = try Self.editedCopy {
            $0.replacingOccurrences(of: "\tX(WINDOW, fin_packets, finPackets, \"finPackets\",", with: "\tX(WINDOW, fin_packets, \"finPackets\",")
        }
        defer { try? FileManager.default.removeItem(at: folder) }
        let (result, _) = try await Self.generate(folder.appendingPathComponent("counters.def"), "TrafficFeatures")
        #expect(result.status == 1)
        #expect(result.stderr.contains("NM_WINDOW_COUNTERS rows have 5 arguments, this one 4"), "\(result.stderr)")
        #expect(result.stderr.contains("bpf/counters.def:"), "\(result.stderr)")

        let unknown = try Self.editedCopy { $0.replacingOccurrences(of: "\"finPackets\", \"TCP segments with FIN set\"", with: "\"finPacket\", \"TCP segments with FIN set\"") }
        defer { try? FileManager.default.removeItem(at: unknown) }
        let (named, _) = try await Self.generate(unknown.appendingPathComponent("counters.def"), "PromExposition")
        #expect(named.status == 1)
        #expect(named.stderr.contains("series finPacket names no metric of NM_METRICS"), "\(named.stderr)")
    }
}
