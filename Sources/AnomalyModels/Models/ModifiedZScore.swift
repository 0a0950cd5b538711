/// The statistical model: the modified z-score of Iglewicz and Hoaglin, per feature, over a
/// rolling history of recent normal vectors.
///
/// For feature j with history median m_j and median absolute deviation MAD_j:
///
///     M_j(x) = 0.6745 · (x_j − m_j) / MAD_j
///
/// When MAD_j = 0 (more than half the history equals the median) the mean absolute deviation is
/// used instead, with its own consistency constant: M_j = (x_j − m_j) / (1.253314 · MeanAD_j).
/// When that is 0 too, the feature was constant over the whole history: M_j = 0 if x_j equals the
/// constant and ±``constantFeatureDeviation`` otherwise (finite, so results stay JSON-safe).
///
/// M_j is clamped to ±``FeatureScaler/limit`` (10⁶), so it stays finite for any finite input.
///
/// The model's anomaly score is max_j |M_j(x)|; the usual cut-off for an outlier is 3.5.
public struct ModifiedZScore: Codable, Sendable, Equatable {
    /// 0.6745 = Φ⁻¹(0.75): makes MAD a consistent estimator of σ for normal data.
    public static let madConsistency = 0.6745
    /// 1.253314 = √(π/2): makes the mean absolute deviation consistent for σ.
    public static let meanADConsistency = 1.253314

    /// Number of features.
    public let dimension: Int
    /// Maximum number of vectors kept; older ones roll out.
    public let capacity: Int
    /// |M| reported for any change of a feature that was constant over the whole history.
    public let constantFeatureDeviation: Double

    /// The history, oldest first.
    public private(set) var history: [[Double]] = []
    /// Per-feature medians of the history.
    public private(set) var medians: [Double]
    /// Per-feature denominators (0 marks a constant feature).
    public private(set) var denominators: [Double]

    /// An empty model; scores are 0 until vectors are appended.
    public init(dimension: Int, capacity: Int = 600, constantFeatureDeviation: Double = 10) throws(ModelError) {
        guard dimension > 0 else { throw .invalidParameter(name: "dimension", value: "\(dimension)", reason: "must be positive") }
        guard capacity > 0 else { throw .invalidParameter(name: "capacity", value: "\(capacity)", reason: "must be positive") }
        guard constantFeatureDeviation.isFinite, constantFeatureDeviation > 0 else {
            throw .invalidParameter(name: "constantFeatureDeviation", value: "\(constantFeatureDeviation)", reason: "must be finite and positive")
        }
        self.dimension = dimension
        self.capacity = capacity
        self.constantFeatureDeviation = constantFeatureDeviation
        medians = Array(repeating: 0, count: dimension)
        denominators = Array(repeating: 0, count: dimension)
    }

    /// A model whose history is the last `capacity` rows of `data`.
    public init(fitting data: Matrix, capacity: Int = 600, constantFeatureDeviation: Double = 10) throws(ModelError) {
        guard data.rows > 0 else { throw .emptyTrainingSet }
        try data.validateFinite()
        try self.init(dimension: data.columns, capacity: capacity, constantFeatureDeviation: constantFeatureDeviation)
        history = (Swift.max(0, data.rows - capacity)..<data.rows).map(data.row)
        recompute()
    }

    /// Appends one vector to the history (dropping the oldest beyond `capacity`).
    public mutating func append(_ vector: [Double]) throws(ModelError) {
        try validate(vector, dimension: dimension)
        history.append(vector)
        if history.count > capacity { history.removeFirst(history.count - capacity) }
        recompute()
    }

    /// M_j(x) for every feature.
    public func zScores(_ vector: [Double]) throws(ModelError) -> [Double] {
        try validate(vector, dimension: dimension)
        guard !history.isEmpty else { return Array(repeating: 0, count: dimension) }
        return (0..<dimension).map { j in
            let deviation = vector[j] - medians[j]
            if denominators[j] > 0 { return FeatureScaler.clamp(deviation / denominators[j]) }
            if deviation == 0 { return 0 }
            return deviation > 0 ? constantFeatureDeviation : -constantFeatureDeviation
        }
    }

    /// The anomaly score max_j |M_j(x)|.
    public func score(_ vector: [Double]) throws(ModelError) -> Double {
        try zScores(vector).reduce(0) { Swift.max($0, abs($1)) }
    }

    private mutating func recompute() {
        for j in 0..<dimension {
            let column = history.map { $0[j] }
            let median = Quantile.median(column)
            let absolute = column.map { abs($0 - median) }
            let mad = Quantile.median(absolute)
            medians[j] = median
            if mad > 0 {
                denominators[j] = mad / Self.madConsistency
            } else {
                let meanAD = absolute.reduce(0, +) / Double(absolute.count)
                denominators[j] = meanAD > 0 ? Self.meanADConsistency * meanAD : 0
            }
        }
    }
}
