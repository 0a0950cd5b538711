import Foundation

/// One client's questions about one registered domain over one horizon (an entry of a
/// window's `dns_clients`): what tells a DNS tunnel from lookups, whatever its rate.
///
/// A tunnel encodes data in the names it asks for, so every question is a new, long,
/// random-looking name under one domain, often of a type whose answer carries data (TXT, NULL,
/// CNAME, MX); a client looking names up asks for a few short, word-like names again and again.
public struct DNSClientActivity: Codable, Sendable, Equatable, Hashable {
    /// The client: the source of a query, the destination of a response.
    public var client: String
    /// The registered domain asked about (``DNSQuestion/registeredDomain``).
    public var domain: String
    /// The horizon's length in seconds.
    public var horizonSeconds: Double
    /// Questions asked within the horizon.
    public var queries: Int
    /// Distinct names asked within the horizon.
    public var distinctNames: Int
    /// Mean Shannon entropy, in bits per character, of those names' subdomain parts.
    public var meanEntropy: Double
    /// Mean length in characters of those names' subdomain parts.
    public var meanSubdomainLength: Double
    /// The longest of those names, in characters.
    public var maxNameLength: Int
    /// Questions of a type whose answer carries data (``DNSQuestion/tunnelTypes``).
    public var tunnelTypeQueries: Int
    /// Windows within the horizon in which the client asked about the domain.
    public var windows: Int
    /// The client asked more distinct names than the tracker keeps per domain: counts are
    /// lower bounds.
    public var capped: Bool
    /// Names first asked within the horizon in this window.
    public var newNames: Int

    /// An entry with the given values.
    public init(
        client: String, domain: String, horizonSeconds: Double, queries: Int, distinctNames: Int, meanEntropy: Double,
        meanSubdomainLength: Double, maxNameLength: Int, tunnelTypeQueries: Int, windows: Int, capped: Bool = false,
        newNames: Int = 0
    ) {
        self.client = client
        self.domain = domain
        self.horizonSeconds = horizonSeconds
        self.queries = queries
        self.distinctNames = distinctNames
        self.meanEntropy = meanEntropy
        self.meanSubdomainLength = meanSubdomainLength
        self.maxNameLength = maxNameLength
        self.tunnelTypeQueries = tunnelTypeQueries
        self.windows = windows
        self.capped = capped
        self.newNames = newNames
    }

    enum CodingKeys: String, CodingKey {
        case client, domain
        case newNames = "new_names"
        case horizonSeconds = "horizon_seconds"
        case queries
        case distinctNames = "distinct_names"
        case meanEntropy = "mean_entropy"
        case meanSubdomainLength = "mean_subdomain_length"
        case maxNameLength = "max_name_length"
        case tunnelTypeQueries = "tunnel_type_queries"
        case windows, capped
    }

    /// Decodes an entry; `client`, `domain`, `horizon_seconds`, `queries` and `distinct_names` are
    /// required.
    ///
    /// - Throws: `DecodingError` when a required field is missing, a count is not an integer within
    ///   0 … ``WireLimits/maximumCount``, or a number is outside its range (entropy 0 … 16 bits,
    ///   lengths 0 … 255, horizon 0 … 86 400 s).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        client = try c.decode(String.self, forKey: .client)
        domain = try c.decode(String.self, forKey: .domain)
        horizonSeconds = try c.decodeNumber(.horizonSeconds, within: 0...86_400)
        queries = try c.decodeCount(.queries)
        distinctNames = try c.decodeCount(.distinctNames)
        meanEntropy = try c.decodeNumber(.meanEntropy, within: 0...16, default: 0)
        meanSubdomainLength = try c.decodeNumber(.meanSubdomainLength, within: 0...255, default: 0)
        maxNameLength = try c.decodeCount(.maxNameLength, default: 0)
        tunnelTypeQueries = try c.decodeCount(.tunnelTypeQueries, default: 0)
        windows = try c.decodeCount(.windows, default: 0)
        capped = try c.decodeIfPresent(Bool.self, forKey: .capped) ?? false
        newNames = try c.decodeCount(.newNames, default: 0)
    }
}

/// One DNS question seen by a capture, with the client that asked it.
public struct DNSObservation: Sendable, Equatable {
    /// The client (source of a query, destination of a response).
    public var client: NetworkAddress
    /// The question.
    public var question: DNSQuestion

    /// An observation of `question` asked by `client`.
    public init(client: NetworkAddress, question: DNSQuestion) {
        self.client = client
        self.question = question
    }

    /// The observation in a UDP port-53 payload sent from `source` to `destination`.
    ///
    /// - Throws: ``DNSQuestion/ParseError`` when the payload holds no readable question.
    public init(payload: some Collection<UInt8>, source: NetworkAddress, destination: NetworkAddress) throws(DNSQuestion.ParseError) {
        let question = try DNSQuestion.parse(payload)
        self.init(client: question.isResponse ? destination : source, question: question)
    }
}

/// Per-client, per-domain DNS questions over the probe horizons: distinct names, their entropy
/// and length, and tunnel-friendly record types, so `dns_tunnel` can fire on a tunnel that asks
/// one question a second.
///
/// A response's question counts for its destination; a query and its response (both seen by a
/// sensor between client and resolver) are one name, asked twice. Bounds as ``ProbeHorizons``:
/// at most `sourceCapacity` (client, domain) pairs (the fewest names, then the stalest,
/// forgotten first), `perSourceCapacity` names per pair (`capped` beyond), `windowsPerSource`
/// windows per pair (merged beyond); every eviction counted in ``CaptureLosses``.
public struct DNSActivity: Sendable {
    /// The horizons and bounds (shared with the probe horizons).
    public let configuration: ProbeHorizons.Configuration

    /// A name is its subdomain and length; the entropy is derived from the subdomain and so
    /// takes no part in equality (a Double in a key would split one name in two at its last bit).
    private struct Name: Hashable, Comparable, Sendable {
        var subdomain: String
        var length: Int
        var entropy: Double

        init(_ question: DNSQuestion) {
            subdomain = question.subdomain
            length = question.name.count
            entropy = DNSQuestion.entropy(subdomain)
        }

        static func == (a: Name, b: Name) -> Bool { a.subdomain == b.subdomain && a.length == b.length }
        static func < (a: Name, b: Name) -> Bool { (a.subdomain, a.length) < (b.subdomain, b.length) }

        func hash(into hasher: inout Hasher) {
            hasher.combine(subdomain)
            hasher.combine(length)
        }
    }

    private struct Key: Hashable, Comparable, Sendable {
        var client: NetworkAddress
        var domain: String

        static func < (a: Key, b: Key) -> Bool { (a.client, a.domain) < (b.client, b.domain) }
    }

    private struct Track: Sendable {
        var names = RecentSet<Name>()
        /// Per window: questions, questions of a tunnel type.
        var stamps = WindowStamps()
        var lastQuery: Double

        var entries: Int { names.count + stamps.count }
    }

    private var tracks: [Key: Track] = [:]
    private var clock = 0.0

    /// A tracker that has seen no question.
    public init(configuration: ProbeHorizons.Configuration = .init()) {
        self.configuration = configuration
    }

    /// (client, domain) pairs and names held now.
    public var memory: HorizonMemory {
        HorizonMemory(sources: tracks.count, entries: tracks.values.reduce(0) { $0 + $1.entries })
    }

    /// Adds one window's questions and returns its `dns_clients` entries: for each horizon of more
    /// than 1.5 windows, the (client, domain) pairs asked about in this window with the most
    /// distinct names (at most ``ProbeHorizons/Configuration/reportLimit``, only pairs with at least
    /// 2 names), ordered by horizon, then names, client and domain.
    public mutating func observe(
        _ window: TrafficWindow, questions: [DNSObservation], losses: inout CaptureLosses
    ) -> [DNSClientActivity] {
        let seconds = window.windowSeconds.isFinite && window.windowSeconds > 0 ? window.windowSeconds : 1
        clock += seconds
        let now = window.windowStart.map { $0.timeIntervalSince1970 + seconds } ?? clock
        let longest = configuration.horizons.last ?? seconds
        let edge = now - longest + horizonEdgeTolerance

        var counts: [Key: (queries: Int, tunnel: Int)] = [:]
        // Per pair: when each name of this window was asked before (nil: never, or forgotten).
        var previous: [Key: [Name: Double?]] = [:]
        for observation in questions {
            let key = Key(client: observation.client, domain: observation.question.registeredDomain)
            var track = tracks[key] ?? Track(lastQuery: now)
            let name = Name(observation.question)
            if previous[key]?[name] == nil { previous[key, default: [:]][name] = .some(track.names.lastSeen[name]) }
            track.names.insert(name, at: now)
            track.lastQuery = now
            tracks[key] = track
            let tunnel = DNSQuestion.tunnelTypes.contains(observation.question.type) ? 1 : 0
            let sum = counts[key] ?? (0, 0)
            counts[key] = (sum.queries + 1, sum.tunnel + tunnel)
        }
        for (key, count) in counts {
            guard var track = tracks[key] else { continue }
            track.stamps.append(time: now, counts: [count.queries, count.tunnel])
            losses.dnsNamesEvicted += track.names.forget(before: edge, capacity: configuration.perSourceCapacity)
            track.stamps.forget(before: edge, limit: configuration.windowsPerSource)
            tracks[key] = track
        }
        tracks = tracks.filter { now - $0.value.lastQuery < longest }
        losses.dnsClientsEvicted += forgetNarrowest(
            &tracks, capacity: configuration.sourceCapacity, breadth: \.names.count, lastActive: \.lastQuery)

        var entries: [DNSClientActivity] = []
        for horizon in configuration.horizons where horizon > seconds * 1.5 {  // a horizon of about one window adds nothing to it
            let cutoff = now - horizon + horizonEdgeTolerance
            var candidates: [DNSClientActivity] = []
            for key in counts.keys {
                guard let track = tracks[key] else { continue }
                let names = track.names.elements(after: cutoff)
                guard names.count >= 2 else { continue }
                let (sums, windows) = track.stamps.totals(after: cutoff, width: 2)
                let n = Double(names.count)
                let new = previous[key]?.values.count { before in before.map { $0 <= cutoff } ?? true } ?? 0
                candidates.append(
                    DNSClientActivity(
                        client: key.client.description, domain: key.domain, horizonSeconds: horizon, queries: sums[0],
                        distinctNames: names.count, meanEntropy: names.reduce(0) { $0 + $1.entropy } / n,
                        meanSubdomainLength: names.reduce(0) { $0 + Double($1.subdomain.count) } / n,
                        maxNameLength: names.map(\.length).max() ?? 0, tunnelTypeQueries: sums[1], windows: windows,
                        capped: track.names.capped, newNames: new))
            }
            entries += candidates.sorted { a, b in
                (a.distinctNames, b.client, b.domain) > (b.distinctNames, a.client, a.domain)
            }.prefix(configuration.reportLimit)
        }
        return entries
    }
}
