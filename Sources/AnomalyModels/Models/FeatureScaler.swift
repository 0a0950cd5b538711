/// How a model's inputs are centred and scaled before it sees them.
public enum ScalingMethod: String, Codable, Sendable, CaseIterable {
    /// (x − mean) / standard deviation.
    case standard
    /// (x − median) / interquartile range: unaffected by a few extreme training rows.
    case robust
    /// Values used as given.
    case none
}

/// Per-feature centring and scaling, fitted on training data and stored with the model.
///
/// A feature with zero spread in the training data (a constant) gets scale 1, so it is centred
/// but never divided by zero. Scaled values are clamped to ±``limit``: a value a million scale
/// units from the centre is as anomalous as any further one, and the clamp keeps every distance,
/// layer activation and squared error of the models finite for any finite input.
public struct FeatureScaler: Codable, Sendable, Equatable {
    /// The largest magnitude of a scaled value.
    public static let limit = 1e6

    /// The method the scaler was fitted with.
    public let method: ScalingMethod
    /// Subtracted from each feature.
    public let center: [Double]
    /// Each centred feature is divided by this (never 0).
    public let scale: [Double]

    /// Number of features the scaler expects.
    public var dimension: Int { center.count }

    /// Identity scaling for `dimension` features.
    public init(identity dimension: Int) {
        method = .none
        center = Array(repeating: 0, count: dimension)
        scale = Array(repeating: 1, count: dimension)
    }

    /// Fits `method` on the rows of `data`.
    public init(fitting data: Matrix, method: ScalingMethod) throws(ModelError) {
        guard data.rows > 0 else { throw .emptyTrainingSet }
        try data.validateFinite()
        self.method = method
        let d = data.columns
        switch method {
        case .none:
            center = Array(repeating: 0, count: d)
            scale = Array(repeating: 1, count: d)
        case .standard:
            let n = Double(data.rows)
            let mean = data.columnSums().map { $0 / n }
            var variance = Array(repeating: 0.0, count: d)
            for r in 0..<data.rows {
                for c in 0..<d {
                    let delta = data[r, c] - mean[c]
                    variance[c] += delta * delta
                }
            }
            center = mean
            scale = variance.map { v in
                let s = (v / n).squareRoot()
                return s > 1e-12 ? s : 1
            }
        case .robust:
            var centers: [Double] = [], scales: [Double] = []
            for c in 0..<d {
                let column = (0..<data.rows).map { data[$0, c] }.sorted()
                centers.append(Quantile.sorted(column, 0.5))
                let iqr = Quantile.sorted(column, 0.75) - Quantile.sorted(column, 0.25)
                scales.append(iqr > 1e-12 ? iqr : 1)
            }
            center = centers
            scale = scales
        }
    }

    /// `value` within ±``limit`` (an overflow to ±∞ becomes ±``limit``).
    static func clamp(_ value: Double) -> Double { Swift.min(limit, Swift.max(-limit, value)) }

    /// Scales one vector.
    public func transform(_ vector: [Double]) -> [Double] {
        precondition(vector.count == dimension, "FeatureScaler: \(vector.count) values for \(dimension) features")
        return (0..<dimension).map { Self.clamp((vector[$0] - center[$0]) / scale[$0]) }
    }

    /// Scales every row.
    public func transform(_ data: Matrix) -> Matrix {
        precondition(data.columns == dimension, "FeatureScaler: \(data.columns) columns for \(dimension) features")
        var out = data
        out.values.withUnsafeMutableBufferPointer { v in
            for r in 0..<data.rows {
                let base = r * dimension
                for c in 0..<dimension { v[base + c] = Self.clamp((v[base + c] - center[c]) / scale[c]) }
            }
        }
        return out
    }
}

/// Quantiles with linear interpolation between order statistics (NumPy's default, "type 7").
public enum Quantile {
    /// The `q`-quantile (0…1) of already sorted `values`; 0 for an empty array.
    public static func sorted(_ values: [Double], _ q: Double) -> Double {
        guard !values.isEmpty else { return 0 }
        let position = q * Double(values.count - 1)
        let lower = Int(position.rounded(.down))
        let upper = Swift.min(lower + 1, values.count - 1)
        let fraction = position - Double(lower)
        return values[lower] + (values[upper] - values[lower]) * fraction
    }

    /// The median of `values` (any order).
    public static func median(_ values: [Double]) -> Double { sorted(values.sorted(), 0.5) }
}
