import Foundation
import Testing
import TestSupport

/// The monitor (simulation, 200 ms windows) posting to a real detector that is stopped
/// (SIGSTOP) or killed for 20 s: the monitor keeps capturing and queueing (600 windows hold
/// the 100 of the outage), delivery resumes by itself, and every window is judged exactly once —
/// also the posts that timed out while the detector was stopped and that it read when it
/// resumed (the monitor retried them; the detector answers the copies from its ledger).
///
/// Real processes, so real time: 20 s span five doublings of the publisher's back-off (0.5 s to
/// 8 s) and four post timeouts (5 s). The back-off over longer outages, up to its 30 s cap, is
/// tested on a test clock (`WindowPublisherTests`), in milliseconds.
@Suite("monitor and detector through a 20 s detector outage", .serialized, .serviceProcesses(2))
struct DetectorOutageTests {
    static let outage = Duration.seconds(20)

    /// The sequence of every judged window the monitor printed (`--print-verdicts json`).
    static func printedSequences(_ log: String) -> [Int] {
        log.split(separator: "\n").compactMap { line -> Int? in
            guard line.hasPrefix("{"),
                let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], object["verdict"] != nil
            else { return nil }
            return object["sequence"] as? Int
        }
    }

    static func metric(_ process: MonitorProcess, _ name: String) async throws -> Double {
        PrometheusText.samples(try await process.get("/metrics").text)[name] ?? 0
    }

    /// Starts a monitor posting to the detector at `detectorURL`, waits for its first posts, runs
    /// `outage`, waits until the backlog is delivered, stops the monitor and returns its judged
    /// sequences.
    static func run(detectorURL: String, outage: () async throws -> Void) async throws -> (sequences: [Int], failures: Double) {
        let monitor = try MonitorProcess(arguments: [
            "--simulate", "--stats-window", "200ms", "--ml-detector-url", detectorURL, "--print-verdicts", "json",
        ])
        defer { monitor.terminate() }
        try await monitor.waitUntil(path: "/ready")
        #expect(try await Poll.until(timeout: .seconds(120)) { try await metric(monitor, "ebpf_ml_posts_total") >= 5 })
        try await outage()
        // Delivery resumes by itself: the queue empties while new windows keep coming.
        let windowsAfterOutage = try await metric(monitor, "ebpf_windows_total")
        let caughtUp = try await Poll.until(timeout: .seconds(180), every: .milliseconds(250)) {
            let samples = PrometheusText.samples(try await monitor.get("/metrics").text)
            return (samples["ebpf_ml_post_queue_depth"] ?? 1) <= 1 && (samples["ebpf_ml_posts_total"] ?? 0) > 0
                && Double(printedSequences(monitor.log).count) > windowsAfterOutage
        }
        #expect(caughtUp, "the backlog was not delivered after the outage")
        let samples = PrometheusText.samples(try await monitor.get("/metrics").text)
        #expect(samples["ebpf_ml_post_dropped_windows_total"] == 0, "windows dropped within the queue bound")
        #expect(samples["ebpf_ml_post_rejected_windows_total"] == 0)
        await #expect(monitor.terminate() == 0)
        return (printedSequences(monitor.log), samples["ebpf_ml_post_failures_total"] ?? 0)
    }

    @Test("SIGSTOP for 20 s: no window lost, none judged twice, delivery resumes")
    func stopped() async throws {
        let detector = try MonitorProcess(arguments: [], executable: BuiltProducts.detector)
        defer {
            detector.send(signal: SIGCONT)
            detector.terminate()
        }
        try await detector.waitUntil(path: "/health", timeout: .seconds(120))
        let (sequences, failures) = try await Self.run(detectorURL: detector.baseURL) {
            detector.send(signal: SIGSTOP)
            try await Task.sleep(for: Self.outage)
            detector.send(signal: SIGCONT)
        }
        #expect(failures >= 1, "no post failed during the outage")
        #expect(sequences == Array(0..<sequences.count), "judged windows missing, repeated or reordered")
        #expect(sequences.count > 50)  // the outage spanned many windows (100 at 200 ms, fewer on a slow machine)
        // Every window the monitor posted was judged once: copies of the posts that timed out
        // while the detector was stopped were answered from its ledger, not judged again.
        let stats = try await detector.get("/stats").json()
        let verdicts = (stats["network"] as? [String: Any])?["verdicts"] as? Int
        let duplicates = PrometheusText.samples(try await detector.get("/metrics").text)["ml_detector_duplicate_windows_total"] ?? 0
        print("SIGSTOP outage: \(sequences.count) windows, \(Int(failures)) failed posts, \(Int(duplicates)) repeated windows answered from the ledger")
        #expect(verdicts == sequences.count, "the detector judged \(verdicts ?? -1) windows for \(sequences.count) posted")
    }

    @Test("killed for 20 s and restarted: no window lost or judged twice, delivery resumes")
    func killed() async throws {
        let first = try MonitorProcess(arguments: [], executable: BuiltProducts.detector)
        defer { first.killHard() }
        try await first.waitUntil(path: "/health", timeout: .seconds(120))
        var second: MonitorProcess?
        defer { second?.terminate() }
        let (sequences, failures) = try await Self.run(detectorURL: first.baseURL) {
            first.killHard()
            try await Task.sleep(for: Self.outage)
            second = try MonitorProcess(arguments: [], executable: BuiltProducts.detector, port: first.port)
        }
        #expect(failures >= 1, "no post failed during the outage")
        #expect(sequences == Array(0..<sequences.count), "judged windows missing, repeated or reordered")
        #expect(sequences.count > 50)  // the outage spanned many windows (100 at 200 ms, fewer on a slow machine)
    }
}
