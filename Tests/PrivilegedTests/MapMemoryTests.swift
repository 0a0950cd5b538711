import Foundation
import TestSupport
import Testing

@testable import EBPFCapture

/// What the loaded program's maps cost the host, as the kernel accounts it: the per-source
/// tables are per-CPU, so their memory is SOURCE_TABLE_ENTRIES × value size × possible CPUs, for
/// each of the two tables.
@Suite(
    "BPF map memory as the kernel accounts it",
    .requires(TestNetwork.isPrivileged, "needs root (CAP_BPF, CAP_PERFMON)"))
struct MapMemoryTests {
    @Test("every map is reported; the per-source tables grow with SOURCE_TABLE_ENTRIES and the possible CPUs")
    func perSourceTablesScaleWithEntriesAndCPUs() throws {
        let small = try NetworkMonitorProgram(configuration: ProgramConfiguration(sourceTableEntries: 1024), logger: testLogger)
        let large = try NetworkMonitorProgram(configuration: ProgramConfiguration(sourceTableEntries: 8192), logger: testLogger)
        let smallMemory = small.mapMemory(), largeMemory = large.mapMemory()
        #expect(smallMemory.possibleCPUs == small.possibleCPUs)
        #expect(Set(smallMemory.bytesByMap.keys).isSuperset(of: ["nm_sources_0", "nm_sources_1", "nm_flows", "nm_events"]))
        // Each table holds a value of nm_source_stats (152 bytes) per entry and CPU, at least.
        let values = 2 * 152 * small.possibleCPUs
        #expect(smallMemory.sourceTableBytes >= 1024 * values)
        #expect(largeMemory.sourceTableBytes >= 8192 * values)
        // 7168 entries more cost at least their values and the rest of the maps stays put.
        #expect(largeMemory.sourceTableBytes - smallMemory.sourceTableBytes >= 7168 * values)
        #expect(largeMemory.totalBytes - largeMemory.sourceTableBytes == smallMemory.totalBytes - smallMemory.sourceTableBytes)
        #expect(largeMemory.summary.contains("for \(small.possibleCPUs) possible CPUs"))
        let defaults = try NetworkMonitorProgram(configuration: ProgramConfiguration(), logger: testLogger).mapMemory()
        print("BPF maps with the default settings: \(defaults.summary); \(defaults.sourceTableBytes / defaults.possibleCPUs) bytes per CPU in the per-source tables")
    }
}
