import EBPFCapture
import Foundation
public import Logging
public import ThreatRules
public import TrafficFeatures
import WindowFormat

/// A capture file through the whole pipeline in-process, as fast as it can be read: windows
/// closed with the XDP program's semantics, each judged by a `ThreatDetector` as the detector
/// service would (bootstrap models that learn from the capture as it plays). `monitor --pcap FILE
/// --offline` and the ReplayPcap example use it.
public enum OfflineReplay {
    /// Calls `each` with every window of the capture at `path` and its verdict (nil when
    /// `detector` is nil), in order. Throws `CaptureError` when the file cannot be read,
    /// `ModelError` when the models cannot score a window, or what `each` throws.
    ///
    /// - Parameters:
    ///   - path: The capture file (classic pcap or pcapng).
    ///   - windowInterval: The window length.
    ///   - aggregation: How windows group sources and how many top sources they list.
    ///   - detector: Judges every window; nil yields the windows without verdicts.
    ///   - logger: Receives the capture's messages.
    ///   - each: Called with every window and its verdict.
    public static func run(
        path: String, windowInterval: Duration = .seconds(1), aggregation: AggregationSettings = AggregationSettings(),
        detector: ThreatDetector?, logger: Logger, each: (TrafficWindow, Verdict?) throws -> Void
    ) async throws {
        let capture = try PcapCapture(
            configuration: .init(path: path, windowInterval: windowInterval, pacing: .asFastAsPossible, aggregation: aggregation),
            logger: logger)
        for try await window in capture.windows() {
            try each(window, try detector?.detect(window))
        }
    }

    /// `monitor --offline`: one JSON line per window on standard output, the window with its
    /// verdict (`JudgedWindow.jsonLine()`), or the window alone without a detector.
    ///
    /// - Parameters:
    ///   - path: The capture file.
    ///   - windowInterval: The window length.
    ///   - aggregation: How windows group sources and how many top sources they list.
    ///   - detector: Judges every window; nil prints the windows alone.
    ///   - logger: Receives the capture's messages.
    /// - Throws: What ``run(path:windowInterval:aggregation:detector:logger:each:)`` throws, or
    ///   the error of writing to standard output.
    public static func printLines(
        path: String, windowInterval: Duration, aggregation: AggregationSettings, detector: ThreatDetector?, logger: Logger
    ) async throws {
        let output = FileHandle.standardOutput
        try await run(path: path, windowInterval: windowInterval, aggregation: aggregation, detector: detector, logger: logger) {
            window, verdict in
            var line = try verdict.map { try JudgedWindow(window: window, verdict: $0).jsonLine() } ?? window.jsonData()
            line.append(UInt8(ascii: "\n"))
            try output.write(contentsOf: line)
        }
    }
}
