internal import CLibBPF
import Logging
import Synchronization

/// libbpf has one process-wide print callback. It forwards to the logger of the most
/// recently opened program (libbpf's warnings, including the verifier log, become
/// swift-log `warning`s; its info and debug lines become `debug` and `trace`).
enum LibBPFLogging {
    private static let logger = Mutex<Logger?>(nil)

    static func install(_ newLogger: Logger) {
        logger.withLock { $0 = newLogger }
        _ = libbpf_set_print(printCallback)
    }

    /// Non-generic C callback (a `@convention(c)` closure in a generic context
    /// crashes the Swift 6.3 compiler).
    private static let printCallback: libbpf_print_fn_t = { level, format, arguments in
        guard let format, let arguments else { return 0 }
        var buffer = [CChar](repeating: 0, count: 2048)
        let written = clibbpf_vformat(&buffer, buffer.count, format, arguments)
        guard written > 0 else { return 0 }
        var text = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        while text.last == "\n" { text.removeLast() }
        LibBPFLogging.logger.withLock { logger in
            guard let logger else { return }
            switch level {
            case LIBBPF_WARN: logger.warning("libbpf: \(text)")
            case LIBBPF_INFO: logger.debug("libbpf: \(text)")
            default: logger.trace("libbpf: \(text)")
            }
        }
        return written
    }
}
