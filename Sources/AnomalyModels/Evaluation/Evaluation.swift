/// Detection quality of one detector (a model or the ensemble) on labelled, time-ordered data.
public struct DetectionMetrics: Codable, Sendable, Equatable {
    /// Attack windows the detector flagged.
    public var truePositives = 0
    /// Normal windows the detector flagged.
    public var falsePositives = 0
    /// Normal windows the detector did not flag.
    public var trueNegatives = 0
    /// Attack windows the detector did not flag.
    public var falseNegatives = 0
    /// Area under the ROC curve of the continuous score (nil when only one class is present).
    public var rocAUC: Double?
    /// Per attack segment (a maximal run of attack windows in one stream), the number of windows
    /// from its first window to the first alarm inside it (0 = flagged at once); nil = missed.
    public var detectionLatencies: [Int?] = []

    /// TP / (TP + FP); 0 when nothing was flagged.
    public var precision: Double { ratio(truePositives, truePositives + falsePositives) }
    /// TP / (TP + FN): the share of attack windows flagged; 0 without attack windows.
    public var recall: Double { ratio(truePositives, truePositives + falseNegatives) }
    /// Harmonic mean of precision and recall.
    public var f1: Double {
        let p = precision, r = recall
        return p + r > 0 ? 2 * p * r / (p + r) : 0
    }
    /// FP / (FP + TN): the share of normal windows flagged.
    public var falsePositiveRate: Double { ratio(falsePositives, falsePositives + trueNegatives) }
    /// Mean latency over detected segments, in windows (nil if none was detected).
    public var meanDetectionLatency: Double? {
        let detected = detectionLatencies.compactMap { $0 }
        return detected.isEmpty ? nil : Double(detected.reduce(0, +)) / Double(detected.count)
    }
    /// Attack segments with at least one alarm.
    public var detectedSegments: Int { detectionLatencies.count { $0 != nil } }

    /// Metrics with every count 0, no ROC-AUC and no latencies.
    public init() {}

    private func ratio(_ a: Int, _ b: Int) -> Double { b > 0 ? Double(a) / Double(b) : 0 }
}

/// One labelled, time-ordered sequence of observations (for example the windows of one capture).
public struct LabelledStream: Sendable {
    /// Shown in reports.
    public var name: String
    /// One feature vector per window, oldest first.
    public var vectors: [[Double]]
    /// `true` where the window belongs to an attack.
    public var isAttack: [Bool]

    /// A stream of `vectors` labelled by `isAttack`.
    ///
    /// - Precondition: `vectors.count == isAttack.count`.
    public init(name: String, vectors: [[Double]], isAttack: [Bool]) {
        precondition(vectors.count == isAttack.count, "LabelledStream: \(vectors.count) vectors, \(isAttack.count) labels")
        self.name = name
        self.vectors = vectors
        self.isAttack = isAttack
    }
}

/// Per-model and ensemble metrics of one evaluation run.
public struct EvaluationReport: Sendable {
    /// DBSCAN's metrics: its vote as the alarm, its surprise as the continuous score.
    public var dbscan = DetectionMetrics()
    /// The VAE's metrics: its vote as the alarm, its surprise as the continuous score.
    public var vae = DetectionMetrics()
    /// ZMAD's metrics: its vote as the alarm, its surprise as the continuous score.
    public var zmad = DetectionMetrics()
    /// The ensemble's metrics: consensus (two of three votes) as the alarm, the weighted surprise
    /// as the continuous score.
    public var ensemble = DetectionMetrics()
    /// Every scored window, in stream order (for plots and further analysis).
    public var results: [(stream: String, index: Int, isAttack: Bool, score: EnsembleScore)] = []

    /// An empty report.
    public init() {}

    /// A Markdown table: one row per detector.
    public var table: String {
        func format(_ x: Double?) -> String {
            guard let x else { return "–" }
            let scaled = (x * 1000).rounded() / 1000
            return "\(scaled)"
        }
        var lines = [
            "| detector | precision | recall | F1 | ROC-AUC | FPR | attacks detected | mean latency (windows) |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for (name, m) in [("DBSCAN", dbscan), ("VAE", vae), ("ZMAD", zmad), ("ensemble (2 of 3)", ensemble)] {
            lines.append(
                "| \(name) | \(format(m.precision)) | \(format(m.recall)) | \(format(m.f1)) | \(format(m.rocAUC)) | "
                    + "\(format(m.falsePositiveRate)) | \(m.detectedSegments)/\(m.detectionLatencies.count) | "
                    + "\(format(m.meanDetectionLatency)) |")
        }
        return lines.joined(separator: "\n")
    }
}

/// The evaluation harness: precision, recall, F1, ROC-AUC, false-positive rate and detection
/// latency of each model and of the consensus, on labelled streams.
public enum Evaluation {
    /// Scores every stream with `ensemble` (each stream starts with an empty history, so the VAE's
    /// first windows are padded as in ``AnomalyEnsemble/score(_:history:)``) and measures each
    /// model's vote and the consensus against the labels.
    public static func evaluate(_ ensemble: AnomalyEnsemble, on streams: [LabelledStream]) throws(ModelError) -> EvaluationReport {
        var report = EvaluationReport()
        var continuous: [[Double]] = [[], [], [], []]
        var alarms: [[Bool]] = [[], [], [], []]
        var labels: [Bool] = []
        var starts: [Int] = []  // first index of each stream in the flat arrays
        for stream in streams {
            starts.append(labels.count)
            var history: [[Double]] = []
            for (i, vector) in stream.vectors.enumerated() {
                let score = try ensemble.score(vector, history: history)
                history.append(vector)
                if history.count > ensemble.historyLength { history.removeFirst() }
                report.results.append((stream.name, i, stream.isAttack[i], score))
                let models = [score.dbscan, score.vae, score.zmad]
                for m in 0..<3 {
                    continuous[m].append(models[m].surprise)
                    alarms[m].append(models[m].vote)
                }
                continuous[3].append(score.weightedSurprise)
                alarms[3].append(score.consensus)
                labels.append(stream.isAttack[i])
            }
        }
        let measured = (0..<4).map { Self.metrics(scores: continuous[$0], alarms: alarms[$0], isAttack: labels, streamStarts: starts) }
        report.dbscan = measured[0]
        report.vae = measured[1]
        report.zmad = measured[2]
        report.ensemble = measured[3]
        return report
    }

    /// Confusion counts, ROC-AUC of `scores` and detection latencies of `alarms`.
    /// `streamStarts` lists where each independent stream begins (attack segments never span two).
    public static func metrics(scores: [Double], alarms: [Bool], isAttack: [Bool], streamStarts: [Int] = [0]) -> DetectionMetrics {
        precondition(scores.count == isAttack.count && alarms.count == isAttack.count, "Evaluation: lengths differ")
        var m = DetectionMetrics()
        for i in isAttack.indices {
            switch (isAttack[i], alarms[i]) {
            case (true, true): m.truePositives += 1
            case (true, false): m.falseNegatives += 1
            case (false, true): m.falsePositives += 1
            case (false, false): m.trueNegatives += 1
            }
        }
        m.rocAUC = rocAUC(scores: scores, isAttack: isAttack)
        let boundaries = Set(streamStarts)
        var segmentStart: Int?
        var latency: Int?
        for i in isAttack.indices {
            if boundaries.contains(i), segmentStart != nil {
                m.detectionLatencies.append(latency)
                segmentStart = nil
            }
            if isAttack[i] {
                if segmentStart == nil {
                    segmentStart = i
                    latency = nil
                }
                if latency == nil, alarms[i], let start = segmentStart { latency = i - start }
            } else if segmentStart != nil {
                m.detectionLatencies.append(latency)
                segmentStart = nil
            }
        }
        if segmentStart != nil { m.detectionLatencies.append(latency) }
        return m
    }

    /// ROC-AUC by the rank-sum (Mann–Whitney) formula, ties counted half; nil without both classes.
    public static func rocAUC(scores: [Double], isAttack: [Bool]) -> Double? {
        let positives = isAttack.count { $0 }
        let negatives = isAttack.count - positives
        guard positives > 0, negatives > 0 else { return nil }
        let order = scores.indices.sorted { scores[$0] < scores[$1] }
        var rankSum = 0.0
        var i = 0
        while i < order.count {
            var j = i
            while j + 1 < order.count, scores[order[j + 1]] == scores[order[i]] { j += 1 }
            let averageRank = Double(i + j) / 2 + 1
            for k in i...j where isAttack[order[k]] { rankSum += averageRank }
            i = j + 1
        }
        let p = Double(positives), n = Double(negatives)
        return (rankSum - p * (p + 1) / 2) / (p * n)
    }
}
