import Foundation
import Testing
import TestSupport

/// The monitor's posts reach the detector's /detect, authenticated, and every posted window
/// gets a verdict.
@Suite("monitor posts to the detector", .serviceProcesses(2))
struct MonitorToDetectorTests {
    func metric(_ text: String, _ name: String) -> Double {
        text.split(separator: "\n").first { $0.hasPrefix(name + " ") }.flatMap { Double($0.split(separator: " ")[1]) } ?? -1
    }

    @Test("every window the monitor posts is judged by the detector")
    func postsAreJudged() async throws {
        let detector = try MonitorProcess(arguments: [], environment: ["DETECTOR_API_TOKEN": "k3y"], executable: BuiltProducts.detector)
        defer { detector.terminate() }
        try await detector.waitUntil(path: "/health", timeout: .seconds(120))
        let monitor = try MonitorProcess(
            arguments: ["--simulate"],
            environment: ["ML_DETECTOR_URL": detector.baseURL, "DETECTOR_API_TOKEN": "k3y", "STATS_WINDOW": "250ms"])
        defer { monitor.terminate() }
        try await monitor.waitUntil(path: "/ready")

        var posted = 0.0, judged = 0, metrics = ""
        for _ in 0..<240 {
            try await Task.sleep(for: .milliseconds(250))
            metrics = try await monitor.get("/metrics").text
            posted = metric(metrics, "ebpf_ml_posts_total")
            let stats = try await detector.get("/stats").json()
            judged = (stats["network"] as? [String: Any])?["verdicts"] as? Int ?? 0
            if posted >= 8 { break }
        }
        #expect(posted >= 8, "monitor posted \(posted) windows\n\(monitor.log)")
        #expect(Double(judged) >= posted, "detector judged \(judged), monitor counted \(posted) accepted posts")
        #expect(metric(metrics, "ebpf_ml_post_failures_total") == 0)
        #expect(metric(metrics, "ebpf_ml_post_rejected_windows_total") == 0)
        #expect(metric(metrics, "ebpf_ml_post_dropped_windows_total") == 0)
    }
}
