/// Maps a model's raw anomaly score to a percentile of the raw scores it gave to held-out
/// normal data, so that "0.99" means the same for every model: only 1% of normal data scored
/// higher.
///
/// Within the calibration range the percentile is the empirical CDF scaled by n/(n+1):
/// `p(s) = #{c ≤ s} / (n + 1)`. Above the largest calibration score `c_max` it grows smoothly
/// towards 1: `p(s) = n/(n+1) + (1 − exp(−(s − c_max)/τ))/(n+1)`, where the tail scale τ is the
/// spread of the top decile (`c_max − q90`, floored). It is continuous, monotone and < 1.
///
/// ``surprise(_:)`` is `−log10(1 − p)`: 2 at the 99th percentile, 3 at the 99.9th; beyond the
/// calibration data it keeps growing linearly with the raw score's distance from `c_max`, which
/// lets the ensemble grade how far outside normal a window is.
public struct ScoreCalibration: Codable, Sendable, Equatable {
    /// Sorted calibration scores (at most ``maximumStoredScores``, evenly subsampled).
    public let sortedScores: [Double]
    /// How many calibration scores there were before subsampling.
    public let sampleCount: Int
    /// The tail scale τ.
    public let tailScale: Double

    /// At most this many scores are stored; larger sets are reduced to evenly spaced order
    /// statistics (the CDF changes by less than 1/2000).
    public static let maximumStoredScores = 2000

    /// Calibrates on `scores` (raw scores of held-out normal data).
    public init(scores: [Double]) throws(ModelError) {
        guard !scores.isEmpty else { throw .emptyTrainingSet }
        for (i, s) in scores.enumerated() where !s.isFinite { throw .nonFiniteValue(row: i, column: 0) }
        let sorted = scores.sorted()
        sampleCount = sorted.count
        if sorted.count > Self.maximumStoredScores {
            let m = Self.maximumStoredScores
            sortedScores = (0..<m).map { sorted[($0 * (sorted.count - 1)) / (m - 1)] }
        } else {
            sortedScores = sorted
        }
        let top = sorted[sorted.count - 1]
        let floor = 1e-9 * Swift.max(1, abs(top))
        tailScale = Swift.max(top - Quantile.sorted(sorted, 0.9), floor)
    }

    /// The calibrated percentile of a raw score, in [0, 1).
    public func percentile(_ raw: Double) -> Double {
        let n = Double(sortedScores.count)
        guard raw.isFinite else { return raw > 0 ? 1 - .ulpOfOne : 0 }
        let top = sortedScores[sortedScores.count - 1]
        if raw > top {
            let excess = (raw - top) / tailScale
            return Swift.min((n + (1 - _exp(-excess))) / (n + 1), (1.0).nextDown)
        }
        // Number of calibration scores ≤ raw (upper bound by binary search).
        var low = 0, high = sortedScores.count
        while low < high {
            let mid = (low + high) / 2
            if sortedScores[mid] <= raw { low = mid + 1 } else { high = mid }
        }
        return Double(low) / (n + 1)
    }

    /// `−log10(1 − percentile)`, extended linearly beyond the calibration data (finite).
    public func surprise(_ raw: Double) -> Double {
        let n = Double(sortedScores.count)
        let top = sortedScores[sortedScores.count - 1]
        if raw.isFinite, raw > top {
            // 1 − p = exp(−excess)/(n + 1): linear in the excess, no cancellation.
            let excess = (raw - top) / tailScale
            return Swift.min(_log10(n + 1) + excess / _log(10), Self.maximumSurprise)
        }
        return -_log10(Swift.max(1 - percentile(raw), 1e-300))
    }

    /// Surprise is capped here so it stays finite for any input.
    public static let maximumSurprise = 1000.0
}
