/// Why a model could not be trained or could not score an input. Every case names the problem;
/// a throwing call that fails leaves the model it was called on unchanged.
public enum ModelError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Training was asked for with no rows.
    case emptyTrainingSet
    /// Fewer samples than the operation needs.
    case insufficientSamples(needed: Int, got: Int)
    /// A vector or matrix has the wrong width.
    case dimensionMismatch(expected: Int, got: Int)
    /// An input value is NaN or infinite (`row` is 0 for a single vector).
    case nonFiniteValue(row: Int, column: Int)
    /// A parameter is out of its valid range.
    case invalidParameter(name: String, value: String, reason: String)
    /// Scoring was asked for before any model was trained or installed.
    case notTrained

    /// A one-line, human-readable description of the error.
    public var description: String {
        switch self {
        case .emptyTrainingSet: "training set is empty"
        case .insufficientSamples(let needed, let got): "need at least \(needed) samples, got \(got)"
        case .dimensionMismatch(let expected, let got): "expected \(expected) features, got \(got)"
        case .nonFiniteValue(let row, let column): "value at row \(row), feature \(column) is not finite"
        case .invalidParameter(let name, let value, let reason): "invalid \(name) = \(value): \(reason)"
        case .notTrained: "no model has been trained or loaded yet"
        }
    }
}

extension Matrix {
    /// Throws ``ModelError/nonFiniteValue(row:column:)`` for the first NaN or infinity.
    public func validateFinite() throws(ModelError) {
        for (i, v) in values.enumerated() where !v.isFinite {
            throw .nonFiniteValue(row: i / Swift.max(1, columns), column: i % Swift.max(1, columns))
        }
    }
}

/// Checks one vector's width and finiteness.
func validate(_ vector: [Double], dimension: Int) throws(ModelError) {
    guard vector.count == dimension else { throw .dimensionMismatch(expected: dimension, got: vector.count) }
    for (i, v) in vector.enumerated() where !v.isFinite { throw .nonFiniteValue(row: 0, column: i) }
}
