/// Waiting for a state: tests poll for what they expect instead of sleeping for a time that
/// a slow or loaded machine may not keep.
public enum Poll {
    /// Checks `condition` every `interval` until it holds (true) or `timeout` passes (false).
    /// The timeout is a bound for a broken run, not an expectation of speed: keep it generous.
    /// The default, 2 minutes, outlasts the stalls of a loaded 2-core machine, where the tests
    /// around one (and their subprocesses) take every core for tens of seconds.
    public static func until(
        timeout: Duration = .seconds(120), every interval: Duration = .milliseconds(100), _ condition: () async throws -> Bool
    ) async throws -> Bool {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while clock.now < deadline {
            if try await condition() { return true }
            try await Task.sleep(for: interval)
        }
        return try await condition()
    }
}
