import Foundation
import Logging

/// A configuration value that could not be used; the message names the setting.
package struct SettingError: Error, CustomStringConvertible {
    package let description: String
    package init(_ description: String) { self.description = description }
}

/// Resolves a setting from its flag, then its environment variable, then a default. Shared by
/// the `monitor` and `detector` executables (package access: not public API).
package struct Settings {
    package let environment: [String: String]

    package init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.environment = environment
    }

    package func string(_ flag: String?, _ name: String) -> String? {
        if let flag { return flag }
        guard let value = environment[name], !value.isEmpty else { return nil }
        return value
    }

    package func int(_ flag: Int?, _ name: String, default fallback: Int, range: ClosedRange<Int>) throws -> Int {
        let value: Int
        if let flag {
            value = flag
        } else if let text = environment[name], !text.isEmpty {
            guard let parsed = Int(text) else { throw SettingError("\(name) must be an integer, got \"\(text)\"") }
            value = parsed
        } else {
            value = fallback
        }
        guard range.contains(value) else {
            throw SettingError("\(name) must be within \(range.lowerBound)...\(range.upperBound), got \(value)")
        }
        return value
    }

    package func duration(_ flag: String?, _ name: String, default fallback: Duration) throws -> Duration {
        guard let text = string(flag, name) else { return fallback }
        guard let duration = Self.parseDuration(text) else {
            throw SettingError(
                "\(name) must be a duration like 1s, 500ms, 2m or a number of seconds, at most \(Int(Self.maximumDurationSeconds)) s, got \"\(text)\"")
        }
        return duration
    }

    /// The longest duration a setting takes: 10⁹ s (about 31 years), so that every duration fits
    /// in whole nanoseconds of an `Int64`.
    package static let maximumDurationSeconds = 1e9

    /// `1s`, `500ms`, `1.5s`, `2m`, or a bare number of seconds, at most
    /// ``maximumDurationSeconds``; nil for anything else.
    package static func parseDuration(_ text: String) -> Duration? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        let units: [(suffix: String, seconds: Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)]
        var number = Substring(trimmed), scale = 1.0
        if let unit = units.first(where: { trimmed.hasSuffix($0.suffix) }) {
            number = trimmed.dropLast(unit.suffix.count)
            scale = unit.seconds
        }
        guard let value = Double(number), value.isFinite, value >= 0, value * scale <= maximumDurationSeconds else { return nil }
        return .milliseconds(Int64((value * scale * 1000).rounded()))
    }

    /// `host:port`, `:port` or `[v6]:port`.
    package static func parseAddress(_ text: String) -> (host: String, port: Int)? {
        guard let colon = text.lastIndex(of: ":") else { return nil }
        var host = String(text[..<colon])
        guard let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else { return nil }
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return (host.isEmpty ? "0.0.0.0" : host, port)
    }

    /// Sends swift-log to standard error at the level of `flag`, else `LOG_LEVEL`, else info.
    package func bootstrapLogging(_ flag: String?) {
        let level = string(flag, "LOG_LEVEL").flatMap { Logger.Level(rawValue: $0.lowercased()) } ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }
}
