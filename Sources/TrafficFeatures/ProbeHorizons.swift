import Foundation

/// One source's probing over one horizon (an entry of a window's `probe_horizons`).
///
/// Counts cover the windows that ended within the last `horizon_seconds` (the current window
/// included). Ports and hosts are those the source **probed** (opened with a probe, see
/// ``PacketKind``), so replies to the host's own connections never add to them.
public struct HorizonSource: Codable, Sendable, Equatable, Hashable {
    /// The source address, or `prefix/len` for a grouped IPv6 source.
    public var ip: String
    /// The horizon's length in seconds.
    public var horizonSeconds: Double
    /// Distinct destination ports the source probed within the horizon.
    public var uniquePorts: Int
    /// Distinct destination hosts the source probed within the horizon.
    public var uniqueHosts: Int
    /// The IPv4 /24 or IPv6 /64 holding most of those hosts (`198.19.1.0/24`), nil without hosts.
    public var busiestSubnet: String?
    /// Distinct hosts the source probed within ``busiestSubnet``: a sweep walks one subnet,
    /// browsing scatters over many.
    public var subnetHosts: Int
    /// Probes of every kind the source sent within the horizon.
    public var probes: Int
    /// Connection attempts (TCP SYN without ACK) within the horizon.
    public var connectionAttempts: Int
    /// Windows within the horizon in which the source probed.
    public var windows: Int
    /// The source probed more distinct ports or hosts than the tracker keeps per source
    /// (``ProbeHorizons/Configuration/perSourceCapacity``): the counts are lower bounds.
    public var capped: Bool
    /// Ports first probed within the horizon in this window: the scan is going on now, not
    /// only remembered.
    public var newPorts: Int
    /// Hosts first probed within the horizon in this window.
    public var newHosts: Int

    /// An entry with the given values.
    public init(
        ip: String, horizonSeconds: Double, uniquePorts: Int, uniqueHosts: Int, busiestSubnet: String? = nil,
        subnetHosts: Int = 0, probes: Int, connectionAttempts: Int, windows: Int, capped: Bool = false, newPorts: Int = 0,
        newHosts: Int = 0
    ) {
        self.ip = ip
        self.horizonSeconds = horizonSeconds
        self.uniquePorts = uniquePorts
        self.uniqueHosts = uniqueHosts
        self.busiestSubnet = busiestSubnet
        self.subnetHosts = subnetHosts
        self.probes = probes
        self.connectionAttempts = connectionAttempts
        self.windows = windows
        self.capped = capped
        self.newPorts = newPorts
        self.newHosts = newHosts
    }

    enum CodingKeys: String, CodingKey {
        case ip
        case newPorts = "new_ports"
        case newHosts = "new_hosts"
        case horizonSeconds = "horizon_seconds"
        case uniquePorts = "unique_ports"
        case uniqueHosts = "unique_hosts"
        case busiestSubnet = "busiest_subnet"
        case subnetHosts = "subnet_hosts"
        case probes
        case connectionAttempts = "connection_attempts"
        case windows, capped
    }

    /// Decodes an entry; `ip`, `horizon_seconds`, `unique_ports` and `unique_hosts` are required,
    /// the other counts default to 0.
    ///
    /// - Throws: `DecodingError` when a required field is missing, a count is not an integer within
    ///   0 … ``WireLimits/maximumCount`` or `horizon_seconds` is not within 0 … 86 400.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        ip = try c.decode(String.self, forKey: .ip)
        horizonSeconds = try c.decodeNumber(.horizonSeconds, within: 0...86_400)
        uniquePorts = try c.decodeCount(.uniquePorts)
        uniqueHosts = try c.decodeCount(.uniqueHosts)
        busiestSubnet = try c.decodeIfPresent(String.self, forKey: .busiestSubnet)
        subnetHosts = try c.decodeCount(.subnetHosts, default: 0)
        probes = try c.decodeCount(.probes, default: 0)
        connectionAttempts = try c.decodeCount(.connectionAttempts, default: 0)
        windows = try c.decodeCount(.windows, default: 0)
        capped = try c.decodeIfPresent(Bool.self, forKey: .capped) ?? false
        newPorts = try c.decodeCount(.newPorts, default: 0)
        newHosts = try c.decodeCount(.newHosts, default: 0)
    }
}

/// The tracker's memory after a window (`horizon_memory`), exported by the monitor.
public struct HorizonMemory: Codable, Sendable, Equatable, Hashable {
    /// Sources tracked.
    public var sources: Int
    /// Probed (port, host and window) entries kept over all tracked sources.
    public var entries: Int

    /// Memory figures with the given values.
    public init(sources: Int = 0, entries: Int = 0) {
        self.sources = sources
        self.entries = entries
    }
}

/// Per-source probe horizons: distinct probed ports and hosts, probes and connection attempts
/// over several horizons (by default 1 s, 10 s, 60 s and 5 min), so slow scans and sweeps
/// (`nmap --scan-delay 1s`, `-T1`, `-T2`) add up although no single window shows them.
///
/// Feed it every window with its ``WindowDetail`` (all sources, not only `top_sources`); it
/// returns the entries to put in the window's `probe_horizons`.
///
/// **Exact sets with a bound.** For each source the tracker keeps every probed port and host
/// with the time it was last probed, and each probing window's counts. Counts are exact while a
/// source probed at most ``Configuration/perSourceCapacity`` distinct ports (and as many hosts)
/// within the longest horizon and probed in at most ``Configuration/windowsPerSource`` windows;
/// beyond, the oldest ports/hosts are forgotten (the entry says `capped`, counts are lower
/// bounds) and the oldest windows are merged pairwise (a merged window counts at its later end,
/// so a long horizon may include probes up to one merged span older than the horizon). At most
/// ``Configuration/sourceCapacity`` sources are tracked; when full, those with the fewest probed
/// ports and hosts, then the least recently active, are forgotten first, so a flood of spoofed
/// one-probe sources cannot push a slow scanner out. Every forgotten source, port or host is
/// counted in the window's ``CaptureLosses``.
public struct ProbeHorizons: Sendable {
    /// Horizons and bounds.
    public struct Configuration: Sendable, Equatable {
        /// Horizon lengths in seconds, ascending (default 1, 10, 60, 300).
        public var horizons: [Double]
        /// Most sources tracked (default 4096).
        public var sourceCapacity: Int
        /// Most distinct ports, and most distinct hosts, kept per source (default 4096).
        public var perSourceCapacity: Int
        /// Most probing windows kept per source before the oldest are merged (default 64).
        public var windowsPerSource: Int
        /// Sources reported per horizon and criterion (ports, subnet hosts) in a window (default 5).
        public var reportLimit: Int

        /// The default horizons: 1 s, 10 s, 60 s and 5 min.
        public static let defaultHorizons: [Double] = [1, 10, 60, 300]
        /// The horizon lengths a configuration accepts, in seconds (1 s to one day).
        public static let horizonRange: ClosedRange<Double> = 1...86_400

        /// A configuration with the given values; horizons are sorted and de-duplicated.
        public init(
            horizons: [Double] = defaultHorizons, sourceCapacity: Int = 4096, perSourceCapacity: Int = 4096,
            windowsPerSource: Int = 64, reportLimit: Int = 5
        ) {
            self.horizons = Array(Set(horizons)).sorted()
            self.sourceCapacity = max(1, sourceCapacity)
            self.perSourceCapacity = max(1, perSourceCapacity)
            self.windowsPerSource = max(2, windowsPerSource)
            self.reportLimit = max(0, reportLimit)
        }

        /// Parses a comma-separated list of horizons (`"1,10,60,300"`, units `s`, `m`, `h` allowed:
        /// `"10s,1m,5m"`).
        ///
        /// - Throws: ``HorizonConfigurationError`` naming the item that is not a duration within
        ///   ``horizonRange``.
        public static func parseHorizons(_ text: String) throws -> [Double] {
            let items = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard !items.isEmpty, !items.contains(where: \.isEmpty) else {
                throw HorizonConfigurationError(item: text, reason: "expected a comma-separated list such as 10,60,300")
            }
            return try items.map { item in
                var number = Substring(item)
                var scale = 1.0
                if let last = number.last, "smh".contains(last) {
                    scale = last == "s" ? 1 : last == "m" ? 60 : 3600
                    number = number.dropLast()
                }
                guard let value = Double(number), value.isFinite, horizonRange.contains(value * scale) else {
                    throw HorizonConfigurationError(item: item, reason: "must be a duration within 1 s ... 1 day")
                }
                return value * scale
            }
        }
    }

    private struct Track: Sendable {
        var label: String
        var ports = RecentSet<UInt16>()
        var hosts = RecentSet<NetworkAddress>()
        /// Per probing window: probes, connection attempts.
        var stamps = WindowStamps()
        var lastProbe: Double

        var breadth: Int { ports.count + hosts.count }
        var entries: Int { ports.count + hosts.count + stamps.count }
    }

    /// The configuration in force.
    public let configuration: Configuration
    private var tracks: [NetworkAddress: Track] = [:]
    private var clock = 0.0

    /// A tracker that has seen no window.
    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    /// What the tracker holds now.
    public var memory: HorizonMemory {
        HorizonMemory(sources: tracks.count, entries: tracks.values.reduce(0) { $0 + $1.entries })
    }

    /// Adds one window and returns its `probe_horizons` entries: for each horizon of more than 1.5
    /// windows, the sources that probed a port or host new within the horizon in this window, with
    /// the most probed ports and the most probed hosts in one subnet (at most
    /// ``Configuration/reportLimit`` each, only sources with at least 2 ports or 2 subnet hosts),
    /// ordered by horizon, then ports, hosts and address. A source that scanned and now only
    /// repeats what it already probed (a browser reconnecting to a port it scanned) is not reported
    /// again.
    ///
    /// - Parameters:
    ///   - window: The window; its end (`window_start` + `window_seconds`, or the sum of the
    ///     windows' lengths without `window_start`) is the time the horizons end at.
    ///   - detail: All of the window's sources and pairs.
    ///   - losses: Receives the sources, ports and hosts forgotten to stay within the bounds.
    /// - Returns: The entries, and the tracker's memory after the window.
    public mutating func observe(
        _ window: TrafficWindow, detail: WindowDetail, losses: inout CaptureLosses
    ) -> (entries: [HorizonSource], memory: HorizonMemory) {
        let seconds = window.windowSeconds.isFinite && window.windowSeconds > 0 ? window.windowSeconds : 1
        clock += seconds
        let now = window.windowStart.map { $0.timeIntervalSince1970 + seconds } ?? clock
        let longest = configuration.horizons.last ?? seconds

        let horizons = configuration.horizons
        // Per active source and horizon: ports and hosts not probed within the horizon before.
        var fresh: [NetworkAddress: (ports: [Int], hosts: [Int])] = [:]
        for (address, stats) in detail.sources where stats.probePackets > 0 {
            let probedPorts = detail.ports[address]?.filter { $0.value.contains(.probe) }.map(\.key) ?? []
            let probedHosts = detail.hosts[address]?.filter { $0.value.contains(.probe) }.map(\.key) ?? []
            var track = tracks[address] ?? Track(label: stats.ip, lastProbe: now)
            fresh[address] = (
                horizons.map { h in probedPorts.count { track.ports.lastSeen[$0].map { $0 <= now - h + horizonEdgeTolerance } ?? true } },
                horizons.map { h in probedHosts.count { track.hosts.lastSeen[$0].map { $0 <= now - h + horizonEdgeTolerance } ?? true } }
            )
            track.lastProbe = now
            for port in probedPorts { track.ports.insert(port, at: now) }
            for host in probedHosts { track.hosts.insert(host, at: now) }
            track.stamps.append(time: now, counts: [stats.probePackets, stats.synPackets])
            let edge = now - longest + horizonEdgeTolerance
            let capacity = configuration.perSourceCapacity
            losses.horizonEntriesEvicted += track.ports.forget(before: edge, capacity: capacity)
                + track.hosts.forget(before: edge, capacity: capacity)
            track.stamps.forget(before: edge, limit: configuration.windowsPerSource)
            tracks[address] = track
        }
        // Sources that stopped probing longer ago than the longest horizon hold nothing.
        tracks = tracks.filter { now - $0.value.lastProbe < longest }
        losses.horizonSourcesEvicted += forgetNarrowest(
            &tracks, capacity: configuration.sourceCapacity, breadth: \.breadth, lastActive: \.lastProbe)

        var entries: [HorizonSource] = []
        for (index, horizon) in horizons.enumerated() where horizon > seconds * 1.5 {  // a horizon of about one window adds nothing to it
            let cutoff = now - horizon
            var candidates: [HorizonSource] = []
            for (address, new) in fresh {
                guard let track = tracks[address] else { continue }
                var entry = summary(track, horizon: horizon, after: cutoff)
                entry.newPorts = new.ports[index]
                entry.newHosts = new.hosts[index]
                if (entry.newPorts > 0 && entry.uniquePorts >= 2) || (entry.newHosts > 0 && entry.subnetHosts >= 2) {
                    candidates.append(entry)
                }
            }
            let limit = configuration.reportLimit
            let byPorts = candidates.sorted { ($0.uniquePorts, $1.ip) > ($1.uniquePorts, $0.ip) }.prefix(limit)
            let byHosts = candidates.sorted { ($0.subnetHosts, $1.ip) > ($1.subnetHosts, $0.ip) }.prefix(limit)
            var seen = Set<String>()
            let chosen = (Array(byPorts) + Array(byHosts)).filter { seen.insert($0.ip).inserted }
            entries += chosen.sorted { a, b in
                (a.uniquePorts, a.subnetHosts, b.ip) > (b.uniquePorts, b.subnetHosts, a.ip)
            }
        }
        return (entries, memory)
    }

    private func summary(_ track: Track, horizon: Double, after cutoff: Double) -> HorizonSource {
        let edge = cutoff + horizonEdgeTolerance
        var subnets: [NetworkAddress: Int] = [:]
        let hosts = track.hosts.elements(after: edge)
        for host in hosts { subnets[host.subnet, default: 0] += 1 }
        let busiest = subnets.max { $0.value != $1.value ? $0.value < $1.value : $0.key > $1.key }
        let (counts, windows) = track.stamps.totals(after: edge, width: 2)
        return HorizonSource(
            ip: track.label, horizonSeconds: horizon, uniquePorts: track.ports.count(after: edge), uniqueHosts: hosts.count,
            busiestSubnet: busiest.map { $0.key.subnetLabel }, subnetHosts: busiest?.value ?? 0, probes: counts[0],
            connectionAttempts: counts[1], windows: windows, capped: track.ports.capped || track.hosts.capped)
    }
}

/// A horizon list that is not a list of durations.
public struct HorizonConfigurationError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The offending item (or the whole text).
    public var item: String
    /// What is wrong with it.
    public var reason: String
    /// "probe horizon \"<item>\" <reason>".
    public var description: String { "probe horizon \"\(item)\" \(reason)" }
}

extension NetworkAddress {
    /// The /24 of an IPv4 address or the /64 of an IPv6 address.
    var subnet: NetworkAddress {
        if isIPv4 { return NetworkAddress(ipv4: UInt32(truncatingIfNeeded: low) & 0xFFFF_FF00) }
        return NetworkAddress(bytes: bytes.prefix(8) + [UInt8](repeating: 0, count: 8))
    }

    /// `198.19.1.0/24` or `2001:db8:1:2::/64`.
    var subnetLabel: String { isIPv4 ? "\(self)/24" : "\(self)/64" }
}
