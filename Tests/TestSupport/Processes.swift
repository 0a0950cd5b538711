import AsyncHTTPClient
public import Foundation
import NIOCore
import NIOFoundationCompat
public import NIOHTTP1
import Synchronization

/// Result of a finished command.
public struct CommandResult: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
}

public struct CommandFailure: Error, CustomStringConvertible {
    public var command: [String]
    public var result: CommandResult

    public init(command: [String], result: CommandResult) {
        self.command = command
        self.result = result
    }

    public var description: String {
        "\(command.joined(separator: " ")) exited \(result.status): \(result.stderr)\(result.stdout)"
    }
}

/// Runs external commands (ip, hping3, nmap, tshark, …) for tests.
public enum Command {
    /// Runs `arguments` (the first is looked up in PATH) and waits for it on a thread of its
    /// own, so that a slow command (tshark, a replay) never holds one of the few threads every
    /// async test shares. Async tests call this one.
    @discardableResult
    public static func run(_ arguments: [String], check: Bool = true, environment: [String: String]? = nil) async throws -> CommandResult {
        if let executable = arguments.first, executable.hasPrefix(BuiltProducts.directory.path + "/") {
            ServiceSlots.checkHeld(starting: executable)
        }
        return try await Output.capture(arguments, check: check) { stdout, stderr in
            let pid = try Spawn.start(arguments, environment: environment, stdout: stdout, stderr: stderr)
            return await Spawn.exitStatus(of: pid)
        }
    }

    /// Runs `arguments` and blocks the calling thread until it exits: for synchronous code only
    /// (trait conditions, `deinit` clean-up), where the command is short.
    @discardableResult
    public static func runBlocking(_ arguments: [String], check: Bool = true, environment: [String: String]? = nil) throws -> CommandResult {
        try Output.capture(arguments, check: check) { stdout, stderr in
            Spawn.wait(try Spawn.start(arguments, environment: environment, stdout: stdout, stderr: stderr))
        }
    }

    /// The files a command writes its output to, read back into a ``CommandResult``.
    private enum Output {
        static func capture(
            _ arguments: [String], check: Bool, running: (String, String) async throws -> Int32
        ) async throws -> CommandResult {
            let base = NSTemporaryDirectory() + "nm-command-\(UUID().uuidString)"
            defer { remove(base) }
            return try result(arguments, base: base, status: try await running(base + ".out", base + ".err"), check: check)
        }

        static func capture(_ arguments: [String], check: Bool, running: (String, String) throws -> Int32) throws -> CommandResult {
            let base = NSTemporaryDirectory() + "nm-command-\(UUID().uuidString)"
            defer { remove(base) }
            return try result(arguments, base: base, status: try running(base + ".out", base + ".err"), check: check)
        }

        static func result(_ arguments: [String], base: String, status: Int32, check: Bool) throws -> CommandResult {
            let result = CommandResult(
                status: status, stdout: (try? String(contentsOfFile: base + ".out", encoding: .utf8)) ?? "",
                stderr: (try? String(contentsOfFile: base + ".err", encoding: .utf8)) ?? "")
            if check && result.status != 0 {
                throw CommandFailure(command: arguments, result: result)
            }
            return result
        }

        static func remove(_ base: String) {
            try? FileManager.default.removeItem(atPath: base + ".out")
            try? FileManager.default.removeItem(atPath: base + ".err")
        }
    }

    /// True when `name` is an executable in PATH.
    public static func exists(_ name: String) -> Bool {
        (try? runBlocking(["sh", "-c", "command -v \(name)"], check: false))?.status == 0
    }
}

/// The built executables next to the test bundle (`.build/<config>/`).
public enum BuiltProducts {
    public static var directory: URL {
        if let override = ProcessInfo.processInfo.environment["BUILT_PRODUCTS_DIR"] {
            return URL(fileURLWithPath: override)
        }
        var url = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        // The test runner is .build/<config>/<Package>PackageTests.xctest (a file or a bundle).
        while url.path != "/" && !FileManager.default.fileExists(atPath: url.appendingPathComponent("monitor").path) {
            url.deleteLastPathComponent()
        }
        return url
    }

    /// The path of the built executable `name`.
    public static func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    public static var monitor: String { path("monitor") }
    public static var detector: String { path("detector") }
}

/// The checkout these tests belong to.
public enum Repository {
    /// The repository's root folder (this file is Tests/TestSupport/Processes.swift).
    public static let root: URL = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url
    }()
}

/// A monitor process started by a test, stopped with SIGTERM (or SIGKILL) by its PID.
public final class MonitorProcess: Sendable {
    public let port: Int
    public let logPath: String
    public let pid: Int32
    private let exitStatus = Mutex<Int32?>(nil)

    /// The address ``baseURL`` reaches the process at.
    public let address: String
    /// The executable's file name, for messages.
    public let name: String
    private let started = ContinuousClock.now

    /// Starts `monitor` with `arguments` plus `--http-addr <listen>:<free port>`;
    /// `prefix` runs it through another command (e.g. setpriv, or `ip netns exec` with
    /// `listen` 0.0.0.0 and `address` the namespace's address); `port` (default: a free one)
    /// restarts a service where a previous process listened.
    public init(
        arguments: [String], environment: [String: String] = [:], executable: String = BuiltProducts.monitor,
        prefix: [String] = [], listen: String = "127.0.0.1", address: String? = nil, port: Int? = nil
    ) throws {
        ServiceSlots.checkHeld(starting: executable)
        self.address = address ?? listen
        name = URL(fileURLWithPath: executable).lastPathComponent
        self.port = try port ?? FreePort.next()
        logPath = NSTemporaryDirectory() + "monitor-\(port)-\(UUID().uuidString).log"
        var env = ProcessInfo.processInfo.environment
        // A monitor under test reads no authentication log or journal of the machine unless the test names one.
        if env["AUTH_LOGS"] == nil { env["AUTH_LOGS"] = "none" }
        if env["AUTH_JOURNAL"] == nil { env["AUTH_JOURNAL"] = "none" }
        env.merge(environment) { $1 }
        pid = try Spawn.start(
            prefix + [executable] + arguments + ["--http-addr", "\(listen):\(self.port)"], environment: env, stdout: logPath,
            stderr: logPath)
    }

    deinit {
        killHard()
        try? FileManager.default.removeItem(atPath: logPath)
    }

    public var isRunning: Bool {
        exitStatus.withLock { status in
            if status == nil { status = Spawn.poll(pid) }
            return status == nil
        }
    }

    public var baseURL: String { "http://\(address):\(port)" }
    public var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// Waits until `path` answers `status` (default: /ready answers 200), polling every 100 ms.
    ///
    /// The timeout is a bound for a broken run, not an expectation of speed (a service answers
    /// in well under a second on an idle machine). When it is reached, or the process exits, the
    /// error says what the process was doing: its state and the CPU time it was given since it
    /// started (a starved process has used little), the last answer, and the end of its log.
    public func waitUntil(path: String = "/ready", status: Int = 200, timeout: Duration = .seconds(120)) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        var last = "no connection yet"
        while clock.now < deadline {
            guard isRunning else { throw await failure("exited before \(path) answered \(status)", last: last) }
            do {
                let response = try await HTTP.get(baseURL + path)
                if response.status == status { return }
                last = "\(response.status) \(response.text.prefix(200))"
            } catch {
                last = "\(error)"
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw await failure("timeout waiting for \(path) to answer \(status) (\(timeout))", last: last)
    }

    /// An error naming `what` went wrong and what the process was doing.
    private func failure(_ what: String, last: String) async -> CommandFailure {
        let lines = log.split(separator: "\n", omittingEmptySubsequences: false)
        let tail = lines.suffix(60).joined(separator: "\n")
        let report = [
            "\(name) (pid \(pid)) \(what)",
            "  \(ProcessReport.describe(pid: pid, startedAgo: ContinuousClock.now - started))",
            "  last answer: \(last)",
            "  service slots taken: \(await ServiceSlots.shared.taken) of \(ServiceSlots.shared.capacity)",
            "  log (\(lines.count) lines, the last \(min(60, lines.count))):",
        ].joined(separator: "\n")
        return CommandFailure(command: [name, "(\(what))"], result: CommandResult(status: -1, stdout: tail, stderr: report + "\n"))
    }

    public func get(_ path: String) async throws -> HTTP.Response {
        try await HTTP.get(baseURL + path)
    }

    /// Sends SIGTERM and waits for the exit status (blocking: for synchronous code).
    @discardableResult
    public func terminate() -> Int32 {
        stop(signal: SIGTERM)
    }

    /// Sends SIGTERM and waits for the exit status on a thread of its own.
    @discardableResult
    public func terminate() async -> Int32 {
        if let status = exitStatus.withLock({ status in
            if status == nil { status = Spawn.poll(pid) }
            if status == nil { kill(pid, SIGTERM) }
            return status
        }) {
            return status
        }
        let status = await Spawn.exitStatus(of: pid)
        exitStatus.withLock { $0 = status }
        return status
    }

    /// Sends SIGKILL (no cleanup possible in the process) and waits.
    public func killHard() {
        _ = stop(signal: SIGKILL)
    }

    /// Sends `signal` (e.g. SIGSTOP, SIGCONT) to the process while it runs; does not wait.
    public func send(signal: Int32) {
        exitStatus.withLock { status in
            if status == nil { status = Spawn.poll(pid) }
            if status == nil { kill(pid, signal) }
        }
    }

    private func stop(signal: Int32) -> Int32 {
        exitStatus.withLock { status in
            if status == nil { status = Spawn.poll(pid) }
            if status == nil {
                kill(pid, signal)
                status = Spawn.wait(pid)
            }
            return status!
        }
    }
}

/// What a running process is doing, from `/proc/<pid>/stat`.
public enum ProcessReport {
    /// "state R (running), 0.42 s of CPU in the 175.0 s since it started", or why that is unknown.
    public static func describe(pid: pid_t, startedAgo: Duration) -> String {
        let seconds = Double(startedAgo.components.seconds) + Double(startedAgo.components.attoseconds) / 1e18
        let since = "in the \(String(format: "%.1f", seconds)) s since it started"
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return "no /proc/\(pid)/stat (exited?) \(since)" }
        // After "pid (comm) ": state is field 3, utime 14, stime 15 (clock ticks).
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return "unreadable /proc/\(pid)/stat" }
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        let states = ["R": "running", "S": "sleeping", "D": "waiting on I/O", "T": "stopped", "t": "traced", "Z": "zombie"]
        let state = String(fields[0])
        return "state \(state) (\(states[state] ?? "?")), \(String(format: "%.2f", (user + system) / ticks)) s of CPU \(since)"
    }
}

/// A TCP port on 127.0.0.1 that was free a moment ago, for a server a test starts in a child
/// process. For a port that must stay unanswered, use ``ClosedPort``.
public enum FreePort {
    public static func next() throws -> Int {
        try ClosedPort().port
    }
}

/// A port on 127.0.0.1 where nothing listens, for as long as this value lives: a socket is
/// bound to it without `listen`, so connections are refused and the kernel gives the port to no
/// other socket (a port merely free a moment ago may be handed to another test's server, which
/// would then receive what this test meant to send nowhere).
public final class ClosedPort: Sendable {
    public let port: Int
    private let fd: Int32

    public init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EMFILE) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else {
            close(fd)
            throw POSIXError(.EADDRINUSE)
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        self.fd = fd
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    deinit { close(fd) }

    /// `http://127.0.0.1:<port>`.
    public var url: String { "http://127.0.0.1:\(port)" }
}

/// Minimal HTTP client calls for tests (AsyncHTTPClient).
public enum HTTP {
    public struct Response: Sendable {
        public var status: Int
        public var body: Data
        public var contentType: String?
        public var text: String { String(decoding: body, as: UTF8.self) }

        public func json() throws -> [String: Any] {
            try JSONSerialization.jsonObject(with: body) as? [String: Any] ?? [:]
        }
    }

    public static func get(_ url: String) async throws -> Response {
        try await send(url, method: .GET, body: nil)
    }

    public static func send(_ url: String, method: HTTPMethod, body: Data?, headers: [(String, String)] = []) async throws -> Response {
        var request = HTTPClientRequest(url: url)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let bytes = try await response.body.collect(upTo: 64 << 20)
        return Response(status: Int(response.status.code), body: Data(buffer: bytes), contentType: response.headers.first(name: "content-type"))
    }
}

/// Parses Prometheus text exposition into `name{labels}` → value.
public enum PrometheusText {
    public static func samples(_ text: String) -> [String: Double] {
        var samples: [String: Double] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
            samples[String(line[..<space])] = value
        }
        return samples
    }
}
