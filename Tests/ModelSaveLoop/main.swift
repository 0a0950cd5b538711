// Test helper: saves two different ensembles to a ModelStore in turn, forever, printing
// "saved N" after each save. The persistence tests SIGKILL it at random moments and then
// require the file to load. Usage: model-save-loop DIRECTORY
import AnomalyModels

#if canImport(Glibc)
import Glibc
#endif

guard CommandLine.arguments.count == 2 else {
    let usage = "usage: model-save-loop DIRECTORY\n"
    _ = usage.withCString { write(2, $0, strlen($0)) }
    exit(2)
}
let store = ModelStore(directory: CommandLine.arguments[1])
var configuration = EnsembleConfiguration(dimension: 3)
configuration.vaeEpochs = 2
var ensembles: [AnomalyEnsemble] = []
for seed: UInt64 in [1, 2] {
    configuration.seed = seed
    ensembles.append(try AnomalyEnsemble.bootstrap(means: [1, 2, 3], deviations: [0.5, 0.5, 0.5], samples: 2000, configuration: configuration))
}
var count = 0
while true {
    try store.save(ensembles[count % 2])
    count += 1
    let line = "saved \(count)\n"
    _ = line.withCString { write(1, $0, strlen($0)) }
}
