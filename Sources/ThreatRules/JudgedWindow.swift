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
        try JudgedItem.pair(posted: postedWindows, answer: answer, receivedAt: receivedAt).compactMap { item in
            if case .window(let judged) = item { judged } else { nil }
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

/// A posted authentication event with the verdict on it: what `monitor --print-verdicts` prints
/// for the host's logins. It keeps no name that was tried (``AuthenticationEvent/usernames`` is
/// removed: a name may be a password); the verdict's findings name them masked where needed.
public struct JudgedAuthentication: Sendable, Equatable {
    /// The event as posted, without the names tried.
    public var event: AuthenticationEvent
    /// The detector's verdict on it.
    public var verdict: Verdict
    /// When the verdict reached the monitor.
    public var receivedAt: Date?

    /// Pairs an event with its verdict, dropping the names tried.
    ///
    /// - Parameters:
    ///   - event: The event that was judged.
    ///   - verdict: The verdict on it.
    ///   - receivedAt: When the verdict arrived.
    public init(event: AuthenticationEvent, verdict: Verdict, receivedAt: Date? = nil) {
        var event = event
        event.usernames = nil
        event.usernameText = nil
        self.event = event
        self.verdict = verdict
        self.receivedAt = receivedAt
    }

    /// `{"authentication": <the event without names>, "verdict": …, "verdict_received_at": …}`,
    /// keys sorted, no trailing newline.
    ///
    /// - Throws: What `JSONEncoder` or `JSONSerialization` throws.
    public func jsonLine() throws -> Data {
        var object: [String: Any] = [
            "authentication": try JSONSerialization.jsonObject(with: JSONEncoder().encode(event)),
            "verdict": try JSONSerialization.jsonObject(with: JSONEncoder().encode(verdict)),
        ]
        if let receivedAt { object["verdict_received_at"] = receivedAt.timeIntervalSince1970 }
        return try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    }

}

/// One item a monitor posted, with the verdict on it: a traffic window or an authentication event.
public enum JudgedItem: Sendable, Equatable {
    /// A window and its verdict.
    case window(JudgedWindow)
    /// An authentication event (without the names tried) and its verdict.
    case authentication(JudgedAuthentication)

    /// Pairs the items a monitor posted (their JSON bodies, in order) with the detector's answer:
    /// one verdict object for one item, an array of verdicts for several. A body with
    /// `total_attempts` is an authentication event, any other a window.
    ///
    /// - Parameters:
    ///   - posted: The JSON bodies posted, in order.
    ///   - answer: The detector's answer body.
    ///   - receivedAt: When the answer arrived, stored in every judged item.
    /// - Returns: One judged item per posted body, in order.
    /// - Throws: `DecodingError` when a body or the answer does not decode, and
    ///   ``JudgedWindowError/countMismatch(windows:verdicts:)`` when the answer holds a different
    ///   number of verdicts than bodies were posted.
    public static func pair(posted: [Data], answer: Data, receivedAt: Date? = nil) throws -> [JudgedItem] {
        let decoder = JSONDecoder()
        let verdicts = posted.count == 1
            ? [try decoder.decode(Verdict.self, from: answer)]
            : try decoder.decode([Verdict].self, from: answer)
        guard verdicts.count == posted.count else {
            throw JudgedWindowError.countMismatch(windows: posted.count, verdicts: verdicts.count)
        }
        return try zip(posted, verdicts).map { body, verdict in
            if (try? JSONSerialization.jsonObject(with: body) as? [String: Any])?["total_attempts"] != nil {
                return .authentication(
                    JudgedAuthentication(
                        event: try decoder.decode(AuthenticationEvent.self, from: body), verdict: verdict, receivedAt: receivedAt))
            }
            return .window(
                JudgedWindow(envelope: try decoder.decode(WindowEnvelope.self, from: body), verdict: verdict, receivedAt: receivedAt))
        }
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
