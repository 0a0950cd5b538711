// The username-field classifier: what did someone type into the username field of a login?
//
// Character n-grams of the text (1–4, with boundary markers), n-grams of its shape (`Aaaa99!`),
// whole tokens and a few cheap global features are hashed into a fixed number of buckets and
// scored by a multinomial logistic regression (softmax) trained with SGD on the generated
// ``UsernameCorpus``. A multinomial naive Bayes over the same features is available too
// (``UsernameClassifier/Model/naiveBayes(alpha:)``).
import Foundation

/// The answer of the username-field classifier for one string.
///
/// Encoded as `{"predicted_type": "command", "confidence": 0.98, "probabilities": {"username": …, …}}`.
public struct UsernameClassification: Codable, Sendable, Equatable {
    /// The most probable class.
    public var predictedType: UsernameClass
    /// The probability of ``predictedType``, in [0, 1].
    public var confidence: Double
    /// The probability of every class; finite, non-negative, summing to 1.
    public var probabilities: [UsernameClass: Double]

    /// Creates a classification from its parts (no normalisation is applied).
    public init(predictedType: UsernameClass, confidence: Double, probabilities: [UsernameClass: Double]) {
        self.predictedType = predictedType
        self.confidence = confidence
        self.probabilities = probabilities
    }

    enum CodingKeys: String, CodingKey {
        case predictedType = "predicted_type"
        case confidence
        case probabilities
    }

    /// Decodes `predicted_type`, `confidence` and `probabilities` (an object keyed by class name;
    /// unknown class names are ignored).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        predictedType = try container.decode(UsernameClass.self, forKey: .predictedType)
        confidence = try container.decode(Double.self, forKey: .confidence)
        let raw = try container.decodeIfPresent([String: Double].self, forKey: .probabilities) ?? [:]
        var probabilities: [UsernameClass: Double] = [:]
        for (key, value) in raw {
            if let label = UsernameClass(rawValue: key) { probabilities[label] = value }
        }
        self.probabilities = probabilities
    }

    /// Encodes `predicted_type`, `confidence` and `probabilities` as an object keyed by class name.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(predictedType, forKey: .predictedType)
        try container.encode(confidence, forKey: .confidence)
        var raw: [String: Double] = [:]
        for (label, value) in probabilities { raw[label.rawValue] = value }
        try container.encode(raw, forKey: .probabilities)
    }
}

/// Precision, recall and F1 of a classifier on labelled samples, per class and overall.
public struct ClassificationReport: Codable, Sendable, Equatable {
    /// The metrics of one class.
    public struct ClassMetrics: Codable, Sendable, Equatable {
        /// The class.
        public var label: UsernameClass
        /// Of the samples predicted as ``label``, the fraction that are (0 when none were predicted).
        public var precision: Double
        /// Of the samples of ``label``, the fraction predicted as such (0 when there are none).
        public var recall: Double
        /// The harmonic mean of precision and recall (0 when both are 0).
        public var f1: Double
        /// How many samples have this label.
        public var support: Int
        /// How many samples were predicted as this label.
        public var predicted: Int
    }

    /// Metrics of every class, in `UsernameClass.allCases` order, including classes that were
    /// predicted but absent from the samples (their support is 0).
    public var classes: [ClassMetrics]
    /// The fraction of samples whose prediction equals their label (0 for no samples).
    public var accuracy: Double
    /// The mean F1 over the classes present in the samples (support > 0).
    public var macroF1: Double
    /// The number of samples evaluated.
    public var sampleCount: Int
    /// `confusion[i][j]`: samples of class `allCases[i]` predicted as `allCases[j]`.
    public var confusion: [[Int]]

    /// Builds the report from the true and the predicted label of each sample (pairs beyond the
    /// shorter of the two arrays are ignored).
    public init(truth: [UsernameClass], predicted: [UsernameClass]) {
        let all = UsernameClass.allCases
        let k = all.count
        var confusion = Array(repeating: Array(repeating: 0, count: k), count: k)
        var correct = 0
        for (t, p) in zip(truth, predicted) {
            let i = all.firstIndex(of: t)!, j = all.firstIndex(of: p)!
            confusion[i][j] += 1
            if i == j { correct += 1 }
        }
        var classes: [ClassMetrics] = []
        for (i, label) in all.enumerated() {
            let support = confusion[i].reduce(0, +)
            let predictedCount = (0..<k).reduce(0) { $0 + confusion[$1][i] }
            let tp = Double(confusion[i][i])
            let precision = predictedCount > 0 ? tp / Double(predictedCount) : 0
            let recall = support > 0 ? tp / Double(support) : 0
            let f1 = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0
            if support > 0 || predictedCount > 0 {
                classes.append(ClassMetrics(label: label, precision: precision, recall: recall, f1: f1,
                                            support: support, predicted: predictedCount))
            }
        }
        let present = classes.filter { $0.support > 0 }
        let n = min(truth.count, predicted.count)
        self.classes = classes
        self.accuracy = n > 0 ? Double(correct) / Double(n) : 0
        self.macroF1 = present.isEmpty ? 0 : present.reduce(0) { $0 + $1.f1 } / Double(present.count)
        self.sampleCount = n
        self.confusion = confusion
    }

    /// The report as a Markdown table: one row per class (precision, recall, F1, support,
    /// predicted), then accuracy and macro-F1, then the confusion matrix.
    public var table: String {
        func f(_ x: Double) -> String { String(format: "%.3f", x) }
        var lines = [
            "| class | precision | recall | F1 | support | predicted |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for c in classes {
            let absent = c.support == 0 ? " (absent)" : ""
            lines.append("| \(c.label.rawValue)\(absent) | \(f(c.precision)) | \(f(c.recall)) | \(f(c.f1)) | \(c.support) | \(c.predicted) |")
        }
        lines.append("")
        lines.append("accuracy \(f(accuracy)), macro-F1 \(f(macroF1)) over \(classes.filter { $0.support > 0 }.count) classes present, \(sampleCount) samples")
        lines.append("")
        let all = UsernameClass.allCases
        lines.append("| true \\ predicted | " + all.map(\.rawValue).joined(separator: " | ") + " |")
        lines.append("|---|" + all.map { _ in "---:" }.joined(separator: "|") + "|")
        for (i, label) in all.enumerated() where confusion[i].reduce(0, +) > 0 {
            lines.append("| \(label.rawValue) | " + confusion[i].map(String.init).joined(separator: " | ") + " |")
        }
        return lines.joined(separator: "\n")
    }
}

/// Classifies what was typed into the username field of a login: a real username, a password
/// typed by mistake, a shell command or injection, an e-mail address, or a service/default
/// account name.
///
/// ```swift
/// let result = UsernameClassifier.shared.classify("sudo rm -rf /")
/// // result.predictedType == .command, result.confidence ≈ 1
/// ```
///
/// The model is trained in memory from labelled strings; ``shared`` is trained once, on first
/// use, on the project's generated ``UsernameCorpus``. Instances are immutable and `Sendable`.
public struct UsernameClassifier: Sendable {
    /// The learning algorithm.
    public enum Model: Sendable, Equatable {
        /// Multinomial logistic regression (softmax) over the hashed features, trained with SGD.
        /// - Parameters:
        ///   - epochs: Passes over the training data.
        ///   - learningRate: The initial step size (it decays as `1 / (1 + t / n)`).
        ///   - l2: Weight decay applied to the weights a sample touches.
        case logisticRegression(epochs: Int, learningRate: Double, l2: Double)
        /// Multinomial naive Bayes with additive (Laplace/Lidstone) smoothing `alpha`.
        case naiveBayes(alpha: Double)

        /// The default: logistic regression, 4 epochs, initial learning rate 2, no weight decay.
        public static let standard = Model.logisticRegression(epochs: 4, learningRate: 2, l2: 0)
    }

    /// Settings of the features and the model.
    public struct Configuration: Sendable, Equatable {
        /// log2 of the number of hash buckets (clamped to 10...22).
        public var bucketBits: Int
        /// The longest n-gram of characters (clamped to 1...6).
        public var maxNgram: Int
        /// Only the first `maxCharacters` Unicode scalars of a string are looked at.
        public var maxCharacters: Int
        /// The learning algorithm.
        public var model: Model
        /// Seeds the order in which SGD visits samples.
        public var seed: UInt64
        /// Relative weights of the feature groups.
        var featureWeights = FeatureWeights()

        /// Creates a configuration; the defaults are the ones ``UsernameClassifier/shared`` uses.
        public init(bucketBits: Int = 18, maxNgram: Int = 5, maxCharacters: Int = 256, model: Model = .standard, seed: UInt64 = 1) {
            self.bucketBits = min(22, max(10, bucketBits))
            self.maxNgram = min(6, max(1, maxNgram))
            self.maxCharacters = max(1, maxCharacters)
            self.model = model
            self.seed = seed
        }
    }

    /// The configuration the model was trained with.
    public let configuration: Configuration
    /// Row-major `[bucket][class]` weights (logistic regression) or log-likelihoods (naive Bayes).
    let weights: [Float]
    /// Per-class bias (logistic regression) or log-prior (naive Bayes).
    let bias: [Double]
    private let extractor: FeatureExtractor

    static let classCount = UsernameClass.allCases.count

    /// A classifier with given parameters (read back from a file); the sizes are the caller's to check.
    init(configuration: Configuration, weights: [Float], bias: [Double]) {
        self.configuration = configuration
        self.weights = weights
        self.bias = bias
        extractor = Self.extractor(for: configuration)
    }

    /// The feature extractor of `configuration` (naive Bayes counts features, logistic regression
    /// normalizes them).
    private static func extractor(for configuration: Configuration) -> FeatureExtractor {
        var normalize = true
        if case .naiveBayes = configuration.model { normalize = false }
        return FeatureExtractor(bucketBits: configuration.bucketBits, maxNgram: configuration.maxNgram,
                                maxCharacters: configuration.maxCharacters, weights: configuration.featureWeights,
                                normalize: normalize)
    }

    /// Trains a classifier on labelled strings.
    ///
    /// - Parameters:
    ///   - training: The labelled strings. Classes without samples are never predicted (their
    ///     probability is 0).
    ///   - configuration: Features and model; see ``Configuration``.
    public init(training: [(text: String, label: UsernameClass)], configuration: Configuration = Configuration()) {
        self.configuration = configuration
        let extractor = Self.extractor(for: configuration)
        self.extractor = extractor
        let classes = UsernameClass.allCases
        let labels = training.map { classes.firstIndex(of: $0.label)! }
        var matrix = SparseRows()
        for sample in training { extractor.append(sample.text, to: &matrix) }
        switch configuration.model {
        case .naiveBayes(let alpha):
            (weights, bias) = Self.trainNaiveBayes(matrix, labels: labels, buckets: extractor.buckets, alpha: alpha)
        case .logisticRegression(let epochs, let learningRate, let l2):
            (weights, bias) = Self.trainLogistic(matrix, labels: labels, buckets: extractor.buckets, epochs: epochs,
                                                 learningRate: learningRate, l2: l2, seed: configuration.seed)
        }
    }

    /// A classifier trained on the generated corpus of `seed`, with the class mix of
    /// ``UsernameCorpus/standardCounts(scale:)`` (25 000 strings).
    ///
    /// Takes about 0.2 s with optimisations and 1–2 s in debug builds; prefer ``shared``,
    /// which is this classifier trained once and shipped in the library.
    public static func standard(seed: UInt64 = 1, configuration: Configuration = Configuration()) -> UsernameClassifier {
        UsernameClassifier(training: UsernameCorpus.generate(seed: seed, counts: UsernameCorpus.standardCounts()),
                           configuration: configuration)
    }

    /// The classifier trained on the generated corpus with the default seed and configuration
    /// (``standard(seed:configuration:)``): trained once, when the corpus or the model changes,
    /// and shipped in the library (`Embedded/username-classifier.ucls`, rebuilt by
    /// `scripts/update-shipped-models.sh`), so it costs a read of 5 MiB, not a training. Read on
    /// first use (thread-safe). Were the shipped file unreadable (a broken build), it would be
    /// trained instead: the same classifier, only slower.
    public static let shared = ShippedModels.classifier()

    /// Classifies one string. Never fails: the empty string, very long strings (only the first
    /// ``Configuration/maxCharacters`` scalars are used) and any Unicode get an answer.
    public func classify(_ text: String) -> UsernameClassification {
        var row = SparseRows()
        extractor.append(text, to: &row)
        let scores = self.scores(row, sample: 0)
        let classes = UsernameClass.allCases
        var best = 0
        var probabilities: [UsernameClass: Double] = [:]
        for (i, label) in classes.enumerated() {
            probabilities[label] = scores[i]
            if scores[i] > scores[best] { best = i }
        }
        return UsernameClassification(predictedType: classes[best], confidence: scores[best], probabilities: probabilities)
    }

    /// Classifies every sample and compares with its label.
    ///
    /// - Returns: Per-class precision, recall, F1 and support, accuracy, macro-F1 over the classes
    ///   present in `samples`, and the confusion matrix.
    public func evaluate(_ samples: [(text: String, label: UsernameClass)]) -> ClassificationReport {
        ClassificationReport(truth: samples.map(\.label), predicted: samples.map { classify($0.text).predictedType })
    }

    // MARK: Scoring

    /// Softmax probabilities of sample `sample` of `rows`.
    private func scores(_ rows: SparseRows, sample: Int) -> [Double] {
        let k = Self.classCount
        var logits = bias
        let start = rows.offsets[sample], end = rows.offsets[sample + 1]
        weights.withUnsafeBufferPointer { w in
            rows.indices.withUnsafeBufferPointer { idx in
                rows.values.withUnsafeBufferPointer { val in
                    for f in start..<end {
                        let base = Int(idx[f]) &* k
                        let v = Double(val[f])
                        for c in 0..<k { logits[c] += v * Double(w[base &+ c]) }
                    }
                }
            }
        }
        return Self.softmax(logits)
    }

    static func softmax(_ logits: [Double]) -> [Double] {
        let finite = logits.map { $0.isFinite ? $0 : -1e300 }
        let top = finite.max() ?? 0
        var exps = finite.map { Foundation.exp($0 - top) }
        let sum = exps.reduce(0, +)
        guard sum > 0, sum.isFinite else { return Array(repeating: 1 / Double(logits.count), count: logits.count) }
        for i in exps.indices { exps[i] /= sum }
        return exps
    }

    // MARK: Training

    private static func trainNaiveBayes(_ rows: SparseRows, labels: [Int], buckets: Int, alpha: Double) -> ([Float], [Double]) {
        let k = classCount
        var counts = [Double](repeating: 0, count: buckets * k)
        var totals = [Double](repeating: 0, count: k)
        var documents = [Double](repeating: 0, count: k)
        counts.withUnsafeMutableBufferPointer { counts in
            rows.indices.withUnsafeBufferPointer { idx in
                rows.values.withUnsafeBufferPointer { val in
                    for (sample, label) in labels.enumerated() {
                        documents[label] += 1
                        for f in rows.offsets[sample]..<rows.offsets[sample + 1] {
                            counts[Int(idx[f]) &* k &+ label] += Double(val[f])
                            totals[label] += Double(val[f])
                        }
                    }
                }
            }
        }
        let a = max(alpha, 1e-9)
        let denominators = totals.map { Foundation.log($0 + a * Double(buckets)) }
        var weights = [Float](repeating: 0, count: buckets * k)
        weights.withUnsafeMutableBufferPointer { w in
            counts.withUnsafeBufferPointer { counts in
                for i in 0..<(buckets * k) {
                    w[i] = Float(Foundation.log(counts[i] + a) - denominators[i % k])
                }
            }
        }
        let n = Double(labels.count)
        let prior = documents.map { $0 > 0 ? Foundation.log($0 / n) : -1e6 }
        return (weights, prior)
    }

    private static func trainLogistic(_ rows: SparseRows, labels: [Int], buckets: Int, epochs: Int,
                                      learningRate: Double, l2: Double, seed: UInt64) -> ([Float], [Double]) {
        let k = classCount
        var weights = [Float](repeating: 0, count: buckets * k)
        var bias = [Float](repeating: 0, count: k)
        // Classes without samples get a strongly negative bias so they are never predicted.
        var present = [Bool](repeating: false, count: k)
        for label in labels { present[label] = true }
        let n = labels.count
        guard n > 0 else { return (weights, [Double](repeating: 0, count: k)) }
        var order = Array(0..<n)
        var random = CorpusRandom(seed: seed ^ 0x5CA1_AB1E)
        var step: Float = 0
        let decay = Float(n)
        let rate0 = Float(learningRate), decayL2 = Float(l2)
        // The loops below run on unsafe buffers and Float so that training stays fast in debug builds.
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: 2 * k)
        defer { scratch.deallocate() }
        let logits = scratch, gradient = scratch + k
        weights.withUnsafeMutableBufferPointer { wb in
            bias.withUnsafeMutableBufferPointer { bb in
                rows.indices.withUnsafeBufferPointer { idx in
                    rows.values.withUnsafeBufferPointer { val in
                        rows.offsets.withUnsafeBufferPointer { offsets in
                            labels.withUnsafeBufferPointer { labelBuffer in
                                let w = wb.baseAddress!, b = bb.baseAddress!
                                let indexBase = idx.baseAddress, valueBase = val.baseAddress
                                for _ in 0..<max(0, epochs) {
                                    // Fisher–Yates with the seeded generator.
                                    for i in stride(from: n - 1, to: 0, by: -1) { order.swapAt(i, random.int(i + 1)) }
                                    for sample in order {
                                        let start = offsets[sample], end = offsets[sample + 1]
                                        for c in 0..<k { logits[c] = b[c] }
                                        var f = start
                                        while f < end {
                                            let row = w + Int(indexBase![f]) &* k
                                            let v = valueBase![f]
                                            for c in 0..<k { logits[c] += v * row[c] }
                                            f += 1
                                        }
                                        var top = logits[0]
                                        for c in 1..<k where logits[c] > top { top = logits[c] }
                                        var sum: Float = 0
                                        for c in 0..<k {
                                            gradient[c] = Foundation.exp(logits[c] - top)
                                            sum += gradient[c]
                                        }
                                        let rate = rate0 / (1 + step / decay)
                                        step += 1
                                        let label = labelBuffer[sample]
                                        for c in 0..<k {
                                            gradient[c] = rate * (gradient[c] / sum - (c == label ? 1 : 0))
                                            b[c] -= gradient[c] * 0.1
                                        }
                                        let shrink = 1 - rate * decayL2
                                        f = start
                                        while f < end {
                                            let row = w + Int(indexBase![f]) &* k
                                            let v = valueBase![f]
                                            for c in 0..<k { row[c] = row[c] * shrink - gradient[c] * v }
                                            f += 1
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        var result = bias.map(Double.init)
        for c in 0..<k where !present[c] { result[c] = -1e6 }
        return (weights, result)
    }
}

// MARK: - Features

/// Relative weights of the feature groups (before each sample is scaled to unit norm).
struct FeatureWeights: Sendable, Equatable {
    var ngram: Float = 1
    var shape: Float = 1
    var token: Float = 1
    var global: Float = 1
}

/// Sparse rows in compressed form: sample `i` has features `offsets[i]..<offsets[i+1]`.
struct SparseRows {
    var indices: [Int32] = []
    var values: [Float] = []
    var offsets: [Int] = [0]
}

/// Hashes a string's features into `buckets` buckets.
///
/// - character n-grams (1…maxNgram) of the lowercased text with boundary markers;
/// - n-grams (1…4) of its shape, where runs of lowercase letters become `a`, uppercase `A`,
///   other letters `u`, digits `9`, whitespace ` ` and every other character stays itself
///   (`P@ssw0rd2024!` → `A@a9a9!`), plus the whole shape when short;
/// - whole tokens (maximal runs of letters and digits);
/// - global features: length bucket, case pattern, digit and symbol ratio, spaces, `@`.
///
/// For logistic regression each sample's feature values are scaled to unit L2 norm (so long
/// commands and short names weigh alike); naive Bayes uses the raw counts.
struct FeatureExtractor: Sendable {
    let bucketBits: Int
    let maxNgram: Int
    let maxCharacters: Int
    var weights = FeatureWeights()
    /// Scale each sample's feature vector to unit L2 norm (logistic regression) or keep counts (naive Bayes).
    var normalize = true
    var buckets: Int { 1 << bucketBits }

    private static let boundary: UInt32 = 0x02

    @inline(__always)
    private func bucket(_ hash: UInt64) -> Int32 {
        // Final avalanche so that the low bits depend on every input bit.
        var z = hash
        z = (z ^ (z >> 33)) &* 0xFF51_AFD7_ED55_8CCD
        z = (z ^ (z >> 33)) &* 0xC4CE_B9FE_1A85_EC53
        z ^= z >> 33
        return Int32(truncatingIfNeeded: z & UInt64(buckets - 1))
    }

    private static let fnvOffset: UInt64 = 0xCBF2_9CE4_8422_2325
    private static let fnvPrime: UInt64 = 0x0000_0100_0000_01B3

    @inline(__always)
    private static func mix(_ h: UInt64, _ x: UInt32) -> UInt64 { (h ^ UInt64(x)) &* fnvPrime }

    func append(_ text: String, to rows: inout SparseRows) {
        var scalars: [UInt32] = []
        scalars.reserveCapacity(min(maxCharacters, 64))
        for s in text.unicodeScalars.prefix(maxCharacters) { scalars.append(s.value) }
        var features: [Int32] = []
        var values: [Float] = []
        features.reserveCapacity(scalars.count * (maxNgram + 5) + 16)
        values.reserveCapacity(scalars.count * (maxNgram + 5) + 16)

        // Lowercased text with boundaries.
        var lower: [UInt32] = [Self.boundary]
        for v in scalars { lower.append(Self.lowercase(v)) }
        lower.append(Self.boundary)
        lower.withUnsafeBufferPointer { t in
            for start in 0..<t.count {
                var h = Self.mix(Self.fnvOffset, 0x100)
                for n in 1...maxNgram {
                    let end = start + n
                    if end > t.count { break }
                    h = Self.mix(h, t[end - 1])
                    // A lone boundary marker is not a feature.
                    if n == 1 && t[start] == Self.boundary { continue }
                    features.append(bucket(Self.mix(h, UInt32(n))))
                    values.append(weights.ngram)
                }
            }
        }

        // Shape with runs collapsed.
        var shape: [UInt32] = [Self.boundary]
        var lowerCount = 0, upperCount = 0, digitCount = 0, otherLetters = 0, spaceCount = 0, symbolCount = 0
        var hasAt = false
        for v in scalars {
            let cls: UInt32
            switch v {
            case 0x61...0x7A: cls = 0x61; lowerCount += 1
            case 0x41...0x5A: cls = 0x41; upperCount += 1
            case 0x30...0x39: cls = 0x39; digitCount += 1
            case 0x20, 0x09, 0x0A, 0x0D: cls = 0x20; spaceCount += 1
            default:
                if v >= 0x80, let scalar = Unicode.Scalar(v), scalar.properties.isAlphabetic {
                    cls = 0x75; otherLetters += 1
                } else {
                    cls = v; symbolCount += 1
                    if v == 0x40 { hasAt = true }
                }
            }
            let collapsible = cls == 0x61 || cls == 0x41 || cls == 0x39 || cls == 0x75 || cls == 0x20
            if !(collapsible && shape.last == cls) { shape.append(cls) }
        }
        shape.append(Self.boundary)
        shape.withUnsafeBufferPointer { t in
            for start in 0..<t.count {
                var h = Self.mix(Self.fnvOffset, 0x200)
                for n in 1...4 {
                    let end = start + n
                    if end > t.count { break }
                    h = Self.mix(h, t[end - 1])
                    if n == 1 && t[start] == Self.boundary { continue }
                    features.append(bucket(Self.mix(h, UInt32(n))))
                    values.append(weights.shape)
                }
            }
            if t.count <= 18 {
                var h = Self.mix(Self.fnvOffset, 0x300)
                for v in t { h = Self.mix(h, v) }
                features.append(bucket(h))
                values.append(weights.shape)
            }
        }

        // Whole tokens: maximal runs of letters and digits in the lowercased text.
        var h = Self.mix(Self.fnvOffset, 0x400)
        var tokenLength = 0
        for v in lower {
            let isWord = (v >= 0x61 && v <= 0x7A) || (v >= 0x30 && v <= 0x39) || (v >= 0x80 && Self.isLetter(v))
            if isWord {
                h = Self.mix(h, v)
                tokenLength += 1
            } else {
                if tokenLength > 0 && tokenLength <= 24 {
                    features.append(bucket(h))
                    values.append(weights.token)
                }
                h = Self.mix(Self.fnvOffset, 0x400)
                tokenLength = 0
            }
        }

        // Global features.
        let length = scalars.count
        let letters = lowerCount + upperCount + otherLetters
        func global(_ kind: UInt32, _ value: Int) {
            features.append(bucket(Self.mix(Self.mix(Self.mix(Self.fnvOffset, 0x500), kind), UInt32(truncatingIfNeeded: value))))
            values.append(weights.global)
        }
        let lengthBucket: Int
        switch length {
        case 0...16: lengthBucket = length
        case 17...24: lengthBucket = 20
        case 25...40: lengthBucket = 30
        case 41...80: lengthBucket = 60
        default: lengthBucket = 100
        }
        global(1, lengthBucket)
        let casePattern: Int
        if letters == 0 { casePattern = 0 }
        else if upperCount == 0 { casePattern = 1 }
        else if lowerCount == 0 && otherLetters == 0 { casePattern = 2 }
        else if upperCount == 1, let first = scalars.first, first >= 0x41 && first <= 0x5A { casePattern = 3 }
        else { casePattern = 4 }
        global(2, casePattern)
        func ratio(_ part: Int) -> Int {
            guard length > 0 else { return -1 }
            if part == 0 { return 0 }
            if part == length { return 5 }
            return 1 + min(3, 4 * part / length)
        }
        global(3, ratio(digitCount))
        global(4, min(symbolCount, 4))
        global(5, min(spaceCount, 4))
        global(6, hasAt ? 1 : 0)
        global(7, ratio(letters))

        // Unit L2 norm over the sample's features (duplicates count once per occurrence).
        var norm: Float = 0
        for v in values { norm += v * v }
        let scale = norm > 0 ? (normalize ? 1 / norm.squareRoot() : 1) : 0
        rows.indices.append(contentsOf: features)
        for v in values { rows.values.append(v * scale) }
        rows.offsets.append(rows.indices.count)
    }

    @inline(__always)
    static func lowercase(_ v: UInt32) -> UInt32 {
        if v >= 0x41 && v <= 0x5A { return v + 0x20 }
        if v < 0x80 { return v }
        guard let scalar = Unicode.Scalar(v) else { return v }
        let mapped = scalar.properties.lowercaseMapping.unicodeScalars
        return mapped.count == 1 ? mapped.first!.value : v
    }

    static func isLetter(_ v: UInt32) -> Bool {
        guard let scalar = Unicode.Scalar(v) else { return false }
        return scalar.properties.isAlphabetic || scalar.properties.numericType != nil
    }
}
