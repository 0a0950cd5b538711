/// A small, fast, seedable generator (SplitMix64, Steele, Lea & Flood 2014) so
/// synthetic traffic is repeatable: the same seed gives the same packets.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// A generator whose output is determined by `seed`.
    ///
    /// - Parameter seed: The initial state; every value, 0 included, is a valid seed.
    public init(seed: UInt64) {
        state = seed
    }

    /// Advances the state and returns the next 64-bit value.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
