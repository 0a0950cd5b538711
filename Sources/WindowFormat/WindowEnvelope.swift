public import Foundation
public import TrafficFeatures

/// One window as it travels: the JSON body the monitor posts to the detector's `/detect`, the
/// lines of an offline replay and the windows of the monitor's `/stats` — a `TrafficWindow`
/// with what delivery adds to it.
///
/// The body is one flat object (snake_case; the original design's fields plus extensions). Besides
/// the window's fields it carries
/// - `stream`: the delivery stream the windows were numbered in (`WindowPublisher` stamps its own,
///   a new one at each monitor start), so a receiver that has seen (`stream`, `sequence`) knows a
///   second copy is a retry of the same window;
/// - `source` as the sender named it: this project's capture sources are a
///   `CaptureSourceKind` in the window; any other name is kept here, so a body
///   is answered and re-encoded as it came.
///
/// Decoding also accepts the original design's minimal bodies (six or seven fields, `tcp_ratio`
/// instead of the TCP/UDP counts, no `packets` or `bytes`) and rejects negative, non-integral,
/// non-finite or out-of-range values (see `WireLimits`) with an error naming the
/// field.
public struct WindowEnvelope: Codable, Sendable, Equatable {
    /// The window.
    public var window: TrafficWindow
    /// The delivery stream (`stream`, 1 to ``maximumStreamLength`` characters), when the sender
    /// numbers its windows in one.
    public var stream: String?
    /// A `source` that is none of `CaptureSourceKind`, as the sender wrote it
    /// (the window's `source` is nil then).
    public var otherSource: String?

    /// The longest `stream` identifier, in characters (Unicode scalars; a UUID is 36).
    public static let maximumStreamLength = 128
    /// The largest request body the detector reads (64 KiB, a 413 beyond): one window, or a
    /// batch of windows as a JSON array; the monitor's publisher keeps its batches within it.
    public static let maximumBodyBytes = 64 * 1024

    /// A window with its delivery stream.
    ///
    /// - Parameters:
    ///   - window: The window.
    ///   - stream: The delivery stream, or nil.
    public init(_ window: TrafficWindow, stream: String? = nil) {
        self.window = window
        self.stream = stream
        self.otherSource = nil
    }

    /// The window's number in its stream (`sequence`, the window's own): with ``stream`` it names
    /// one delivery, so a receiver judges a retried window once.
    public var sequence: Int? { window.sequence }

    /// The `source` of the body: the window's capture source, else the name the sender gave.
    public var source: String? { window.source?.rawValue ?? otherSource }

    enum CodingKeys: String, CodingKey {
        case packetsPerSecond = "packets_per_second"
        case bytesPerSecond = "bytes_per_second"
        case uniqueIPs = "unique_ips"
        case uniquePorts = "unique_ports"
        case tcpRatio = "tcp_ratio"
        case windowSeconds = "window_seconds"
        case windowStart = "window_start"
        case interface, source, sequence, stream
        case topSources = "top_sources"
        case uniqueIPsEstimated = "unique_ips_estimated"
        case sampledEvents = "sampled_events"
        case losses
        case probeHorizons = "probe_horizons"
        case horizonMemory = "horizon_memory"
        case reflectionTargets = "reflection_targets"
        case dnsClients = "dns_clients"
    }

    /// Decodes a window body. `packets_per_second`, `bytes_per_second`, `unique_ips`,
    /// `unique_ports` and `syn_packets` are required, and so are `tcp_packets` and `udp_packets`
    /// unless `tcp_ratio` is given. Missing counts are 0, `window_seconds` is 1, `other_packets` is
    /// the packets not in the TCP, UDP or ICMP counts, and `packets` and `bytes` are the rates
    /// times `window_seconds`, rounded.
    ///
    /// - Throws: `DecodingError`, with a message naming the field, when a required field is missing,
    ///   a value has the wrong type or is outside `WireLimits`, `window_start` is
    ///   not an ISO 8601 timestamp, `stream` is empty or longer than ``maximumStreamLength``, or a
    ///   rate times `window_seconds` is more than `WireLimits/maximumCount`.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let packetsPerSecond = try c.decodeRate(.packetsPerSecond, maximum: WireLimits.maximumPacketsPerSecond)
        let bytesPerSecond = try c.decodeRate(.bytesPerSecond, maximum: WireLimits.maximumBytesPerSecond)
        let uniqueIPs = try c.decodeCount(.uniqueIPs)
        let uniquePorts = try c.decodeCount(.uniquePorts)
        // The counters: the original design's first (syn_packets always required, tcp_packets and
        // udp_packets unless tcp_ratio is given), then every other one of the table (0 when absent).
        let counts = try decoder.container(keyedBy: CounterKey.self)
        var counters = WindowCounters()
        counters.synPackets = try counts.decodeCount(CounterKey("syn_packets"))
        let (tcp, udp) = (CounterKey("tcp_packets"), CounterKey("udp_packets"))
        let declaredTCPRatio: Double?
        if try c.isPresent(.tcpRatio) {
            // The original design's short form: a ratio instead of (or besides) the counts.
            declaredTCPRatio = try c.decodeRate(.tcpRatio, maximum: 1)
            // Optional here, but never null: without the ratio they are required.
            counters.tcpPackets = counts.contains(tcp) ? try counts.decodeCount(tcp) : 0
            counters.udpPackets = counts.contains(udp) ? try counts.decodeCount(udp) : 0
        } else {
            counters.tcpPackets = try counts.decodeCount(tcp)
            counters.udpPackets = try counts.decodeCount(udp)
            declaredTCPRatio = nil
        }
        let windowSeconds = try c.decodeNumber(.windowSeconds, within: WireLimits.windowSeconds, default: 1)
        var windowStart: Date?
        if let text = try c.decodeIfPresent(String.self, forKey: .windowStart) {
            guard let date = WindowTimestamp.parse(text) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .windowStart, in: c,
                    debugDescription: "window_start must be an ISO 8601 UTC timestamp, got \"\(text)\"")
            }
            windowStart = date
        }
        let interface = try c.decodeIfPresent(String.self, forKey: .interface)
        let sourceName = try c.decodeIfPresent(String.self, forKey: .source)
        let sequence = try c.decodeCountIfPresent(.sequence)
        stream = try c.decodeIfPresent(String.self, forKey: .stream)
        if let stream, stream.isEmpty || stream.unicodeScalars.count > Self.maximumStreamLength {
            throw DecodingError.dataCorruptedError(
                forKey: .stream, in: c,
                debugDescription: "stream must be 1 to \(Self.maximumStreamLength) characters, got \(stream.unicodeScalars.count)")
        }
        let topSources = try c.decodeIfPresent([SourceStats].self, forKey: .topSources) ?? []

        // packets and bytes default to the rates times the window; other_packets to the packets
        // outside the TCP, UDP and ICMP buckets.
        let (packets, bytes, other) = (CounterKey("packets"), CounterKey("bytes"), CounterKey("other_packets"))
        counters.packets = try counts.isPresent(packets)
            ? try counts.decodeCount(packets)
            : try c.derivedCount(packetsPerSecond, .packetsPerSecond, seconds: windowSeconds, of: "packets")
        counters.bytes = try counts.isPresent(bytes)
            ? try counts.decodeCount(bytes)
            : try c.derivedCount(bytesPerSecond, .bytesPerSecond, seconds: windowSeconds, of: "bytes")
        try counts.decodeCounts(
            WindowCounters.fields, into: &counters,
            skipping: ["syn_packets", "tcp_packets", "udp_packets", "packets", "bytes", "other_packets"])
        counters.otherPackets = try counts.decodeCount(
            other, default: max(0, counters.packets - counters.tcpPackets - counters.udpPackets - counters.icmpPackets))
        let kind = sourceName.flatMap(CaptureSourceKind.init(rawValue:))
        otherSource = kind == nil ? sourceName : nil
        window = TrafficWindow(
            packetsPerSecond: packetsPerSecond, bytesPerSecond: bytesPerSecond, uniqueIPs: uniqueIPs, uniquePorts: uniquePorts,
            counters: counters, windowSeconds: windowSeconds, windowStart: windowStart, interface: interface,
            source: kind, sequence: sequence, topSources: topSources,
            uniqueIPsEstimated: try c.decodeIfPresent(Bool.self, forKey: .uniqueIPsEstimated) ?? false,
            sampledEvents: try c.decodeCount(.sampledEvents, default: 0),
            losses: try c.decodeIfPresent(CaptureLosses.self, forKey: .losses) ?? CaptureLosses(),
            declaredTCPRatio: declaredTCPRatio,
            probeHorizons: try c.decodeIfPresent([HorizonSource].self, forKey: .probeHorizons) ?? [],
            horizonMemory: try c.decodeIfPresent(HorizonMemory.self, forKey: .horizonMemory),
            reflectionTargets: try c.decodeIfPresent([ReflectionTarget].self, forKey: .reflectionTargets) ?? [],
            dnsClients: try c.decodeIfPresent([DNSClientActivity].self, forKey: .dnsClients) ?? [])
    }

    /// Encodes every field under its snake_case key; `tcp_ratio` only when the window's
    /// `declaredTCPRatio` is set, and `window_start`, `interface`, `source`, `sequence` and `stream`
    /// only when they are not nil.
    ///
    /// - Throws: Any error of the encoder, such as the `EncodingError` that `JSONEncoder` throws
    ///   for a rate that is not finite.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(window.packetsPerSecond, forKey: .packetsPerSecond)
        try c.encode(window.bytesPerSecond, forKey: .bytesPerSecond)
        try c.encode(window.uniqueIPs, forKey: .uniqueIPs)
        try c.encode(window.uniquePorts, forKey: .uniquePorts)
        if let ratio = window.declaredTCPRatio { try c.encode(ratio, forKey: .tcpRatio) }
        try c.encode(window.windowSeconds, forKey: .windowSeconds)
        try c.encodeIfPresent(window.windowStart.map(WindowTimestamp.format), forKey: .windowStart)
        try c.encodeIfPresent(window.interface, forKey: .interface)
        try c.encodeIfPresent(source, forKey: .source)
        try c.encodeIfPresent(window.sequence, forKey: .sequence)
        try c.encodeIfPresent(stream, forKey: .stream)
        try c.encode(window.topSources, forKey: .topSources)
        var counts = encoder.container(keyedBy: CounterKey.self)
        try counts.encodeCounts(WindowCounters.fields, of: window.counters)
        try c.encode(window.uniqueIPsEstimated, forKey: .uniqueIPsEstimated)
        try c.encode(window.sampledEvents, forKey: .sampledEvents)
        try c.encode(window.losses, forKey: .losses)
        try c.encode(window.probeHorizons, forKey: .probeHorizons)
        try c.encodeIfPresent(window.horizonMemory, forKey: .horizonMemory)
        try c.encode(window.reflectionTargets, forKey: .reflectionTargets)
        try c.encode(window.dnsClients, forKey: .dnsClients)
    }

    /// The body's JSON (sorted keys, so equal envelopes give equal bytes).
    ///
    /// - Throws: `EncodingError` when a value cannot be encoded, such as a rate that is not finite.
    public func jsonData() throws -> Data {
        try Self.encoder.encode(self)
    }

    /// The encoder of the wire format: sorted keys, slashes unescaped.
    public static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}

extension TrafficWindow {
    /// The window's JSON body without a delivery stream (`WindowEnvelope(self).jsonData()`).
    ///
    /// - Throws: `EncodingError` when a value cannot be encoded, such as a rate that is not finite.
    public func jsonData() throws -> Data {
        try WindowEnvelope(self).jsonData()
    }

    /// The window of one JSON body (`WindowEnvelope`'s decoding; a `stream` or another `source`
    /// name is read and checked, then left out).
    ///
    /// - Parameter json: One window body.
    /// - Throws: `DecodingError` naming the field, as ``WindowEnvelope/init(from:)`` does.
    public init(json: Data) throws {
        self = try JSONDecoder().decode(WindowEnvelope.self, from: json).window
    }
}

extension KeyedDecodingContainer where Key == WindowEnvelope.CodingKeys {
    /// The count a rate implies over the window, when the body gives only the rate: it must be a
    /// count too (the error names the rate).
    fileprivate func derivedCount(_ rate: Double, _ key: Key, seconds: Double, of what: String) throws -> Int {
        let count = (rate * seconds).rounded()
        guard count <= Double(WireLimits.maximumCount) else {
            throw DecodingError.dataCorruptedError(
                forKey: key, in: self,
                debugDescription: "\(key.stringValue) × window_seconds is \(count) \(what) in one window, more than "
                    + "\(WireLimits.maximumCount); lower the rate or the window, or give `\(what)` itself")
        }
        return Int(count)
    }
}
