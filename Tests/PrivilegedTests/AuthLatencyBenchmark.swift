import Foundation
import TestSupport
import Testing

/// Not a test: the measurement behind `make bench-auth` (Benchmarks/auth/bench-auth.sh), enabled
/// only when BENCH_AUTH_RUNS is set. hydra guesses 200 passwords at its default 4 tasks against a
/// real sshd while the monitor follows its log; per run, the time from the first `Failed password`
/// line appearing in sshd's log to the monitor receiving the detector's `brute_force` verdict. It
/// prints one line; it asserts nothing about time.
@Suite(
    "benchmark: hydra guessing to a brute_force verdict", .serialized,
    .enabled(if: ProcessInfo.processInfo.environment["BENCH_AUTH_RUNS"] != nil, "a benchmark: make bench-auth"),
    .requires(TestNetwork.isPrivileged, "needs root"),
    .requires(SSHServer.isAvailable, "Debian's sshd is not unpacked in .build-tools (make setup)"),
    .requires(Command.exists("hydra"), "hydra is not installed (make setup)"))
struct AuthLatencyBenchmark {
    @Test("first failure in sshd's log → brute_force verdict at the monitor", .serviceProcesses(2))
    func firstFailureToVerdict() async throws {
        let runs = max(1, Int(ProcessInfo.processInfo.environment["BENCH_AUTH_RUNS"] ?? "") ?? 5)
        var latencies: [Double] = []
        for _ in 0..<runs {
            let rig = try await SSHAttackDetectionTests.Rig.start()
            defer { rig.stop() }
            let list = NSTemporaryDirectory() + "bench-words-\(UUID().uuidString)"
            try ((1...200).map { "bench-\($0)" }.joined(separator: "\n") + "\n").write(toFile: list, atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(atPath: list) }

            // Watch sshd's log for its first failure while hydra runs (default: 4 tasks).
            let logPath = rig.server.logPath
            let watcher = Task { () -> Date? in
                while !Task.isCancelled {
                    if let text = try? String(contentsOfFile: logPath, encoding: .utf8), text.contains("Failed password") { return Date() }
                    try? await Task.sleep(for: .milliseconds(5))
                }
                return nil
            }
            try await rig.hydra(["-l", "deploy01", "-P", list])
            let firstFailure = try #require(await watcher.value)
            watcher.cancel()
            try await rig.waitForLogins(failures: 200, successes: 0)
            let received = rig.monitor.log.split(separator: "\n").filter { $0.hasPrefix(#"{"authentication""#) }.compactMap { line -> Double? in
                guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                    let verdict = object["verdict"] as? [String: Any], (verdict["threat_types"] as? [String])?.contains("brute_force") == true
                else { return nil }
                return object["verdict_received_at"] as? Double
            }.min()
            let verdictTime = try #require(received, "no brute_force verdict")
            latencies.append((verdictTime - firstFailure.timeIntervalSince1970) * 1000)
        }
        latencies.sort()
        func percentile(_ p: Double) -> Double { latencies[min(latencies.count - 1, Int((p * Double(latencies.count)).rounded(.up)) - 1)] }
        let window = 1000.0
        print(
            String(
                format: "kind=ssh_guessing tool=hydra tasks=4 guesses=200 runs=%d p50_ms=%.0f p95_ms=%.0f max_ms=%.0f window_ms=%.0f p95_vs_window=%.2f",
                latencies.count, percentile(0.5), percentile(0.95), latencies.last ?? 0, window, percentile(0.95) / window))
    }
}
