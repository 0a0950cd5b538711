import AnomalyModels
import EBPFCapture
import Foundation
import Logging
import TestSupport
import Testing
import TrafficFeatures

/// Windows of a capture, replayed offline through the same aggregation as the monitor.
func captureWindows(_ path: String) async throws -> [TrafficWindow] {
    let capture = try PcapCapture(configuration: .init(path: path), logger: Logger(label: "evaluation"))
    var windows: [TrafficWindow] = []
    for try await window in capture.windows() { windows.append(window) }
    return windows
}

@Suite("Ensemble on real captures and generated traffic", .serialized)
struct CaptureEvaluationTests {
    /// Trains on generated normal traffic only, then evaluates on held-out generated traffic,
    /// the benign captures and the attack captures of ../shared/data/pcap (non-empty windows:
    /// an empty window carries no traffic to judge).
    @Test(
        "benign FPR < 1% and ≥ 90% of attack windows flagged by the consensus",
        .enabled(if: !SharedData.labels.isEmpty, "../shared/data/pcap (with labels.csv) is absent: skipped"))
    func evaluateOnCaptures() async throws {
        // Training and scoring take seconds: on a thread of their own, not the test pool's.
        let (trainingCount, ensemble, generated) = try await OwnThread.run {
            let training = SyntheticTraffic.hostWindowStreams(seed: 1, count: 400).flatMap(\.windows).map { FeatureVector($0).values }
            let configuration = EnsembleConfiguration(dimension: FeatureVector.dimension, featureNames: FeatureVector.names)
            let ensemble = try AnomalyEnsemble.train(TrainingData(vectors: training), configuration: configuration)
            let generated: [LabelledStream] = SyntheticTraffic.hostWindowStreams(seed: 2, count: 200).map { stream in
                let vectors = stream.windows.filter { $0.counters.packets > 0 }.map { FeatureVector($0).values }
                return LabelledStream(name: stream.name, vectors: vectors, isAttack: vectors.map { _ in false })
            }
            return (training.count, ensemble, generated)
        }
        var benign = generated
        var attacks: [LabelledStream] = []
        let directory = try #require(SharedData.pcapDirectory)
        for label in SharedData.labels where label.kind == "benign" || label.kind == "attack" {
            let windows = try await captureWindows(directory.appendingPathComponent(label.file).path)
            let vectors = windows.filter { $0.counters.packets > 0 }.map { FeatureVector($0).values }
            let stream = LabelledStream(name: label.file, vectors: vectors, isAttack: vectors.map { _ in label.kind == "attack" })
            if label.kind == "attack" { attacks.append(stream) } else { benign.append(stream) }
        }

        let streams = benign + attacks
        let report = try await OwnThread.run { try Evaluation.evaluate(ensemble, on: streams) }
        print("Ensemble trained on \(trainingCount) generated windows; evaluated on non-empty windows:\n\(report.table)")
        for stream in benign + attacks {
            let rows = report.results.filter { $0.stream == stream.name }
            let flagged = rows.count { $0.score.consensus }
            print("  \(stream.name): \(flagged)/\(rows.count) windows flagged (\(stream.isAttack.first == true ? "attack" : "normal"))")
        }
        let benignRows = report.results.filter { !$0.isAttack }
        let falsePositives = benignRows.count { $0.score.consensus }
        #expect(Double(falsePositives) < 0.01 * Double(benignRows.count), "\(falsePositives) of \(benignRows.count) normal windows flagged")
        #expect(report.ensemble.falsePositiveRate < 0.01)
        #expect(report.ensemble.recall >= 0.9, "\(report.ensemble.truePositives) of \(report.ensemble.truePositives + report.ensemble.falseNegatives) attack windows flagged")
    }
}
