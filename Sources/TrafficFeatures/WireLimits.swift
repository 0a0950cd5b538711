/// The ranges the wire formats accept: a window's body (WindowFormat's `WindowEnvelope`), ``SourceStats``, ``CaptureLosses`` and
/// ThreatRules' `AuthenticationEvent` refuse anything outside them with a `DecodingError` naming
/// the field, so every number that reaches the rules and the models is finite, non-negative and
/// small enough that no arithmetic on it can overflow or trap.
///
/// | value | accepted |
/// |---|---|
/// | counts (`tcp_packets`, `unique_ips`, `total_attempts`, `sequence`, …) | integers 0 … ``maximumCount`` (2⁵³ − 1) |
/// | `packets_per_second` | 0 … ``maximumPacketsPerSecond`` (10¹²) |
/// | `bytes_per_second` | 0 … ``maximumBytesPerSecond`` (10¹⁵) |
/// | `tcp_ratio` | 0 … 1 |
/// | `window_seconds` | ``windowSeconds`` (0.001 … 86 400) |
///
/// Rates are finite numbers (`-0` is read as 0; subnormal rates are accepted as the tiny rates they
/// are). A window's packets and bytes, given or derived as rate × `window_seconds`, are counts too.
///
/// Why these bounds: 2⁵³ − 1 is the largest integer every JSON implementation holds exactly
/// (JavaScript's `Number.MAX_SAFE_INTEGER`), and sums of up to 1024 such counts still fit in `Int`.
/// 10¹² packets/s is about 670 times a 1 Tbit/s link full of minimum-size frames (1.49·10⁹ frames/s),
/// and 10¹⁵ bytes/s is 8 Pbit/s: no real interface comes close, while every real figure fits.
/// A window shorter than a millisecond is below what the capture can rotate; one longer than a day
/// is not a window.
public enum WireLimits {
    /// The largest count: 2⁵³ − 1 = 9 007 199 254 740 991.
    public static let maximumCount = 9_007_199_254_740_991
    /// The largest `packets_per_second`.
    public static let maximumPacketsPerSecond = 1e12
    /// The largest `bytes_per_second`.
    public static let maximumBytesPerSecond = 1e15
    /// The accepted `window_seconds`.
    public static let windowSeconds: ClosedRange<Double> = 0.001...86_400

    /// `value` is an integer count within 0 … ``maximumCount``.
    public static func isCount(_ value: Int) -> Bool { value >= 0 && value <= maximumCount }

    /// `value` is a finite rate within 0 … `maximum`.
    public static func isRate(_ value: Double, maximum: Double) -> Bool { value.isFinite && value >= 0 && value <= maximum }

    /// How a number is written in error messages: integers exactly, others in full precision.
    static func describe(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e16 ? String(Int(value)) : "\(value)"
    }
}
