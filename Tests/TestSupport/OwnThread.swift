import Foundation

/// CPU-heavy work of a test, on a thread of its own.
///
/// Swift Testing runs tests on the concurrency pool, which has one thread per core. A test
/// that computes for seconds there holds a thread that every async test (in-process servers,
/// publishers, polls) needs; on a 2-core machine two of them stop all the others. Do the
/// computing here and return what to check: expectations are made back in the test, where
/// Swift Testing knows which test they belong to.
public enum OwnThread {
    public static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try body() }) }.start()
        }
    }
}
