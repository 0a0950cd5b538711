public import AuthEvents
import Foundation
public import Logging
public import PromExposition
public import ServiceLifecycle
public import ThreatRules
import TrafficFeatures
public import WindowTransport

/// Where the monitor reads the host's logins from (`AUTH_LOGS`, `AUTH_STATE_DIR`), and how it
/// groups them.
public struct AuthLogConfiguration: Sendable {
    /// The log files followed: `/var/log/auth.log`, `/var/log/secure`, an `sshd -E` file.
    public var paths: [String]
    /// The systemd journal followed (sshd's unit and identifiers, the auth facilities), or nil.
    public var journal: JournalFollower.Source?
    /// Where each file's read position is saved, so a restarted monitor neither reads a line twice
    /// nor skips one; nil keeps no positions (every start watches from the files' ends).
    public var stateDirectory: String?
    /// The window login activity is grouped in (the monitor's `STATS_WINDOW`).
    public var windowInterval: Duration
    /// How often the files are read (default 200 ms).
    public var pollInterval: Duration
    /// The horizons, bounds and privileged accounts of the per-source tracker.
    public var tracker: AuthActivityTracker.Configuration

    /// The files looked for when `AUTH_LOGS` is not set: Debian's and Red Hat's authentication logs.
    public static let defaultPaths = ["/var/log/auth.log", "/var/log/secure"]
    /// Where positions are kept when neither `AUTH_STATE_DIR` nor systemd's `STATE_DIRECTORY` says.
    public static let defaultStateDirectory = "/var/lib/ebpf-monitor"

    /// A configuration.
    ///
    /// - Parameters:
    ///   - paths: The log files to follow.
    ///   - journal: The systemd journal to follow, or nil.
    ///   - stateDirectory: Where read positions (and the journal's cursor) are saved, or nil.
    ///   - windowInterval: The window login activity is grouped in.
    ///   - pollInterval: How often the files are read.
    ///   - tracker: The tracker's horizons, bounds and privileged accounts.
    public init(
        paths: [String], journal: JournalFollower.Source? = nil, stateDirectory: String?, windowInterval: Duration,
        pollInterval: Duration = .milliseconds(200), tracker: AuthActivityTracker.Configuration = .init()
    ) {
        self.paths = paths
        self.journal = journal
        self.stateDirectory = stateDirectory
        self.windowInterval = windowInterval
        self.pollInterval = pollInterval
        self.tracker = tracker
    }

    /// The host's privileged accounts: `root`, every account with uid 0 in `passwd`, and the
    /// members of the groups `sudo`, `wheel` and `admin` in `group` (files that cannot be read add
    /// nothing).
    ///
    /// - Parameters:
    ///   - passwd: The account database (default `/etc/passwd`).
    ///   - group: The group database (default `/etc/group`).
    /// - Returns: The account names.
    public static func privilegedAccounts(passwd: String = "/etc/passwd", group: String = "/etc/group") -> Set<String> {
        var accounts: Set<String> = ["root"]
        let read = { (path: String) in (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }
        for line in read(passwd).split(separator: "\n") {
            let fields = line.split(separator: ":", omittingEmptySubsequences: false)
            if fields.count > 2, fields[2] == "0" { accounts.insert(String(fields[0])) }
        }
        for line in read(group).split(separator: "\n") {
            let fields = line.split(separator: ":", omittingEmptySubsequences: false)
            guard fields.count > 3, ["sudo", "wheel", "admin"].contains(fields[0]) else { continue }
            for member in fields[3].split(separator: ",") { accounts.insert(String(member)) }
        }
        return accounts
    }
}

/// Follows the host's authentication logs and/or the systemd journal, parses sshd's and PAM's messages, groups them per
/// window and source with their horizons (AuthEvents' `AuthActivityTracker`), and posts each source's
/// activity to the detector as an authentication event (ThreatRules' `AuthenticationEvent` with
/// `horizons`), in order with the windows, through the monitor's publisher.
///
/// Every line (and journal entry) is counted (`ebpf_auth_lines_read_total`; those the parser cannot
/// read in `ebpf_auth_lines_unparsed_total`, never dropped unseen). Read positions and the
/// journal's cursor are saved in the state directory after each window's events are queued, so a
/// restart resumes after the last line queued.
public final class AuthLogService: Service, Sendable {
    /// The configuration the service was created with.
    public let configuration: AuthLogConfiguration
    private let publisher: WindowPublisher?
    private let metrics: MonitorMetrics
    private let logger: Logger

    /// A service that reads nothing until ``run()``.
    ///
    /// - Parameters:
    ///   - configuration: The files, the state directory and the windows.
    ///   - publisher: Where events are posted; nil counts them without posting.
    ///   - metrics: Where lines, events and losses are counted.
    ///   - logger: Receives read errors and the files followed.
    public init(configuration: AuthLogConfiguration, publisher: WindowPublisher?, metrics: MonitorMetrics, logger: Logger) {
        self.configuration = configuration
        self.publisher = publisher
        self.metrics = metrics
        self.logger = logger
    }

    /// The file a log's read position is saved in: the log path with `/` as `_`, under the state
    /// directory.
    public static func positionFile(for path: String, in directory: String) -> String {
        directory + "/auth-position" + path.replacingOccurrences(of: "/", with: "_") + ".json"
    }

    /// The file the journal's cursor is saved in, under the state directory.
    public static func journalCursorFile(in directory: String) -> String {
        directory + "/auth-journal-cursor"
    }

    /// Reads until the service group shuts down; then closes the last window, queues its events
    /// and saves the positions.
    public func run() async throws {
        let reader = Reader(configuration: configuration, publisher: publisher, metrics: metrics, logger: logger)
        let clock = ContinuousClock()
        await cancelWhenGracefulShutdown {
            var deadline = clock.now + self.configuration.windowInterval
            while !Task.isCancelled {
                reader.poll()
                if clock.now >= deadline {
                    reader.closeWindow()
                    deadline += self.configuration.windowInterval
                    if clock.now > deadline { deadline = clock.now + self.configuration.windowInterval }
                }
                try? await Task.sleep(for: min(self.configuration.pollInterval, max(.milliseconds(1), deadline - clock.now)))
            }
        }
        reader.poll()
        reader.closeWindow()
    }

    /// The reading state, used by one task at a time.
    private final class Reader: @unchecked Sendable {
        let configuration: AuthLogConfiguration
        let publisher: WindowPublisher?
        let metrics: MonitorMetrics
        let logger: Logger
        let parser = SSHLogParser()
        var followers: [(follower: LogFileFollower, positions: LogPositionFile?, statistics: LogFileFollower.Statistics)] = []
        var journal: JournalFollower?
        var journalCursor: JournalCursorFile?
        var journalRetry = ContinuousClock.now
        var journalMessagesCut = 0
        var tracker: AuthActivityTracker
        var sequence = 0
        /// `AuthActivityTracker.attemptsWithoutSource` already exported.
        var exportedWithoutSource = 0
        var windowStart = Date()
        var failing: Set<String> = []

        init(configuration: AuthLogConfiguration, publisher: WindowPublisher?, metrics: MonitorMetrics, logger: Logger) {
            self.configuration = configuration
            self.publisher = publisher
            self.metrics = metrics
            self.logger = logger
            tracker = AuthActivityTracker(configuration: configuration.tracker)
            var positionsKept = false
            if let directory = configuration.stateDirectory {
                do {
                    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
                    positionsKept = true
                } catch {
                    logger.warning(
                        "cannot create the state directory; authentication log positions are not kept across restarts",
                        metadata: ["directory": "\(directory)", "error": "\(error)"])
                }
            }
            for path in configuration.paths {
                let file = positionsKept ? configuration.stateDirectory.map { LogPositionFile(path: AuthLogService.positionFile(for: path, in: $0)) } : nil
                var position: LogPosition?
                do {
                    position = try file?.load()
                } catch {
                    logger.warning("ignoring an unreadable position file", metadata: ["file": "\(file?.path ?? "")", "error": "\(error)"])
                }
                followers.append((LogFileFollower(path: path, position: position, startAtEnd: true), file, .init()))
                logger.info(
                    "following an authentication log", metadata: ["path": "\(path)", "resuming": "\(position != nil)"])
            }
            if configuration.journal != nil {
                journalCursor = positionsKept
                    ? configuration.stateDirectory.map { JournalCursorFile(path: AuthLogService.journalCursorFile(in: $0)) } : nil
                openJournal()
            }
            metrics.authLogsFollowed(configuration.paths.count + (configuration.journal == nil ? 0 : 1))
        }

        /// Opens the journal at the saved cursor (or its end); on failure, tries again 30 s later.
        func openJournal() {
            guard let source = configuration.journal, journal == nil, ContinuousClock.now >= journalRetry else { return }
            var cursor: String?
            do {
                cursor = try journalCursor?.load()
            } catch {
                logger.warning("ignoring an unreadable journal cursor file", metadata: ["error": "\(error)"])
            }
            do {
                journal = try JournalFollower(source: source, cursor: cursor)
                logger.info("following the journal", metadata: ["source": "\(source)", "resuming": "\(cursor != nil)"])
            } catch {
                metrics.authReadError()
                logger.error("cannot open the journal; trying again in 30 s", metadata: ["error": "\(error)"])
                journalRetry = ContinuousClock.now + .seconds(30)
            }
        }

        /// Reads the journal's new entries into the tracker.
        func pollJournal() {
            openJournal()
            guard let journal else { return }
            let entries: [JournalEntry]
            do {
                entries = try journal.readEntries()
            } catch {
                metrics.authReadError()
                logger.error("cannot read the journal; reopening it", metadata: ["error": "\(error)"])
                self.journal = nil
                return
            }
            let (unparsed, kinds) = record(entries.map(\.parsed))
            metrics.authLines(
                read: entries.count, unparsed: unparsed, cut: journal.messagesCut - journalMessagesCut, rotations: 0, truncations: 0,
                events: kinds)
            journalMessagesCut = journal.messagesCut
        }

        /// Records the events among `parsed` in the tracker; returns how many lines were
        /// unparsed and the events per kind, as `metrics.authLines` takes them.
        func record(_ parsed: [AuthLogLine]) -> (unparsed: Int, kinds: [(String, Int)]) {
            var unparsed = 0
            var kinds: [AuthLogEvent.Kind: Int] = [:]
            for line in parsed {
                switch line {
                case .event(let event):
                    kinds[event.kind, default: 0] += 1
                    tracker.record(event)
                case .unparsed:
                    unparsed += 1
                case .irrelevant, .otherProgram:
                    break
                }
            }
            return (unparsed, kinds.map { ($0.key.rawValue, $0.value) })
        }

        func poll() {
            if configuration.journal != nil { pollJournal() }
            for index in followers.indices {
                let follower = followers[index].follower
                let lines: [String]
                do {
                    lines = try follower.readLines()
                    if failing.remove(follower.path) != nil {
                        logger.info("the authentication log is readable again", metadata: ["path": "\(follower.path)"])
                    }
                } catch {
                    metrics.authReadError()
                    if failing.insert(follower.path).inserted {
                        logger.error("cannot read an authentication log", metadata: ["error": "\(error)"])
                    }
                    continue
                }
                let (unparsed, kinds) = record(lines.map { parser.parse($0) })
                let now = follower.statistics
                let before = followers[index].statistics
                metrics.authLines(
                    read: lines.count, unparsed: unparsed, cut: now.linesCut - before.linesCut,
                    rotations: now.rotations - before.rotations, truncations: now.truncations - before.truncations,
                    events: kinds)
                followers[index].statistics = now
            }
        }

        func closeWindow() {
            let end = Date()
            let seconds = max(0.001, end.timeIntervalSince(windowStart))
            windowStart = end
            let forgottenBefore = tracker.forgotten
            let activities = tracker.closeWindow(end: end, seconds: seconds)
            for activity in activities {
                var event = AuthenticationEvent(activity)
                guard let publisher else { continue }
                event.stream = publisher.configuration.stream
                event.sequence = sequence
                sequence += 1
                do {
                    publisher.enqueue(body: try JSONEncoder().encode(event))
                } catch {
                    logger.error("cannot encode an authentication event", metadata: ["error": "\(error)"])
                }
            }
            metrics.authWindow(
                events: publisher == nil ? 0 : activities.count, trackedSources: tracker.trackedSources,
                attemptsWithoutSource: tracker.attemptsWithoutSource - exportedWithoutSource,
                forgottenSources: tracker.forgotten.sources - forgottenBefore.sources,
                forgottenUsernames: tracker.forgotten.usernames - forgottenBefore.usernames)
            exportedWithoutSource = tracker.attemptsWithoutSource
            if let publisher { metrics.setQueueDepth(publisher.queueDepth) }
            if let journalCursor, let cursor = journal?.cursor {
                do {
                    try journalCursor.save(cursor)
                } catch {
                    logger.warning("cannot save the journal cursor", metadata: ["file": "\(journalCursor.path)", "error": "\(error)"])
                }
            }
            for (follower, file, _) in followers {
                guard let file, let position = follower.position else { continue }
                do {
                    try file.save(position)
                } catch {
                    logger.warning("cannot save an authentication log position", metadata: ["file": "\(file.path)", "error": "\(error)"])
                }
            }
        }
    }
}

extension AuthenticationEvent {
    /// The event the monitor posts for one source's (or every source's) activity in a window:
    /// counts, the names tried (as typed: the detector masks them), the horizons, and for the
    /// summary its distinct sources and most active ones.
    ///
    /// - Parameter activity: The tracker's activity.
    public init(_ activity: AuthActivity) {
        let longest = activity.horizons.last
        self.init(
            totalAttempts: activity.attempts, failedAttempts: activity.failures, successfulAttempts: activity.successes,
            uniqueSourceIPs: activity.source == nil ? longest?.distinctSources : 1,
            privilegeLevel: activity.privileged ? 1 : 0, sourceIP: activity.source?.description,
            windowSeconds: activity.windowSeconds, service: activity.service,
            usernames: activity.usernames.map {
                AuthenticationUsername(
                    name: String(String.UnicodeScalarView($0.name.unicodeScalars.prefix(AuthenticationUsername.maximumNameLength))),
                    attempts: $0.attempts, failed: $0.failures, succeeded: $0.successes, invalid: $0.invalid,
                    privileged: $0.privileged)
            },
            uniqueUsernames: activity.distinctUsernames,
            horizons: activity.horizons.map {
                AuthenticationHorizon(
                    seconds: $0.seconds, totalAttempts: $0.attempts, failedAttempts: $0.failures, successfulAttempts: $0.successes,
                    privilegedFailures: $0.privilegedFailures, uniqueUsernames: $0.distinctUsernames,
                    uniqueSourceIPs: $0.distinctSources, capped: $0.capped)
            },
            topSources: activity.source == nil ? activity.topSources.map(\.description) : nil,
            timestamp: activity.windowEnd.timeIntervalSince1970)
    }
}
