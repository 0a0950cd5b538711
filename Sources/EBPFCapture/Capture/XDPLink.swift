internal import CLibBPF
public import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// How the program is attached to the interface's XDP hook.
public enum XDPAttachMode: String, Sendable, CaseIterable, CustomStringConvertible {
    /// In the driver, before an skb exists (fastest; needs driver support — veth has it).
    case native
    /// In the generic receive path, after the skb is built (works on every interface).
    /// Generic mode runs after GRO, so a merged super-packet counts once.
    case generic
    /// Native when the driver supports it, otherwise generic.
    case auto

    /// Parses `XDP_MODE` values: `native`/`drv`/`driver`, `generic`/`skb`, `auto`.
    public init?(argument: String) {
        switch argument.lowercased() {
        case "native", "drv", "driver": self = .native
        case "generic", "skb": self = .generic
        case "auto", "": self = .auto
        default: return nil
        }
    }

    /// The raw value: `native`, `generic` or `auto`.
    public var description: String { rawValue }
}

/// The program attached to one interface through a `bpf_link`.
///
/// A link detaches when it is closed: by ``detach()``, by deinit, or by the kernel
/// when the process dies for any reason (SIGKILL and crashes included), so a dead
/// monitor never leaves its program behind. A `network_monitor` program that an
/// older tool attached through netlink (which does survive its process) is treated
/// as stale and replaced; another program is left alone unless
/// `replaceForeignProgram` is set.
public final class XDPLink: Sendable {
    /// The name of the interface the program is attached to, e.g. `eth0`.
    public let interface: String
    /// The interface's index, from `if_nametoindex`.
    public let interfaceIndex: UInt32
    /// The mode actually in use (never `.auto`).
    public let mode: XDPAttachMode
    private let linkFD: Mutex<Int32?>
    private let logger: Logger

    private init(interface: String, index: UInt32, mode: XDPAttachMode, fd: Int32, logger: Logger) {
        self.interface = interface
        self.interfaceIndex = index
        self.mode = mode
        self.linkFD = Mutex(fd)
        self.logger = logger
    }

    deinit {
        detach()
    }

    /// Attaches `program` to `interface`. With `.auto`, native is tried first.
    ///
    /// A `network_monitor` program left on the interface by a process that has exited is
    /// detached first.
    ///
    /// - Parameters:
    ///   - program: The loaded program.
    ///   - interface: The interface name, e.g. `eth0`.
    ///   - mode: The attach mode.
    ///   - replaceForeignProgram: Detach any other XDP program found on the interface instead
    ///     of throwing.
    ///   - logger: Receives the attach, detach and replacement messages.
    /// - Returns: The link; the program stays attached until it is detached or deinitialized.
    /// - Throws: ``CaptureError``: `.interfaceNotFound`, `.foreignProgramAttached`,
    ///   `.permissionDenied`, `.interfaceBusy`, or `.attachFailed` when the interface cannot be
    ///   queried, a stale program cannot be detached, or no mode could be used.
    public static func attach(
        _ program: NetworkMonitorProgram, to interface: String, mode: XDPAttachMode,
        replaceForeignProgram: Bool = false, logger: Logger
    ) throws -> XDPLink {
        let index = if_nametoindex(interface)
        guard index != 0 else {
            throw CaptureError(
                .interfaceNotFound, operation: "if_nametoindex", errno: Glibc.errno,
                message: "no network interface named \(interface)")
        }
        try removeStaleProgram(
            interface: interface, index: index, replaceForeignProgram: replaceForeignProgram, logger: logger)

        let candidates: [XDPAttachMode] = mode == .auto ? [.native, .generic] : [mode]
        var lastError: CaptureError?
        for candidate in candidates {
            let fd = withZeroed(bpf_link_create_opts.self) { options in
                options.pointee.sz = MemoryLayout<bpf_link_create_opts>.size
                options.pointee.flags = candidate == .native ? UInt32(XDP_FLAGS_DRV_MODE) : UInt32(XDP_FLAGS_SKB_MODE)
                return bpf_link_create(program.programFD, Int32(index), BPF_XDP, options)
            }
            if fd >= 0 {
                logger.info(
                    "XDP program attached",
                    metadata: ["interface": "\(interface)", "mode": "\(candidate)", "program_id": "\(program.statistics.id)"])
                return XDPLink(interface: interface, index: index, mode: candidate, fd: fd, logger: logger)
            }
            let error = CaptureError.libbpf(
                fd, operation: "bpf_link_create(BPF_XDP)", code: .attachFailed,
                message: "cannot attach to \(interface) in \(candidate) mode")
            logger.debug("XDP attach attempt failed", metadata: ["mode": "\(candidate)", "error": "\(error)"])
            if error.code == .permissionDenied || error.code == .interfaceBusy { throw error }
            lastError = error
        }
        throw lastError!
    }

    /// Detaches the program (idempotent).
    public func detach() {
        let fd = linkFD.withLock { fd -> Int32? in
            defer { fd = nil }
            return fd
        }
        if let fd {
            close(fd)
            logger.info("XDP program detached", metadata: ["interface": "\(interface)", "mode": "\(mode)"])
        }
    }

    /// True until ``detach()``.
    public var isAttached: Bool { linkFD.withLock { $0 != nil } }

    /// The XDP program ids attached to an interface, per mode (0 = none).
    public static func attachedPrograms(interface: String) -> (native: UInt32, generic: UInt32)? {
        let index = if_nametoindex(interface)
        guard index != 0 else { return nil }
        return withZeroed(bpf_xdp_query_opts.self) { query in
            query.pointee.sz = MemoryLayout<bpf_xdp_query_opts>.size
            guard bpf_xdp_query(Int32(index), 0, query) == 0 else { return nil }
            return (query.pointee.drv_prog_id, query.pointee.skb_prog_id)
        }
    }

    private static func removeStaleProgram(
        interface: String, index: UInt32, replaceForeignProgram: Bool, logger: Logger
    ) throws {
        let ids = withZeroed(bpf_xdp_query_opts.self) { query -> (result: Int32, native: UInt32, generic: UInt32) in
            query.pointee.sz = MemoryLayout<bpf_xdp_query_opts>.size
            let result = bpf_xdp_query(Int32(index), 0, query)
            return (result, query.pointee.drv_prog_id, query.pointee.skb_prog_id)
        }
        guard ids.result == 0 else {
            throw CaptureError.libbpf(
                ids.result, operation: "bpf_xdp_query", code: .attachFailed, message: "cannot query XDP on \(interface)")
        }
        let attached: [(id: UInt32, flags: UInt32, mode: String)] = [
            (ids.native, UInt32(XDP_FLAGS_DRV_MODE), "native"),
            (ids.generic, UInt32(XDP_FLAGS_SKB_MODE), "generic"),
        ]
        for program in attached where program.id != 0 {
            let name = programName(id: program.id) ?? "?"
            guard name == NetworkMonitorProgram.programName || replaceForeignProgram else {
                throw CaptureError(
                    .foreignProgramAttached, operation: "bpf_xdp_query",
                    message:
                        "\(interface) already runs XDP program \"\(name)\" (id \(program.id), \(program.mode) mode); "
                        + "detach it or allow replacing it")
            }
            let detached = bpf_xdp_detach(Int32(index), program.flags, nil)
            guard detached == 0 else {
                throw CaptureError.libbpf(
                    detached, operation: "bpf_xdp_detach", code: .attachFailed,
                    message:
                        "\(interface) has XDP program \"\(name)\" (id \(program.id)) held by a bpf_link of a running "
                        + "process; stop that process first")
            }
            logger.warning(
                "replaced a stale XDP program left on the interface",
                metadata: ["interface": "\(interface)", "program": "\(name)", "program_id": "\(program.id)", "mode": "\(program.mode)"])
        }
    }

    private static func programName(id: UInt32) -> String? {
        let fd = bpf_prog_get_fd_by_id(id)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        return withZeroed(bpf_prog_info.self) { info in
            var length = UInt32(MemoryLayout<bpf_prog_info>.size)
            guard bpf_obj_get_info_by_fd(fd, info, &length) == 0 else { return nil }
            return withUnsafeBytes(of: info.pointee.name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
        }
    }
}
