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
