import Foundation
import Synchronization

/// A real OpenSSH server (Debian's `sshd`, unpacked by scripts/setup.sh into
/// `.build-tools/openssh-server`, never installed as a service) started by a test: its own host
/// key, configuration and accounts, listening on one test address and logging with `sshd -E` to a
/// file of the test's.
///
/// The accounts are the test's own: sshd runs in a mount namespace of its own (`unshare --mount`)
/// where the test's `passwd`, `shadow` and `group` files are bound over `/etc`'s and a private
/// `/run` holds its privilege-separation directory, so nothing of the machine's accounts or mounts
/// changes. Stopped with SIGTERM by its PID (``stop()``, or deinit).
public final class SSHServer: Sendable {
    /// The sshd binary the tests use.
    public static let binary = Repository.root.appendingPathComponent(".build-tools/openssh-server/usr/sbin/sshd").path
    /// True when the binary is there (scripts/setup.sh puts it there).
    public static var isAvailable: Bool { FileManager.default.isExecutableFile(atPath: binary) }

    /// An account of the test server.
    public struct Account: Sendable {
        public var name: String
        public var password: String
        /// A public key line (`ssh-ed25519 AAAA…`) the account logs in with, when set.
        public var authorizedKey: String?
        public init(name: String, password: String, authorizedKey: String? = nil) {
            self.authorizedKey = authorizedKey
            self.name = name
            self.password = password
        }
    }

    /// sshd's log (`-E`).
    public let logPath: String
    /// The address and port it listens on.
    public let address: String
    public let port: Int
    public let pid: Int32
    private let directory: String
    private let stopped = Mutex(false)

    /// Starts sshd on `address:port` with `accounts` (password logins), waiting until it listens.
    ///
    /// - Parameters:
    ///   - address: A test address of this host (198.18.0.0/15).
    ///   - port: The port.
    ///   - accounts: Accounts with passwords; every other name is an invalid user.
    ///   - maxAuthTries: sshd's `MaxAuthTries`.
    public init(address: String, port: Int = 2222, accounts: [Account], maxAuthTries: Int = 6) async throws {
        self.address = address
        self.port = port
        directory = NSTemporaryDirectory() + "sshd-test-\(UUID().uuidString)"
        let fm = FileManager.default
        try fm.createDirectory(atPath: directory, withIntermediateDirectories: true)
        logPath = directory + "/sshd.log"
        let key = directory + "/host_ed25519"
        try await Command.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key])

        var passwd = [
            "root:x:0:0:root:/root:/bin/sh", "sshd:x:74:65534::/run/sshd:/usr/sbin/nologin",
            "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin",
        ]
        var shadow = ["root:*:19000:0:99999:7:::", "sshd:*:19000:0:99999:7:::", "nobody:*:19000:0:99999:7:::"]
        var group = ["root:x:0:", "nogroup:x:65534:"]
        for (index, account) in accounts.enumerated() {
            let id = 3000 + index
            let hash = try await Command.run(["openssl", "passwd", "-6", account.password]).stdout
                .trimmingCharacters(in: .whitespacesAndNewlines)
            passwd.append("\(account.name):x:\(id):\(id)::\(directory):/bin/sh")
            shadow.append("\(account.name):\(hash):19000:0:99999:7:::")
            group.append("\(account.name):x:\(id):")
        }
        try fm.createDirectory(atPath: directory + "/keys", withIntermediateDirectories: true)
        for account in accounts {
            guard let key = account.authorizedKey else { continue }
            try (key + "\n").write(toFile: directory + "/keys/\(account.name)", atomically: true, encoding: .utf8)
        }
        let keyLogins = accounts.contains { $0.authorizedKey != nil }
        try (passwd.joined(separator: "\n") + "\n").write(toFile: directory + "/passwd", atomically: true, encoding: .utf8)
        try (shadow.joined(separator: "\n") + "\n").write(toFile: directory + "/shadow", atomically: true, encoding: .utf8)
        try (group.joined(separator: "\n") + "\n").write(toFile: directory + "/group", atomically: true, encoding: .utf8)
        let configuration = """
            Port \(port)
            ListenAddress \(address)
            HostKey \(key)
            PidFile none
            UsePAM no
            PasswordAuthentication yes
            KbdInteractiveAuthentication no
            PubkeyAuthentication \(keyLogins ? "yes" : "no")
            AuthorizedKeysFile \(directory)/keys/%u
            PermitRootLogin no
            MaxAuthTries \(maxAuthTries)
            MaxStartups 200:30:400
            PerSourceMaxStartups none
            StrictModes no
            LogLevel INFO
            UseDNS no

            """
        try configuration.write(toFile: directory + "/sshd_config", atomically: true, encoding: .utf8)

        // In a mount namespace of its own: the test's accounts over /etc's, a private /run.
        let script = """
            set -e
            mount -t tmpfs tmpfs /run
            mkdir -m 0755 /run/sshd
            mount --bind '\(directory)/passwd' /etc/passwd
            mount --bind '\(directory)/shadow' /etc/shadow
            mount --bind '\(directory)/group' /etc/group
            exec '\(Self.binary)' -D -f '\(directory)/sshd_config' -E '\(logPath)'
            """
        pid = try Spawn.start(
            ["unshare", "--mount", "--propagation", "private", "sh", "-c", script],
            stdout: directory + "/stdout", stderr: directory + "/stderr")
        let listening = try await Poll.until(timeout: .seconds(30)) { [logPath] in
            (try? String(contentsOfFile: logPath, encoding: .utf8))?.contains("Server listening on") == true
        }
        guard listening else {
            let log = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
            let stderr = (try? String(contentsOfFile: directory + "/stderr", encoding: .utf8)) ?? ""
            stop()
            throw CommandFailure(
                command: [Self.binary], result: CommandResult(status: -1, stdout: log, stderr: "sshd did not start: \(stderr)"))
        }
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// The lines sshd has logged so far.
    public var logLines: [String] {
        ((try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    /// Stops sshd (SIGTERM to the PID this test started; idempotent).
    public func stop() {
        let first = stopped.withLock { stopped in
            defer { stopped = true }
            return !stopped
        }
        guard first else { return }
        if Spawn.poll(pid) == nil {
            kill(pid, SIGTERM)
            _ = Spawn.wait(pid)
        }
    }
}
