import EBPFCapture
import Foundation
import TestSupport
import Testing
import TrafficFeatures
import WindowFormat

extension MonitorProcess {
    func history() async throws -> [TrafficWindow] {
        try JSONDecoder().decode([WindowEnvelope].self, from: try await get("/stats/history").body).map(\.window)
    }

    func metrics() async throws -> [String: Double] {
        PrometheusText.samples(try await get("/metrics").text)
    }

    /// Returns right after a window closes, with its sequence number, so traffic sent
    /// next starts near the beginning of a window.
    func waitForWindowBoundary() async throws -> Int {
        let first = try await history().last?.sequence ?? -1
        while true {
            let latest = try await history().last?.sequence ?? -1
            if latest != first { return latest }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Waits until a window with sequence > `sequence` has closed.
    func waitForWindow(after sequence: Int) async throws {
        while try await history().last?.sequence ?? -1 <= sequence {
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// Waits until the window that is open now has closed: every packet sent before
    /// this call is then in /stats and /metrics.
    func waitForOpenWindowToClose() async throws {
        try await waitForWindow(after: try await history().last?.sequence ?? -1)
    }
}

/// Replays crafted frames into the namespace's end of the veth with tcpreplay.
///
/// The frames are addressed to `FrameBuilder.defaultDestinationMAC`, not to the host
/// end's MAC: XDP sees and counts every one, and the host's IP stack then drops them
/// as "other host", so it never answers the (possibly spoofed) sources. Nothing
/// leaves the test network.
func replay(_ frames: [[UInt8]], into network: TestNetwork, pps: Int? = nil) async throws {
    let mac = try String(contentsOfFile: "/sys/class/net/\(network.hostInterface)/address", encoding: .utf8)
        .trimmingCharacters(in: .whitespacesAndNewlines)
    let crafted = FrameBuilder.defaultDestinationMAC.map { String(format: "%02x", $0) }.joined(separator: ":")
    precondition(mac != crafted, "the host end's MAC equals the crafted destination")
    let path = NSTemporaryDirectory() + "nm-replay-\(UUID().uuidString).pcap"
    defer { try? FileManager.default.removeItem(atPath: path) }
    let writer = try PcapWriter(path: path)
    for (index, frame) in frames.enumerated() {
        writer.write(frame, seconds: 1_795_514_400, nanoseconds: index * 1000)
    }
    writer.close()
    let rate = pps.map { "--pps=\($0)" } ?? "--topspeed"
    let result = try await network.exec(["tcpreplay", "-i", network.peerInterface, rate, path])
    guard result.stdout.contains("Successful packets:        \(frames.count)") else {
        throw CommandFailure(command: ["tcpreplay", path], result: result)
    }
}

/// Windows with IP traffic in them (ARP alone does not count).
func trafficWindows(_ windows: [TrafficWindow], after sequence: Int) -> [TrafficWindow] {
    windows.filter { ($0.sequence ?? 0) > sequence && $0.counters.ipv4Packets + $0.counters.ipv6Packets > 0 }
}

@Suite(
    "monitor with XDP on a test veth", .serviceProcesses(1),
    .requires(TestNetwork.isPrivileged, "needs root (CAP_BPF, CAP_NET_ADMIN, CAP_PERFMON)"),
    .requires(Traffic.available, "hping3 is not installed (make setup)"))
struct MonitorXDPTests {
    /// N UDP, M SYNs to K ports and P ICMP from S = 3 sources, read back through the
    /// running monitor: exact totals in /metrics, exact window contents in /stats.
    @Test(arguments: ["generic", "native"])
    func exactCountsThroughStatsAndMetrics(mode: String) async throws {
        let (n, k, p) = (200, 150, 50)
        let m = 2 * k
        let network = try TestNetwork()
        let senders = try await network.addPeerAddresses([10, 11, 12])
        let monitor = try MonitorProcess(arguments: [
            "--interface", network.hostInterface, "--xdp-mode", mode, "--stats-window", "4s", "--ml-detector-url", "none",
        ])
        defer { monitor.terminate() }
        try await monitor.waitUntil(path: "/ready")
        #expect(try await monitor.get("/ready").json()["xdp_mode"] as? String == mode)
        let before = try await monitor.metrics()

        // Traffic takes well under a second; it is sent right after a window closes.
        // If it still straddles two windows, the round is repeated (at most 3 times).
        var rounds = 0
        var window: TrafficWindow?
        while window == nil && rounds < 3 {
            rounds += 1
            let boundary = try await monitor.waitForWindowBoundary()
            // The UDP goes to one of the SYN ports, so the window has exactly K ports.
            try await Traffic.udp(network, count: n, from: senders[0], port: 3000)
            try await Traffic.syn(network, count: k, firstPort: 3000, from: senders[1])
            try await Traffic.syn(network, count: k, firstPort: 3000, from: senders[1])
            try await Traffic.icmp(network, count: p, from: senders[2])
            try await monitor.waitForOpenWindowToClose()
            let carrying = trafficWindows(try await monitor.history(), after: boundary)
            if carrying.count == 1 { window = carrying[0] }
        }
        let after = try await monitor.metrics()
        func delta(_ name: String) -> Int { Int((after[name] ?? 0) - (before[name] ?? 0)) }

        // Totals are exact whatever the window boundaries did.
        #expect(delta(#"ebpf_packets_processed_total{protocol="udp"}"#) == n * rounds)
        // SYNs to ports this machine happens to listen on are answered and then reset by
        // the namespace's kernel: those RSTs are the only other TCP packets.
        #expect(delta(#"ebpf_packets_processed_total{protocol="tcp"}"#) == m * rounds + delta("ebpf_rst_packets_total"))
        #expect(delta(#"ebpf_packets_processed_total{protocol="icmp"}"#) == p * rounds)
        #expect(delta("ebpf_syn_packets_total") == m * rounds)

        let w = try #require(window, "traffic straddled a window boundary \(rounds) times")
        #expect(w.udpPackets == n)
        #expect(w.tcpPackets == m + w.counters.rstPackets)
        #expect(w.synPackets == m)
        #expect(w.icmpPackets == p)
        #expect(w.uniquePorts == k)
        #expect(w.uniqueIPs == 3)
        #expect(!w.uniqueIPsEstimated)
        let top = Dictionary(uniqueKeysWithValues: w.topSources.map { ($0.ip, $0) })
        #expect(top[senders[0]]?.udpPackets == n)
        // The sender's ARP request for the host end (if its cache was cold) is its only other packet.
        #expect(top[senders[0]]?.packets == n + (top[senders[0]]?.arpRequests ?? 0))
        #expect(top[senders[1]]?.synPackets == m)
        #expect(top[senders[1]]?.uniquePorts == k)
        #expect(top[senders[1]]?.uniqueHosts == 1)
        #expect(top[senders[2]]?.icmpPackets == p)
        #expect(w.losses.isEmpty)
    }

    @Test(.requires(Command.exists("nmap"), "nmap is not installed (make setup)"))
    func anNmapSynScanIsAttributedToTheScanner() async throws {
        let network = try TestNetwork()
        let monitor = try MonitorProcess(arguments: [
            "--interface", network.hostInterface, "--xdp-mode", "generic", "--stats-window", "5s", "--ml-detector-url",
            "none",
        ])
        defer { monitor.terminate() }
        try await monitor.waitUntil(path: "/ready")
        var scanner: SourceStats?
        for _ in 0..<3 where scanner == nil {
            let boundary = try await monitor.waitForWindowBoundary()
            try await network.exec([
                "nmap", "-sS", "-Pn", "-n", "-T4", "--max-retries", "0", "-p", "1-1000", network.hostAddress,
            ])
            try await monitor.waitForOpenWindowToClose()
            scanner = trafficWindows(try await monitor.history(), after: boundary)
                .compactMap { $0.topSources.first { $0.ip == network.peerAddress } }
                .first { $0.uniquePorts >= 1000 }
        }
        let found = try #require(scanner, "no window names the scanner with 1000 ports")
        #expect(found.synPackets >= 1000)
        #expect(found.uniqueHosts == 1)
    }

    /// Every ebpf_* series moves when the traffic or event it counts happens.
    @Test func everyMonitorMetricMoves() async throws {
        let network = try TestNetwork(ipv6: true)
        let closed = try ClosedPort()
        // An sshd log the monitor follows, and a path it cannot read (a directory).
        let logs = NSTemporaryDirectory() + "nm-metrics-auth-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: logs + "/not-a-file", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: logs) }
        let authLog = logs + "/sshd.log"
        _ = FileManager.default.createFile(atPath: authLog, contents: nil)
        let monitor = try MonitorProcess(arguments: [
            "--interface", network.hostInterface, "--xdp-mode", "native", "--stats-window", "500ms",
            "--ml-detector-url", closed.url, "--post-timeout", "1s", "--post-queue", "2",
            "--sample-every", "1",
            "--ringbuf-bytes", "4096", "--source-table-entries", "8", "--program-stats",
            "--auth-log", authLog, "--auth-log", logs + "/not-a-file", "--auth-state-dir", logs + "/state",
        ])
        defer {
            monitor.terminate()
            withExtendedLifetime(closed) {}  // the port stays closed while the monitor runs
        }
        try await monitor.waitUntil(path: "/ready")

        try await Traffic.udp(network, count: 50, from: network.peerAddress, port: 53)
        try await Traffic.syn(network, count: 20, firstPort: 100, from: network.peerAddress)
        for flags in ["-SA", "-R", "-F"] {
            try await Traffic.hping(network, count: 5, [flags, "-p", "80", network.hostAddress])
        }
        try await Traffic.icmp(network, count: 10, from: network.peerAddress)
        // Fragments, malformed headers, more sources than the 8-entry table holds, and
        // a burst that overruns the 4 KiB ring buffer.
        let host = NetworkAddress(network.hostAddress)!
        let fragment = PacketSummary(
            wireLength: 600, ipVersion: .v4, ipProtocol: IPProtocolNumber.udp, source: NetworkAddress(network.peerAddress)!,
            destination: host, sourcePort: 7, destinationPort: 7, isFragment: true)
        let manySources = (3...254).map { last in
            FrameBuilder.frame(
                for: PacketSummary(
                    wireLength: 60, ipVersion: .v4, ipProtocol: IPProtocolNumber.tcp,
                    source: NetworkAddress("\(network.subnetPrefix).\(last)")!, destination: host, sourcePort: 1000,
                    destinationPort: 82, tcpFlags: .syn))
        }
        // An ACK on a flow the program never saw: an ACK probe.
        let ackProbe = FrameBuilder.frame(
            for: PacketSummary(
                wireLength: 60, ipVersion: .v4, ipProtocol: IPProtocolNumber.tcp, source: NetworkAddress(network.peerAddress)!,
                destination: host, sourcePort: 1001, destinationPort: 84, tcpFlags: .ack))
        // Frames.udp4() goes to port 53 without a DNS message in it: an unreadable question.
        try await replay(
            [FrameBuilder.frame(for: fragment), ackProbe, Frames.udp4()] + Frames.malformed.map(\.frame) + manySources,
            into: network)
        try await replay(Array(repeating: Frames.udp4(port: 83), count: 5000), into: network)
        // One line of each kind sshd and PAM write, one it does not know, one over 4 KiB, a
        // failure with no client address (su), and both kinds of rotation.
        func log(_ lines: [String]) throws {
            let handle = try #require(FileHandle(forWritingAtPath: authLog))
            try handle.seekToEnd()
            try handle.write(contentsOf: Data(lines.map { $0 + "\n" }.joined().utf8))
            try handle.close()
        }
        let peer = network.peerAddress
        try log([
            "Invalid user oracle from \(peer) port 40002",
            "Failed password for invalid user oracle from \(peer) port 40002 ssh2",
            "Accepted password for deploy01 from \(peer) port 40001 ssh2",
            "Connection closed by authenticating user deploy01 \(peer) port 40003 [preauth]",
            "error: maximum authentication attempts exceeded for root from \(peer) port 40004 ssh2 [preauth]",
            "PAM 2 more authentication failures; logname= uid=0 euid=0 tty=ssh ruser= rhost=\(peer)  user=root",
            "pam_unix(su:auth): authentication failure; logname=deploy01 uid=3000 euid=0 tty=pts/0 ruser=deploy01 rhost=  user=root",
            "Something sshd 10 will say",
            "Failed password for " + String(repeating: "x", count: 5000) + " from \(peer) port 40005 ssh2",
        ])
        #expect(try await Poll.until { (try? await monitor.metrics()["ebpf_auth_lines_read_total"]) == 9 })
        try FileManager.default.moveItem(atPath: authLog, toPath: authLog + ".1")
        _ = FileManager.default.createFile(atPath: authLog, contents: nil)
        try log(["Failed password for root from \(peer) port 40006 ssh2"])
        #expect(try await Poll.until { (try? await monitor.metrics()["ebpf_auth_lines_read_total"]) == 10 })
        try FileHandle(forWritingAtPath: authLog)?.truncate(atOffset: 0)
        try log(["Failed password for root from \(peer) port 40007 ssh2"])
        #expect(try await Poll.until { (try? await monitor.metrics()["ebpf_auth_lines_read_total"]) == 11 })
        // The windows holding that traffic close; posts to the absent detector fail
        // after the 1 s post timeout.
        try await monitor.waitForOpenWindowToClose()
        for _ in 0..<100 where (try await monitor.metrics()["ebpf_ml_post_failures_total"] ?? 0) < 1 {
            try await Task.sleep(for: .milliseconds(100))
        }

        var after = try await monitor.metrics()
        // Gauges hold the latest window, which may be quiet by now: the values of the
        // windows are checked through /stats/history instead.
        let windows = try await monitor.history()
        #expect(windows.contains { $0.packetsPerSecond > 0 && $0.bytesPerSecond > 0 && $0.uniqueIPs > 0 && $0.uniquePorts > 0 })
        after = try await monitor.metrics()
        let counters = after.keys.filter { $0.hasPrefix("ebpf_") && $0.contains("_total") }
        let expectedStill: Set<String> = [
            // Capture-file and kernel-refusal counters: they move on pcap snap-length
            // cuts and on inserts the kernel refuses (exercised in the unit tests).
            "ebpf_capture_truncated_packets_total", "ebpf_capture_invalid_timestamps_total",
            #"ebpf_map_insert_failures_total{map="sources"}"#,
            #"ebpf_map_insert_failures_total{map="port_pairs"}"#,
            #"ebpf_map_insert_failures_total{map="host_pairs"}"#,
            #"ebpf_map_evictions_total{map="port_pairs"}"#,
            #"ebpf_map_evictions_total{map="host_pairs"}"#,
            // The flow table and the probe-horizon tracker overflow only with far more flows and
            // sources (ProbeKindTests, ProbeHorizonsTests).
            #"ebpf_map_insert_failures_total{map="flows"}"#, #"ebpf_map_evictions_total{map="flows"}"#,
            #"ebpf_map_evictions_total{map="horizon_sources"}"#, #"ebpf_map_evictions_total{map="horizon_entries"}"#,
            #"ebpf_map_evictions_total{map="dns_clients"}"#, #"ebpf_map_evictions_total{map="dns_names"}"#,
            // DNS messages are lost only when their ring buffer is full (ProbeKindTests).
            "ebpf_dns_samples_lost_total",
            // Nothing can be accepted or refused by a detector that is down.
            "ebpf_ml_posts_total", "ebpf_ml_post_rejected_windows_total",
            // The login tracker forgets sources and names only beyond 4,096 and 1,024
            // (AuthActivityTrackerTests).
            #"ebpf_auth_tracker_evictions_total{entry="source"}"#, #"ebpf_auth_tracker_evictions_total{entry="username"}"#,
        ]
        // Every counter starts at 0 in this fresh monitor process.
        for name in counters.sorted() where !expectedStill.contains(name) {
            #expect((after[name] ?? 0) > 0, "\(name) did not move")
        }
        // Top-source gauges exist for the sources of the latest windows.
        #expect(windows.contains { !$0.topSources.isEmpty })
        #expect(counters.contains("ebpf_ringbuf_lost_events_total"))
        #expect(counters.contains("ebpf_program_runs_total"))
        #expect((after["ebpf_windows_total"] ?? 0) > 2)
        let events = try await monitor.get("/events").json()["events"] as? [[String: Any]]
        #expect(events?.isEmpty == false)
    }

    /// A capture replayed into the namespace with tcpreplay is counted by the kernel
    /// exactly as `monitor --pcap --offline` counts the same file.
    @Test(.requires(Command.exists("tcpreplay"), "tcpreplay is not installed (make setup)"))
    func replayedCaptureMatchesOfflineReplay() async throws {
        let network = try TestNetwork()
        let path = NSTemporaryDirectory() + "replay-\(UUID().uuidString).pcap"
        defer { try? FileManager.default.removeItem(atPath: path) }
        var traffic = SyntheticTraffic(seed: 123)
        let writer = try PcapWriter(path: path)
        let packets = traffic.packets(
            start: Date(timeIntervalSince1970: 1_795_514_400), duration: 1,
            attacks: [
                .portScan(source: NetworkAddress(ipv4: 198, 18, 0, 66), ports: 1...500, packetsPerSecond: 400),
                .dnsTunnel(source: NetworkAddress(ipv4: 198, 18, 0, 68), queriesPerSecond: 50),
            ])
        let frames = packets.map { FrameBuilder.frame(for: $0) }
        for (index, frame) in frames.enumerated() {
            writer.write(frame, seconds: 1_795_514_400, nanoseconds: index * 1000)
        }
        writer.close()
        let offline = try await Command.run([BuiltProducts.monitor, "--pcap", path, "--offline", "--stats-window", "10s"]).stdout
        let expected = try TrafficWindow(json: Data(offline.split(separator: "\n")[0].utf8))

        let monitor = try MonitorProcess(arguments: [
            "--interface", network.hostInterface, "--xdp-mode", "generic", "--stats-window", "500ms", "--ml-detector-url",
            "none",
        ])
        defer { monitor.terminate() }
        try await monitor.waitUntil(path: "/ready")
        let boundary = try await monitor.waitForWindowBoundary()
        try await replay(frames, into: network, pps: 20_000)
        try await monitor.waitForOpenWindowToClose()
        let history = try await monitor.history()
        let windows = trafficWindows(history, after: boundary)
        #expect(!windows.isEmpty, "boundary \(boundary), windows \(history.map { ($0.sequence ?? -1, $0.counters.packets) })")
        var total = WindowCounters()
        for window in windows {
            let c = window.counters
            total.packets += c.packets
            total.bytes += c.bytes
            total.tcpPackets += c.tcpPackets
            total.udpPackets += c.udpPackets
            total.icmpPackets += c.icmpPackets
            total.synPackets += c.synPackets
            total.synAckPackets += c.synAckPackets
            total.finPackets += c.finPackets
            total.rstPackets += c.rstPackets
            total.dnsPackets += c.dnsPackets
            total.ipv6Packets += c.ipv6Packets
        }
        let e = expected.counters
        // ARP between the two ends may add "other" packets; IP traffic is exact.
        #expect(total.tcpPackets == e.tcpPackets)
        #expect(total.udpPackets == e.udpPackets)
        #expect(total.icmpPackets == e.icmpPackets)
        #expect(total.synPackets == e.synPackets)
        #expect(total.synAckPackets == e.synAckPackets)
        #expect(total.finPackets == e.finPackets)
        #expect(total.rstPackets == e.rstPackets)
        #expect(total.dnsPackets == e.dnsPackets)
        #expect(total.ipv6Packets == e.ipv6Packets)
        #expect(total.tcpPackets + total.udpPackets + total.icmpPackets == packets.filter { $0.ipVersion != nil }.count)
    }
}
