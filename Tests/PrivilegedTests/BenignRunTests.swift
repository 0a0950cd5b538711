import Foundation
import TestSupport
import Testing
import TrafficFeatures
import WindowFormat

/// Ten minutes of a small host's ordinary traffic (scripts/benign-traffic.sh: web pages and
/// downloads, DNS lookups through a resolver, an interactive session, pings, idle stretches,
/// start-up bursts) through the monitor (XDP) and a fresh detector: not one alert. Prints the
/// models' agreements and alerts per host-hour. `BENIGN_RUN_SECONDS` shortens the run for local
/// experiments; `make test` and CI run the full 600 s.
@Suite(
    "A benign run raises no alert", .serviceProcesses(2),
    .requires(TestNetwork.isPrivileged, "needs root (XDP, namespaces)"),
    .requires(Command.exists("dnsmasq"), "dnsmasq is not installed (make setup)"))
struct BenignRunTests {
    struct Judged: Decodable {
        struct Verdict: Decodable {
            struct Scores: Decodable { var ml_based: Bool }
            var threat_detected: Bool
            var threat_types: [String]
            var explanations: [String]
            var scores: Scores
        }
        var verdict: Verdict
        var sequence: Int?
    }

    static let script = Repository.root.appendingPathComponent("scripts/benign-traffic.sh").path
    static var seconds: Int {
        ProcessInfo.processInfo.environment["BENIGN_RUN_SECONDS"].flatMap(Int.init).map { max(30, $0) } ?? 600
    }

    @Test func tenMinutesOfOrdinaryTrafficRaiseNoAlert() async throws {
        let network = try TestNetwork()
        defer { network.remove() }
        let models = NSTemporaryDirectory() + "nm-benign-models-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: models) }
        let detector = try MonitorProcess(arguments: [], environment: ["MODEL_DIR": models], executable: BuiltProducts.detector)
        defer { detector.terminate() }
        try await detector.waitUntil(path: "/health", timeout: .seconds(120))
        let monitor = try MonitorProcess(arguments: [
            "--interface", network.hostInterface, "--xdp-mode", "auto", "--require-xdp",
            "--ml-detector-url", detector.baseURL, "--print-verdicts", "json",
        ])
        defer { monitor.killHard() }
        try await monitor.waitUntil(path: "/ready")

        let output = NSTemporaryDirectory() + "nm-benign-\(UUID().uuidString).log"
        defer {
            try? FileManager.default.removeItem(atPath: output)
            try? FileManager.default.removeItem(atPath: output + ".err")
        }
        let seconds = Self.seconds
        let pid = try Spawn.start(
            [Self.script, network.namespace, network.hostAddress, "\(seconds)"], stdout: output, stderr: output + ".err")
        let (status, timedOut) = try await Spawn.finish(pid, within: .seconds(seconds + 120), every: .seconds(1))
        if timedOut { Issue.record("the benign traffic did not finish in time") }
        try #require(status == 0, "benign-traffic.sh exited \(status): \((try? String(contentsOfFile: output + ".err", encoding: .utf8)) ?? "")")
        try await monitor.waitForOpenWindowToClose()
        await #expect(monitor.terminate() == 0)

        let activities = (try String(contentsOfFile: output, encoding: .utf8)).split(separator: "\n")
        var judged: [Judged] = []
        var windows: [TrafficWindow] = []
        for line in monitor.log.split(separator: "\n") where line.hasPrefix("{") {
            judged.append(try JSONDecoder().decode(Judged.self, from: Data(line.utf8)))
            windows.append(try TrafficWindow(json: Data(line.utf8)))
        }
        try #require(judged.count >= seconds - 5, "only \(judged.count) windows judged")
        let packets = windows.reduce(0) { $0 + $1.counters.packets }
        #expect(packets > 2 * seconds, "too little traffic: \(packets) packets")
        for kind in ["page", "download", "lookups", "burst", "idle"] {
            #expect(activities.contains { $0.hasPrefix("activity \(kind) ") }, "no \(kind) activity in the run")
        }
        let alerts = judged.filter(\.verdict.threat_detected)
        for alert in alerts.prefix(10) {
            Issue.record("benign window \(alert.sequence ?? -1): \(alert.verdict.threat_types) \(alert.verdict.explanations)")
        }
        #expect(alerts.isEmpty)
        let hours = Double(judged.count) * (windows.first?.windowSeconds ?? 1) / 3600
        let agreements = judged.count { $0.verdict.scores.ml_based }
        let modelAlerts = judged.count { $0.verdict.threat_types.contains { $0.hasPrefix("ml_") } }
        print(
            "benign run: \(judged.count) windows (\(String(format: "%.2f", hours)) host-hours), \(packets) packets; "
                + "models agreed in \(agreements) windows (\(String(format: "%.1f", Double(agreements) / hours)) per host-hour); "
                + "ML-only alerts \(modelAlerts) (\(String(format: "%.1f", Double(modelAlerts) / hours)) per host-hour); "
                + "alerts of any kind \(alerts.count)")
    }
}
