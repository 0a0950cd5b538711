internal import CLibBPF
public import Foundation
public import Logging
import Synchronization
import TrafficFeatures

#if canImport(Glibc)
import Glibc
#endif

/// The XDP program, loaded into the kernel (not yet attached to an interface).
///
/// Lifecycle (libbpf-bootstrap order): open the embedded or `objectPath` object,
/// configure `.rodata` and map sizes, load (verifier), then attach it with
/// ``XDPLink/attach(_:to:mode:replaceForeignProgram:logger:)`` and
/// call ``collectWindow()`` once per window. Closing (deinit) unloads it.
///
/// Windows: every per-window map exists in two slots; ``collectWindow()`` advances
/// the epoch the program reads, waits for an RCU grace period (forced by re-installing
/// an `ARRAY_OF_MAPS` entry, which the kernel completes only after every program run
/// that started earlier has finished), then reads and clears the retired slot. A
/// packet is therefore counted in exactly one window, with no locking on the packet path.
public final class NetworkMonitorProgram: @unchecked Sendable {
    // @unchecked: the libbpf handles are created in init, freed in deinit, and all map
    // operations run under `rotation`.

    /// The name of the XDP program in the BPF object. ``XDPLink`` treats an attached program with
    /// this name as a stale copy of this one and replaces it.
    public static let programName = "network_monitor"

    /// The settings the program was loaded with.
    public let configuration: ProgramConfiguration
    /// CPUs the kernel may run the program on (per-CPU values have this many copies).
    public let possibleCPUs: Int

    let object: OpaquePointer
    let programFD: Int32
    let maps: MapDescriptors
    let rotation = Mutex<UInt32>(0)
    /// Flows inserted and evictions reported so far (``KernelWindow/flowsEvicted``).
    let flowAccounting = Mutex(FlowAccounting())
    /// Counts the flow table's entries through the kernel's element counter; nil where the kernel
    /// cannot (before Linux 6.6), and the table is then counted by a scan once half full.
    let flowCounter: MapEntryCounter?

    struct FlowAccounting {
        var inserted = 0
        var reported = 0
        /// The element counter failed once: the table is counted by a scan from then on.
        var counterFailed = false
    }
    let logger: Logger

    struct MapDescriptors {
        var control: Int32
        var totals: Int32
        var sourceCache: Int32
        var ports: Int32
        var hll: Int32
        var sourcesOuter: Int32
        var sources: [Int32]
        var portPairs: [Int32]
        var hostPairs: [Int32]
        var flows: Int32
        var events: Int32
        var dnsEvents: Int32
    }

    /// Opens, configures and loads the program. Requires CAP_BPF, CAP_PERFMON and
    /// (to attach) CAP_NET_ADMIN, or root.
    ///
    /// - Parameters:
    ///   - configuration: Table sizes, IPv6 grouping, sampling and the object to load.
    ///   - logger: Receives libbpf's messages, including the verifier log.
    /// - Throws: ``CaptureError``: `.invalidConfiguration` when a setting is out of range,
    ///   `.invalidObject` when the object cannot be opened or lacks the expected program, maps
    ///   or BTF, `.loadFailed` when the kernel refuses the program, `.permissionDenied` without
    ///   the privileges.
    public init(configuration: ProgramConfiguration = ProgramConfiguration(), logger: Logger) throws {
        try configuration.validate()
        self.configuration = configuration
        self.logger = logger
        LibBPFLogging.install(logger)

        let object = try Self.open(configuration: configuration)
        do {
            try Self.configure(object, configuration)
            let loaded = bpf_object__load(object)
            guard loaded == 0 else {
                throw CaptureError.libbpf(
                    loaded, operation: "bpf_object__load", code: .loadFailed,
                    message: "the kernel refused the XDP program (verifier output is in the log)")
            }
            guard let program = bpf_object__find_program_by_name(object, Self.programName) else {
                throw CaptureError(
                    .invalidObject, operation: "bpf_object__find_program_by_name",
                    message: "the object has no program named \(Self.programName)")
            }
            self.programFD = bpf_program__fd(program)
            self.maps = try Self.mapDescriptors(object)
            let cpus = libbpf_num_possible_cpus()
            guard cpus > 0 else {
                throw CaptureError.libbpf(
                    cpus, operation: "libbpf_num_possible_cpus", code: .loadFailed, message: "cannot count CPUs")
            }
            self.possibleCPUs = Int(cpus)
            do {
                flowCounter = try MapEntryCounter(mapFD: maps.flows)
            } catch {
                flowCounter = nil
                logger.notice(
                    "the flow table's evictions are counted by a scan of the table once it is half full: the kernel's element counter is not available",
                    metadata: ["error": "\(error)"])
            }
        } catch {
            bpf_object__close(object)
            throw error
        }
        self.object = object
    }

    deinit {
        bpf_object__close(object)
    }

    /// The embedded BPF object (compiled from `bpf/` by the build plugin).
    public static var embeddedObject: Data {
        Data(base64Encoded: EmbeddedBPFObject.base64, options: .ignoreUnknownCharacters) ?? Data()
    }

    private static func open(configuration: ProgramConfiguration) throws -> OpaquePointer {
        guard let path = configuration.objectPath else {
            return try openEmbedded(EmbeddedBPFObject.base64, name: programName)
        }
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw CaptureError(
                .invalidObject, operation: "bpf_object__open_file", errno: ENOENT,
                message: "BPF object \(path) is not a readable file")
        }
        let handle = withZeroed(bpf_object_open_opts.self) { options in
            options.pointee.sz = MemoryLayout<bpf_object_open_opts>.size
            return bpf_object__open_file(path, options)
        }
        return try opened(handle, what: path)
    }

    /// Opens a BPF object the build plugin embedded (base64), naming it `name`.
    ///
    /// - Throws: ``CaptureError`` `.invalidObject` when the object is empty or libbpf cannot open it.
    static func openEmbedded(_ base64: String, name: String) throws -> OpaquePointer {
        let bytes = Data(base64Encoded: base64, options: .ignoreUnknownCharacters) ?? Data()
        guard !bytes.isEmpty else {
            throw CaptureError(.invalidObject, operation: "embedded BPF object", message: "the embedded BPF object \(name) is empty")
        }
        let handle = withZeroed(bpf_object_open_opts.self) { options in
            options.pointee.sz = MemoryLayout<bpf_object_open_opts>.size
            return name.withCString { cName in
                options.pointee.object_name = cName
                return bytes.withUnsafeBytes { bpf_object__open_mem($0.baseAddress, $0.count, options) }
            }
        }
        return try opened(handle, what: "(embedded \(name))")
    }

    /// The handle libbpf returned, or the error it reported.
    private static func opened(_ handle: OpaquePointer?, what: String) throws -> OpaquePointer {
        guard let handle, libbpf_get_error(UnsafeRawPointer(handle)) == 0 else {
            throw CaptureError.libbpf(
                -Glibc.errno, operation: "bpf_object__open", code: .invalidObject, message: "cannot open BPF object \(what)")
        }
        return handle
    }

    /// Writes `nm_config` into `.rodata` (found through BTF) and sizes the maps.
    private static func configure(_ object: OpaquePointer, _ configuration: ProgramConfiguration) throws {
        var settings = nm_config()
        settings.sample_every = UInt32(configuration.sampleEvery)
        settings.ipv6_source_prefix = UInt32(configuration.ipv6SourcePrefixLength)
        settings.ringbuf_wakeup_bytes = UInt32(configuration.ringBufferWakeupBytes)
        settings.dns_sampling = configuration.dnsSampling ? 1 : 0
        try writeReadOnlyVariable(object, name: "nm_config", value: settings)

        for slot in 0..<Int(NM_SLOTS) {
            try setMaxEntries(object, "nm_sources_\(slot)", configuration.sourceTableEntries)
            try setMaxEntries(object, "nm_port_pairs_\(slot)", configuration.pairTableEntries)
            try setMaxEntries(object, "nm_host_pairs_\(slot)", configuration.pairTableEntries)
        }
        try setMaxEntries(object, "nm_flows", configuration.flowTableEntries)
        // The outer maps' inner-map templates keep their compiled size: the kernel does
        // not compare max_entries of hash inner maps, and libbpf 1.1 cannot resize a
        // template (it has no owning object).
        try setMaxEntries(object, "nm_events", configuration.ringBufferBytes)
        try setMaxEntries(object, "nm_dns_events", configuration.dnsRingBufferBytes)
    }

    private static func setMaxEntries(_ object: OpaquePointer, _ name: String, _ entries: Int) throws {
        guard let map = bpf_object__find_map_by_name(object, name) else {
            throw CaptureError(.invalidObject, operation: "bpf_object__find_map_by_name", message: "map \(name) is missing")
        }
        let result = bpf_map__set_max_entries(map, UInt32(entries))
        guard result == 0 else {
            throw CaptureError.libbpf(
                result, operation: "bpf_map__set_max_entries", code: .invalidConfiguration,
                message: "cannot size map \(name) to \(entries)")
        }
    }

    /// Writes `value` into the `.rodata` variable `name` of an opened, not yet loaded object.
    static func writeReadOnlyVariable<T>(_ object: OpaquePointer, name: String, value: T) throws {
        func missing(_ what: String) -> CaptureError {
            CaptureError(.invalidObject, operation: "configure .rodata", message: what)
        }
        guard let btf = bpf_object__btf(object) else { throw missing("the object has no BTF (compile with -g)") }
        let sectionID = btf__find_by_name_kind(btf, ".rodata", clibbpf_btf_kind_datasec())
        guard sectionID > 0, let section = btf__type_by_id(btf, UInt32(sectionID)) else {
            throw missing("the object has no .rodata section")
        }
        var offset: Int?
        let variables = btf_var_secinfos(section)!
        for index in 0..<Int(btf_vlen(section)) {
            let info = variables[index]
            guard let variable = btf__type_by_id(btf, info.type),
                let variableName = btf__name_by_offset(btf, variable.pointee.name_off)
            else { continue }
            if String(cString: variableName) == name {
                guard Int(info.size) == MemoryLayout<T>.size else {
                    throw missing("\(name) is \(info.size) bytes in the object, \(MemoryLayout<T>.size) in Swift")
                }
                offset = Int(info.offset)
            }
        }
        guard let offset else { throw missing("the object has no .rodata variable \(name)") }

        var rodata: OpaquePointer?
        var map = bpf_object__next_map(object, nil)
        while let current = map {
            if let mapName = bpf_map__name(current), String(cString: mapName).hasSuffix(".rodata") {
                rodata = current
            }
            map = bpf_object__next_map(object, current)
        }
        guard let rodata else { throw missing("no .rodata map") }
        var size = 0
        guard let initial = bpf_map__initial_value(rodata, &size), offset + MemoryLayout<T>.size <= size else {
            throw missing(".rodata is smaller than \(name)")
        }
        var contents = [UInt8](UnsafeRawBufferPointer(start: initial, count: size))
        withUnsafeBytes(of: value) { bytes in
            contents.replaceSubrange(offset..<(offset + bytes.count), with: bytes)
        }
        let result = contents.withUnsafeBytes { bpf_map__set_initial_value(rodata, $0.baseAddress, size) }
        guard result == 0 else {
            throw CaptureError.libbpf(
                result, operation: "bpf_map__set_initial_value", code: .invalidObject, message: "cannot set \(name)")
        }
    }

    private static func mapDescriptors(_ object: OpaquePointer) throws -> MapDescriptors {
        func fd(_ name: String) throws -> Int32 {
            guard let map = bpf_object__find_map_by_name(object, name) else {
                throw CaptureError(
                    .invalidObject, operation: "bpf_object__find_map_by_name", message: "map \(name) is missing")
            }
            return bpf_map__fd(map)
        }
        let slots = 0..<Int(NM_SLOTS)
        return MapDescriptors(
            control: try fd("nm_control"),
            totals: try fd("nm_totals"),
            sourceCache: try fd("nm_source_cache"),
            ports: try fd("nm_ports"),
            hll: try fd("nm_hll"),
            sourcesOuter: try fd("nm_sources"),
            sources: try slots.map { try fd("nm_sources_\($0)") },
            portPairs: try slots.map { try fd("nm_port_pairs_\($0)") },
            hostPairs: try slots.map { try fd("nm_host_pairs_\($0)") },
            flows: try fd("nm_flows"),
            events: try fd("nm_events"),
            dnsEvents: try fd("nm_dns_events")
        )
    }

    var eventsMapFD: Int32 { maps.events }
    var dnsEventsMapFD: Int32 { maps.dnsEvents }

    // MARK: - Test runs

    /// Runs the program once on `frame` with `BPF_PROG_TEST_RUN` (no interface
    /// involved) and returns its XDP action (2 = `XDP_PASS`). The packet is counted in
    /// the current window like any other. Frames must be 14 bytes to one page.
    ///
    /// - Parameters:
    ///   - frame: The Ethernet frame to run the program on.
    ///   - count: How many times the kernel runs the program on the frame.
    /// - Returns: The XDP action of the last run.
    /// - Throws: ``CaptureError`` `.testRunFailed` when the kernel refuses the test run, or
    ///   `.permissionDenied` without the privileges.
    @discardableResult
    public func testRun(frame: [UInt8], repeat count: Int = 1) throws -> UInt32 {
        try withZeroed(bpf_test_run_opts.self) { options in
            options.pointee.sz = MemoryLayout<bpf_test_run_opts>.size
            options.pointee.data_size_in = UInt32(frame.count)
            options.pointee.repeat = Int32(count)
            let result = frame.withUnsafeBytes { raw -> Int32 in
                options.pointee.data_in = raw.baseAddress
                return bpf_prog_test_run_opts(programFD, options)
            }
            guard result == 0 else {
                throw CaptureError.libbpf(
                    result, operation: "bpf_prog_test_run_opts", code: .testRunFailed,
                    message: "test run on a \(frame.count)-byte frame failed")
            }
            return options.pointee.retval
        }
    }

    // MARK: - Statistics

    /// The program's id and run statistics, from `bpf_prog_info`; all zero when the kernel refuses
    /// the query. The run count and time grow only while `kernel.bpf_stats_enabled` is 1.
    public var statistics: ProgramStatistics {
        withZeroed(bpf_prog_info.self) { info in
            var length = UInt32(MemoryLayout<bpf_prog_info>.size)
            guard bpf_obj_get_info_by_fd(programFD, info, &length) == 0 else {
                return ProgramStatistics(id: 0, runCount: 0, runTimeNanoseconds: 0)
            }
            return ProgramStatistics(
                id: info.pointee.id, runCount: info.pointee.run_cnt, runTimeNanoseconds: info.pointee.run_time_ns)
        }
    }
}

/// Holds kernel BPF run-time statistics on (`BPF_ENABLE_STATS`); they turn off when
/// the last holder closes its descriptor.
final class RunStatisticsSwitch: Sendable {
    private let fd: Int32

    init() throws {
        let fd = bpf_enable_stats(BPF_STATS_RUN_TIME)
        guard fd >= 0 else {
            throw CaptureError.libbpf(
                fd, operation: "bpf_enable_stats", code: .loadFailed, message: "cannot enable BPF run statistics")
        }
        self.fd = fd
    }

    deinit {
        close(fd)
    }
}
