import Foundation
public import ThreatRules

/// How `--print-verdicts` prints every window and every authentication event the detector judged.
public enum VerdictOutput: String, CaseIterable, Sendable {
    /// A readable window line, and the threats with their explanations.
    case text
    /// One JSON line per window, as `--offline` prints, plus `verdict_received_at`.
    case json

    /// Writes one judged window to standard output.
    ///
    /// - Parameter judged: The window and its verdict.
    /// - Throws: What encoding the JSON line or writing to standard output throws.
    public func write(_ judged: JudgedWindow) throws {
        var line = switch self {
        case .text: Data(judged.summary.utf8)
        case .json: try judged.jsonLine()
        }
        line.append(UInt8(ascii: "\n"))
        try FileHandle.standardOutput.write(contentsOf: line)
    }

    /// Writes one judged authentication event (without the names tried) to standard output.
    ///
    /// - Parameter judged: The event and its verdict.
    /// - Throws: What encoding the JSON line or writing to standard output throws.
    public func write(_ judged: JudgedAuthentication) throws {
        var line = switch self {
        case .text: Data(judged.summary.utf8)
        case .json: try judged.jsonLine()
        }
        line.append(UInt8(ascii: "\n"))
        try FileHandle.standardOutput.write(contentsOf: line)
    }
}
