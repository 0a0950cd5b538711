import Foundation
import TestSupport
import Testing
import TrafficFeatures
import WindowFormat

/// The product as a user meets it: the detector, the monitor with XDP on a test veth posting
/// every window to it, and `scripts/attack-scenario.sh` (the scenario of `make demo`) sending
/// benign traffic and real attacks (nmap, hping3, DNS tunnel-like queries) from the namespace.
@Suite(
    "End to end: real attacks from a test namespace through monitor and detector", .serviceProcesses(2),
    .requires(TestNetwork.isPrivileged, "needs root (XDP, namespaces, raw sockets for nmap and hping3)"))
struct EndToEndTests {
    /// One phase boundary line of the scenario: `phase NAME start|end TIME [attacker IP tool T]`.
    struct Phase {
        var name: String
        var start: Double
        var end: Double
        var attacker: String?
        var isAttack: Bool { name != "benign" }
    }

    /// One line of `monitor --print-verdicts json`.
    struct Judged: Decodable {
        struct Verdict: Decodable {
            var threat_detected: Bool
            var threat_types: [String]
            var attacking_ips: [String]
            var explanations: [String]
            var findings: [Finding]
        }
        struct Finding: Decodable {
            var threat: String
            var sourceIP: String?
        }
        var verdict: Verdict
        var verdict_received_at: Double
    }

    static let scenario = Repository.root.appendingPathComponent("scripts/attack-scenario.sh").path

    static func phases(_ text: String) -> [Phase] {
        var phases: [Phase] = []
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ").map(String.init)
            guard fields.count >= 4, fields[0] == "phase", let time = Double(fields[3]) else { continue }
            if fields[2] == "start" {
                let attacker = fields.count >= 6 && fields[4] == "attacker" ? fields[5] : nil
                phases.append(Phase(name: fields[1], start: time, end: .nan, attacker: attacker))
            } else if fields[2] == "end", let last = phases.indices.last, phases[last].name == fields[1] {
                phases[last].end = time
            }
        }
        return phases
    }

    @Test func everyAttackIsReportedWithItsAttackerAndBenignTrafficIsNot() async throws {
        let network = try TestNetwork()
        defer { network.remove() }
        let models = NSTemporaryDirectory() + "nm-e2e-models-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: models) }
        let detector = try MonitorProcess(arguments: [], environment: ["MODEL_DIR": models, "METRICS_TOP_IPS": "1000"], executable: BuiltProducts.detector)
        defer { detector.terminate() }
        try await detector.waitUntil(path: "/health", timeout: .seconds(120))

        let sentBefore = try await network.peerTransmittedPackets()
        let monitor = try MonitorProcess(arguments: [
            "--interface", network.hostInterface, "--xdp-mode", "auto", "--require-xdp",
            "--ml-detector-url", detector.baseURL, "--print-verdicts", "json",
        ])
        defer { monitor.killHard() }
        try await monitor.waitUntil(path: "/ready")

        // The scenario: about 60 s; bounded here at 4 minutes.
        let output = NSTemporaryDirectory() + "nm-e2e-scenario-\(UUID().uuidString).log"
        defer { try? FileManager.default.removeItem(atPath: output) }
        let errors = output + ".err"
        defer { try? FileManager.default.removeItem(atPath: errors) }
        let pid = try Spawn.start(
            [Self.scenario, network.namespace, network.hostAddress, network.peerAddress], stdout: output, stderr: errors)
        let (status, timedOut) = try await Spawn.finish(pid, within: .seconds(240))
        if timedOut { Issue.record("the scenario did not finish within 4 minutes") }
        let stderr = (try? String(contentsOfFile: errors, encoding: .utf8)) ?? ""
        try #require(status == 0, "scenario exited with \(status): \(stderr)")

        // Every packet sent is in a closed window once the window open now has closed; the
        // monitor's shutdown then posts its last window.
        try await monitor.waitForOpenWindowToClose()
        let sent = try await network.peerTransmittedPackets() - sentBefore
        let monitorMetrics = try await monitor.metrics()
        await #expect(monitor.terminate() == 0)
        let detectorMetrics = PrometheusText.samples(try await detector.get("/metrics").text)

        // The monitor's output: every window with its verdict, in order, none skipped.
        var windows: [TrafficWindow] = []
        var judged: [Judged] = []
        for line in monitor.log.split(separator: "\n") where line.hasPrefix("{") {
            let data = Data(line.utf8)
            windows.append(try TrafficWindow(json: data))
            judged.append(try JSONDecoder().decode(Judged.self, from: data))
        }
        try #require(!windows.isEmpty, "no verdicts printed: \(monitor.log.suffix(2000))")
        #expect(windows.compactMap(\.sequence) == Array(0..<windows.count), "windows skipped or reordered")

        // Metrics agree with what was sent and judged.
        #expect(windows.reduce(0) { $0 + $1.counters.packets } == sent, "packets in windows vs sent by the namespace")
        let processed = monitorMetrics.filter { $0.key.hasPrefix("ebpf_packets_processed_total{") }.values.reduce(0, +)
        #expect(Int(processed) == sent, "ebpf_packets_processed_total (all protocols) vs sent by the namespace")
        for (proto, count) in [("tcp", \TrafficWindow.tcpPackets), ("udp", \.udpPackets), ("icmp", \.icmpPackets)] {
            #expect(
                monitorMetrics["ebpf_packets_processed_total{protocol=\"\(proto)\"}"].map(Int.init) == windows.reduce(0) { $0 + $1[keyPath: count] },
                "ebpf_packets_processed_total{protocol=\"\(proto)\"} vs the windows")
        }
        #expect(detectorMetrics[#"ml_detector_verdicts_total{detection_type="network"}"#].map(Int.init) == judged.count)
        // One detection per source each threat names (its rule's findings; the verdict's sources
        // for the models' risk), or one unnamed; the series limit is raised so none is dropped.
        var reported: [String: Int] = [:]
        for line in judged {
            for threat in line.verdict.threat_types {
                let named = Set(line.verdict.findings.filter { $0.threat == threat }.compactMap(\.sourceIP))
                let sources = threat.hasPrefix("ml_") ? Set(line.verdict.attacking_ips) : named
                reported[threat, default: 0] += max(1, sources.count)
            }
        }
        var counted: [String: Int] = [:]
        for (key, value) in detectorMetrics where key.hasPrefix("ml_detector_threats_total{") {
            guard let range = key.range(of: #"threat_type=""#) else { continue }
            let type = key[range.upperBound...].prefix { $0 != "\"" }
            counted[String(type), default: 0] += Int(value)
        }
        #expect(counted == reported, "ml_detector_threats_total vs the verdicts the monitor received")

        let phases = Self.phases(try String(contentsOfFile: output, encoding: .utf8))
        #expect(phases.map(\.name) == [
            "benign", "port_scan", "benign", "syn_flood", "benign", "udp_flood", "benign", "host_sweep", "benign",
            "dns_tunnel", "benign",
        ])
        let starts = windows.map { $0.windowStart?.timeIntervalSince1970 ?? 0 }
        let ends = windows.map { ($0.windowStart?.timeIntervalSince1970 ?? 0) + $0.windowSeconds }

        // Each attack: reported with its type and the namespace's address within two windows of its start.
        var latencies: [String] = []
        for phase in phases where phase.isAttack {
            let index = judged.indices.first { i in
                ends[i] > phase.start && judged[i].verdict.threat_types.contains(phase.name)
                    && judged[i].verdict.attacking_ips.contains(network.peerAddress)
            }
            guard let index else {
                let seen = judged.indices.filter { ends[$0] > phase.start && starts[$0] < phase.end + 2 }
                    .map { "\(judged[$0].verdict.threat_types) \(judged[$0].verdict.attacking_ips)" }
                Issue.record("\(phase.name) from \(network.peerAddress) was not reported; windows around it: \(seen)")
                continue
            }
            let windowsAfterStart = Int(((starts[index] - phase.start) / windows[index].windowSeconds).rounded(.up))
            #expect(windowsAfterStart <= 2, "\(phase.name) first reported \(windowsAfterStart) windows after its start")
            let latency = judged[index].verdict_received_at - phase.start
            latencies.append("\(phase.name) \(String(format: "%.3f", latency)) s")
        }

        // Benign phases: no window inside them reports anything.
        var benignSeconds = 0.0
        for phase in phases where !phase.isAttack {
            benignSeconds += phase.end - phase.start
            for i in judged.indices where starts[i] >= phase.start && ends[i] <= phase.end {
                #expect(!judged[i].verdict.threat_detected, "benign window \(windows[i].sequence ?? -1): \(judged[i].verdict.explanations)")
            }
        }
        #expect(benignSeconds >= 30)
        var benignModelAlerts = 0
        for phase in phases where !phase.isAttack {
            benignModelAlerts += judged.indices.count { i in
                starts[i] >= phase.start && ends[i] <= phase.end && judged[i].verdict.threat_types.contains { $0.hasPrefix("ml_") }
            }
        }
        print(
            "end-to-end: \(judged.count) windows judged, \(sent) packets sent and counted; benign \(Int(benignSeconds)) s, "
                + "ML-only alerts in it \(benignModelAlerts) (\(String(format: "%.1f", Double(benignModelAlerts) / (benignSeconds / 3600))) per host-hour); "
                + "packet → verdict latency (first attack packet to the verdict at the monitor; target ≤ 1 window + 100 ms = 1.1 s): "
                + latencies.joined(separator: ", "))
    }
}
