/// Duration as plain numbers, for the project's own targets (`package`: not public API).
extension Duration {
    /// Whole nanoseconds (sub-nanosecond parts are dropped).
    package var totalNanoseconds: Int64 {
        components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000
    }

    /// Seconds as a floating-point number.
    package var totalSeconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
