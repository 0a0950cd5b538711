public import Foundation

/// Starts child processes with a clean signal state.
///
/// Threads of the test runner block most signals, and a child inherits the mask of
/// the thread that spawns it. Tools that pace themselves with SIGALRM (hping3) then
/// never progress, and SIGTERM cannot stop them. `posix_spawn` with an empty mask and
/// default dispositions avoids that; Foundation's `Process` cannot.
public enum Spawn {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Spawns `arguments` (looked up in PATH) with stdin from /dev/null and stdout and
    /// stderr appended to the given files. Returns the PID.
    public static func start(_ arguments: [String], environment: [String: String]? = nil, stdout: String, stderr: String) throws -> pid_t {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_APPEND, 0o644)

        let environment = (environment ?? ProcessInfo.processInfo.environment).map { "\($0.key)=\($0.value)" }
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        var envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup($0) } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let result = posix_spawnp(&pid, arguments[0], &actions, &attributes, &argv, &envp)
        guard result == 0 else {
            throw Failure(description: "cannot start \(arguments[0]): \(String(cString: strerror(result)))")
        }
        return pid
    }

    /// Waits for `pid` and returns its exit status (128 + signal when killed).
    public static func wait(_ pid: pid_t) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        if status & 0x7F == 0 { return (status >> 8) & 0xFF }
        return 128 + (status & 0x7F)
    }

    /// Waits for `pid` to exit on a thread of its own (not one of the concurrency pool's, which
    /// a blocking `waitpid` would take from every other test) and returns its exit status.
    public static func exitStatus(of pid: pid_t) async -> Int32 {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread { continuation.resume(returning: wait(pid)) }
        }
    }

    /// Non-blocking check; returns the exit status once the process has ended.
    /// Polls `pid` until it exits or `timeout` passes; a process still running then gets SIGTERM.
    /// Returns its exit status and whether the timeout stopped it.
    public static func finish(_ pid: pid_t, within timeout: Duration, every interval: Duration = .milliseconds(200)) async throws
        -> (status: Int32, timedOut: Bool)
    {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while clock.now < deadline {
            if let status = poll(pid) { return (status, false) }
            try await Task.sleep(for: interval)
        }
        if let status = poll(pid) { return (status, false) }
        kill(pid, SIGTERM)
        return (await exitStatus(of: pid), true)
    }

    public static func poll(_ pid: pid_t) -> Int32? {
        var status: Int32 = 0
        guard waitpid(pid, &status, WNOHANG) == pid else { return nil }
        if status & 0x7F == 0 { return (status >> 8) & 0xFF }
        return 128 + (status & 0x7F)
    }
}
