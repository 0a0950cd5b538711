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

        /// Starts the pieces; with `xdp`, the monitor captures the test link's packets too.
        static func start(
            accounts: [SSHServer.Account] = [.init(name: "deploy01", password: "Winter2026!")], detectorEnvironment: [String: String] = [:],
            xdp: Bool = false
        ) async throws -> Rig {
            let network = try TestNetwork()
            let server = try await SSHServer(address: network.hostAddress, accounts: accounts, maxAuthTries: 50)
            let state = NSTemporaryDirectory() + "nm-auth-state-\(UUID().uuidString)"
            let detector = try MonitorProcess(
                arguments: [],
                environment: ["MODEL_DIR": state + "/models", "METRICS_TOP_IPS": "1000"].merging(detectorEnvironment) { $1 },
                executable: BuiltProducts.detector)
            try await detector.waitUntil(path: "/health")
            let capture = xdp ? ["--interface", network.hostInterface, "--xdp-mode", "auto", "--require-xdp"] : ["--simulate"]
            let monitor = try MonitorProcess(arguments: capture + [
                "--ml-detector-url", detector.baseURL, "--auth-log", server.logPath, "--auth-state-dir", state,
                "--print-verdicts", "json",
            ])
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

        /// What `--print-verdicts json` printed for the authentication events: each finding's
        /// threat, source and names.
        struct Reported: Decodable {
            struct Verdict: Decodable {
                struct Finding: Decodable {
                    let threat: String
                    let sourceIP: String?
                    let usernames: [String]?
                    let explanation: String
                    let incident: [String]?
                }
                let findings: [Finding]
            }
            let verdict: Verdict
        }

        var findings: [Reported.Verdict.Finding] {
            let decoder = JSONDecoder()
            decoder.keyDecodingStrategy = .convertFromSnakeCase
            return monitor.log.split(separator: "\n").filter { $0.hasPrefix(#"{"authentication""#) }.flatMap { line in
                (try? decoder.decode(Reported.self, from: Data(line.utf8)))?.verdict.findings ?? []
            }
        }

        /// Runs hydra from the namespace against the server (`arguments` before the target).
        @discardableResult
        func hydra(_ arguments: [String]) async throws -> CommandResult {
            try await network.exec(
                ["hydra", "-I", "-q"] + arguments + ["-s", "\(server.port)", network.hostAddress, "ssh"], check: false)
        }

        static func label(_ name: String, in key: String) -> String? {
            guard let range = key.range(of: "\(name)=\"") else { return nil }
            return String(key[range.upperBound...].prefix { $0 != "\"" })
        }

        /// Waits until the monitor has read `failures` failed and `successes` successful logins
        /// and the detector has judged every authentication event the monitor queued.
        func waitForLogins(failures: Int, successes: Int) async throws {
            // Done when every failure and success the monitor read is in an event whose verdict
            // came back (printed with --print-verdicts): the window holding the last ones closed.
            let done = try await Poll.until(timeout: .seconds(60)) {
                guard let metrics = try? await monitor.metrics() else { return false }
                let read = metrics[#"ebpf_auth_events_total{kind="failure"}"#].map(Int.init) ?? -1
                let accepted = metrics[#"ebpf_auth_events_total{kind="success"}"#].map(Int.init) ?? -1
                let judged = judgedAttempts
                return read >= failures && accepted >= successes && judged.failed == read && judged.succeeded == accepted
            }
            let seen = (try? await monitor.metrics().filter { $0.key.hasPrefix("ebpf_auth") }) ?? [:]
            try #require(done, "the logins were not read and judged: \(seen), judged \(judgedAttempts)")
        }

        /// Failed and successful attempts in the per-source events whose verdicts the monitor printed.
        var judgedAttempts: (failed: Int, succeeded: Int) {
            var totals = (failed: 0, succeeded: 0)
            for line in monitor.log.split(separator: "\n") where line.hasPrefix(#"{"authentication""#) {
                guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                    let event = object["authentication"] as? [String: Any], event["source_ip"] != nil
                else { continue }
                totals.failed += event["failed_attempts"] as? Int ?? 0
                totals.succeeded += event["successful_attempts"] as? Int ?? 0
            }
            return totals
        }
    }

    static func wordlist(_ words: [String]) throws -> String {
        let path = NSTemporaryDirectory() + "hydra-words-\(UUID().uuidString)"
        try (words.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static let loginThreats: Set<String> = [
        "brute_force", "password_spraying", "service_account_abuse", "login_after_failures", "username_confusion",
        "command_injection", "credential_stuffing",
    ]

    @Test(
        "hydra -t 4 guessing one account's password: brute_force and login_after_failures name the attacker and the account",
        .serviceProcesses(2))
    func guessingIsReported() async throws {
        let rig = try await Rig.start()
        defer { rig.stop() }
        let wrong = (1...40).map { "guess-\($0)-\(UUID().uuidString.prefix(6))" }
        let list = try Self.wordlist(wrong + ["Winter2026!"])
        defer { try? FileManager.default.removeItem(atPath: list) }

        let hydra = try await rig.hydra(["-t", "4", "-f", "-l", "deploy01", "-P", list])
        #expect(hydra.stdout.contains("password: Winter2026!"), "hydra did not find the password: \(hydra.stdout) \(hydra.stderr)")
        // hydra -f stops its 4 tasks at the password: some of the 40 wrong guesses may not be sent.
        try await rig.waitForLogins(failures: 20, successes: 1)

        let attacker = rig.network.peerAddress
        let found = try await rig.detections()
        #expect(found["brute_force \(attacker)", default: 0] >= 1, "\(found)")
        #expect(found["login_after_failures \(attacker)", default: 0] >= 1, "\(found)")
        #expect(found.keys.allSatisfy { $0.hasSuffix(" \(attacker)") }, "a detection names another source: \(found)")
        let findings = rig.findings
        #expect(findings.contains { $0.threat == "brute_force" && $0.usernames == ["deploy01"] && $0.sourceIP == attacker })
        #expect(findings.contains { $0.threat == "login_after_failures" && $0.usernames == ["deploy01"] })
        let metrics = try await rig.monitor.metrics()
        #expect(metrics["ebpf_auth_lines_unparsed_total"] == 0)
        #expect(!rig.monitor.log.contains("Winter2026!"), "the password reached the monitor's output")
    }

    @Test(
        "a port scan, then password guessing from the same source: the login finding names the scan (one incident)",
        .serviceProcesses(2), .requires(Command.exists("nmap"), "nmap is not installed (make setup)"))
    func scanThenGuessingIsOneIncident() async throws {
        let rig = try await Rig.start(xdp: true)
        defer { rig.stop() }
        let attacker = rig.network.peerAddress
        _ = try await rig.network.exec(
            ["nmap", "-sS", "-Pn", "-n", "-T4", "--max-retries", "0", "-p", "1-1000,\(rig.server.port)", rig.network.hostAddress],
            check: false)
        #expect(try await Poll.until(timeout: .seconds(60)) {
            (try? await rig.detections())?["port_scan \(attacker)", default: 0] ?? 0 >= 1
        }, "the scan was not reported")
        let list = try Self.wordlist((1...30).map { "guess-\($0)" })
        defer { try? FileManager.default.removeItem(atPath: list) }
        try await rig.hydra(["-t", "4", "-l", "deploy01", "-P", list])
        try await rig.waitForLogins(failures: 30, successes: 0)
        let guessing = rig.findings.filter { $0.threat == "brute_force" && $0.sourceIP == attacker }
        #expect(!guessing.isEmpty)
        #expect(guessing.contains { $0.incident?.contains("port_scan") == true }, "\(guessing.map(\.explanation))")
    }

    @Test("hydra spraying one password over eight names: password_spraying names the attacker", .serviceProcesses(2))
    func sprayingIsReported() async throws {
        let rig = try await Rig.start()
        defer { rig.stop() }
        let names = ["admin", "oracle", "test", "guest", "ubuntu", "postgres", "git", "deploy01"]
        let list = try Self.wordlist(names)
        defer { try? FileManager.default.removeItem(atPath: list) }
        try await rig.hydra(["-t", "4", "-L", list, "-p", "Spring2026"])
        try await rig.waitForLogins(failures: names.count, successes: 0)
        let attacker = rig.network.peerAddress
        let found = try await rig.detections()
        #expect(found["password_spraying \(attacker)", default: 0] >= 1, "\(found)")
        #expect(found["brute_force \(attacker)"] == nil, "spraying is not guessing one account: \(found)")
        let spraying = rig.findings.first { $0.threat == "password_spraying" }
        // Each name in clear, or masked where the classifier is not sure it is a name.
        let shown = spraying?.usernames ?? []
        #expect(shown.count >= 6 && shown.allSatisfy { names.contains($0) || $0.hasPrefix("masked:") }, "\(shown)")
    }

    @Test("guessing root's password: service_account_abuse names root", .serviceProcesses(2))
    func privilegedAccount() async throws {
        let rig = try await Rig.start()
        defer { rig.stop() }
        let list = try Self.wordlist((1...8).map { "toor\($0)" })
        defer { try? FileManager.default.removeItem(atPath: list) }
        try await rig.hydra(["-t", "2", "-l", "root", "-P", list])
        try await rig.waitForLogins(failures: 8, successes: 0)
        let found = try await rig.detections()
        #expect(found["service_account_abuse \(rig.network.peerAddress)", default: 0] >= 1, "\(found)")
        #expect(rig.findings.contains { $0.threat == "service_account_abuse" && $0.usernames == ["root"] })
    }

    @Test(
        "a password and a command typed as the user name: reported masked, never written in clear", .serviceProcesses(2))
    func typedSecrets() async throws {
        let rig = try await Rig.start()
        defer { rig.stop() }
        let secrets = ["Tr0ub4dor&3xyz!", "cat .bash_history"]
        let list = try Self.wordlist(secrets)
        defer { try? FileManager.default.removeItem(atPath: list) }
        try await rig.hydra(["-t", "1", "-L", list, "-p", "anything"])
        try await rig.waitForLogins(failures: 2, successes: 0)
        let found = try await rig.detections()
        let attacker = rig.network.peerAddress
        #expect(found["username_confusion \(attacker)", default: 0] >= 1, "\(found)")
        #expect(found["command_injection \(attacker)", default: 0] >= 1, "\(found)")
        let typed = rig.findings.filter { $0.threat == "username_confusion" || $0.threat == "command_injection" }
        #expect(!typed.isEmpty && typed.allSatisfy { $0.usernames?.allSatisfy { $0.hasPrefix("masked:") } == true })
        let detectorOutput = rig.detector.log + (try await rig.detector.get("/metrics").text)
        let monitorOutput = rig.monitor.log + (try await rig.monitor.get("/metrics").text) + (try await rig.monitor.get("/stats").text)
        for secret in secrets {
            #expect(!detectorOutput.contains(secret) && !monitorOutput.contains(secret), "\(secret) was written in clear")
        }
    }

    @Test(
        "stuffing: twelve sources, two stolen pairs each: credential_stuffing over every source, no guessing",
        .serviceProcesses(2))
    func stuffingIsReported() async throws {
        let rig = try await Rig.start()
        defer { rig.stop() }
        let sources = try await rig.network.addPeerAddresses(Array(20..<32))
        for (index, source) in sources.enumerated() {
            try await rig.network.exec([
                "ip", "route", "replace", "\(rig.network.hostAddress)/32", "dev", rig.network.peerInterface, "src", source,
            ])
            let combos = try Self.wordlist(["user\(index)a:Passw0rd\(index)", "user\(index)b:Summer\(index)"])
            defer { try? FileManager.default.removeItem(atPath: combos) }
            try await rig.hydra(["-t", "1", "-C", combos])
        }
        try await rig.waitForLogins(failures: 2 * sources.count, successes: 0)
        let found = try await rig.detections()
        #expect(found["credential_stuffing ", default: 0] >= 1, "\(found)")
        #expect(found.keys.filter { $0.hasPrefix("brute_force") || $0.hasPrefix("password_spraying") }.isEmpty, "\(found)")
        let stuffing = rig.findings.first { $0.threat == "credential_stuffing" }
        #expect(stuffing?.explanation.contains("from 12 sources") == true, "\(stuffing?.explanation ?? "none")")
    }

    @Test(
        "with the login rules turned down, the same attacks raise no login finding (the rules, not chance, report them)",
        .serviceProcesses(2))
    func rulesDisabled() async throws {
        let high = "1000000"
        let rig = try await Rig.start(detectorEnvironment: [
            "RULE_LOGIN_GUESS_FAILURES": high, "RULE_LOGIN_SPRAY_USERNAMES": high, "RULE_LOGIN_PRIVILEGED_FAILURES": high,
            "RULE_LOGIN_SUCCESS_AFTER_FAILURES": high,
        ])
        defer { rig.stop() }
        let list = try Self.wordlist((1...40).map { "guess\($0)" } + ["Winter2026!"])
        defer { try? FileManager.default.removeItem(atPath: list) }
        let names = try Self.wordlist(["admin", "oracle", "test", "guest", "ubuntu", "postgres", "git", "root"])
        defer { try? FileManager.default.removeItem(atPath: names) }
        try await rig.hydra(["-t", "4", "-f", "-l", "deploy01", "-P", list])
        try await rig.hydra(["-t", "4", "-L", names, "-p", "Spring2026"])
        // hydra -f stops its tasks at the password: fewer than 40 wrong guesses may be sent.
        try await rig.waitForLogins(failures: 8 + 20, successes: 1)
        let found = try await rig.detections()
        #expect(
            found.keys.filter { Self.loginThreats.contains(String($0.prefix { $0 != " " })) }.isEmpty,
            "\(found): \(rig.findings.map(\.explanation))")
    }

    @Test("medusa guessing one account's password: brute_force names the attacker", .serviceProcesses(2),
        .requires(Command.exists("medusa"), "medusa is not installed (make setup)"))
    func medusaGuessingIsReported() async throws {
        let rig = try await Rig.start()
        defer { rig.stop() }
        let list = try Self.wordlist((1...30).map { "medusa-guess-\($0)" })
        defer { try? FileManager.default.removeItem(atPath: list) }
        _ = try await rig.network.exec(
            ["medusa", "-h", rig.network.hostAddress, "-n", "\(rig.server.port)", "-u", "deploy01", "-P", list, "-M", "ssh", "-t", "4"],
            check: false)
        try await rig.waitForLogins(failures: 30, successes: 0)
        let found = try await rig.detections()
        #expect(found["brute_force \(rig.network.peerAddress)", default: 0] >= 1, "\(found)")
        #expect(try await rig.monitor.metrics()["ebpf_auth_lines_unparsed_total"] == 0)
    }

    @Test(
        "benign: key logins, automated health checks, a few typos before a correct login: no detection, every line read",
        .serviceProcesses(2))
    func benignLoginsAreQuiet() async throws {
        let keys = NSTemporaryDirectory() + "nm-ssh-client-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: keys, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: keys) }
        try await Command.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", keys + "/id"])
        let publicKey = try String(contentsOfFile: keys + "/id.pub", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let rig = try await Rig.start(accounts: [.init(name: "deploy01", password: "Winter2026!", authorizedKey: publicKey)])
        defer { rig.stop() }

        // Key logins running a command, as a deployment or a backup job does.
        for _ in 0..<5 {
            let login = try await rig.network.exec([
                "ssh", "-i", keys + "/id", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
                "-p", "\(rig.server.port)", "deploy01@\(rig.network.hostAddress)", "true",
            ], check: false)
            #expect(login.status == 0, "key login failed: \(login.stderr)")
        }
        // Health checks that only open the port and read the banner.
        for _ in 0..<3 {
            _ = try await rig.network.exec(
                ["bash", "-c", "exec 3<>/dev/tcp/\(rig.network.hostAddress)/\(rig.server.port); head -c 20 <&3"], check: false)
        }
        // A user's typos before the right password, twice.
        let typos = try Self.wordlist(["Winter2062!", "winter2026!", "Winter2026!"])
        defer { try? FileManager.default.removeItem(atPath: typos) }
        for _ in 0..<2 {
            try await rig.hydra(["-t", "1", "-f", "-l", "deploy01", "-P", typos])
        }
        try await rig.waitForLogins(failures: 4, successes: 7)
        let found = try await rig.detections()
        #expect(found.isEmpty, "benign logins were reported: \(found)")
        #expect(try await rig.monitor.metrics()["ebpf_auth_lines_unparsed_total"] == 0, "\(rig.server.logLines)")
    }
}
