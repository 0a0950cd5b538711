public import Foundation
import Logging

/// A configuration value that could not be used; the message names the setting.
public struct SettingError: Error, CustomStringConvertible, Sendable {
    /// The message, naming the setting and what is wrong with its value.
    public let description: String
    /// An error with `description` as its message.
    ///
    /// - Parameter description: The message; name the setting in it.
    public init(_ description: String) { self.description = description }
}

/// Resolves each setting from its command-line flag, then its environment variable, then the
/// default the library's configuration type gives. Settings are named by their environment
/// variable (`STATS_WINDOW`, `HTTP_ADDR`, …); a flag given on the command line is recorded under
/// the same name and wins over the environment. An empty environment value counts as unset.
///
/// ```swift
/// let settings = Settings(flags: ["STATS_WINDOW": statsWindow])   // statsWindow: String?
/// let window = try settings.duration("STATS_WINDOW", default: .seconds(1))
/// ```
public struct Settings: Sendable {
    /// The process environment (or the one a test passes).
    public let environment: [String: String]
    /// Values given as flags, by setting name; they win over ``environment``.
    public let flags: [String: String]

    /// Settings from `flags` (nil values are flags not given) over `environment`.
    ///
    /// - Parameters:
    ///   - flags: The command-line values by setting name; nil for a flag that was not given.
    ///   - environment: The environment to fall back to; the process environment by default.
    public init(flags: [String: String?] = [:], environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.environment = environment
        self.flags = flags.compactMapValues { $0 }
    }

    /// The flag, else the non-empty environment value, else nil.
    ///
    /// - Parameter name: The setting's name (its environment variable).
    public func string(_ name: String) -> String? {
        if let flag = flags[name] { return flag }
        guard let value = environment[name], !value.isEmpty else { return nil }
        return value
    }

    /// An integer within `range`, else ``SettingError`` naming the setting.
    ///
    /// - Parameters:
    ///   - name: The setting's name (its environment variable).
    ///   - fallback: The value when the setting is not given; it must lie in `range` too.
    ///   - range: The values accepted.
    /// - Returns: The setting's value, or `fallback`.
    /// - Throws: ``SettingError`` when the value is not an integer or lies outside `range`.
    public func int(_ name: String, default fallback: Int, range: ClosedRange<Int>) throws(SettingError) -> Int {
        var value = fallback
        if let text = string(name) {
            guard let parsed = Int(text) else { throw SettingError("\(name) must be an integer, got \"\(text)\"") }
            value = parsed
        }
        guard range.contains(value) else {
            throw SettingError("\(name) must be within \(range.lowerBound)...\(range.upperBound), got \(value)")
        }
        return value
    }

    /// A duration (see ``parseDuration(_:)``), else ``SettingError`` naming the setting.
    ///
    /// - Parameters:
    ///   - name: The setting's name (its environment variable).
    ///   - fallback: The value when the setting is not given (not checked).
    /// - Returns: The setting's value, or `fallback`.
    /// - Throws: ``SettingError`` when the value is not a duration ``parseDuration(_:)`` accepts.
    public func duration(_ name: String, default fallback: Duration) throws(SettingError) -> Duration {
        guard let text = string(name) else { return fallback }
        guard let duration = Self.parseDuration(text) else {
            throw SettingError(
                "\(name) must be a duration like 1s, 500ms, 2m or a number of seconds, at most \(Int(Self.maximumDurationSeconds)) s, got \"\(text)\"")
        }
        return duration
    }

    /// The default ``idleTimeout()`` (`IDLE_TIMEOUT`): 30 seconds.
    public static let defaultIdleTimeout = Duration.seconds(30)
    /// The idle timeouts ``idleTimeout()`` accepts: 100 ms to one hour (3600s).
    public static let idleTimeoutRange = Duration.milliseconds(100)...Duration.seconds(3600)

    /// How long the HTTP server keeps a connection that has not sent a complete request part
    /// (`IDLE_TIMEOUT`, default ``defaultIdleTimeout``): a client that opens a connection and
    /// trickles a request head, or goes quiet, is disconnected after this long, so slow clients
    /// cannot hold connections (file descriptors) forever.
    ///
    /// - Throws: ``SettingError`` when the value is not a duration within ``idleTimeoutRange``.
    public func idleTimeout() throws(SettingError) -> Duration {
        let timeout = try duration("IDLE_TIMEOUT", default: Self.defaultIdleTimeout)
        guard Self.idleTimeoutRange.contains(timeout) else {
            throw SettingError("IDLE_TIMEOUT must be within 100ms...3600s, got \"\(string("IDLE_TIMEOUT") ?? "")\"")
        }
        return timeout
    }

    /// A listen address `host:port` (see ``parseAddress(_:)``), else ``SettingError``.
    ///
    /// - Parameters:
    ///   - name: The setting's name (its environment variable).
    ///   - fallback: The address text when the setting is not given; it is parsed like a value.
    /// - Returns: The host (`0.0.0.0` for `:port`, without brackets for IPv6) and the port.
    /// - Throws: ``SettingError`` when the value, or `fallback`, is not an address
    ///   ``parseAddress(_:)`` accepts.
    public func address(_ name: String, default fallback: String) throws(SettingError) -> (host: String, port: Int) {
        let text = string(name) ?? fallback
        guard let address = Self.parseAddress(text) else { throw SettingError("\(name) must be host:port, got \"\(text)\"") }
        return address
    }

    /// True when the flag or the environment variable is `1`.
    ///
    /// - Parameter name: The setting's name (its environment variable).
    public func isOn(_ name: String) -> Bool {
        string(name) == "1"
    }

    /// The longest duration a setting takes: 10⁹ s (about 31 years), so that every duration fits
    /// in whole nanoseconds of an `Int64`.
    public static let maximumDurationSeconds = 1e9

    /// `1s`, `500ms`, `1.5s`, `2m`, `1h`, or a bare number of seconds, at most
    /// ``maximumDurationSeconds``; nil for anything else. Units are case-insensitive and the
    /// result is rounded to whole milliseconds.
    ///
    /// - Parameter text: The duration text; surrounding spaces are ignored.
    public static func parseDuration(_ text: String) -> Duration? {
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

    /// `host:port`, `:port` (all IPv4 addresses) or `[v6]:port`; nil for anything else.
    ///
    /// - Parameter text: The address text; the port must lie in 0...65535.
    /// - Returns: The host (`0.0.0.0` for an empty one, without brackets for IPv6) and the port.
    public static func parseAddress(_ text: String) -> (host: String, port: Int)? {
        guard let colon = text.lastIndex(of: ":") else { return nil }
        var host = String(text[..<colon])
        guard let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else { return nil }
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return (host.isEmpty ? "0.0.0.0" : host, port)
    }

    /// Sends swift-log to standard error at the level of `LOG_LEVEL` (flag or environment), else info.
    ///
    /// Call it once per process, before the first `Logger` is made: swift-log allows one
    /// bootstrap.
    public func bootstrapLogging() {
        let level = string("LOG_LEVEL").flatMap { Logger.Level(rawValue: $0.lowercased()) } ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }
}
