import Foundation
import TestSupport
import Testing

/// A real sshd attacked with hydra from a test namespace, while `monitor` follows its log
/// (`--auth-log`) and posts the logins to a real `detector`: the detector names the attacker and
/// the account; a benign run raises nothing.
@Suite(
    "login attacks on a real sshd: detected from the host's log", .serialized,
    .requires(TestNetwork.isPrivileged, "needs root (namespaces, sshd in a mount namespace)"),
    .requires(SSHServer.isAvailable, "Debian's sshd is not unpacked in .build-tools (make setup)"),
    .requires(Command.exists("hydra"), "hydra is not installed (make setup)"))
struct SSHAttackDetectionTests {
    /// The running pieces: sshd on the host end of the test link, a detector, and a monitor that
    /// follows sshd's log (on the simulation source: the network side is not under test here).
    struct Rig {
        let network: TestNetwork
        let server: SSHServer
        let detector: MonitorProcess
        let monitor: MonitorProcess
        let state: String

        static func start(accounts: [SSHServer.Account], environment: [String: String] = [:]) async throws -> Rig {
            let network = try TestNetwork()
            let server = try await SSHServer(address: network.hostAddress, accounts: accounts, maxAuthTries: 50)
            let state = NSTemporaryDirectory() + "nm-auth-state-\(UUID().uuidString)"
            let detector = try MonitorProcess(
                arguments: [], environment: ["MODEL_DIR": state + "/models", "METRICS_TOP_IPS": "1000"],
                executable: BuiltProducts.detector)
            try await detector.waitUntil(path: "/health")
            let monitor = try MonitorProcess(
                arguments: [
                    "--simulate", "--ml-detector-url", detector.baseURL, "--auth-log", server.logPath, "--auth-state-dir", state,
                ],
                environment: environment)
            try await monitor.waitUntil(path: "/ready")
            return Rig(network: network, server: server, detector: detector, monitor: monitor, state: state)
        }

        func stop() {
            monitor.killHard()
            detector.killHard()
            server.stop()
            network.remove()
            try? FileManager.default.removeItem(atPath: state)
        }

        /// The detector's authentication detections: (threat type, source) → count.
        func detections() async throws -> [String: Int] {
            var found: [String: Int] = [:]
            let samples = PrometheusText.samples(try await detector.get("/metrics").text)
            for (key, value) in samples where key.hasPrefix("ml_detector_threats_total{") && value > 0 {
                guard let type = Self.label("threat_type", in: key) else { continue }
                found["\(type) \(Self.label("source_ip", in: key) ?? "-")", default: 0] += Int(value)
            }
            return found
        }

        static func label(_ name: String, in key: String) -> String? {
            guard let range = key.range(of: "\(name)=\"") else { return nil }
            return String(key[range.upperBound...].prefix { $0 != "\"" })
        }

        /// Waits until the monitor has read `failures` failed and `successes` successful logins
        /// and the detector has judged every authentication event the monitor queued.
        func waitForLogins(failures: Int, successes: Int) async throws {
            let done = try await Poll.until(timeout: .seconds(60)) {
                guard let metrics = try? await monitor.metrics(),
                    let judged = try? PrometheusText.samples(await detector.get("/metrics").text)
                else { return false }
                let read = metrics[#"ebpf_auth_events_total{kind="failure"}"#].map(Int.init) ?? -1
                let accepted = metrics[#"ebpf_auth_events_total{kind="success"}"#].map(Int.init) ?? -1
                let queued = metrics["ebpf_auth_activities_total"].map(Int.init) ?? -1
                let verdicts = judged[#"ml_detector_verdicts_total{detection_type="authentication"}"#].map(Int.init) ?? 0
                return read >= failures && accepted >= successes && queued > 0 && verdicts == queued
            }
            let seen = (try? await monitor.metrics().filter { $0.key.hasPrefix("ebpf_auth") }) ?? [:]
            try #require(done, "the logins were not read and judged: \(seen)")
        }
    }

    static func wordlist(_ words: [String]) throws -> String {
        let path = NSTemporaryDirectory() + "hydra-words-\(UUID().uuidString)"
        try (words.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test(
        "hydra -t 4 guessing one account's password: brute_force and login_after_failures name the attacker",
        .serviceProcesses(2))
    func guessingIsReported() async throws {
        let rig = try await Rig.start(accounts: [.init(name: "deploy01", password: "Winter2026!")])
        defer { rig.stop() }
        let wrong = (1...40).map { "guess-\($0)-\(UUID().uuidString.prefix(6))" }
        let list = try Self.wordlist(wrong + ["Winter2026!"])
        defer { try? FileManager.default.removeItem(atPath: list) }

        let hydra = try await rig.network.exec(
            ["hydra", "-I", "-q", "-t", "4", "-f", "-l", "deploy01", "-P", list, "-s", "\(rig.server.port)",
             rig.network.hostAddress, "ssh"],
            check: false)
        #expect(hydra.stdout.contains("password: Winter2026!"), "hydra did not find the password: \(hydra.stdout) \(hydra.stderr)")
        try await rig.waitForLogins(failures: wrong.count, successes: 1)

        let attacker = rig.network.peerAddress
        let found = try await rig.detections()
        #expect(found["brute_force \(attacker)", default: 0] >= 1, "\(found)")
        #expect(found["login_after_failures \(attacker)", default: 0] >= 1, "\(found)")
        #expect(found.keys.allSatisfy { $0.hasSuffix(" \(attacker)") }, "a detection names another source: \(found)")
        let metrics = try await rig.monitor.metrics()
        #expect(metrics["ebpf_auth_lines_unparsed_total"] == 0)
    }

    @Test("a few typos before a correct login, and correct logins: no detection", .serviceProcesses(2))
    func benignLoginsAreQuiet() async throws {
        let rig = try await Rig.start(accounts: [.init(name: "deploy01", password: "Winter2026!")])
        defer { rig.stop() }
        let typos = try Self.wordlist(["Winter2062!", "winter2026!", "Winter2026!"])
        defer { try? FileManager.default.removeItem(atPath: typos) }
        for _ in 0..<2 {
            _ = try await rig.network.exec(
                ["hydra", "-I", "-q", "-t", "1", "-f", "-l", "deploy01", "-P", typos, "-s", "\(rig.server.port)",
                 rig.network.hostAddress, "ssh"],
                check: false)
        }
        try await rig.waitForLogins(failures: 4, successes: 2)
        let found = try await rig.detections()
        #expect(found.isEmpty, "benign logins were reported: \(found)")
    }
}
