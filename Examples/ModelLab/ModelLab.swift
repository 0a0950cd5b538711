// ModelLab: the research harness. Train the ensemble on one set of captures or window files,
// evaluate it on another, print per-model and ensemble precision, recall, F1, ROC-AUC, false
// positive rate and detection latency, and write a plot of every model's score over time with the
// labelled attack windows shaded.
//
//     swift run ModelLab ../shared/data/pcap --plot lab.svg
//         trains on the captures labelled benign in DIR/labels.csv, evaluates on every capture
//         labelled attack or benign there
//     swift run ModelLab --train a.pcap b.jsonl --evaluate c.pcap d.pcap --labels labels.csv --plot lab.svg
//     swift run ModelLab DIR --generated 400     adds 400 generated normal windows per host profile
//
// Inputs: .pcap/.pcapng files (replayed offline into one-second windows, as `monitor --pcap`
// does) and .jsonl files of TrafficWindow JSON lines (as `monitor --pcap F --offline
// --windows-only` prints). Labels: a CSV with the columns `file` and `class` (as labels.csv):
// class `attack` marks every window of the file as an attack, `benign` as normal; other classes
// and unlabelled files are not evaluated (they are listed). Only windows with traffic are used:
// an empty second carries nothing to judge.
import AnomalyModels
import ArgumentParser
import EBPFCapture
import Foundation
import Logging
import ThreatRules
import TrafficFeatures
import WindowFormat

@main
struct ModelLab: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train the anomaly ensemble on some captures or window files, evaluate it on others, plot the scores.")

    @Argument(help: "A directory with captures and labels.csv: train on the benign ones, evaluate on all labelled ones.")
    var directory: String?

    @Option(parsing: .upToNextOption, help: "Captures (.pcap, .pcapng) or window files (.jsonl) to train on.")
    var train: [String] = []

    @Option(parsing: .upToNextOption, help: "Captures or window files to evaluate on.")
    var evaluate: [String] = []

    @Option(help: "Labels CSV (columns file, class); default DIRECTORY/labels.csv.")
    var labels: String?

    @Option(help: "Also train on this many generated normal windows per generated host profile.")
    var generated = 0

    @Option(help: "Write the plot (SVG) here.")
    var plot: String?

    func run() async throws {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .warning
            return handler
        }
        let labelFile = labels ?? directory.map { $0 + "/labels.csv" }
        let classes = try labelFile.map(Self.readLabels) ?? [:]
        var trainFiles = train, evaluateFiles = evaluate
        if let directory {
            let files = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
                .filter { Self.isInput($0) }.map { directory + "/" + $0 }
            if trainFiles.isEmpty { trainFiles = files.filter { classes[Self.key($0)] == "benign" } }
            if evaluateFiles.isEmpty { evaluateFiles = files.filter { ["attack", "benign"].contains(classes[Self.key($0)]) } }
            let left = files.filter { !["attack", "benign"].contains(classes[Self.key($0)]) }
            if !left.isEmpty {
                print("not evaluated (class neither attack nor benign): "
                    + left.map { "\(Self.key($0)) (\(classes[Self.key($0)] ?? "unlabelled"))" }.joined(separator: ", "))
            }
        }
        guard !trainFiles.isEmpty || generated > 0 else { throw ValidationError("nothing to train on: give DIRECTORY, --train or --generated") }
        guard !evaluateFiles.isEmpty else { throw ValidationError("nothing to evaluate: give DIRECTORY or --evaluate") }

        // Training: the non-empty windows of the training files, plus generated normal traffic.
        var vectors: [[Double]] = []
        for file in trainFiles { vectors += try await Self.windows(file).map { FeatureVector($0).values } }
        let fromFiles = vectors.count
        if generated > 0 {
            vectors += SyntheticTraffic.hostWindowStreams(seed: 1, count: generated).flatMap(\.windows)
                .filter { $0.counters.packets > 0 }.map { FeatureVector($0).values }
        }
        let ensemble = try AnomalyEnsemble.train(TrainingData(vectors: vectors), configuration: ThreatDetector.networkConfiguration)
        print("trained on \(vectors.count) windows: \(fromFiles) from \(trainFiles.count) file(s), \(vectors.count - fromFiles) generated")

        // Evaluation, file by file (each file is its own stream: the VAE's history restarts).
        var streams: [LabelledStream] = []
        for file in evaluateFiles {
            guard let label = classes[Self.key(file)], label == "attack" || label == "benign" else {
                print("skipping \(file): no attack/benign label in \(labelFile ?? "the labels")")
                continue
            }
            let windowVectors = try await Self.windows(file).map { FeatureVector($0).values }
            guard !windowVectors.isEmpty else { continue }
            streams.append(LabelledStream(name: Self.key(file), vectors: windowVectors, isAttack: windowVectors.map { _ in label == "attack" }))
        }
        let inSample = Set(trainFiles.map(Self.key)).intersection(streams.map(\.name))
        if !inSample.isEmpty {
            print("evaluated on its own training data (in-sample): \(inSample.sorted().joined(separator: ", "))")
        }
        let report = try Evaluation.evaluate(ensemble, on: streams)
        print("\n" + report.table + "\n")
        print("| file | class | windows | flagged by the consensus | DBSCAN votes | VAE votes | ZMAD votes |")
        print("|---|---|---:|---:|---:|---:|---:|")
        for stream in streams {
            let rows = report.results.filter { $0.stream == stream.name }
            print("| \(stream.name) | \(stream.isAttack.first == true ? "attack" : "benign") | \(rows.count) | "
                + "\(rows.count { $0.score.consensus }) | \(rows.count { $0.score.dbscan.vote }) | "
                + "\(rows.count { $0.score.vae.vote }) | \(rows.count { $0.score.zmad.vote }) |")
        }
        if let plot {
            let title = "Anomaly scores per window: trained on \(vectors.count) windows, evaluated on \(streams.count) files"
            try report.svg(title: title, voteThreshold: ThreatDetector.networkConfiguration.voteThreshold)
                .write(toFile: plot, atomically: true, encoding: .utf8)
            print("\nplot written to \(plot)")
        }
    }

    static func isInput(_ name: String) -> Bool {
        [".pcap", ".pcapng", ".jsonl"].contains { name.hasSuffix($0) }
    }

    /// The name a file is labelled by: its last path component.
    static func key(_ path: String) -> String { URL(fileURLWithPath: path).lastPathComponent }

    /// The windows with traffic of a capture or a window file.
    static func windows(_ path: String) async throws -> [TrafficWindow] {
        var windows: [TrafficWindow] = []
        if path.hasSuffix(".jsonl") {
            let text = try String(contentsOfFile: path, encoding: .utf8)
            for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
            where !line.trimmingCharacters(in: .whitespaces).isEmpty {
                do {
                    windows.append(try TrafficWindow(json: Data(line.utf8)))
                } catch {
                    throw ValidationError("\(path), line \(number + 1): not a window: \(error)")
                }
            }
        } else {
            let capture = try PcapCapture(configuration: .init(path: path), logger: Logger(label: "modellab"))
            for try await window in capture.windows() { windows.append(window) }
        }
        return windows.filter { $0.counters.packets > 0 }
    }

    /// `file` → `class` from a labels CSV (header row with `file` and `class`; quoted fields may
    /// hold commas).
    static func readLabels(_ path: String) throws -> [String: String] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        var rows = text.split(separator: "\n").map { Self.fields(String($0)) }
        guard let header = rows.first, let file = header.firstIndex(of: "file"), let kind = header.firstIndex(of: "class") else {
            throw ValidationError("\(path): the first row must name the columns file and class")
        }
        rows.removeFirst()
        var labels: [String: String] = [:]
        for row in rows where row.count > max(file, kind) { labels[row[file]] = row[kind] }
        return labels
    }

    static func fields(_ line: String) -> [String] {
        var fields: [String] = [], current = "", quoted = false
        for character in line {
            switch character {
            case "\"": quoted.toggle()
            case "," where !quoted:
                fields.append(current)
                current = ""
            default: current.append(character)
            }
        }
        fields.append(current.trimmingCharacters(in: .whitespacesAndNewlines))
        return fields
    }
}
