/// A host receiving replies from many reflectors in one window (an entry of
/// `reflection_targets`): TCP backscatter (SYN-ACKs and RSTs, the answers to SYNs spoofed with
/// its address) or UDP from a well-known reflection port (DNS, NTP, SSDP, memcached, …).
public struct ReflectionTarget: Codable, Sendable, Equatable, Hashable {
    /// What the reflectors send.
    public enum Kind: String, Codable, Sendable, Hashable {
        /// TCP SYN-ACKs and RSTs.
        case tcpBackscatter = "tcp_backscatter"
        /// UDP from one well-known reflection source port.
        case udp
    }

    /// The receiving host (the victim of a reflection attack).
    public var victim: String
    /// What the reflectors send.
    public var kind: Kind
    /// The UDP source port the reflectors share (``Kind/udp`` only).
    public var port: Int?
    /// Distinct sources whose first packet to the victim in the window was of this kind.
    public var reflectors: Int
    /// Their packets of this kind (SYN-ACKs and RSTs, or UDP from the reflection port) in the
    /// window, to every destination.
    public var packets: Int
    /// All bytes those sources sent in the window.
    public var bytes: Int

    /// An entry with the given values.
    public init(victim: String, kind: Kind, port: Int? = nil, reflectors: Int, packets: Int, bytes: Int) {
        self.victim = victim
        self.kind = kind
        self.port = port
        self.reflectors = reflectors
        self.packets = packets
        self.bytes = bytes
    }

    enum CodingKeys: String, CodingKey {
        case victim, kind, port, reflectors, packets, bytes
    }

    /// Decodes an entry; `victim`, `kind` and `reflectors` are required.
    ///
    /// - Throws: `DecodingError` when a required field is missing, `kind` is unknown, a count is
    ///   not an integer within 0 … ``WireLimits/maximumCount`` or `port` is outside 0 … 65 535.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        victim = try c.decode(String.self, forKey: .victim)
        kind = try c.decode(Kind.self, forKey: .kind)
        port = try c.decodeCountIfPresent(.port)
        if let port, port > 65_535 {
            throw DecodingError.dataCorruptedError(forKey: .port, in: c, debugDescription: "port must be 0...65535, got \(port)")
        }
        reflectors = try c.decodeCount(.reflectors)
        packets = try c.decodeCount(.packets, default: 0)
        bytes = try c.decodeCount(.bytes, default: 0)
    }
}

/// Finds reflection victims in a window's pairs.
public enum ReflectionTargets {
    /// The hosts at least two sources reflect to, by kind (and UDP port), most reflectors first
    /// (then packets, then victim), at most `limit`.
    ///
    /// A source counts as a reflector of a host when its first packet to that host in the window
    /// was a SYN-ACK or RST (``PairFlags/backscatter``) or UDP from a reflection port
    /// (``PairFlags/udpReflection``; grouped by the source's `udp_source_port`). A reflector's
    /// packets and bytes are its whole window's, so a source reflecting to several victims counts
    /// in each.
    public static func find(in detail: WindowDetail, limit: Int = 5) -> [ReflectionTarget] {
        struct Key: Hashable {
            var victim: NetworkAddress
            var kind: ReflectionTarget.Kind
            var port: Int?
        }
        var groups: [Key: (reflectors: Int, packets: Int, bytes: Int)] = [:]
        for (source, hosts) in detail.hosts {
            guard let stats = detail.sources[source] else { continue }
            for (host, flags) in hosts {
                var key: Key
                var packets: Int
                if flags.contains(.backscatter) {
                    key = Key(victim: host, kind: .tcpBackscatter, port: nil)
                    packets = stats.synAckPackets + stats.rstPackets
                } else if flags.contains(.udpReflection) {
                    key = Key(victim: host, kind: .udp, port: stats.udpSourcePort)
                    packets = stats.udpReflectionPackets
                } else {
                    continue
                }
                let sum = groups[key] ?? (0, 0, 0)
                groups[key] = (sum.reflectors + 1, sum.packets + packets, sum.bytes + stats.bytes)
            }
        }
        return groups.filter { $0.value.reflectors >= 2 }
            .map { ReflectionTarget(victim: $0.key.victim.description, kind: $0.key.kind, port: $0.key.port,
                                    reflectors: $0.value.reflectors, packets: $0.value.packets, bytes: $0.value.bytes) }
            .sorted { a, b in
                if a.reflectors != b.reflectors { return a.reflectors > b.reflectors }
                if a.packets != b.packets { return a.packets > b.packets }
                return (a.victim, a.kind.rawValue, a.port ?? -1) < (b.victim, b.kind.rawValue, b.port ?? -1)
            }
            .prefix(max(0, limit)).map { $0 }
    }
}

/// What a capture source adds to each window from its full detail: the probe horizons
/// (`probe_horizons`, `horizon_memory`), the reflection victims (`reflection_targets`) and the
/// DNS clients' questions (`dns_clients`). The XDP, pcap and simulation sources each keep one.
public struct WindowEnrichment: Sendable {
    /// The probe-horizon tracker, with its state across windows.
    public private(set) var horizons: ProbeHorizons
    /// The DNS-question tracker, with its state across windows.
    public private(set) var dns: DNSActivity
    /// Reflection victims reported per window.
    public var reflectionLimit: Int

    /// An enrichment with a fresh tracker.
    public init(horizons: ProbeHorizons.Configuration = .init(), reflectionLimit: Int = 5) {
        self.horizons = ProbeHorizons(configuration: horizons)
        self.dns = DNSActivity(configuration: horizons)
        self.reflectionLimit = reflectionLimit
    }

    /// Sets the window's `probe_horizons`, `horizon_memory`, `reflection_targets` and `dns_clients`
    /// from its detail and the DNS questions seen during it, and adds the trackers' evictions to
    /// its `losses`.
    public mutating func enrich(_ window: inout TrafficWindow, detail: WindowDetail, questions: [DNSObservation] = []) {
        var losses = window.losses
        let (entries, memory) = horizons.observe(window, detail: detail, losses: &losses)
        window.dnsClients = dns.observe(window, questions: questions, losses: &losses)
        window.losses = losses
        window.probeHorizons = entries
        window.horizonMemory = memory
        window.reflectionTargets = ReflectionTargets.find(in: detail, limit: reflectionLimit)
    }
}
