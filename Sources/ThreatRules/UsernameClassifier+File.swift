public import AnomalyModels

/// The on-disk format of a ``UsernameClassifier`` (how the shipped classifier is stored), framed
/// like the ensembles' model files (`ChecksummedFile`):
///
/// | bytes | content |
/// |---|---|
/// | 0–3 | magic `UCLS` |
/// | 4–7 | format version, UInt32 little-endian (currently 1) |
/// | 8–15 | payload length, UInt64 little-endian |
/// | 16–19 | CRC-32 (IEEE) of the payload, UInt32 little-endian |
/// | 20… | payload, little-endian: bucket bits, longest n-gram, characters looked at (UInt32 each); seed (UInt64); model (UInt8: 0 logistic regression, then epochs UInt32, learning rate and L2 Float64; 1 naive Bayes, then alpha Float64); the four feature-group weights (Float32); classes *k* (UInt32) and *k* biases (Float64); weights *n* (UInt64) and *n* weights (Float32) |
///
/// Numbers are stored bit for bit, so a classifier read back classifies exactly as the one written.
public enum UsernameClassifierFile {
    /// The first four bytes: `UCLS` in ASCII.
    public static let magic: [UInt8] = Array("UCLS".utf8)
    /// The format version this build writes and the only one it reads.
    public static let version: UInt32 = 1
    /// Bytes before the payload.
    public static let headerSize = ChecksummedFile.headerSize

    /// The file bytes of `classifier`.
    public static func encode(_ classifier: UsernameClassifier) -> [UInt8] {
        var payload = Writer()
        let configuration = classifier.configuration
        payload.append(UInt32(configuration.bucketBits))
        payload.append(UInt32(configuration.maxNgram))
        payload.append(UInt32(configuration.maxCharacters))
        payload.append(configuration.seed)
        switch configuration.model {
        case .logisticRegression(let epochs, let learningRate, let l2):
            payload.append(UInt8(0))
            payload.append(UInt32(clamping: epochs))
            payload.append(learningRate.bitPattern)
            payload.append(l2.bitPattern)
        case .naiveBayes(let alpha):
            payload.append(UInt8(1))
            payload.append(alpha.bitPattern)
        }
        let groups = configuration.featureWeights
        for weight in [groups.ngram, groups.shape, groups.token, groups.global] { payload.append(weight.bitPattern) }
        payload.append(UInt32(classifier.bias.count))
        for bias in classifier.bias { payload.append(bias.bitPattern) }
        payload.append(UInt64(classifier.weights.count))
        payload.bytes.reserveCapacity(payload.bytes.count + 4 * classifier.weights.count)
        for weight in classifier.weights { payload.append(weight.bitPattern) }
        return ChecksummedFile.frame(magic: magic, version: version, payload: payload.bytes)
    }

    /// Reads file bytes; `path` only names the file in errors.
    ///
    /// - Throws: `ModelFileError` naming the problem: empty, not a classifier file, truncated,
    ///   another version, a checksum mismatch, or a payload that does not describe a classifier of
    ///   this build's classes (`ModelFileError.incompatible`).
    public static func decode(_ bytes: [UInt8], path: String) throws(ModelFileError) -> UsernameClassifier {
        let payload = try ChecksummedFile.payload(of: bytes, magic: magic, version: version, path: path)
        var reader = Reader(bytes: payload[...])
        func read<T: FixedWidthInteger>(_ field: String) throws(ModelFileError) -> T {
            guard let value: T = reader.read() else { throw .undecodable(path: path, reason: "payload ends in \(field)") }
            return value
        }
        let bucketBits = Int(try read("bucket bits") as UInt32)
        let maxNgram = Int(try read("longest n-gram") as UInt32)
        let maxCharacters = Int(try read("characters looked at") as UInt32)
        let seed: UInt64 = try read("seed")
        let model: UsernameClassifier.Model
        switch try read("model") as UInt8 {
        case 0:
            let epochs = Int(try read("epochs") as UInt32)
            let rate = Double(bitPattern: try read("learning rate"))
            let l2 = Double(bitPattern: try read("L2"))
            model = .logisticRegression(epochs: epochs, learningRate: rate, l2: l2)
        case 1:
            model = .naiveBayes(alpha: Double(bitPattern: try read("alpha")))
        case let other:
            throw .undecodable(path: path, reason: "unknown model kind \(other)")
        }
        var configuration = UsernameClassifier.Configuration(
            bucketBits: bucketBits, maxNgram: maxNgram, maxCharacters: maxCharacters, model: model, seed: seed)
        guard configuration.bucketBits == bucketBits, configuration.maxNgram == maxNgram, configuration.maxCharacters == maxCharacters else {
            throw .incompatible(
                path: path, reason: "bucket bits \(bucketBits), n-grams \(maxNgram), \(maxCharacters) characters: out of range")
        }
        var groups: [Float] = []
        for name in ["n-gram", "shape", "token", "global"] {
            groups.append(Float(bitPattern: try read("\(name) weight")))
        }
        configuration.featureWeights = FeatureWeights(ngram: groups[0], shape: groups[1], token: groups[2], global: groups[3])
        let classes = Int(try read("class count") as UInt32)
        guard classes == UsernameClassifier.classCount else {
            throw .incompatible(path: path, reason: "\(classes) classes, this build has \(UsernameClassifier.classCount)")
        }
        var bias: [Double] = []
        for _ in 0..<classes { bias.append(Double(bitPattern: try read("biases"))) }
        let count: UInt64 = try read("weight count")
        let buckets = UInt64(1) << UInt64(bucketBits)
        guard count == buckets * UInt64(classes) else {
            throw .incompatible(path: path, reason: "\(count) weights, expected \(buckets) buckets × \(classes) classes")
        }
        guard UInt64(reader.remaining) == 4 * count else {
            throw .undecodable(path: path, reason: "\(reader.remaining) bytes of weights, expected \(4 * count)")
        }
        let weights = reader.floats(Int(count))
        for value in groups where !value.isFinite { throw .undecodable(path: path, reason: "a feature-group weight is not finite") }
        for value in bias where value.isNaN { throw .undecodable(path: path, reason: "a bias is NaN") }
        return UsernameClassifier(configuration: configuration, weights: weights, bias: bias)
    }

    private struct Writer {
        var bytes: [UInt8] = []

        mutating func append<T: FixedWidthInteger>(_ value: T) {
            withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
        }
    }

    private struct Reader {
        var bytes: ArraySlice<UInt8>

        var remaining: Int { bytes.count }

        /// The next little-endian `T`, or nil when fewer bytes are left.
        mutating func read<T: FixedWidthInteger>() -> T? {
            let size = MemoryLayout<T>.size
            guard bytes.count >= size else { return nil }
            var value: T = 0
            for (shift, byte) in bytes.prefix(size).enumerated() { value |= T(byte) << (8 * shift) }
            bytes = bytes.dropFirst(size)
            return value
        }

        /// The next `count` little-endian Float32 values; the caller has checked they are there.
        /// Copied as a block (the shipped classifier has 1.3 million weights, read at start-up).
        mutating func floats(_ count: Int) -> [Float] {
            let values = [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
                bytes.withUnsafeBytes { raw -> Void in
                    #if _endian(little)
                    UnsafeMutableRawBufferPointer(buffer).copyMemory(from: UnsafeRawBufferPointer(rebasing: raw.prefix(4 * count)))
                    #else
                    for index in 0..<count {
                        buffer[index] = Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * index, as: UInt32.self)))
                    }
                    #endif
                }
                initialized = count
            }
            bytes = bytes.dropFirst(4 * count)
            return values
        }
    }
}
