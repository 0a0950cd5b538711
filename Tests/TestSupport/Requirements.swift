import Foundation
public import Testing

/// What a test needs from the machine (root, a tool), and what happens when it is missing.
///
/// By default a test whose requirement is missing is skipped with the requirement as the reason.
/// With `REQUIRE_PRIVILEGED=1` in the environment (CI sets it) the test fails instead, naming
/// the requirement, so a run that silently skipped the privileged suites cannot pass.
public enum TestRequirements {
    /// True when `REQUIRE_PRIVILEGED=1`: every requirement must hold.
    public static var areMandatory: Bool { ProcessInfo.processInfo.environment["REQUIRE_PRIVILEGED"] == "1" }

    /// The failure of a requirement that had to hold.
    public struct Missing: Error, CustomStringConvertible {
        public var description: String
    }
}

extension Trait where Self == ConditionTrait {
    /// Runs the test (or suite) when `condition` holds; otherwise skips it, or with
    /// `REQUIRE_PRIVILEGED=1` fails it with `comment` as the reason.
    public static func requires(
        _ condition: @autoclosure @escaping @Sendable () -> Bool, _ comment: Comment,
        sourceLocation: SourceLocation = #_sourceLocation
    ) -> Self {
        .enabled(comment, sourceLocation: sourceLocation) {
            if condition() { return true }
            if TestRequirements.areMandatory {
                throw TestRequirements.Missing(description: "REQUIRE_PRIVILEGED=1, but the requirement is missing: \(comment)")
            }
            return false
        }
    }
}
