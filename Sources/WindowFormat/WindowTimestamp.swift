public import Foundation

/// ISO 8601 UTC timestamps with millisecond precision (`2026-11-24T10:00:00.250Z`).
public enum WindowTimestamp {
    /// The date as an ISO 8601 UTC timestamp with milliseconds, e.g. `2026-11-24T10:00:00.250Z`.
    /// The time is rounded to the nearest millisecond, so `format(parse(format(date)))` is
    /// `format(date)`: a window keeps its start through any number of JSON hops. (Formatting the
    /// fractional seconds directly truncates, and a parsed `.249` is stored as `.24899…`.)
    public static func format(_ date: Date) -> String {
        let milliseconds = (date.timeIntervalSince1970 * 1000).rounded()
        guard milliseconds.magnitude < 1e17 else {
            return date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
        }
        let total = Int64(milliseconds)
        let (seconds, remainder) = (total.dividedRoundingDown(by: 1000), total.remainderRoundingDown(by: 1000))
        let whole = Date(timeIntervalSince1970: Double(seconds)).formatted(Date.ISO8601FormatStyle())
        // "…T10:00:00Z" → "…T10:00:00.250Z"
        let fraction = String(remainder + 1000).dropFirst()
        return whole.dropLast() + "." + fraction + "Z"
    }

    /// The date of an ISO 8601 timestamp with or without fractional seconds
    /// (`2026-11-24T10:00:00.250Z`, `2026-11-24T10:00:00Z`), or nil when `text` is neither.
    public static func parse(_ text: String) -> Date? {
        if let date = try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)) {
            return date
        }
        return try? Date(text, strategy: Date.ISO8601FormatStyle())
    }
}

extension Int64 {
    fileprivate func dividedRoundingDown(by divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return (self % divisor < 0) ? quotient - 1 : quotient
    }

    fileprivate func remainderRoundingDown(by divisor: Int64) -> Int64 {
        let remainder = self % divisor
        return remainder < 0 ? remainder + divisor : remainder
    }
}
