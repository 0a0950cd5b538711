public import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import PromExposition
public import TrafficFeatures

/// Builds a `TrafficWindow` from a Prometheus server that scrapes the monitor, for
/// `GET /detect/prom`: every feature the detector needs comes from one instant query each, as
/// rates over ``range`` of the monitor's counters (and averages of its gauges), so none is left at
/// zero just because a gauge was not exported — the original design's defaults left three at 0.
///
/// The window describes one second of average traffic over the range: packets/s and bytes/s are
/// rates; the protocol and SYN counts are per-second rates rounded to whole packets; distinct
/// sources and ports are the average of the monitor's per-window gauges.
public struct PrometheusWindowQuery: Sendable {
    /// Why the window could not be built.
    public struct Failure: Error, CustomStringConvertible, Sendable {
        /// What went wrong, in the terms a caller answers with (`/detect/prom`: 503 for
        /// ``Kind/unreachable``, 502 for the others).
        public enum Kind: Sendable, Equatable {
            /// No answer: connection refused, DNS failure, timeout, or not a URL.
            case unreachable
            /// Prometheus answered with an error status, or a body that is not a query result.
            case badAnswer
            /// A query's value is not usable: not finite, negative, or beyond `WireLimits`.
            case invalidValue
        }

        /// What went wrong, which decides the status `/detect/prom` answers with.
        public var kind: Kind
        /// A sentence that says what failed, naming the field and the query when one is at fault.
        public var description: String

        /// A failure of `kind` that `description` explains.
        public init(_ kind: Kind, _ description: String) {
            self.kind = kind
            self.description = description
        }
    }

    /// The Prometheus server, e.g. `http://127.0.0.1:9090`.
    public let baseURL: String
    /// The range of the rates, e.g. `1m` (Prometheus duration syntax).
    public let range: String
    /// The longest one query may take; the window takes one query per field.
    public let timeout: Duration

    /// Default ``range`` (`PROMETHEUS_RANGE`).
    public static let defaultRange = "1m"

    /// A query against one Prometheus server. Nothing is sent until ``window(client:)``.
    ///
    /// - Parameters:
    ///   - baseURL: The Prometheus server, e.g. `http://127.0.0.1:9090`; one trailing `/` is dropped.
    ///   - range: The range of the rates, in Prometheus duration syntax (not checked here).
    ///   - timeout: The longest one query may take (default 5 s).
    public init(baseURL: String, range: String = defaultRange, timeout: Duration = .seconds(5)) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.range = range
        self.timeout = timeout
    }

    /// The PromQL expression of each field.
    public var queries: [(field: String, query: String)] {
        let packets = MetricName.packetsProcessed
        return [
            ("packets_per_second", "sum(rate(\(packets)[\(range)]))"),
            ("bytes_per_second", "sum(rate(\(MetricName.bytesProcessed)[\(range)]))"),
            ("unique_ips", "avg_over_time(\(MetricName.uniqueIPs)[\(range)])"),
            ("unique_ports", "avg_over_time(\(MetricName.uniquePorts)[\(range)])"),
            ("tcp_packets", "sum(rate(\(packets){protocol=\"tcp\"}[\(range)]))"),
            ("udp_packets", "sum(rate(\(packets){protocol=\"udp\"}[\(range)]))"),
            ("icmp_packets", "sum(rate(\(packets){protocol=\"icmp\"}[\(range)]))"),
            ("other_packets", "sum(rate(\(packets){protocol=\"other\"}[\(range)]))"),
            ("syn_packets", "sum(rate(\(MetricName.synPackets)[\(range)]))"),
            ("dns_packets", "sum(rate(\(MetricName.dnsPackets)[\(range)]))"),
        ]
    }

    /// The largest value each field may take: rates in packets (or bytes) per second, averages
    /// of the monitor's gauges as counts.
    static func maximum(of field: String) -> Double {
        switch field {
        case "bytes_per_second": WireLimits.maximumBytesPerSecond
        case "unique_ips", "unique_ports": Double(WireLimits.maximumCount)
        default: WireLimits.maximumPacketsPerSecond
        }
    }

    /// Runs every query, one after the other, and assembles the window.
    ///
    /// - Parameter client: The HTTP client that sends the queries.
    /// - Returns: The window, with `window_start` now, `window_seconds` 1 and `source`
    ///   `prometheus`, and `values`, each field's value as Prometheus answered it (0 for an empty
    ///   result).
    /// - Throws: ``Failure`` when Prometheus cannot be reached, answers an error, or answers a
    ///   value that is not finite, negative or beyond `WireLimits` (the message names the field).
    public func window(client: HTTPClient = .shared) async throws(Failure) -> (window: TrafficWindow, values: [String: Double]) {
        var values: [String: Double] = [:]
        for (field, query) in queries {
            let value = try await instant(query, client: client)
            guard WireLimits.isRate(value, maximum: Self.maximum(of: field)) else {
                throw Failure(
                    .invalidValue,
                    "Prometheus answered \(value) for \(field) (\(query)): expected a finite number within 0...\(Self.maximum(of: field))")
            }
            values[field] = value + 0
        }
        func count(_ field: String) -> Int { Int((values[field] ?? 0).rounded()) }
        var counters = WindowCounters()
        counters.tcpPackets = count("tcp_packets")
        counters.udpPackets = count("udp_packets")
        counters.icmpPackets = count("icmp_packets")
        counters.otherPackets = count("other_packets")
        counters.packets = counters.tcpPackets + counters.udpPackets + counters.icmpPackets + counters.otherPackets
        counters.bytes = Int((values["bytes_per_second"] ?? 0).rounded())
        counters.synPackets = min(count("syn_packets"), counters.tcpPackets)
        counters.dnsPackets = min(count("dns_packets"), counters.packets)
        var window = TrafficWindow(
            windowStart: Date(), windowSeconds: 1, counters: counters,
            uniqueIPs: count("unique_ips"), uniquePorts: count("unique_ports"))
        window.packetsPerSecond = values["packets_per_second"] ?? 0
        window.bytesPerSecond = values["bytes_per_second"] ?? 0
        window.source = .prometheus
        return (window, values)
    }

    /// The value of an instant query (0 when the result is empty: no traffic yet), as
    /// Prometheus wrote it (`NaN`, `+Inf` included).
    func instant(_ query: String, client: HTTPClient) async throws(Failure) -> Double {
        var components = URLComponents(string: baseURL + "/api/v1/query")
        components?.queryItems = [URLQueryItem(name: "query", value: query)]
        guard let url = components?.url?.absoluteString else { throw Failure(.unreachable, "PROMETHEUS_URL \(baseURL) is not a URL") }
        let response: HTTPClientResponse
        let body: ByteBuffer
        do {
            response = try await client.execute(HTTPClientRequest(url: url), timeout: .nanoseconds(timeout.totalNanoseconds))
        } catch {
            throw Failure(.unreachable, "Prometheus at \(baseURL) is unreachable: \(error)")
        }
        do {
            body = try await response.body.collect(upTo: 1 << 20)
        } catch {
            throw Failure(.badAnswer, "Prometheus's answer to \(query) could not be read (over 1 MiB or cut off): \(error)")
        }
        guard response.status == .ok else {
            throw Failure(.badAnswer, "Prometheus answered \(response.status.code) to \(query): \(String(buffer: body).prefix(200))")
        }
        struct Answer: Decodable {
            struct Data: Decodable {
                struct Sample: Decodable { let value: [Value] }
                let resultType: String
                let result: [Sample]
            }
            enum Value: Decodable {
                case time(Double), text(String)
                init(from decoder: any Decoder) throws {
                    let container = try decoder.singleValueContainer()
                    if let t = try? container.decode(Double.self) { self = .time(t) } else { self = .text(try container.decode(String.self)) }
                }
            }
            let status: String
            let data: Data
        }
        let answer: Answer
        do {
            answer = try JSONDecoder().decode(Answer.self, from: body)
        } catch {
            throw Failure(.badAnswer, "Prometheus's answer to \(query) does not decode: \(error)")
        }
        guard let sample = answer.data.result.first else { return 0 }
        guard sample.value.count == 2, case .text(let text) = sample.value[1], let value = Double(text) else {
            throw Failure(.badAnswer, "Prometheus's answer to \(query) has no value")
        }
        return value
    }
}
