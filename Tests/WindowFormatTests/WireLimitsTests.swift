import Foundation
import Testing
import TrafficFeatures
import WindowFormat

/// The extreme numbers a client can send, as JSON literals, and what each is as a number.
enum ExtremeNumber: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case hugePositive = "1e308"
    case hugeNegative = "-1e308"
    case twoToThe53PlusOne = "9007199254740993"
    case twoToThe64 = "18446744073709551616"
    case subnormal = "5e-324"
    case negativeZero = "-0"
    case fraction = "2.5"

    var testDescription: String { rawValue }

    /// Whether a count (an integer within 0 … 2⁵³ − 1) may be this.
    var isValidCount: Bool { self == .negativeZero }

    /// Whether a rate within 0 … `maximum` may be this (-0 reads as 0; a subnormal is a tiny rate).
    func isValidRate(maximum: Double) -> Bool {
        switch self {
        case .negativeZero, .subnormal: true
        case .fraction: maximum >= 2.5
        default: false
        }
    }
}

@Suite("wire format: numbers outside WireLimits are refused, naming the field")
struct WireLimitsTests {
    static let base: [String: String] = [
        "packets_per_second": "10", "bytes_per_second": "1000", "unique_ips": "1", "unique_ports": "1",
        "tcp_packets": "10", "udp_packets": "0", "syn_packets": "1",
    ]

    /// Every numeric field a window body can carry, with its kind.
    enum Kind: Sendable { case count, rate(Double), windowSeconds }
    static let fields: [(String, Kind)] = [
        ("packets_per_second", .rate(WireLimits.maximumPacketsPerSecond)),
        ("bytes_per_second", .rate(WireLimits.maximumBytesPerSecond)),
        ("unique_ips", .count), ("unique_ports", .count), ("tcp_packets", .count), ("udp_packets", .count),
        ("syn_packets", .count), ("icmp_packets", .count), ("packets", .count), ("bytes", .count),
        ("tcp_bytes", .count), ("syn_ack_packets", .count), ("rst_packets", .count), ("fin_packets", .count),
        ("dns_packets", .count), ("dns_bytes", .count), ("fragment_packets", .count), ("malformed_packets", .count),
        ("sampled_events", .count), ("sequence", .count), ("window_seconds", .windowSeconds),
    ]

    static func body(_ overrides: [String: String]) -> String {
        let fields = base.merging(overrides) { $1 }
        return "{" + fields.sorted { $0.key < $1.key }.map { "\"\($0.key)\": \($0.value)" }.joined(separator: ", ") + "}"
    }

    static func decode(_ json: String) throws -> TrafficWindow {
        try TrafficWindow(json: Data(json.utf8))
    }

    /// The field a decoding error points at and its message.
    static func failure(_ error: any Error) -> (field: String, message: String)? {
        guard case let .dataCorrupted(context) = error as? DecodingError else { return nil }
        let field = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        return (field.replacingOccurrences(of: ".[", with: "["), context.debugDescription)
    }

    @Test("every field × every extreme value: refused naming the field, or read within the limits", arguments: ExtremeNumber.allCases)
    func extremes(_ value: ExtremeNumber) throws {
        for (field, kind) in Self.fields {
            let valid = switch kind {
            case .count: value.isValidCount
            case .rate(let maximum): value.isValidRate(maximum: maximum)
            case .windowSeconds: value == .fraction
            }
            let json = Self.body([field: value.rawValue])
            if valid {
                let window = try Self.decode(json)
                #expect(window.packetsPerSecond.sign == .plus && window.bytesPerSecond.sign == .plus, "\(field) = \(value.rawValue)")
                #expect(WireLimits.isCount(window.counters.packets) && WireLimits.isCount(window.counters.bytes))
            } else {
                do {
                    _ = try Self.decode(json)
                    Issue.record("\(field) = \(value.rawValue) was accepted")
                } catch {
                    let failure = try #require(Self.failure(error), "\(field) = \(value.rawValue): \(error)")
                    #expect(failure.field == field)
                    #expect(failure.message.hasPrefix(field), "\(failure.message)")
                }
            }
        }
    }

    @Test("the issue's body: 1.5e308 packets/s is refused on packets_per_second")
    func theReportedBody() throws {
        let json = #"{"packets_per_second":1.5e308,"bytes_per_second":1.5e308,"unique_ips":140,"unique_ports":3,"tcp_packets":10,"udp_packets":1,"syn_packets":1}"#
        do {
            _ = try Self.decode(json)
            Issue.record("decoded")
        } catch {
            let failure = try #require(Self.failure(error))
            #expect(failure.field == "packets_per_second")
            #expect(failure.message == "packets_per_second must be a finite number within 0...1000000000000, got 1.5e+308")
        }
    }

    @Test("the largest values are accepted and the smallest beyond them refused")
    func boundaries() throws {
        let largest = try Self.decode(
            Self.body([
                "packets_per_second": "1e12", "bytes_per_second": "1e15", "unique_ips": "9007199254740991",
                "window_seconds": "0.001",
            ]))
        #expect(largest.uniqueIPs == WireLimits.maximumCount)
        #expect(largest.counters.packets == 1_000_000_000)
        #expect(throws: DecodingError.self) { try Self.decode(Self.body(["unique_ips": "9007199254740992"])) }
        #expect(throws: DecodingError.self) { try Self.decode(Self.body(["packets_per_second": "1000000000000.001"])) }
        #expect(throws: DecodingError.self) { try Self.decode(Self.body(["window_seconds": "0.0009"])) }
        #expect(throws: DecodingError.self) { try Self.decode(Self.body(["window_seconds": "86400.5"])) }
        #expect(throws: DecodingError.self) { try Self.decode(Self.body(["tcp_ratio": "1.0000001"])) }
    }

    @Test("packets and bytes derived from rate × window_seconds must be counts; given ones need not be derived")
    func derivedCounts() throws {
        do {
            _ = try Self.decode(Self.body(["bytes_per_second": "1e15", "window_seconds": "86400"]))
            Issue.record("decoded")
        } catch {
            let failure = try #require(Self.failure(error))
            #expect(failure.field == "bytes_per_second")
            #expect(failure.message.contains("bytes in one window"), "\(failure.message)")
        }
        let given = try Self.decode(
            Self.body(["bytes_per_second": "1e15", "window_seconds": "86400", "packets": "10", "bytes": "9007199254740991"]))
        #expect(given.counters.bytes == WireLimits.maximumCount)
    }

    @Test("-0 is read as 0 and written as 0")
    func negativeZero() throws {
        let window = try Self.decode(Self.body(["packets_per_second": "-0", "bytes_per_second": "-0.0", "unique_ips": "-0"]))
        #expect(window.packetsPerSecond == 0 && window.packetsPerSecond.sign == .plus)
        #expect(window.bytesPerSecond.sign == .plus)
        let text = String(decoding: try window.jsonData(), as: UTF8.self)
        #expect(!text.contains("-0"), "\(text)")
    }

    @Test("messages say what is wrong with a number that is not a count")
    func countMessages() throws {
        for (literal, says) in [("2.5", "got 2.5, not an integer"), ("18446744073709551616", "got 1.8446744073709552e+19"), ("\"many\"", "expected a number")] {
            do {
                _ = try Self.decode(Self.body(["unique_ports": literal]))
                Issue.record("decoded \(literal)")
            } catch {
                let failure = try #require(Self.failure(error))
                #expect(failure.message.contains(says), "\(failure.message)")
                #expect(failure.message.hasPrefix("unique_ports must be an integer within 0...9007199254740991"))
            }
        }
    }

    @Test("top_sources and losses counts have the same limits, named by their path", arguments: ["1e308", "9007199254740993", "-1"])
    func nestedCounts(_ literal: String) throws {
        let source = #"[{"ip": "198.18.0.2", "packets": 1, "syn_packets": \#(literal)}]"#
        do {
            _ = try Self.decode(Self.body(["top_sources": source]))
            Issue.record("decoded")
        } catch {
            #expect(Self.failure(error)?.field == "top_sources[0].syn_packets", "\(error)")
        }
        do {
            _ = try Self.decode(Self.body(["losses": #"{"capture_invalid_timestamps": \#(literal)}"#]))
            Issue.record("decoded")
        } catch {
            #expect(Self.failure(error)?.field == "losses.capture_invalid_timestamps", "\(error)")
        }
        do {
            _ = try Self.decode(Self.body(["top_sources": #"[{"ip": "198.18.0.2", "packets": 1, "udp_source_port": \#(literal)}]"#]))
            Issue.record("decoded")
        } catch {
            #expect(Self.failure(error)?.field == "top_sources[0].udp_source_port", "\(error)")
        }
    }
}
