import Foundation
import TestSupport
import Testing
import ThreatRules
import TrafficFeatures

@testable import EBPFCapture

/// DNS tunnels judged by the questions they ask, with real traffic from a test namespace: a
/// tunnel-like client at one query a second, a real iodine tunnel through a dnsmasq resolver on
/// the host end, and ordinary lookups that must stay unreported.
@Suite(
    "DNS tunnels by their questions, from a test namespace",
    .requires(TestNetwork.isPrivileged, "needs root (XDP, namespaces)"))
struct DNSTunnelTests {
    static let queries = Repository.root.appendingPathComponent("scripts/dns-queries.py").path
    static let dnsTunnelKeys: [RuleThresholds.Key] = [
        .dnsTunnelHorizonNames, .dnsTunnelPacketsPerSecond, .dnsTunnelSustainedPacketsPerSecond,
    ]

    static func contentFindings(_ windows: [TrafficWindow], _ thresholds: RuleThresholds = RuleThresholds()) -> [Finding] {
        AttackTrafficTests.findings(windows, thresholds).filter { $0.threat == .dnsTunnel }
    }

    @Test func aTunnelAtOneQueryASecondIsReportedWithItsClientAndDomain() async throws {
        let network = try TestNetwork()
        defer { network.remove() }
        let windows = try await AttackTrafficTests.capture(network) {
            try await network.exec(["python3", Self.queries, network.hostAddress, "--tunnel", "--rate", "1", "--count", "30"])
        }
        // One query a second: no window's rate says anything.
        #expect(windows.allSatisfy { $0.counters.dnsPackets <= 3 })
        let findings = Self.contentFindings(windows)
        let finding = try #require(findings.first, "no dns_tunnel: \(windows.flatMap(\.dnsClients).suffix(4))")
        #expect(finding.sourceIP == network.peerAddress && finding.feature == "dns_distinct_names")
        #expect(finding.explanation.contains("under example.com") && finding.explanation.contains("over the last 1 min"))
        #expect(Self.contentFindings(windows, AttackTrafficTests.disabled(Self.dnsTunnelKeys)).isEmpty)
        print("dns tunnel at 1 query/s: \(finding.explanation)")
    }

    @Test func ordinaryLookupsAreNoTunnel() async throws {
        let network = try TestNetwork()
        defer { network.remove() }
        let windows = try await AttackTrafficTests.capture(network) {
            try await network.exec(["python3", Self.queries, network.hostAddress, "--rate", "4", "--count", "100"])
        }
        #expect(windows.reduce(0) { $0 + $1.counters.dnsPackets } >= 100)
        #expect(windows.contains { !$0.dnsClients.isEmpty })
        #expect(AttackTrafficTests.findings(windows).isEmpty)
    }

    /// iodine (Debian's package): iodined in a second namespace, the client in the first, a
    /// dnsmasq resolver on the host end forwarding the tunnel's domain; a file moves through it.
    @Test(
        .requires(Command.exists("iodine") && Command.exists("iodined"), "iodine is not installed (make setup)"),
        .requires(Command.exists("dnsmasq"), "dnsmasq is not installed (make setup)"))
    func aRealIodineTunnelMovingAFileIsReported() async throws {
        let clients = try TestNetwork()
        defer { clients.remove() }
        let servers = try TestNetwork()
        defer { servers.remove() }
        let domain = "t\(UInt32.random(in: 0..<1_000_000)).tunnel.test"
        let tunnelNet = "198.19.\(Int.random(in: 0...255))"
        let scratch = NSTemporaryDirectory() + "nm-iodine-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        var pids: [pid_t] = []
        defer {
            for pid in pids.reversed() {
                kill(pid, SIGTERM)
                _ = Spawn.wait(pid)
            }
        }
        // The tunnel's server, then the resolver that forwards its domain to it.
        pids.append(
            try Spawn.start(
                ["ip", "netns", "exec", servers.namespace, "iodined", "-f", "-c", "-P", "nm-test-secret", "-l",
                 servers.peerAddress, "-p", "53", "\(tunnelNet).1/27", domain],
                stdout: scratch + "/iodined.out", stderr: scratch + "/iodined.err"))
        pids.append(
            try Spawn.start(
                ["dnsmasq", "--no-daemon", "--no-resolv", "--no-hosts", "--bind-interfaces", "--listen-address=\(clients.hostAddress)",
                 "--port=53", "--cache-size=0", "--server=/\(domain)/\(servers.peerAddress)", "--pid-file=\(scratch)/dnsmasq.pid",
                 "--user=root"],
                stdout: scratch + "/dnsmasq.out", stderr: scratch + "/dnsmasq.err"))
        // Both listen on port 53: iodined in its namespace, dnsmasq on the host end.
        let listening = try await Poll.until {
            let server = try await servers.exec(["ss", "-Hlun", "sport = :53"], check: false).stdout
            let resolver = try await Command.run(["ss", "-Hlun", "sport = :53"], check: false).stdout
            return server.contains(servers.peerAddress) && resolver.contains(clients.hostAddress)
                || pids.contains { Spawn.poll($0) != nil }
        }
        try #require(listening && pids.allSatisfy { Spawn.poll($0) == nil }, "iodined or dnsmasq: \(Self.logs(scratch))")

        let windows = try await AttackTrafficTests.capture(clients) {
            pids.append(
                try Spawn.start(
                    ["ip", "netns", "exec", clients.namespace, "iodine", "-f", "-r", "-P", "nm-test-secret", clients.hostAddress,
                     domain],
                    stdout: scratch + "/iodine.out", stderr: scratch + "/iodine.err"))
            // The tunnel is up when the client can reach the server's tunnel address.
            let up = try await Poll.until(timeout: .seconds(90), every: .milliseconds(500)) {
                (try? await clients.exec(["ping", "-c", "1", "-W", "1", "\(tunnelNet).1"], check: false).status) == 0
            }
            try #require(up, "the tunnel did not come up: \(Self.logs(scratch))")
            // A file through the tunnel: 24 KiB served by the server's namespace.
            try Data((0..<24_576).map { UInt8(truncatingIfNeeded: $0 &* 31) }).write(to: URL(fileURLWithPath: scratch + "/file"))
            pids.append(
                try Spawn.start(
                    ["ip", "netns", "exec", servers.namespace, "python3", "-m", "http.server", "8000", "--bind", "\(tunnelNet).1",
                     "--directory", scratch],
                    stdout: scratch + "/http.out", stderr: scratch + "/http.err"))
            let serving = try await Poll.until {
                try await servers.exec(["ss", "-Hltn", "sport = :8000"], check: false).stdout.contains(tunnelNet)
            }
            try #require(serving, "the file server did not start: \(Self.logs(scratch))")
            let copy = scratch + "/copy"
            let fetched = try await clients.exec(
                ["curl", "-s", "--max-time", "90", "-o", copy, "http://\(tunnelNet).1:8000/file"], check: false)
            try #require(fetched.status == 0, "curl through the tunnel: \(fetched.stderr) \(Self.logs(scratch))")
            #expect(try Data(contentsOf: URL(fileURLWithPath: copy)) == Data(contentsOf: URL(fileURLWithPath: scratch + "/file")))
        }
        let findings = Self.contentFindings(windows)
        let content = try #require(findings.first { $0.feature == "dns_distinct_names" }, "\(findings.map(\.explanation))")
        #expect(content.sourceIP == clients.peerAddress)
        #expect(content.explanation.contains("under tunnel.test"))
        #expect(Self.contentFindings(windows, AttackTrafficTests.disabled(Self.dnsTunnelKeys)).isEmpty)
        print("iodine: \(windows.reduce(0) { $0 + $1.counters.dnsPackets }) DNS packets; \(content.explanation)")
    }

    static func logs(_ directory: String) -> String {
        ["iodined.err", "dnsmasq.err", "iodine.err", "http.err"].map { name in
            "\(name): " + ((try? String(contentsOfFile: directory + "/" + name, encoding: .utf8)) ?? "").suffix(400)
        }.joined(separator: " | ")
    }
}
