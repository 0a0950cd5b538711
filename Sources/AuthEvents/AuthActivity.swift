public import Foundation
public import TrafficFeatures

/// One login name a source tried within a window, and how it went.
public struct AuthUsernameCount: Sendable, Equatable {
    /// The name as the client sent it. It may be anything a client typed, a password included:
    /// handle it as secret.
    public var name: String
    /// Failed and successful attempts with this name.
    public var attempts: Int
    /// Failed attempts with this name.
    public var failures: Int
    /// Successful attempts with this name.
    public var successes: Int
    /// sshd said the name is no account of the host (`invalid user`).
    public var invalid: Bool
    /// The name is one of ``AuthActivityTracker/Configuration/privilegedAccounts``.
    public var privileged: Bool

    /// A name's counts from their parts.
    public init(name: String, attempts: Int, failures: Int, successes: Int, invalid: Bool, privileged: Bool) {
        self.name = name
        self.attempts = attempts
        self.failures = failures
        self.successes = successes
        self.invalid = invalid
        self.privileged = privileged
    }
}

/// One source's (or, for ``AuthActivity/source`` nil, every source's) logins over one horizon
/// ending with the window.
public struct AuthHorizon: Sendable, Equatable {
    /// The horizon's length in seconds.
    public var seconds: Double
    /// Failed and successful attempts within the horizon.
    public var attempts: Int
    /// Failed attempts within the horizon.
    public var failures: Int
    /// Successful attempts within the horizon.
    public var successes: Int
    /// Failed attempts on privileged accounts within the horizon.
    public var privilegedFailures: Int
    /// Distinct login names tried within the horizon (a lower bound when ``capped``).
    public var distinctUsernames: Int
    /// Distinct source addresses that tried within the horizon: 1 for one source's activity.
    public var distinctSources: Int
    /// Names or sources were forgotten to stay within the tracker's bounds: the distinct counts
    /// are lower bounds.
    public var capped: Bool

    /// A horizon's counts from their parts.
    public init(
        seconds: Double, attempts: Int, failures: Int, successes: Int, privilegedFailures: Int, distinctUsernames: Int,
        distinctSources: Int, capped: Bool = false
    ) {
        self.seconds = seconds
        self.attempts = attempts
        self.failures = failures
        self.successes = successes
        self.privilegedFailures = privilegedFailures
        self.distinctUsernames = distinctUsernames
        self.distinctSources = distinctSources
        self.capped = capped
    }
}

/// The logins of one source to one service in one window, with the source's history over the
/// horizons; or, with ``source`` nil, of every source together (what credential stuffing —
/// many sources, few attempts each — shows up in).
public struct AuthActivity: Sendable, Equatable {
    /// The client address; nil for the summary over every source.
    public var source: NetworkAddress?
    /// The service logged in to (`sshd`, or a PAM service).
    public var service: String
    /// When the window ended.
    public var windowEnd: Date
    /// The window's length in seconds.
    public var windowSeconds: Double
    /// Failed and successful attempts in the window.
    public var attempts: Int
    /// Failed attempts in the window.
    public var failures: Int
    /// Successful attempts in the window.
    public var successes: Int
    /// Distinct names tried in the window.
    public var distinctUsernames: Int
    /// The names tried in the window, most attempts first (then by name), at most
    /// ``AuthActivityTracker/Configuration/reportedUsernames``.
    public var usernames: [AuthUsernameCount]
    /// For the summary over every source: the sources with the most attempts within the longest
    /// horizon, most first, at most ``AuthActivityTracker/Configuration/reportedSources``; empty
    /// for one source's activity.
    public var topSources: [NetworkAddress]
    /// The counts over each configured horizon longer than the window, ending with it.
    public var horizons: [AuthHorizon]

    /// An activity from its parts.
    public init(
        source: NetworkAddress?, service: String, windowEnd: Date, windowSeconds: Double, attempts: Int, failures: Int,
        successes: Int, distinctUsernames: Int, usernames: [AuthUsernameCount], topSources: [NetworkAddress] = [],
        horizons: [AuthHorizon]
    ) {
        self.source = source
        self.service = service
        self.windowEnd = windowEnd
        self.windowSeconds = windowSeconds
        self.attempts = attempts
        self.failures = failures
        self.successes = successes
        self.distinctUsernames = distinctUsernames
        self.usernames = usernames
        self.topSources = topSources
        self.horizons = horizons
    }

    /// True when an attempted name is a privileged account.
    public var privileged: Bool { usernames.contains(where: \.privileged) }
}

/// Turns authentication events into per-window, per-source ``AuthActivity`` with counts over
/// horizons (1 min, 10 min, 1 h by default), the way the probe horizons do for packets: a
/// password guesser that tries once every few seconds still adds up within the hour.
///
/// Feed events with ``record(_:)`` as they are read, and call ``closeWindow(end:seconds:)`` once
/// per window: it returns one activity per (source, service) with attempts in the window, and a
/// summary over every source when any attempt failed. Attempts without a source address (a local
/// `su`, a PAM message without `rhost`) are only counted (``attemptsWithoutSource``).
///
/// Bounded: at most `sourceCapacity` (source, service) pairs are tracked (the fewest names, then
/// the stalest, forgotten first), `usernamesPerSource` names per pair, `windowsPerSource` window
/// counts per pair (merged beyond); what was forgotten is counted in ``forgotten``.
public struct AuthActivityTracker: Sendable {
    /// Horizons and bounds.
    public struct Configuration: Sendable {
        /// Horizon lengths in seconds, ascending (default 60, 600, 3600).
        public var horizons: [Double]
        /// Most (source, service) pairs tracked (default 4096).
        public var sourceCapacity: Int
        /// Most names remembered per pair and for the summary (default 1024).
        public var usernamesPerSource: Int
        /// Most window counts kept per pair before older ones are merged (default 512).
        public var windowsPerSource: Int
        /// Most names listed in one activity (default 16).
        public var reportedUsernames: Int
        /// Most sources listed in the summary (default 16).
        public var reportedSources: Int
        /// Accounts whose failures count as attacks on privileged accounts (default `root`; the
        /// monitor adds the host's uid-0 accounts and the members of `sudo`, `wheel` and `admin`).
        public var privilegedAccounts: Set<String>

        /// A configuration; counts below 1 become 1, horizons are sorted and those not above 0
        /// dropped.
        public init(
            horizons: [Double] = [60, 600, 3600], sourceCapacity: Int = 4096, usernamesPerSource: Int = 1024,
            windowsPerSource: Int = 512, reportedUsernames: Int = 16, reportedSources: Int = 16,
            privilegedAccounts: Set<String> = ["root"]
        ) {
            self.horizons = horizons.filter { $0 > 0 && $0.isFinite }.sorted()
            self.sourceCapacity = max(1, sourceCapacity)
            self.usernamesPerSource = max(1, usernamesPerSource)
            self.windowsPerSource = max(1, windowsPerSource)
            self.reportedUsernames = max(1, reportedUsernames)
            self.reportedSources = max(1, reportedSources)
            self.privilegedAccounts = privilegedAccounts
        }
    }

    /// What the bounds made the tracker forget.
    public struct Forgotten: Sendable, Equatable {
        /// (source, service) pairs forgotten to stay within `sourceCapacity`.
        public var sources = 0
        /// Names forgotten to stay within `usernamesPerSource`.
        public var usernames = 0
    }

    /// The horizons and bounds.
    public let configuration: Configuration
    /// What the bounds made the tracker forget so far.
    public private(set) var forgotten = Forgotten()

    private struct Key: Hashable, Comparable, Sendable {
        var source: NetworkAddress
        var service: String

        static func < (a: Key, b: Key) -> Bool { (a.source, a.service) < (b.source, b.service) }
    }

    /// Counts of one window, per name.
    private struct Pending: Sendable {
        var names: [String: AuthUsernameCount] = [:]
        var attempts = 0
        var failures = 0
        var successes = 0
        var privilegedFailures = 0
    }

    /// Window counts: attempts, failures, successes, privileged failures.
    private static let width = 4

    private struct Track: Sendable {
        var names = RecentSet<String>()
        var stamps = WindowStamps()
        var lastActive: Double
    }

    /// The summary's sources: attempts per window, as stamps keyed by source.
    private struct Summary: Sendable {
        var names = RecentSet<String>()
        var sources = RecentSet<NetworkAddress>()
        var stamps = WindowStamps()
        var perSource: [NetworkAddress: WindowStamps] = [:]
    }

    private var pending: [Key: Pending] = [:]
    private var tracks: [Key: Track] = [:]
    private var summaries: [String: Summary] = [:]

    /// A tracker that has seen no event.
    public init(configuration: Configuration = .init()) {
        self.configuration = configuration
    }

    /// (source, service) pairs tracked now.
    public var trackedSources: Int { tracks.count }

    /// Attempts that named no client address (a local `su`, a PAM message without `rhost`): not
    /// attributed to any source, counted here.
    public private(set) var attemptsWithoutSource = 0

    /// Counts one event in the open window: failures and successes are attempts; `invalid user`
    /// marks its name as no account of the host; the other kinds add nothing. An attempt without a
    /// client address is only counted in ``attemptsWithoutSource``.
    public mutating func record(_ event: AuthLogEvent) {
        guard event.kind == .failure || event.kind == .success || event.kind == .invalidUser else { return }
        guard let source = event.source else {
            attemptsWithoutSource += event.attempts
            return
        }
        let key = Key(source: source, service: event.service)
        var window = pending[key] ?? Pending()
        let name = event.username ?? ""
        let privileged = configuration.privilegedAccounts.contains(name)
        var count = window.names[name]
            ?? AuthUsernameCount(name: name, attempts: 0, failures: 0, successes: 0, invalid: false, privileged: privileged)
        switch event.kind {
        case .failure:
            count.attempts += 1
            count.failures += 1
            window.attempts += 1
            window.failures += 1
            if privileged { window.privilegedFailures += 1 }
        case .success:
            count.attempts += 1
            count.successes += 1
            window.attempts += 1
            window.successes += 1
        default:
            break
        }
        if event.invalidUser || event.kind == .invalidUser { count.invalid = true }
        window.names[name] = count
        pending[key] = window
    }

    /// Closes the window that ends at `end` and lasted `seconds`: returns one activity per
    /// (source, service) with attempts in it (the summaries over every source that are due first,
    /// then the sources in ascending order), and starts the next window.
    ///
    /// - Parameters:
    ///   - end: When the window ended (the horizons end here).
    ///   - seconds: The window's length.
    /// - Returns: The window's activities; empty when nobody tried to log in.
    public mutating func closeWindow(end: Date, seconds: Double) -> [AuthActivity] {
        let now = end.timeIntervalSince1970
        let longest = configuration.horizons.last ?? seconds
        let edge = now - longest + horizonEdgeTolerance
        let window = pending
        pending = [:]

        var sourceActivities: [AuthActivity] = []
        var byService: [String: [(Key, Pending)]] = [:]
        for (key, counts) in window.sorted(by: { $0.key < $1.key }) where counts.attempts > 0 {
            var track = tracks[key] ?? Track(lastActive: now)
            for (name, count) in counts.names where count.attempts > 0 { track.names.insert(name, at: now) }
            track.stamps.append(
                time: now, counts: [counts.attempts, counts.failures, counts.successes, counts.privilegedFailures])
            track.lastActive = now
            forgotten.usernames += track.names.forget(before: edge, capacity: configuration.usernamesPerSource)
            track.stamps.forget(before: edge, limit: configuration.windowsPerSource)
            tracks[key] = track
            byService[key.service, default: []].append((key, counts))
            let horizons = configuration.horizons.filter { $0 > seconds * 1.5 }.map { horizon in
                let cutoff = now - horizon + horizonEdgeTolerance
                let (sums, _) = track.stamps.totals(after: cutoff, width: Self.width)
                return AuthHorizon(
                    seconds: horizon, attempts: sums[0], failures: sums[1], successes: sums[2], privilegedFailures: sums[3],
                    distinctUsernames: track.names.count(after: cutoff), distinctSources: 1, capped: track.names.capped)
            }
            sourceActivities.append(
                AuthActivity(
                    source: key.source, service: key.service, windowEnd: end, windowSeconds: seconds,
                    attempts: counts.attempts, failures: counts.failures, successes: counts.successes,
                    distinctUsernames: counts.names.values.count { $0.attempts > 0 },
                    usernames: reported(counts.names.values), horizons: horizons))
        }
        // Bounded after the window's activities are taken: a source forgotten now still reports this window.
        tracks = tracks.filter { now - $0.value.lastActive < longest }
        forgotten.sources += forgetNarrowest(
            &tracks, capacity: configuration.sourceCapacity, breadth: \.names.count, lastActive: \.lastActive)

        var activities: [AuthActivity] = []
        for (service, entries) in byService.sorted(by: { $0.key < $1.key }) {
            if let summary = summarize(service: service, entries: entries, now: now, edge: edge, seconds: seconds) {
                activities.append(summary)
            }
        }
        activities += sourceActivities
        // Summaries of services nobody used for a horizon are dropped.
        summaries = summaries.filter { _, summary in summary.stamps.stamps.contains { $0.time > edge } }
        return activities
    }

    /// The names with attempts, most attempts first, bounded.
    private func reported(_ names: some Sequence<AuthUsernameCount>) -> [AuthUsernameCount] {
        Array(
            names.filter { $0.attempts > 0 }.sorted { a, b in (a.attempts, b.name) > (b.attempts, a.name) }
                .prefix(configuration.reportedUsernames))
    }

    /// Adds the window to the service's summary over every source and returns it when a login
    /// failed in the window.
    private mutating func summarize(
        service: String, entries: [(Key, Pending)], now: Double, edge: Double, seconds: Double
    ) -> AuthActivity? {
        var summary = summaries[service] ?? Summary()
        var totals = Pending()
        for (key, counts) in entries {
            let source = key.source
            summary.sources.insert(source, at: now)
            summary.perSource[source, default: WindowStamps()].append(time: now, counts: [counts.attempts])
            for (name, count) in counts.names where count.attempts > 0 {
                summary.names.insert(name, at: now)
                var total = totals.names[name] ?? AuthUsernameCount(
                    name: name, attempts: 0, failures: 0, successes: 0, invalid: false, privileged: count.privileged)
                total.attempts += count.attempts
                total.failures += count.failures
                total.successes += count.successes
                total.invalid = total.invalid || count.invalid
                totals.names[name] = total
            }
            totals.attempts += counts.attempts
            totals.failures += counts.failures
            totals.successes += counts.successes
            totals.privilegedFailures += counts.privilegedFailures
        }
        summary.stamps.append(
            time: now, counts: [totals.attempts, totals.failures, totals.successes, totals.privilegedFailures])
        summary.stamps.forget(before: edge, limit: configuration.windowsPerSource)
        forgotten.usernames += summary.names.forget(before: edge, capacity: configuration.usernamesPerSource)
        forgotten.sources += summary.sources.forget(before: edge, capacity: configuration.sourceCapacity)
        for source in Array(summary.perSource.keys) {
            summary.perSource[source]!.forget(before: edge, limit: configuration.windowsPerSource)
            if summary.perSource[source]!.count == 0 || summary.sources.lastSeen[source] == nil {
                summary.perSource[source] = nil
            }
        }
        summaries[service] = summary
        guard totals.failures > 0 else { return nil }

        let horizons = configuration.horizons.filter { $0 > seconds * 1.5 }.map { horizon in
            let cutoff = now - horizon + horizonEdgeTolerance
            let (sums, _) = summary.stamps.totals(after: cutoff, width: Self.width)
            return AuthHorizon(
                seconds: horizon, attempts: sums[0], failures: sums[1], successes: sums[2], privilegedFailures: sums[3],
                distinctUsernames: summary.names.count(after: cutoff), distinctSources: summary.sources.count(after: cutoff),
                capped: summary.names.capped || summary.sources.capped)
        }
        let top = summary.perSource
            .map { source, stamps in (source, stamps.totals(after: edge, width: 1).counts[0]) }
            .sorted { a, b in a.1 != b.1 ? a.1 > b.1 : a.0 < b.0 }
            .map(\.0)
            .prefix(configuration.reportedSources)
        return AuthActivity(
            source: nil, service: service, windowEnd: Date(timeIntervalSince1970: now), windowSeconds: seconds,
            attempts: totals.attempts, failures: totals.failures, successes: totals.successes,
            distinctUsernames: totals.names.count, usernames: reported(totals.names.values), topSources: Array(top),
            horizons: horizons)
    }
}
