import Foundation
import Testing
import TestSupport

/// A real Prometheus (Debian's, on loopback) scraping a monitor on the simulation source and the
/// detector; the detector's /detect/prom must agree with the monitor's own windows, and both
/// /metrics must pass `promtool check metrics`.
@Suite("detector with a real Prometheus", .serialized, .serviceProcesses(3))
struct PrometheusIntegrationTests {
    static var available: Bool { Command.exists("prometheus") && Command.exists("promtool") }

    @Test(
        "/detect/prom builds non-zero features consistent with the monitor's windows",
        .requires(available, "prometheus/promtool are not installed (make setup installs them)"))
    func detectFromPrometheus() async throws {
        let directory = NSTemporaryDirectory() + "prom-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }

        let monitor = try MonitorProcess(arguments: ["--simulate"], environment: ["ML_DETECTOR_URL": "none"])
        defer { monitor.terminate() }
        try await monitor.waitUntil(path: "/ready")

        let prometheusPort = try FreePort.next()
        let detector = try MonitorProcess(
            arguments: [],
            environment: ["PROMETHEUS_URL": "http://127.0.0.1:\(prometheusPort)", "PROMETHEUS_RANGE": "5s"],
            executable: BuiltProducts.detector)
        defer { detector.terminate() }
        try await detector.waitUntil(path: "/health", timeout: .seconds(120))

        let config = """
            global:
              scrape_interval: 1s
              evaluation_interval: 1s
            scrape_configs:
              - job_name: monitor
                static_configs: [{targets: ["127.0.0.1:\(monitor.port)"]}]
              - job_name: detector
                static_configs: [{targets: ["127.0.0.1:\(detector.port)"]}]
            """
        try config.write(toFile: directory + "/prometheus.yml", atomically: true, encoding: .utf8)
        let log = directory + "/prometheus.log"
        let prometheus = try Spawn.start(
            [
                "prometheus", "--config.file=\(directory)/prometheus.yml", "--storage.tsdb.path=\(directory)/data",
                "--web.listen-address=127.0.0.1:\(prometheusPort)", "--log.level=warn",
            ], stdout: log, stderr: log)
        defer {
            kill(prometheus, SIGTERM)
            _ = Spawn.wait(prometheus)
        }

        // Wait until Prometheus holds scrapes of the monitor spanning more than the range (rates
        // over a partly filled range under-estimate): asked of Prometheus, not assumed from time.
        let query = "min_over_time(timestamp(up{job=\"monitor\"})[1m:]) < time() - 7"
        let spanned = try await Poll.until(every: .milliseconds(500)) {
            let encoded = query.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
            guard let response = try? await HTTP.get("http://127.0.0.1:\(prometheusPort)/api/v1/query?query=\(encoded)"),
                response.status == 200,
                let object = try? JSONSerialization.jsonObject(with: response.body) as? [String: Any],
                let result = (object["data"] as? [String: Any])?["result"] as? [Any]
            else { return false }
            return !result.isEmpty
        }
        try #require(spanned, "Prometheus never held 7 s of the monitor's scrapes: \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
        var answer: [String: Any] = [:]
        for _ in 0..<120 {
            try await Task.sleep(for: .milliseconds(500))
            guard let response = try? await detector.get("/detect/prom"), response.status == 200 else { continue }
            answer = try response.json()
            if let features = answer["features"] as? [String: Double], (features["packets_per_second"] ?? 0) > 0,
                (features["unique_ips"] ?? 0) > 0
            {
                break
            }
        }
        let features = try #require(answer["features"] as? [String: Double], "no answer: \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
        // Every seed feature is non-zero on the simulated traffic.
        for name in ["packets_per_second", "bytes_per_second", "unique_ips", "unique_ports", "tcp_packets", "udp_packets", "syn_packets"] {
            #expect((features[name] ?? 0) > 0, "\(name) = \(features[name] ?? -1)")
        }
        #expect((answer["verdict"] as? [String: Any])?["detection_type"] as? String == "network")

        // Consistent with the monitor's own windows over the same span. Prometheus's rates lag and
        // wobble when scrapes are delayed (the machine runs other suites, some of them floods), so
        // compare answers taken side by side until one pair agrees, at most 20 times; a rate that
        // is systematically wrong never does.
        let compared = ["packets_per_second", "bytes_per_second", "unique_ips"]
        var disagreements = ["no answer from /detect/prom"]
        for _ in 0..<20 {
            guard let response = try? await detector.get("/detect/prom"), response.status == 200,
                let prom = (try? response.json())?["features"] as? [String: Double]
            else {
                try await Task.sleep(for: .seconds(1))
                continue
            }
            let history = try await monitor.get("/stats/history?limit=6")
            let windows = try JSONSerialization.jsonObject(with: history.body) as? [[String: Any]] ?? []
            func mean(_ key: String) -> Double {
                windows.map { ($0[key] as? Double) ?? Double($0[key] as? Int ?? 0) }.reduce(0, +) / Double(max(1, windows.count))
            }
            disagreements = compared.compactMap { key in
                let fromPrometheus = prom[key] ?? 0, fromMonitor = mean(key)
                return fromPrometheus > 0.6 * fromMonitor && fromPrometheus < 1.6 * fromMonitor
                    ? nil : "\(key): prometheus \(fromPrometheus), monitor \(fromMonitor)"
            }
            if windows.count < 5 { disagreements.append("only \(windows.count) windows in the monitor's history") }
            if disagreements.isEmpty { break }
            try await Task.sleep(for: .seconds(1))
        }
        #expect(disagreements.isEmpty, "\(disagreements)")

        // Both expositions parse in Prometheus's own checker.
        for service in [monitor, detector] {
            let text = try await service.get("/metrics").text
            let file = directory + "/metrics-\(service.port).txt"
            try text.write(toFile: file, atomically: true, encoding: .utf8)
            let check = try await Command.run(["sh", "-c", "promtool check metrics < \(file)"], check: false)
            #expect(check.status == 0, "promtool on port \(service.port): \(check.stdout)\(check.stderr)")
        }
    }
}
