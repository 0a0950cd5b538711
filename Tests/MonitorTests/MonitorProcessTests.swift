import EBPFCapture
import Foundation
import TestSupport
import Testing
import TrafficFeatures
import WindowFormat

func decodeLines(_ output: String) throws -> [TrafficWindow] {
    try output.split(separator: "\n").map { try TrafficWindow(json: Data($0.utf8)) }
}

@Suite("monitor --pcap FILE --offline", .serviceProcesses(1))
struct OfflineReplayTests {
    @Test func printsOneJSONLinePerWindow() async throws {
        let path = NSTemporaryDirectory() + "offline-\(UUID().uuidString).pcap"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let writer = try PcapWriter(path: path)
        let client = NetworkAddress(ipv4: 198, 18, 0, 2)
        let server = NetworkAddress(ipv4: 198, 18, 0, 1)
        for index in 0..<30 {
            let syn = PacketSummary(
                wireLength: 60, ipVersion: .v4, ipProtocol: IPProtocolNumber.tcp, source: client, destination: server,
                sourcePort: 40000, destinationPort: UInt16(100 + index), tcpFlags: .syn)
            writer.write(FrameBuilder.frame(for: syn), seconds: 1_795_514_400 + index / 10, nanoseconds: index % 10 * 100_000_000)
        }
        writer.close()

        let result = try await Command.run([BuiltProducts.monitor, "--pcap", path, "--offline", "--stats-window", "1s"])
        let windows = try decodeLines(result.stdout)
        #expect(windows.map(\.counters.packets) == [10, 10, 10])
        #expect(windows.map(\.synPackets) == [10, 10, 10])
        #expect(windows.map(\.uniquePorts) == [10, 10, 10])
        #expect(windows.map { $0.topSources.first?.ip } == ["198.18.0.2", "198.18.0.2", "198.18.0.2"])
    }

    @Test("the rules of --offline read THRESHOLDS_FILE and RULE_* like the detector")
    func offlineRulesReadTheThresholds() async throws {
        let directory = NSTemporaryDirectory() + "offline-thresholds-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // One source opening 300 ports within one second: a port scan at the default thresholds.
        let writer = try PcapWriter(path: directory + "/scan.pcap")
        for index in 0..<300 {
            let syn = PacketSummary(
                wireLength: 60, ipVersion: .v4, ipProtocol: IPProtocolNumber.tcp, source: NetworkAddress(ipv4: 198, 18, 0, 2),
                destination: NetworkAddress(ipv4: 198, 18, 0, 1), sourcePort: 40000, destinationPort: UInt16(1 + index),
                tcpFlags: .syn)
            writer.write(FrameBuilder.frame(for: syn), seconds: 1_795_514_400, nanoseconds: index * 3_000_000)
        }
        writer.write(FrameBuilder.frame(for: PacketSummary(wireLength: 60, ipVersion: .v4, ipProtocol: IPProtocolNumber.udp,
            source: NetworkAddress(ipv4: 198, 18, 0, 3), destination: NetworkAddress(ipv4: 198, 18, 0, 1), sourcePort: 5000,
            destinationPort: 5001)), seconds: 1_795_514_401, nanoseconds: 500_000_000)
        writer.close()
        try Data(#"{"port_scan_unique_ports": 100000, "port_scan_source_unique_ports": 100000, "port_scan_horizon_ports": 100000}"#.utf8)
            .write(to: URL(fileURLWithPath: directory + "/thresholds.json"))

        func threats(_ environment: [String: String], _ arguments: [String] = []) async throws -> [String] {
            let output = try await Command.run(
                [BuiltProducts.monitor, "--pcap", directory + "/scan.pcap", "--offline"] + arguments, environment: environment).stdout
            return try output.split(separator: "\n").flatMap { line in
                let verdict = try #require((try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["verdict"] as? [String: Any])
                return verdict["threat_types"] as? [String] ?? []
            }
        }
        var environment = ProcessInfo.processInfo.environment
        environment["THRESHOLDS_FILE"] = nil
        #expect(try await threats(environment).contains("port_scan"))
        environment["THRESHOLDS_FILE"] = directory + "/thresholds.json"
        #expect(try await !threats(environment).contains("port_scan"))
        environment["THRESHOLDS_FILE"] = nil
        #expect(try await !threats(environment, ["--thresholds", directory + "/thresholds.json"]).contains("port_scan"))
        environment["THRESHOLDS_FILE"] = directory + "/thresholds.json"
        // RULE_* wins over the file, as in the detector.
        environment["RULE_PORT_SCAN_SOURCE_UNIQUE_PORTS"] = "20"
        #expect(try await threats(environment).contains("port_scan"))
    }

    @Test("a record with an unusable timestamp is counted in its window's losses and in /metrics")
    func invalidTimestampsAreCounted() async throws {
        let path = NSTemporaryDirectory() + "timestamps-\(UUID().uuidString).pcap"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let t0: UInt32 = 1_795_514_400
        try Data(
            ClassicPcap.bytes([
                .init(seconds: t0, frame: Frames.udp4()), .init(seconds: t0, fraction: 3_000_000_000, frame: Frames.udp4()),
                .init(seconds: t0, fraction: 5_000_000, frame: Frames.udp4()),
            ])
        ).write(to: URL(fileURLWithPath: path))
        let windows = try await decodeLines(try Command.run([BuiltProducts.monitor, "--pcap", path, "--offline", "--windows-only"]).stdout)
        #expect(windows.map(\.counters.packets) == [3])
        #expect(windows.map(\.losses.captureInvalidTimestamps) == [1])

        let monitor = try MonitorProcess(arguments: ["--pcap", path, "--stats-window", "100ms", "--ml-detector-url", "none"])
        defer { monitor.terminate() }
        try await monitor.waitUntil(path: "/stats", timeout: .seconds(120))
        // The window reaches /stats just before the metrics: wait for it there too.
        var metrics: [String: Double] = [:]
        for _ in 0..<300 {
            metrics = PrometheusText.samples(try await monitor.get("/metrics").text)
            if (metrics["ebpf_windows_total"] ?? 0) >= 1 { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(metrics["ebpf_capture_invalid_timestamps_total"] == 1)
        #expect(metrics[#"ebpf_packets_processed_total{protocol="udp"}"#] == 3)
    }

    @Test func aMissingFileIsAnErrorNamingIt() async throws {
        let result = try await Command.run([BuiltProducts.monitor, "--pcap", "/nonexistent/capture.pcap", "--offline"], check: false)
        #expect(result.status != 0)
        #expect(result.stderr.contains("/nonexistent/capture.pcap"))
        #expect(result.stdout.isEmpty)
    }

    /// Totals of every shared capture equal tshark's count of the same file.
    @Test(
        .enabled(if: !SharedData.captures.isEmpty, "../shared/data/pcap is absent"),
        .requires(Command.exists("tshark"), "tshark is not installed (make setup)"),
        arguments: SharedData.captures)
    func totalsEqualTshark(capture: String) async throws {
        let path = SharedData.pcapDirectory!.appendingPathComponent(capture).path
        let windows = try await decodeLines(try Command.run([BuiltProducts.monitor, "--pcap", path, "--offline"]).stdout)
        let frames = try await Command.run(["tshark", "-r", path, "-T", "fields", "-e", "frame.number"]).stdout
            .split(separator: "\n").count
        let syns = try await Command.run([
            "tshark", "-r", path, "-Y", "tcp.flags.syn == 1 && tcp.flags.ack == 0 && !icmp && !icmpv6", "-T", "fields",
            "-e", "frame.number",
        ]).stdout.split(separator: "\n").count
        #expect(windows.reduce(0) { $0 + $1.counters.packets } == frames)
        #expect(windows.reduce(0) { $0 + $1.synPackets } == syns)
        #expect(windows.map(\.sequence) == windows.indices.map { $0 })
    }

    @Test(.enabled(if: SharedData.captures.contains("esnet_masscan_tcp_0_1000_20190821.pcap"), "masscan capture absent"))
    func masscanNamesTheScanner() async throws {
        let path = SharedData.pcapDirectory!.appendingPathComponent("esnet_masscan_tcp_0_1000_20190821.pcap").path
        let windows = try await decodeLines(try Command.run([BuiltProducts.monitor, "--pcap", path, "--offline"]).stdout)
        #expect(windows.reduce(0) { $0 + $1.synPackets } == 1001)
        #expect(windows.allSatisfy { $0.counters.packets == 0 || $0.topSources.first?.ip == "172.31.15.102" })
    }
}

@Suite("monitor HTTP API on the simulation source", .serviceProcesses(1))
struct SimulationAPITests {
    @Test func servesHealthReadyStatsAndMetrics() async throws {
        let monitor = try MonitorProcess(arguments: [
            "--simulate", "--stats-window", "200ms", "--ml-detector-url", "none", "--print-windows",
        ])
        defer { monitor.terminate() }
        try await monitor.waitUntil(path: "/ready")

        let health = try await monitor.get("/health")
        #expect(health.status == 200)
        #expect(try health.json()["status"] as? String == "healthy")

        let ready = try await monitor.get("/ready")
        #expect(try ready.json()["source"] as? String == "simulation")
        #expect(ready.contentType == "application/json")

        // Four windows of 200 ms closed and counted in /metrics (a window reaches /stats just
        // before /metrics), however long the machine takes to close them.
        let fourWindows = try await Poll.until {
            let closed = PrometheusText.samples(try await monitor.get("/metrics").text)["ebpf_windows_total"] ?? 0
            return closed >= 4
        }
        #expect(fourWindows, "the monitor closed fewer than four windows: \(monitor.log)")
        let stats = try await monitor.get("/stats")
        #expect(stats.status == 200)
        let latest = try TrafficWindow(json: stats.body)
        #expect(latest.source == .simulation)
        #expect(latest.windowSeconds == 0.2)

        let history = try await monitor.get("/stats/history?limit=3")
        let windows = try JSONDecoder().decode([WindowEnvelope].self, from: history.body)
        #expect(windows.count == 3)
        let sequences = windows.compactMap(\.sequence)
        #expect(sequences == Array(sequences[0]..<(sequences[0] + 3)))

        #expect(try await monitor.get("/stats/history?limit=many").status == 400)
        #expect(try await monitor.get("/no/such/path").status == 404)
        #expect(try await monitor.get("/events").status == 200)

        let metrics = try await monitor.get("/metrics")
        #expect(metrics.contentType?.hasPrefix("text/plain") == true)
        let samples = PrometheusText.samples(metrics.text)
        #expect((samples["ebpf_windows_total"] ?? 0) >= 4)
        #expect((samples[#"ebpf_packets_processed_total{protocol="tcp"}"#] ?? 0) > 0)
        #expect(samples[#"ebpf_capture_up{source="simulation"}"#] == 1)

        await #expect(monitor.terminate() == 0)
        // --print-windows: one summary line per window on standard output.
        #expect(monitor.log.split(separator: "\n").filter { $0.contains(" pkt/s  ") }.count >= 4)
    }

    @Test func statsIs503UntilTheFirstWindowCloses() async throws {
        // A capture file replayed in real time with one-day windows (the longest allowed):
        // ready once the replay runs, and no window can close during the test however slow
        // the machine is.
        let path = NSTemporaryDirectory() + "ready-\(UUID().uuidString).pcap"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let writer = try PcapWriter(path: path)
        writer.write(FrameBuilder.ethernet(etherType: 0x0806, payload: [UInt8](repeating: 0, count: 46)), seconds: 1_795_514_400)
        writer.write(FrameBuilder.ethernet(etherType: 0x0806, payload: [UInt8](repeating: 0, count: 46)), seconds: 1_795_514_405)
        writer.close()
        let monitor = try MonitorProcess(arguments: ["--pcap", path, "--stats-window", "24h", "--ml-detector-url", "none"])
        defer { monitor.terminate() }
        try await monitor.waitUntil(path: "/health")
        try await monitor.waitUntil(path: "/ready")
        #expect(try await monitor.get("/ready").json()["source"] as? String == "pcap")
        let stats = try await monitor.get("/stats")
        #expect(stats.status == 503)
        #expect(try stats.json()["error"] as? String == "no window has closed yet")
    }
}

@Suite("monitor without privileges", .serviceProcesses(1))
struct UnprivilegedFallbackTests {
    static let canDropPrivileges = getuid() == 0 && Command.exists("setpriv")
    static let asNobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all"]

    /// A copy of the monitor that `nobody` can execute wherever the checkout lives.
    final class NobodyCopy: Sendable {
        let directory = NSTemporaryDirectory() + "nm-nobody-\(UUID().uuidString)"
        var executable: String { directory + "/monitor" }

        init() throws {
            // Copied by install(1) in its own process: a file this process had open for
            // writing could be inherited by a child a parallel test spawns meanwhile, and
            // executing the copy would then fail with ETXTBSY.
            try Command.runBlocking(["install", "-d", "-m", "0755", directory])
            try Command.runBlocking(["install", "-m", "0755", BuiltProducts.monitor, executable])
        }

        deinit { try? FileManager.default.removeItem(atPath: directory) }
    }

    @Test(.requires(canDropPrivileges, "needs root and setpriv to run the monitor as nobody"))
    func fallsBackToSimulationAndServesTheSameAPI() async throws {
        let copy = try NobodyCopy()
        let monitor = try MonitorProcess(
            arguments: ["--interface", "lo", "--stats-window", "200ms", "--ml-detector-url", "none"],
            executable: copy.executable, prefix: Self.asNobody)
        defer {
            monitor.terminate()
            withExtendedLifetime(copy) {}
        }
        try await monitor.waitUntil(path: "/ready")
        #expect(try await monitor.get("/ready").json()["source"] as? String == "simulation")
        #expect(try await Poll.until { try await monitor.get("/stats").status == 200 })
        #expect(monitor.log.contains("no privileges for XDP"))
    }

    @Test(.requires(canDropPrivileges, "needs root and setpriv to run the monitor as nobody"))
    func requireXDPRefusesToStart() async throws {
        let copy = try NobodyCopy()
        // The copy must outlive the command (Swift may release it right after its last use).
        let result = try await Command.run(
            Self.asNobody + [copy.executable, "--interface", "lo", "--require-xdp", "--ml-detector-url", "none"], check: false)
        withExtendedLifetime(copy) {}
        #expect(result.status != 0)
        #expect(
            result.stderr.contains("Operation not permitted") || result.stderr.contains("errno 1"),
            "status \(result.status): \(result.stderr) \(result.stdout)")
    }
}

@Suite("monitor posting windows to the detector", .serviceProcesses(1))
struct DetectorPostingTests {
    @Test func everyWindowArrivesInOrderThroughAnOutage() async throws {
        // Three refusals: the monitor retries after 0.5 s, 1 s and 2 s and keeps every window meanwhile.
        // The receiver runs in this test process, which other tests keep busy: a generous post timeout,
        // so that no post it answers late is cut off and sent again.
        let receiver = try await WindowReceiver.start(statuses: [503, 503, 503])
        let monitor = try MonitorProcess(arguments: [
            "--simulate", "--stats-window", "100ms", "--ml-detector-url", receiver.url, "--post-timeout", "60s",
        ])
        try await monitor.waitUntil(path: "/ready")
        #expect(try await Poll.until { receiver.acceptedWindows.count >= 40 })
        await #expect(monitor.terminate() == 0)
        await receiver.stop()

        let sequences = receiver.acceptedWindows.compactMap(\.sequence)
        #expect(sequences == Array(0..<sequences.count), "windows skipped or reordered: \(sequences)")
        #expect(receiver.requests.prefix(3).map(\.status) == [503, 503, 503])
        // After the outage the backlog went as one batch (a JSON array).
        #expect(WindowReceiver.windows(in: receiver.requests[3].body).count > 1)
    }

    @Test func countsFailuresAndDropsWhileTheDetectorIsDown() async throws {
        let closed = try ClosedPort()
        let monitor = try MonitorProcess(arguments: [
            "--simulate", "--stats-window", "100ms", "--ml-detector-url", closed.url,
            "--post-queue", "3",
        ])
        defer {
            monitor.terminate()
            withExtendedLifetime(closed) {}  // the port stays closed while the monitor runs
        }
        try await monitor.waitUntil(path: "/ready")
        var samples: [String: Double] = [:]
        let failed = try await Poll.until {
            samples = PrometheusText.samples(try await monitor.get("/metrics").text)
            return (samples["ebpf_ml_post_failures_total"] ?? 0) >= 1
        }
        #expect(failed)
        #expect((samples["ebpf_ml_post_dropped_windows_total"] ?? 0) >= 5)
        #expect((samples["ebpf_ml_post_queue_depth"] ?? 0) <= 3)
        #expect(samples["ebpf_ml_posts_total"] == 0)
        // Capture goes on regardless.
        #expect((samples["ebpf_windows_total"] ?? 0) >= 10)
    }
}
