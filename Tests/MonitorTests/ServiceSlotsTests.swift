import Foundation
import Synchronization
import TestSupport
import Testing

/// The test support's bound on service processes (Tests/TestSupport/ServiceSlots.swift): tests
/// that start services never run more of them at once than the capacity, a request is taken
/// whole, and one larger than the capacity still runs (alone).
@Suite("test support: service slots bound the services running at once")
struct ServiceSlotsTests {
    final class Counts: Sendable {
        let running = Mutex(0), peak = Mutex(0), finished = Mutex(0)
    }

    @Test func neverMoreThanTheCapacityAndEveryRequestRuns() async {
        let slots = ServiceSlots(capacity: 3)
        let counts = Counts()
        let requests = [2, 2, 1, 3, 1, 5, 2, 1]
        await withTaskGroup(of: Void.self) { group in
            for request in requests {
                group.addTask {
                    await slots.withSlots(request) {
                        let held = ServiceSlots.held
                        let now = counts.running.withLock { $0 += held; return $0 }
                        counts.peak.withLock { $0 = max($0, now) }
                        try? await Task.sleep(for: .milliseconds(20))
                        counts.running.withLock { $0 -= held }
                        counts.finished.withLock { $0 += 1 }
                    }
                }
            }
        }
        #expect(counts.finished.withLock { $0 } == requests.count)
        #expect(counts.peak.withLock { $0 } == 3)
        #expect(await slots.taken == 0)
    }
}

/// What `waitUntil` reports about a process that did not answer in time (`ProcessReport`).
@Suite("test support: a process report gives its state and the CPU it got")
struct ProcessReportTests {
    @Test func describesASleepingProcessAndOneThatIsGone() async throws {
        let pid = try Spawn.start(["sleep", "60"], stdout: "/dev/null", stderr: "/dev/null")
        defer {
            kill(pid, SIGKILL)
            _ = Spawn.wait(pid)
        }
        #expect(try await Poll.until { ProcessReport.describe(pid: pid, startedAgo: .seconds(2)).hasPrefix("state S") })
        let sleeping = ProcessReport.describe(pid: pid, startedAgo: .seconds(2))
        #expect(sleeping.hasPrefix("state S (sleeping), 0.0"), "\(sleeping)")
        #expect(sleeping.hasSuffix(" s of CPU in the 2.0 s since it started"), "\(sleeping)")
        let gone = ProcessReport.describe(pid: Int32.max, startedAgo: .milliseconds(1500))
        #expect(gone == "no /proc/\(Int32.max)/stat (exited?) in the 1.5 s since it started")
    }
}
