import Foundation
import PackagePlugin

/// Writes a target's Swift side of `bpf/counters.def`, the one table of every counter (see the
/// table's header): `WindowCounters`, `SourceCounters` and `CaptureLosses` in TrafficFeatures, the
/// kernel-to-Swift conversion in EBPFCapture, the counters' metric names and series in
/// PromExposition. The command re-runs whenever the table or the generator changes.
///
/// The generator is `counter-schema.awk` beside this file, run with the system's `awk`: a compiled
/// generator would be built with every flag of the build, and the fuzzing build's
/// `-sanitize=fuzzer` cannot link an ordinary executable.
@main
struct CounterSchemaPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: any Target) throws -> [Command] {
        let table = context.package.directoryURL.appending(path: "bpf/counters.def")
        let generator = context.package.directoryURL.appending(path: "Plugins/CounterSchemaPlugin/counter-schema.awk")
        let generated = context.pluginWorkDirectoryURL.appending(path: "CounterSchema+\(target.name).swift")
        return [
            .buildCommand(
                displayName: "Generating \(target.name)'s counters from bpf/counters.def",
                executable: URL(fileURLWithPath: "/bin/sh"),
                arguments: [
                    "-c", #"set -eu; awk -v target="$1" -f "$2" "$3" > "$4.tmp"; mv "$4.tmp" "$4""#, "counter-schema",
                    target.name, generator.path, table.path, generated.path,
                ],
                inputFiles: [table, generator],
                outputFiles: [generated]
            )
        ]
    }
}
