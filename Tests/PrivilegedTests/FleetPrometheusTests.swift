import Foundation
import NIOHTTP1
import TestSupport
import Testing

/// The deployment's monitoring, end to end: three nodes (namespaces on one bridge), each running
/// `monitor` (XDP on its interface) and `detector`, scraped by a real Prometheus (Debian's) loaded
/// with deploy/prometheus/ebpf-security.rules.yml. A client browses the nodes for a minute: no
/// alert fires. Then an attacker scans 8 ports on each node (the fleet alert, and no node's
/// port_scan), sweeps the segment, scans one node fully, SYN-floods another, floods and
/// reflects with spoofed sources, tunnels DNS, uploads 40 MB, and an application reports a
/// brute-force burst and a sensor's login events (a login after failures, a stuffing summary): every detection alert fires, naming the attacker where it can. Finally every query of the Grafana dashboard and of the original
/// design answers with data, every rule evaluates without error, every alert's metrics exist,
/// and no sensor-health alert fired.
@Suite(
    "Fleet: Prometheus with the deploy rules and dashboard over three real sensors", .serialized, .serviceProcesses(8),
    .requires(TestNetwork.isPrivileged, "needs root (XDP, namespaces)"),
    .requires(Command.exists("prometheus"), "prometheus is not installed (make setup installs it)"),
    .requires(Command.exists("nmap") && Command.exists("hping3"), "nmap/hping3 are not installed (make setup)"),
    .requires(Command.exists("python3") && Command.exists("curl"), "python3/curl are not installed (make setup)"))
struct FleetPrometheusTests {
    static let rules = Repository.root.appendingPathComponent("deploy/prometheus/ebpf-security.rules.yml").path
    static let dashboard = Repository.root.appendingPathComponent("deploy/grafana/ebpf-security-monitoring.json")
    static let designQueries = Repository.root.appendingPathComponent("deploy/prometheus/design-queries.promql")

    struct APIFailure: Error, CustomStringConvertible {
        var description: String
    }

    /// A Prometheus server started by the test, queried over its HTTP API.
    final class Prometheus: Sendable {
        let pid: pid_t
        let port: Int
        let directory: String

        init(targets: [(job: String, instance: String, address: String)]) throws {
            directory = NSTemporaryDirectory() + "nm-fleet-prom-\(UUID().uuidString)"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            port = try FreePort.next()
            var jobs: [String: [String]] = [:]
            for t in targets {
                jobs[t.job, default: []].append("      - targets: [\"\(t.address)\"]\n        labels: {instance: \(t.instance)}")
            }
            let config = """
                global:
                  scrape_interval: 1s
                  evaluation_interval: 1s
                rule_files: ["\(FleetPrometheusTests.rules)"]
                scrape_configs:
                \(jobs.sorted { $0.key < $1.key }.map { "  - job_name: \($0.key)\n    static_configs:\n" + $0.value.joined(separator: "\n") }.joined(separator: "\n"))
                """
            try config.write(toFile: directory + "/prometheus.yml", atomically: true, encoding: .utf8)
            let log = directory + "/prometheus.log"
            pid = try Spawn.start(
                [
                    "prometheus", "--config.file=\(directory)/prometheus.yml", "--storage.tsdb.path=\(directory)/data",
                    "--web.listen-address=127.0.0.1:\(port)", "--log.level=warn",
                ], stdout: log, stderr: log)
        }

        func stop() {
            if Spawn.poll(pid) == nil {
                kill(pid, SIGTERM)
                _ = Spawn.wait(pid)
            }
            try? FileManager.default.removeItem(atPath: directory)
        }

        var log: String { (try? String(contentsOfFile: directory + "/prometheus.log", encoding: .utf8)) ?? "" }

        func api(_ path: String, _ parameters: [(String, String)] = []) async throws -> [String: Any] {
            var components = URLComponents(string: "http://127.0.0.1:\(port)\(path)")!
            components.queryItems = parameters.map { URLQueryItem(name: $0.0, value: $0.1) }
            // `+` is a literal in query items but a space to Prometheus: encode it.
            let url = components.url!.absoluteString.replacingOccurrences(of: "+", with: "%2B")
            let response = try await HTTP.get(url)
            let body = try response.json()
            guard response.status == 200, body["status"] as? String == "success" else {
                throw APIFailure(description: "GET \(path) \(parameters.map(\.1)): \(response.status) \(response.text)")
            }
            return body["data"] as? [String: Any] ?? [:]
        }

        /// The result of an instant query: one label set (and value) per series.
        func query(_ expression: String) async throws -> [(labels: [String: String], value: Double)] {
            let data = try await api("/api/v1/query", [("query", expression)])
            return (data["result"] as? [[String: Any]] ?? []).map { item in
                let value = (item["value"] as? [Any])?.last.flatMap { $0 as? String }.flatMap(Double.init) ?? .nan
                return (item["metric"] as? [String: String] ?? [:], value)
            }
        }

        /// Waits until every target was scraped at least `margin` seconds after `instant` and every
        /// rule group evaluated after those scrapes: what the services counted up to `instant` (and
        /// the windows closing in the margin) is then in the series and in the alerts.
        func settle(after instant: Date, margin: Double = 2, timeout: Duration = .seconds(60)) async throws -> Bool {
            let mark = instant.timeIntervalSince1970 + margin
            return try await Poll.until(timeout: timeout, every: .milliseconds(250)) {
                guard let scraped = try? await query("min(timestamp(up))").first?.value, scraped >= mark else { return false }
                let groups = (try? await api("/api/v1/rules"))?["groups"] as? [[String: Any]] ?? []
                return !groups.isEmpty && groups.allSatisfy { group in
                    (group["lastEvaluation"] as? String).flatMap(Self.seconds).map { $0 >= scraped } ?? false
                }
            }
        }

        /// Seconds since 1970 of an RFC 3339 time with any number of fractional digits
        /// (Prometheus writes nanoseconds).
        static func seconds(_ text: String) -> Double? {
            let parts = text.dropLast().split(separator: ".", maxSplits: 1)
            guard text.hasSuffix("Z"), let whole = try? Date(String(parts[0]) + "Z", strategy: Date.ISO8601FormatStyle()) else { return nil }
            return whole.timeIntervalSince1970 + (parts.count == 2 ? Double("0." + parts[1]) ?? 0 : 0)
        }

        /// Alerts that fired (state `firing`) within the last `seconds`, as name and labels.
        func fired(within seconds: Int, _ matchers: String = "") async throws -> [[String: String]] {
            let extra = matchers.isEmpty ? "" : "," + matchers
            return try await query("max_over_time(ALERTS{alertstate=\"firing\"\(extra)}[\(seconds)s])").map(\.labels)
        }
    }

    @Test func alertsFireForAttacksOnlyAndEveryPanelAndDesignQueryHasData() async throws {
        let fabric = try TestFabric(hosts: [11, 12, 13, 40, 66])
        defer { fabric.remove() }
        let nodes = Array(fabric.members[0..<3])
        let (client, attacker) = (fabric.members[3], fabric.members[4])
        let token = "fleet-\(UUID().uuidString)"

        // Three sensors: the detector first (its models may take a while), then the monitor.
        var detectors: [MonitorProcess] = []
        var monitors: [MonitorProcess] = []
        var servers: [pid_t] = []
        let scratch = NSTemporaryDirectory() + "nm-fleet-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: scratch + "/www", withIntermediateDirectories: true)
        try Data(repeating: 0x61, count: 200_000).write(to: URL(fileURLWithPath: scratch + "/www/blob"))
        var prometheus: Prometheus?
        defer {
            prometheus?.stop()
            for pid in servers where Spawn.poll(pid) == nil {
                kill(pid, SIGTERM)
                _ = Spawn.wait(pid)
            }
            for process in monitors + detectors { process.terminate() }
            try? FileManager.default.removeItem(atPath: scratch)
        }
        for (index, node) in nodes.enumerated() {
            detectors.append(try MonitorProcess(
                arguments: [],
                environment: ["MODEL_DIR": scratch + "/models\(index)", "DETECTOR_API_TOKEN": token],
                executable: BuiltProducts.detector, prefix: fabric.prefix(node), listen: "0.0.0.0", address: node.address))
        }
        for detector in detectors { try await detector.waitUntil(path: "/ready", timeout: .seconds(300)) }
        for (node, detector) in zip(nodes, detectors) {
            monitors.append(try MonitorProcess(
                arguments: [
                    "--interface", node.interface, "--xdp-mode", "auto", "--require-xdp",
                    "--ml-detector-url", "http://127.0.0.1:\(detector.port)",
                ],
                environment: ["DETECTOR_API_TOKEN": token], prefix: fabric.prefix(node), listen: "0.0.0.0", address: node.address))
            servers.append(try Spawn.start(
                fabric.prefix(node) + ["python3", "-m", "http.server", "8080", "--bind", node.address, "--directory", scratch + "/www"],
                stdout: "/dev/null", stderr: "/dev/null"))
        }
        for monitor in monitors { try await monitor.waitUntil(path: "/ready", timeout: .seconds(60)) }

        var targets: [(job: String, instance: String, address: String)] = []
        for (index, (node, (monitor, detector))) in zip(nodes, zip(monitors, detectors)).enumerated() {
            targets.append(("ebpf-monitor", "node\(index + 1)", "\(node.address):\(monitor.port)"))
            targets.append(("ml-detector", "node\(index + 1)", "\(node.address):\(detector.port)"))
        }
        let server = try Prometheus(targets: targets)
        prometheus = server
        let scraping = try await Poll.until(timeout: .seconds(60), every: .milliseconds(500)) {
            (try? await server.query("up == 1").count) == 6
        }
        try #require(scraping, "Prometheus does not scrape all six targets: \(server.log.suffix(2000))")
        // Prometheus loaded the deploy rules file.
        let groups = try await server.api("/api/v1/rules")["groups"] as? [[String: Any]] ?? []
        let loaded = groups.flatMap { $0["rules"] as? [[String: Any]] ?? [] }
        let alertRules = loaded.filter { $0["type"] as? String == "alerting" }
        try #require(alertRules.count >= 20, "rules not loaded: \(server.log.suffix(2000))")
        let started = ContinuousClock.now

        // Benign: a client downloads from every node and pings it, once a second for 60 s.
        let addresses = nodes.map(\.address).joined(separator: " ")
        let browse = """
            for i in $(seq 60); do for n in \(addresses); do curl -s -m 2 -o /dev/null http://$n:8080/blob; \
            ping -c 1 -W 1 $n >/dev/null; done; sleep 1; done
            """
        let benign = try await fabric.exec(client, ["timeout", "150", "bash", "-c", browse], check: false)
        #expect(benign.status == 0, "benign traffic: \(benign.stderr)")
        // The last windows are posted, scraped and evaluated.
        try #require(try await server.settle(after: Date()), "Prometheus did not scrape and evaluate after the benign run: \(server.log.suffix(2000))")
        let benignSeconds = Int((ContinuousClock.now - started).components.seconds) + 5
        let benignAlerts = try await server.fired(within: benignSeconds)
        #expect(benignAlerts.isEmpty, "alerts in the benign run: \(benignAlerts)")
        let attackStart = ContinuousClock.now

        func nmap(_ arguments: [String]) async throws {
            let result = try await fabric.exec(attacker, ["nmap", "-n", "--max-retries", "0", "--host-timeout", "120s"] + arguments, check: false)
            try #require(result.status == 0, "nmap \(arguments.joined(separator: " ")): \(result.stderr)")
        }
        func firing(_ alert: String, _ labels: [String: String], timeout: Duration = .seconds(90)) async throws -> Bool {
            let matchers = ([("alertname", alert)] + labels.sorted { $0.key < $1.key }).map { "\($0.0)=\"\($0.1)\"" }.joined(separator: ",")
            return try await Poll.until(timeout: timeout, every: .seconds(1)) {
                !((try? await server.query("ALERTS{alertstate=\"firing\",\(matchers)}")) ?? []).isEmpty
            }
        }

        // 1. Eight ports on each node: 24 across the fleet, under every node's threshold of 15.
        for (index, node) in nodes.enumerated() {
            try await nmap(["-Pn", "-sS", "-p", "\(index + 1)001-\(index + 1)008", node.address])
        }
        let distributed = try await firing("DistributedScanAcrossNodes", ["source_ip": attacker.address])
        #expect(distributed, "DistributedScanAcrossNodes did not fire for \(attacker.address)")
        let perNode = try await server.query("source_ip:ebpf_source_probed_ports:max{source_ip=\"\(attacker.address)\"}")
        #expect(perNode.first?.value == 8, "most ports on one node: \(perNode)")
        let sinceAttack = Int((ContinuousClock.now - attackStart).components.seconds) + 2
        let earlyScans = try await server.fired(within: sinceAttack, "alertname=\"PortScanDetected\"")
        #expect(earlyScans.isEmpty, "a node reported the spread scan itself: \(earlyScans)")

        // 2. An ARP sweep of the segment: every node sees it.
        try await nmap(["-sn", "-PR", "--min-rate", "300", "\(fabric.subnetPrefix).0/24"])
        #expect(try await firing("HostSweepDetected", ["source_ip": attacker.address]), "HostSweepDetected did not fire")

        // 3. A full scan of node1 at 80 probes/s (several windows).
        try await nmap(["-Pn", "-sS", "-p", "1-400", "--max-rate", "80", nodes[0].address])
        #expect(
            try await firing("PortScanDetected", ["source_ip": attacker.address, "instance": "node1"]),
            "PortScanDetected did not fire for \(attacker.address) on node1")
        let alerts = try await server.api("/api/v1/alerts")["alerts"] as? [[String: Any]] ?? []
        let scanSummary = alerts.first { ($0["labels"] as? [String: String])?["alertname"] == "PortScanDetected" }
            .flatMap { ($0["annotations"] as? [String: String])?["summary"] }
        #expect(scanSummary == "Port scan detected from \(attacker.address)")

        // 4. A SYN flood of node2 from the attacker: 6,000 SYNs at about 2,500/s.
        let flood = try await fabric.exec(attacker, ["hping3", "-n", "-q", "-S", "-p", "80", "-c", "6000", "-i", "u400", nodes[1].address], check: false)
        #expect(flood.stderr.isEmpty || flood.status <= 1, "hping3: \(flood.stderr)")
        #expect(
            try await firing("SynFloodDetected", ["source_ip": attacker.address, "instance": "node2"]),
            "SynFloodDetected did not fire for \(attacker.address) on node2")

        // 5. Spoofed floods and backscatter on node3 and node2 (the nodes have no route beyond the
        //    segment, so their answers to the spoofed sources go nowhere): a SYN flood with
        //    payload from random sources (ddos), UDP from random sources (udp_flood), SYN-ACKs
        //    from random sources (reflection). No attacker can be named for these.
        func hping(_ arguments: [String]) async throws {
            let result = try await fabric.exec(attacker, ["hping3", "-n", "-q"] + arguments, check: false)
            #expect(result.status <= 1, "hping3 \(arguments.joined(separator: " ")): \(result.stderr)")
        }
        try await hping(["-S", "--rand-source", "-d", "1200", "-p", "80", "-c", "8000", "-i", "u300", nodes[2].address])
        #expect(try await firing("DDoSDetected", ["instance": "node3"]), "DDoSDetected did not fire on node3")
        try await hping(["--udp", "--rand-source", "-p", "9999", "-c", "6000", "-i", "u300", nodes[2].address])
        #expect(try await firing("UDPFloodDetected", ["instance": "node3"]), "UDPFloodDetected did not fire on node3")
        try await hping(["-SA", "--rand-source", "-p", "80", "-c", "4000", "-i", "u300", nodes[1].address])
        #expect(try await firing("ReflectionAttackDetected", ["instance": "node2"]), "ReflectionAttackDetected did not fire on node2")

        // 6. A DNS tunnel's queries (long random labels, TXT) to node1, 20 a second for 3 s.
        let dns = Repository.root.appendingPathComponent("scripts/dns-queries.py").path
        let tunnel = try await fabric.exec(
            attacker, ["python3", dns, nodes[0].address, "--tunnel", "--count", "60", "--rate", "20"], check: false)
        #expect(tunnel.status == 0, "dns-queries.py: \(tunnel.stderr)")
        #expect(
            try await firing("DNSTunnelDetected", ["source_ip": attacker.address, "instance": "node1"]),
            "DNSTunnelDetected did not fire for \(attacker.address) on node1")

        // 7. 40 MB sent to a sink on node3 in one go.
        let sink = try Spawn.start(
            fabric.prefix(nodes[2]) + [
                "python3", "-c",
                "import socket\ns=socket.socket()\ns.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)\n"
                    + "s.bind(('\(nodes[2].address)',9000))\ns.listen(1)\nc,_=s.accept()\nwhile c.recv(1<<16): pass\n",
            ], stdout: "/dev/null", stderr: "/dev/null")
        servers.append(sink)
        let upload = "import socket,time\nfor _ in range(50):\n    try:\n        s=socket.create_connection(('\(nodes[2].address)',9000),timeout=5); break\n"
            + "    except OSError: time.sleep(0.1)\ns.sendall(bytes(40_000_000))\ns.close()\n"
        let sent = try await fabric.exec(attacker, ["timeout", "60", "python3", "-c", upload], check: false)
        #expect(sent.status == 0, "upload: \(sent.stderr)")
        #expect(
            try await firing("DataExfiltrationDetected", ["source_ip": attacker.address, "instance": "node3"]),
            "DataExfiltrationDetected did not fire for \(attacker.address) on node3")

        // 8. An application reports a password-guessing burst to node1's detector.
        let event = #"{"total_attempts": 240, "failed_attempts": 200, "source_ip": "\#(attacker.address)"}"#
        let posted = try await HTTP.send(
            detectors[0].baseURL + "/detect", method: .POST, body: Data(event.utf8),
            headers: [("Content-Type", "application/json"), ("Authorization", "Bearer \(token)")])
        #expect(posted.status == 200, "POST /detect: \(posted.status) \(posted.text)")
        #expect(
            try await firing("AuthenticationAttackDetected", ["source_ip": attacker.address, "instance": "node1", "threat_type": "brute_force"]),
            "AuthenticationAttackDetected did not fire for \(attacker.address)")
        // 9. A sensor's login events (as the monitor posts them from a host's sshd log): a login
        // accepted from the guessing source after 40 failures, and the summary over every source
        // of a stuffing run (14 sources, 20 names, about 2 attempts each).
        let loginAfterFailures = #"{"total_attempts": 1, "failed_attempts": 0, "successful_attempts": 1, "source_ip": "\#(attacker.address)", "#
            + #""window_seconds": 1, "service": "sshd", "usernames": [{"name": "deploy01", "attempts": 1, "succeeded": 1}], "#
            + #""horizons": [{"seconds": 60, "total_attempts": 41, "failed_attempts": 40, "successful_attempts": 1, "unique_usernames": 1}]}"#
        let stuffing = #"{"total_attempts": 3, "failed_attempts": 3, "unique_source_ips": 14, "window_seconds": 1, "service": "sshd", "#
            + #""horizons": [{"seconds": 600, "total_attempts": 30, "failed_attempts": 30, "unique_usernames": 20, "unique_source_ips": 14}]}"#
        for body in [loginAfterFailures, stuffing] {
            let answer = try await HTTP.send(
                detectors[0].baseURL + "/detect", method: .POST, body: Data(body.utf8),
                headers: [("Content-Type", "application/json"), ("Authorization", "Bearer \(token)")])
            #expect(answer.status == 200, "POST /detect: \(answer.status) \(answer.text)")
        }
        #expect(
            try await firing("LoginAfterFailuresDetected", ["source_ip": attacker.address, "instance": "node1"]),
            "LoginAfterFailuresDetected did not fire for \(attacker.address)")
        #expect(try await firing("CredentialStuffingDetected", ["instance": "node1"]), "CredentialStuffingDetected did not fire")
        // Every series has two samples for rate(): scrapes at least 2 s after the last event.
        try #require(try await server.settle(after: Date()), "Prometheus did not scrape and evaluate after the attacks: \(server.log.suffix(2000))")

        // Every dashboard query (Grafana's variables at their "All" values) and design query has data.
        let board = try JSONSerialization.jsonObject(with: Data(contentsOf: Self.dashboard)) as! [String: Any]
        var expressions: [(String, String)] = []
        for panel in board["panels"] as? [[String: Any]] ?? [] {
            for target in panel["targets"] as? [[String: Any]] ?? [] {
                let expr = (target["expr"] as! String).replacingOccurrences(of: "$instance", with: ".*")
                    .replacingOccurrences(of: "$__rate_interval", with: "1m")
                expressions.append(("panel \"\(panel["title"] as! String)\" \(target["refId"] as! String)", expr))
            }
        }
        for line in try String(contentsOf: Self.designQueries, encoding: .utf8).split(separator: "\n")
        where !line.hasPrefix("#") && !line.trimmingCharacters(in: .whitespaces).isEmpty {
            expressions.append(("design query", String(line)))
        }
        #expect(expressions.count >= 60)
        for (source, expression) in expressions {
            let result = try await server.query(expression)
            #expect(!result.isEmpty, "\(source): no data for \(expression)")
        }
        let nodeNames = try await HTTP.get("http://127.0.0.1:\(server.port)/api/v1/label/instance/values?match%5B%5D=ebpf_packets_per_second")
        #expect(try (nodeNames.json()["data"] as? [String])?.sorted() == ["node1", "node2", "node3"], "the dashboard's node variable")

        // Every alert: the metrics it reads exist; the attacks' alerts fired; no health alert did.
        let window = Int((ContinuousClock.now - started).components.seconds) + 5
        let everFired = Set(try await server.fired(within: window).compactMap { $0["alertname"] })
        // Every detection alert fired (their expressions returned data), except the models' own,
        // which fires only when the models agree.
        for rule in alertRules where (rule["labels"] as? [String: String])?["category"] == "security" {
            let name = rule["name"] as? String ?? "?"
            if name != "ModelAnomalyDetected" { #expect(everFired.contains(name), "\(name) never fired") }
        }
        // Every rule, alerting and recording, evaluates without error on the real series.
        let evaluated = (try await server.api("/api/v1/rules")["groups"] as? [[String: Any]] ?? [])
            .flatMap { $0["rules"] as? [[String: Any]] ?? [] }
        #expect(evaluated.count == loaded.count)
        for rule in evaluated {
            #expect(rule["health"] as? String == "ok", "\(rule["name"] ?? "?"): \(rule["lastError"] ?? "never evaluated")")
        }
        for rule in alertRules {
            let name = rule["name"] as? String ?? "?"
            let expr = rule["query"] as? String ?? ""
            let labels = rule["labels"] as? [String: String] ?? [:]
            let names = try Regex(#"\b(ebpf_[a-z_]+|ml_detector_[a-z_]+|source_ip:[a-z_:]+)"#)
            let metrics = Set(expr.matches(of: names).compactMap { $0.output[1].substring.map(String.init) })
            for metric in metrics {
                let present = try await server.query("count({__name__=\"\(metric)\"})")
                #expect(!present.isEmpty, "\(name): \(metric) has no series")
            }
            if labels["category"] == "health" { #expect(!everFired.contains(name), "health alert \(name) fired") }
        }
        print("fleet: benign run \(benignSeconds) s with \(benignAlerts.count) alerts; fired during the attacks: \(everFired.sorted())")
    }
}
