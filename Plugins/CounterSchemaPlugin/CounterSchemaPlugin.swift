import Foundation
import PackagePlugin

/// Writes a target's Swift side of `bpf/counters.def`, the one table of every counter (see the
/// table's header): `WindowCounters`, `SourceCounters` and `CaptureLosses` in TrafficFeatures, the
/// kernel-to-Swift conversion in EBPFCapture, the counters' metric names and series in
/// PromExposition. The command re-runs whenever the table changes.
@main
struct CounterSchemaPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: any Target) throws -> [Command] {
        let table = context.package.directoryURL.appending(path: "bpf/counters.def")
        let generated = context.pluginWorkDirectoryURL.appending(path: "CounterSchema+\(target.name).swift")
        return [
            .buildCommand(
                displayName: "Generating \(target.name)'s counters from bpf/counters.def",
                executable: try context.tool(named: "counter-schema").url,
                arguments: [table.path, target.name, generated.path],
                inputFiles: [table],
                outputFiles: [generated]
            )
        ]
    }
}
