public import Foundation
public import TrafficFeatures
public import WindowFormat

/// A traffic window with the verdict on it: what `monitor --pcap FILE --offline` and
/// `monitor --print-verdicts` print, one per window.
public struct JudgedWindow: Sendable, Equatable {
    /// The window as it was delivered (with its `stream` when it was posted in one).
    public var envelope: WindowEnvelope
    /// The window as the monitor closed it (``envelope``'s window).
    public var window: TrafficWindow {
        get { envelope.window }
        set { envelope.window = newValue }
    }
    /// The detector's verdict on it.
    public var verdict: Verdict
    /// When the verdict reached the monitor (live capture); nil when judged in-process.
    public var receivedAt: Date?

    /// Pairs a window with its verdict.
    ///
    /// - Parameters:
    ///   - window: The window that was judged.
    ///   - verdict: The verdict on it.
    ///   - receivedAt: When the verdict arrived, or nil when it was judged in-process.
    public init(window: TrafficWindow, verdict: Verdict, receivedAt: Date? = nil) {
        self.init(envelope: WindowEnvelope(window), verdict: verdict, receivedAt: receivedAt)
    }

    /// Pairs a delivered window with its verdict.
    ///
    /// - Parameters:
    ///   - envelope: The window that was judged, as it was delivered.
    ///   - verdict: The verdict on it.
    ///   - receivedAt: When the verdict arrived, or nil when it was judged in-process.
    public init(envelope: WindowEnvelope, verdict: Verdict, receivedAt: Date? = nil) {
        self.envelope = envelope
        self.verdict = verdict
        self.receivedAt = receivedAt
    }

    /// Pairs the windows a monitor posted (their JSON bodies, in order) with the detector's
    /// answer: one verdict object for one window, an array of verdicts for several. Posted
    /// authentication events (bodies with `total_attempts`) are passed over with their verdicts.
    ///
    /// - Parameters:
    ///   - postedWindows: The JSON bodies of the posted windows, in the order they were posted.
    ///   - answer: The detector's answer body.
    ///   - receivedAt: When the answer arrived, stored in every judged window.
    /// - Returns: One judged window per posted window, in order.
    /// - Throws: `DecodingError` when a body or the answer does not decode, and
    ///   ``JudgedWindowError/countMismatch(windows:verdicts:)`` when the answer holds a different
    ///   number of verdicts than windows were posted.
    public static func pair(postedWindows: [Data], answer: Data, receivedAt: Date? = nil) throws -> [JudgedWindow] {
        let decoder = JSONDecoder()
        let verdicts = postedWindows.count == 1
            ? [try decoder.decode(Verdict.self, from: answer)]
            : try decoder.decode([Verdict].self, from: answer)
        guard verdicts.count == postedWindows.count else {
            throw JudgedWindowError.countMismatch(windows: postedWindows.count, verdicts: verdicts.count)
        }
        return try zip(postedWindows, verdicts).compactMap { body, verdict in
            if let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any], object["total_attempts"] != nil {
                return nil
            }
            return JudgedWindow(envelope: try decoder.decode(WindowEnvelope.self, from: body), verdict: verdict, receivedAt: receivedAt)
        }
    }

    /// The window's wire format (``envelope``'s `jsonData()`) with the verdict under
    /// `"verdict"` and, when known, `"verdict_received_at"` (seconds since 1970); keys sorted,
    /// no trailing newline.
    ///
    /// - Throws: What `JSONEncoder` or `JSONSerialization` throws when the window or the verdict
    ///   cannot be encoded.
    public func jsonLine() throws -> Data {
        var object = try JSONSerialization.jsonObject(with: envelope.jsonData()) as? [String: Any] ?? [:]
        object["verdict"] = try JSONSerialization.jsonObject(with: JSONEncoder().encode(verdict))
        if let receivedAt { object["verdict_received_at"] = receivedAt.timeIntervalSince1970 }
        return try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    }
}

/// Why a detector's answer could not be paired with the posted windows.
public enum JudgedWindowError: Error, Equatable, CustomStringConvertible {
    /// The answer held `verdicts` verdicts for `windows` posted windows.
    case countMismatch(windows: Int, verdicts: Int)

    /// A message for people stating both counts.
    public var description: String {
        switch self {
        case let .countMismatch(windows, verdicts):
            "the detector answered \(verdicts) verdict(s) for \(windows) posted window(s)"
        }
    }
}
