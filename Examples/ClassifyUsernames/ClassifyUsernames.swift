// ClassifyUsernames: the username-field classifier of ThreatRules on your own strings.
//
// Labelled files, one string per line, give a classification report (precision, recall, F1 per
// class, macro-F1, confusion matrix):
//
//     swift run ClassifyUsernames --password passwords.txt --command shell-commands.txt \
//         --service service-accounts.txt --username first-names.txt
//
// Strings on the command line (or, with neither files nor strings, lines on standard input) are
// classified one by one:
//
//     swift run ClassifyUsernames "sudo rm -rf /" jane.doe "P@ssw0rd2024!" svc_backup
import ArgumentParser
import Foundation
import ThreatRules

@main
struct ClassifyUsernames: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Classify what was typed into a username field: username, password, command, email or service.",
        discussion: """
            With --username/--password/--command/--email/--service FILE options (repeatable), every line of \
            each file is classified and a report with per-class precision, recall and F1, macro-F1 and the \
            confusion matrix is printed. Otherwise each TEXT argument (or each line of standard input) is \
            classified.
            """
    )

    @Option(name: .customLong("username"), help: ArgumentHelp("A file of real usernames, one per line.", valueName: "file"))
    var usernameFiles: [String] = []

    @Option(name: .customLong("password"), help: ArgumentHelp("A file of passwords, one per line.", valueName: "file"))
    var passwordFiles: [String] = []

    @Option(name: .customLong("command"), help: ArgumentHelp("A file of shell commands or injections, one per line.", valueName: "file"))
    var commandFiles: [String] = []

    @Option(name: .customLong("email"), help: ArgumentHelp("A file of e-mail addresses, one per line.", valueName: "file"))
    var emailFiles: [String] = []

    @Option(name: .customLong("service"), help: ArgumentHelp("A file of service or default account names, one per line.", valueName: "file"))
    var serviceFiles: [String] = []

    @Flag(help: "Skip lines that start with '#' in the files (for files with comment headers).")
    var skipComments = false

    @Flag(help: """
        Also report scores where a string listed under several classes (e.g. a first name that is also a \
        common password) counts as correct when predicted as any of them.
        """)
    var lenientOverlaps = false

    @Flag(help: "Print every classification as a JSON line.")
    var json = false

    @Option(help: "Seed of the generated training corpus.")
    var seed: UInt64 = 1

    @Argument(help: "Strings to classify (when no labelled files are given).")
    var texts: [String] = []

    func run() throws {
        let started = Date()
        let classifier = seed == 1 ? UsernameClassifier.shared : UsernameClassifier.standard(seed: seed)
        let trainingSeconds = Date().timeIntervalSince(started)

        let labelled: [(UsernameClass, [String])] = [
            (.username, usernameFiles), (.password, passwordFiles), (.command, commandFiles),
            (.email, emailFiles), (.service, serviceFiles),
        ]
        var samples: [(text: String, label: UsernameClass)] = []
        for (label, files) in labelled {
            for file in files {
                let lines = try readLines(file)
                samples += lines.map { (text: $0, label: label) }
                FileHandle.standardError.write(Data("\(label.rawValue): \(lines.count) strings from \(file)\n".utf8))
            }
        }

        if samples.isEmpty {
            var inputs = texts
            if inputs.isEmpty {
                while let line = readLine(strippingNewline: true) { inputs.append(line) }
            }
            try classifyEach(inputs, with: classifier)
            return
        }

        FileHandle.standardError.write(Data(String(format: "trained in %.2f s, evaluating %d strings\n", trainingSeconds, samples.count).utf8))
        let predictions = samples.map { classifier.classify($0.text) }
        if json {
            for (sample, prediction) in zip(samples, predictions) {
                try printJSON(text: sample.text, label: sample.label, prediction)
            }
        }
        let report = ClassificationReport(truth: samples.map(\.label), predicted: predictions.map(\.predictedType))
        print("## Username-field classifier\n")
        print(report.table)

        if lenientOverlaps {
            var labels: [String: Set<UsernameClass>] = [:]
            for sample in samples { labels[sample.text, default: []].insert(sample.label) }
            let shared = labels.values.filter { $0.count > 1 }.count
            let truth = zip(samples, predictions).map { sample, prediction in
                labels[sample.text]!.contains(prediction.predictedType) ? prediction.predictedType : sample.label
            }
            let lenient = ClassificationReport(truth: truth, predicted: predictions.map(\.predictedType))
            print("\n## Counting a string listed under several classes (\(shared) such strings) as correct for any of them\n")
            print(lenient.table)
        }
    }

    private func readLines(_ path: String) throws -> [String] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ValidationError("cannot read \(path)")
        }
        let text = String(decoding: data, as: UTF8.self)
        return text.split(omittingEmptySubsequences: true, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
            .map { String($0.hasSuffix("\r") ? $0.dropLast() : $0) }
            .filter { !$0.isEmpty && !(skipComments && $0.hasPrefix("#")) }
    }

    private func classifyEach(_ inputs: [String], with classifier: UsernameClassifier) throws {
        for text in inputs {
            let result = classifier.classify(text)
            if json {
                try printJSON(text: text, label: nil, result)
            } else {
                let others = UsernameClass.allCases.filter { $0 != result.predictedType }
                    .map { String(format: "%@ %.3f", $0.rawValue, result.probabilities[$0] ?? 0) }
                    .joined(separator: ", ")
                print(String(format: "%@\t%@ %.3f\t(%@)", text, result.predictedType.rawValue, result.confidence, others))
            }
        }
    }

    private func printJSON(text: String, label: UsernameClass?, _ result: UsernameClassification) throws {
        struct Line: Encodable {
            var username_text: String
            var label: String?
            var classification: UsernameClassification
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = try encoder.encode(Line(username_text: text, label: label?.rawValue, classification: result))
        print(String(decoding: data, as: UTF8.self))
    }
}
