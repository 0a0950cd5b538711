import AuthEvents
import Foundation
import Testing
import TrafficFeatures

/// Per-window, per-source login activity and its horizons, on a test clock (window ends given).
@Suite("login activity per source and window, over horizons")
struct AuthActivityTrackerTests {
    static let attacker = NetworkAddress("198.18.0.2")!
    static let other = NetworkAddress("198.18.0.3")!
    static let start = Date(timeIntervalSince1970: 1_800_000_000)

    static func failure(_ name: String, from source: NetworkAddress? = attacker, invalid: Bool = false) -> AuthLogEvent {
        AuthLogEvent(kind: .failure, method: "password", username: name, invalidUser: invalid, source: source, port: 40000)
    }

    static func success(_ name: String, from source: NetworkAddress = attacker) -> AuthLogEvent {
        AuthLogEvent(kind: .success, method: "password", username: name, source: source, port: 40001)
    }

    /// The activity of `source` among a window's activities.
    static func of(_ source: NetworkAddress?, _ activities: [AuthActivity]) -> AuthActivity? {
        activities.first { $0.source == source }
    }

    @Test("a window's attempts per source and name: counts, invalid and privileged names, most attempts first")
    func oneWindow() throws {
        var tracker = AuthActivityTracker(configuration: .init(privilegedAccounts: ["root"]))
        for _ in 0..<3 { tracker.record(Self.failure("root")) }
        tracker.record(AuthLogEvent(kind: .invalidUser, username: "oracle", invalidUser: true, source: Self.attacker))
        tracker.record(Self.failure("oracle", invalid: true))
        tracker.record(Self.success("deploy01"))
        tracker.record(AuthLogEvent(kind: .closedBeforeAuthentication, username: "x", source: Self.attacker))
        tracker.record(AuthLogEvent(kind: .pamReport, service: "sshd", username: "root", source: Self.attacker))

        let activities = tracker.closeWindow(end: Self.start, seconds: 1)
        let activity = try #require(Self.of(Self.attacker, activities))
        #expect(activity.attempts == 5 && activity.failures == 4 && activity.successes == 1)
        #expect(activity.distinctUsernames == 3)
        #expect(activity.service == "sshd" && activity.windowSeconds == 1 && activity.windowEnd == Self.start)
        #expect(
            activity.usernames == [
                AuthUsernameCount(name: "root", attempts: 3, failures: 3, successes: 0, invalid: false, privileged: true),
                AuthUsernameCount(name: "deploy01", attempts: 1, failures: 0, successes: 1, invalid: false, privileged: false),
                AuthUsernameCount(name: "oracle", attempts: 1, failures: 1, successes: 0, invalid: true, privileged: false),
            ])
        #expect(activity.privileged)
        #expect(activity.horizons.map(\.seconds) == [60, 600, 3600])
        #expect(activity.horizons.allSatisfy {
            $0.attempts == 5 && $0.failures == 4 && $0.successes == 1 && $0.privilegedFailures == 3 && $0.distinctUsernames == 3
                && $0.distinctSources == 1
        })
        // The summary over every source comes first when a login failed.
        #expect(activities.first?.source == nil && activities.count == 2)
        #expect(tracker.closeWindow(end: Self.start + 1, seconds: 1).isEmpty, "a window without attempts has no activity")
    }

    @Test("horizons add windows up and let them go once they are older than the horizon")
    func horizonsSlide() throws {
        var tracker = AuthActivityTracker()
        var now = Self.start
        // One failure every 10 s for 10 minutes: 60 failures on one name.
        var last: AuthActivity?
        for _ in 0..<60 {
            tracker.record(Self.failure("deploy01"))
            last = Self.of(Self.attacker, tracker.closeWindow(end: now, seconds: 1))
            now += 10
        }
        let activity = try #require(last)
        #expect(activity.attempts == 1)
        // Within 60 s: the windows ending at t-50 … t (6); within 10 min: 60, the first one ended 590 s ago.
        #expect(activity.horizons.map(\.failures) == [6, 60, 60])
        #expect(activity.horizons.map(\.distinctUsernames) == [1, 1, 1])
        // An hour later the source is forgotten, and starts from nothing.
        tracker.record(Self.failure("deploy01"))
        let later = try #require(Self.of(Self.attacker, tracker.closeWindow(end: now + 3600, seconds: 1)))
        #expect(later.horizons.map(\.failures) == [1, 1, 1])
        #expect(tracker.trackedSources == 1)
    }

    @Test("many sources, a name or two each: the summary counts the sources and the names, and lists the busiest")
    func summaryOverEverySource() throws {
        var tracker = AuthActivityTracker(configuration: .init(reportedSources: 3))
        var sources: [NetworkAddress] = []
        for host in 1...12 {
            let source = NetworkAddress("198.18.1.\(host)")!
            sources.append(source)
            for attempt in 0..<(host == 7 ? 3 : 1) { tracker.record(Self.failure("user\(host)-\(attempt)", from: source)) }
        }
        let activities = tracker.closeWindow(end: Self.start, seconds: 1)
        #expect(activities.count == 13)
        let summary = try #require(Self.of(nil, activities))
        #expect(summary.attempts == 14 && summary.failures == 14)
        #expect(summary.horizons.allSatisfy { $0.distinctSources == 12 && $0.distinctUsernames == 14 })
        #expect(summary.topSources == [NetworkAddress("198.18.1.7")!, NetworkAddress("198.18.1.1")!, NetworkAddress("198.18.1.2")!])
        #expect(summary.usernames.count == 14)
        // Successes alone make no summary.
        tracker.record(Self.success("deploy01"))
        #expect(Self.of(nil, tracker.closeWindow(end: Self.start + 1, seconds: 1)) == nil)
    }

    @Test("attempts without a client address are counted, not attributed")
    func attemptsWithoutSource() {
        var tracker = AuthActivityTracker()
        tracker.record(AuthLogEvent(kind: .failure, service: "su", username: "root", source: nil))
        tracker.record(Self.failure("root", from: nil))
        #expect(tracker.closeWindow(end: Self.start, seconds: 1).isEmpty)
        #expect(tracker.attemptsWithoutSource == 2)
    }

    @Test("bounded: sources and names beyond the capacity are forgotten and counted")
    func bounded() throws {
        var tracker = AuthActivityTracker(configuration: .init(sourceCapacity: 8, usernamesPerSource: 16, reportedUsernames: 4))
        for host in 1...20 { tracker.record(Self.failure("a", from: NetworkAddress("198.18.2.\(host)")!)) }
        for index in 0..<40 { tracker.record(Self.failure("name-\(index)")) }
        let activities = tracker.closeWindow(end: Self.start, seconds: 1)
        #expect(tracker.trackedSources <= 8)
        #expect(tracker.forgotten.sources >= 13)
        #expect(tracker.forgotten.usernames >= 24)
        let attacker = try #require(Self.of(Self.attacker, activities))
        #expect(attacker.usernames.count == 4, "names listed are bounded")
        #expect(attacker.distinctUsernames == 40, "the window's own count is exact")
        #expect(attacker.horizons.allSatisfy { $0.capped && $0.distinctUsernames <= 16 })
    }
}
