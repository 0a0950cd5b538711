#if canImport(Glibc)
import Glibc
#endif

/// The one error type of EBPFCapture: what failed, where, and the underlying errno.
public struct CaptureError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of failure a ``CaptureError`` reports.
    public enum Code: String, Sendable, Equatable {
        /// The process lacks CAP_BPF / CAP_NET_ADMIN / CAP_PERFMON (or root). The
        /// corresponding C errors are `EPERM` and `EACCES`.
        case permissionDenied
        /// No network interface with the configured name.
        case interfaceNotFound
        /// The BPF object could not be opened or is not the expected program.
        case invalidObject
        /// The kernel refused the program (the verifier log is in the logs).
        case loadFailed
        /// The program could not be attached in the requested mode.
        case attachFailed
        /// Another live process owns the interface's XDP hook (`EBUSY`).
        case interfaceBusy
        /// A different XDP program is attached; it is left alone unless replacement is requested.
        case foreignProgramAttached
        /// Reading or clearing a map failed.
        case mapOperationFailed
        /// BPF_PROG_TEST_RUN failed.
        case testRunFailed
        /// The capture file could not be opened.
        case captureFileUnreadable
        /// The capture file ended in a broken record or could not be read.
        case captureFileCorrupt
        /// The capture's link layer is not one the parser supports.
        case unsupportedLinkType
        /// A configuration value is out of range.
        case invalidConfiguration
    }

    /// What kind of failure this is.
    public var code: Code
    /// The operation that failed, e.g. `bpf_object__load` or `pcap_open_offline`.
    public var operation: String
    /// The errno reported by the kernel or library, when there was one.
    public var errno: Int32?
    /// A description of the failure, for logs and people.
    public var message: String

    /// Creates an error.
    ///
    /// - Parameters:
    ///   - code: What kind of failure it is.
    ///   - operation: The function or step that failed, e.g. `bpf_link_create(BPF_XDP)`.
    ///   - errno: The errno reported by the kernel or library, or nil when there was none.
    ///   - message: A description of the failure.
    public init(_ code: Code, operation: String, errno: Int32? = nil, message: String) {
        self.code = code
        self.operation = operation
        self.errno = errno
        self.message = message
    }

    /// `operation: message`, followed by the `strerror` text and number of ``errno`` when there is one.
    public var description: String {
        var text = "\(operation): \(message)"
        if let errno {
            text += " (\(String(cString: strerror(errno))), errno \(errno))"
        }
        return text
    }

    /// libbpf returns `-errno` (and sets errno). This maps it to an error with a code
    /// chosen from the errno when the operation's default code is too generic.
    static func libbpf(_ result: Int32, operation: String, code: Code, message: String) -> CaptureError {
        let err = result < 0 ? -result : Glibc.errno
        let chosen: Code
        switch err {
        case EPERM, EACCES: chosen = .permissionDenied
        case EBUSY where code == .attachFailed: chosen = .interfaceBusy
        default: chosen = code
        }
        return CaptureError(chosen, operation: operation, errno: err, message: message)
    }
}
