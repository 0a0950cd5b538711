internal import CLibBPF
public import Foundation
public import Logging
import Synchronization
public import TrafficFeatures

#if canImport(Glibc)
import Glibc
#endif

/// Load-time settings of the XDP program.
public struct ProgramConfiguration: Sendable, Equatable {
    /// Emit one sampled packet event every N packets per CPU; 0 (default) disables
    /// the ring buffer path entirely (the verifier removes it).
    public var sampleEvery: Int
    /// Prefix length IPv6 sources are grouped by in the per-source table (1–128).
    public var ipv6SourcePrefixLength: Int
    /// Entries of each per-source table (one per window slot).
    public var sourceTableEntries: Int
    /// Entries of each (source, port) and (source, host) table.
    public var pairTableEntries: Int
    /// Ring-buffer size in bytes (a power of two, at least one page).
    public var ringBufferBytes: Int
    /// Pending bytes after which the program wakes the event consumer.
    public var ringBufferWakeupBytes: Int
    /// A BPF object file to load instead of the embedded one (`BPF_OBJECT`).
    public var objectPath: String?

    /// The values each setting accepts (``validate()`` checks them; the monitor's settings use them).
    public static let sampleEveryRange = 0...1_000_000_000
    public static let tableEntriesRange = 1...(1 << 24)
    public static let ringBufferBytesRange = 4096...(1 << 30)
    public static let defaultSourceTableEntries = 16_384
    public static let defaultPairTableEntries = 65_536
    public static let defaultRingBufferBytes = 256 * 1024

    public init(
        sampleEvery: Int = 0,
        ipv6SourcePrefixLength: Int = AggregationSettings.defaultIPv6SourcePrefixLength,
        sourceTableEntries: Int = defaultSourceTableEntries,
        pairTableEntries: Int = defaultPairTableEntries,
        ringBufferBytes: Int = defaultRingBufferBytes,
        ringBufferWakeupBytes: Int = 64 * 1024,
        objectPath: String? = nil
    ) {
        self.sampleEvery = sampleEvery
        self.ipv6SourcePrefixLength = ipv6SourcePrefixLength
        self.sourceTableEntries = sourceTableEntries
        self.pairTableEntries = pairTableEntries
        self.ringBufferBytes = ringBufferBytes
        self.ringBufferWakeupBytes = ringBufferWakeupBytes
        self.objectPath = objectPath
    }

    func validate() throws {
        func invalid(_ message: String) -> CaptureError {
            CaptureError(.invalidConfiguration, operation: "ProgramConfiguration", message: message)
        }
        guard sampleEvery >= 0 else { throw invalid("sampleEvery must be >= 0, got \(sampleEvery)") }
        guard AggregationSettings.ipv6SourcePrefixLengthRange.contains(ipv6SourcePrefixLength) else {
            throw invalid("ipv6SourcePrefixLength must be 1...128, got \(ipv6SourcePrefixLength)")
        }
        guard Self.tableEntriesRange.contains(sourceTableEntries) else {
            throw invalid("sourceTableEntries must be 1...16777216, got \(sourceTableEntries)")
        }
        guard Self.tableEntriesRange.contains(pairTableEntries) else {
            throw invalid("pairTableEntries must be 1...16777216, got \(pairTableEntries)")
        }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        guard ringBufferBytes >= page, ringBufferBytes.nonzeroBitCount == 1 else {
            throw invalid("ringBufferBytes must be a power of two >= \(page), got \(ringBufferBytes)")
        }
    }
}

/// What the kernel counted in one window slot, read and cleared by
/// ``NetworkMonitorProgram/collectWindow()``.
public struct KernelWindow: Sendable {
    /// The epoch this slot was filled under (0, 1, 2, … per rotation).
    public var epoch: UInt32
    public var counters: WindowCounters
    public var uniquePorts: Int
    /// Every source in the per-source table, with its address.
    public var sources: [(address: NetworkAddress, stats: SourceStats)]
    /// The HyperLogLog registers merged over CPUs.
    public var sketch: HyperLogLog
    /// Entries inserted by the program vs. entries found when draining: the
    /// difference was evicted by the LRU tables.
    public var sourceInserts: Int
    /// Entries found in the per-source table (sources can also come only from a CPU's
    /// source cache when their entry was evicted).
    public var sourceEntries: Int
    public var portPairInserts: Int
    public var portPairEntries: Int
    public var hostPairInserts: Int
    public var hostPairEntries: Int
    public var sourceInsertFailures: Int
    public var portPairInsertFailures: Int
    public var hostPairInsertFailures: Int
    public var sampledEvents: Int
    public var ringBufferReserveFailures: Int

    /// Losses of this window (evictions derived from inserts minus entries found).
    public var losses: CaptureLosses {
        var losses = CaptureLosses()
        losses.sourceEntriesEvicted = max(0, sourceInserts - sourceEntries)
        losses.sourceInsertFailures = sourceInsertFailures
        losses.portPairsEvicted = max(0, portPairInserts - portPairEntries)
        losses.portPairInsertFailures = portPairInsertFailures
        losses.hostPairsEvicted = max(0, hostPairInserts - hostPairEntries)
        losses.hostPairInsertFailures = hostPairInsertFailures
        losses.sampledEventsLost = ringBufferReserveFailures
        return losses
    }

    /// The window in the wire format. `unique_ips` is the exact table size unless the
    /// table lost entries, in which case it is the sketch's estimate.
    public func trafficWindow(
        start: Date?, duration: Double, interface: String?, sequence: Int?, topSourceLimit: Int
    ) -> TrafficWindow {
        let losses = self.losses
        let estimated = losses.sourceEntriesEvicted > 0 || losses.sourceInsertFailures > 0
        return TrafficWindow(
            windowStart: start,
            windowSeconds: duration,
            counters: counters,
            uniqueIPs: estimated ? max(sources.count, Int(sketch.estimate.rounded())) : sources.count,
            uniquePorts: uniquePorts,
            topSources: TopSources.select(sources.map(\.stats), limit: topSourceLimit),
            uniqueIPsEstimated: estimated,
            interface: interface,
            source: CaptureSourceKind.xdp.rawValue,
            sequence: sequence,
            sampledEvents: sampledEvents,
            losses: losses
        )
    }
}

/// Run statistics of the loaded program, from `bpf_prog_info`. `runCount` and
/// `runTimeNanoseconds` only grow while `kernel.bpf_stats_enabled` is 1.
public struct ProgramStatistics: Sendable, Equatable {
    public var id: UInt32
    public var runCount: UInt64
    public var runTimeNanoseconds: UInt64
}

/// The XDP program, loaded into the kernel (not yet attached to an interface).
///
/// Lifecycle (libbpf-bootstrap order): open the embedded or `objectPath` object,
/// configure `.rodata` and map sizes, load (verifier), then ``XDPLink/attach`` it and
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

    public static let programName = "network_monitor"

    public let configuration: ProgramConfiguration
    /// CPUs the kernel may run the program on (per-CPU values have this many copies).
    public let possibleCPUs: Int

    private let object: OpaquePointer
    let programFD: Int32
    private let maps: MapDescriptors
    private let rotation = Mutex<UInt32>(0)
    private let logger: Logger

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
        var events: Int32
    }

    /// Opens, configures and loads the program. Requires CAP_BPF, CAP_PERFMON and
    /// (to attach) CAP_NET_ADMIN, or root.
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
        let handle: OpaquePointer? = try withZeroed(bpf_object_open_opts.self) { options in
            options.pointee.sz = MemoryLayout<bpf_object_open_opts>.size
            if let path = configuration.objectPath {
                guard FileManager.default.isReadableFile(atPath: path) else {
                    throw CaptureError(
                        .invalidObject, operation: "bpf_object__open_file", errno: ENOENT,
                        message: "BPF object \(path) is not a readable file")
                }
                return bpf_object__open_file(path, options)
            }
            let bytes = embeddedObject
            guard !bytes.isEmpty else {
                throw CaptureError(
                    .invalidObject, operation: "EmbeddedBPFObject", message: "the embedded BPF object is empty")
            }
            return Self.programName.withCString { name in
                options.pointee.object_name = name
                return bytes.withUnsafeBytes { raw in
                    bpf_object__open_mem(raw.baseAddress, raw.count, options)
                }
            }
        }
        guard let handle, libbpf_get_error(UnsafeRawPointer(handle)) == 0 else {
            throw CaptureError.libbpf(
                -Glibc.errno, operation: "bpf_object__open", code: .invalidObject,
                message: "cannot open BPF object \(configuration.objectPath ?? "(embedded)")")
        }
        return handle
    }

    /// Writes `nm_config` into `.rodata` (found through BTF) and sizes the maps.
    private static func configure(_ object: OpaquePointer, _ configuration: ProgramConfiguration) throws {
        var settings = nm_config()
        settings.sample_every = UInt32(configuration.sampleEvery)
        settings.ipv6_source_prefix = UInt32(configuration.ipv6SourcePrefixLength)
        settings.ringbuf_wakeup_bytes = UInt32(configuration.ringBufferWakeupBytes)
        try writeReadOnlyVariable(object, name: "nm_config", value: settings)

        for slot in 0..<Int(NM_SLOTS) {
            try setMaxEntries(object, "nm_sources_\(slot)", configuration.sourceTableEntries)
            try setMaxEntries(object, "nm_port_pairs_\(slot)", configuration.pairTableEntries)
            try setMaxEntries(object, "nm_host_pairs_\(slot)", configuration.pairTableEntries)
        }
        // The outer maps' inner-map templates keep their compiled size: the kernel does
        // not compare max_entries of hash inner maps, and libbpf 1.1 cannot resize a
        // template (it has no owning object).
        try setMaxEntries(object, "nm_events", configuration.ringBufferBytes)
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

    private static func writeReadOnlyVariable<T>(_ object: OpaquePointer, name: String, value: T) throws {
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
            events: try fd("nm_events")
        )
    }

    var eventsMapFD: Int32 { maps.events }

    // MARK: - Test runs

    /// Runs the program once on `frame` with `BPF_PROG_TEST_RUN` (no interface
    /// involved) and returns its XDP action (2 = `XDP_PASS`). The packet is counted in
    /// the current window like any other. Frames must be 14 bytes to one page.
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

    // MARK: - Windows

    /// Closes the current window: switches the program to the other slot, waits until
    /// no program run can still be writing the old one, then reads and clears it.
    public func collectWindow() throws -> KernelWindow {
        try rotation.withLock { epoch in
            let retiring = epoch
            let slot = Int(retiring & 1)
            var control = nm_control()
            control.epoch = retiring &+ 1
            var key: UInt32 = 0
            try check(bpf_map_update_elem(maps.control, &key, &control, UInt64(BPF_ANY)), "bpf_map_update_elem(nm_control)")
            try waitForProgramsUsing(slot: slot)
            epoch = retiring &+ 1
            return try readAndClear(slot: slot, epoch: retiring)
        }
    }

    /// Re-installs the slot's inner map in its ARRAY_OF_MAPS: for map-in-map updates
    /// the kernel calls synchronize_rcu() before returning, so every program run that
    /// could have read the old epoch has finished.
    private func waitForProgramsUsing(slot: Int) throws {
        var key = UInt32(slot)
        var inner = maps.sources[slot]
        try check(
            bpf_map_update_elem(maps.sourcesOuter, &key, &inner, UInt64(BPF_ANY)),
            "bpf_map_update_elem(nm_sources) grace period")
    }

    private func readAndClear(slot: Int, epoch: UInt32) throws -> KernelWindow {
        var key = UInt32(slot)

        // Totals, summed over CPUs.
        let countersStride = Self.perCPUStride(MemoryLayout<nm_counters>.size)
        var totals = [UInt8](repeating: 0, count: countersStride * possibleCPUs)
        try check(bpf_map_lookup_elem(maps.totals, &key, &totals), "bpf_map_lookup_elem(nm_totals)")
        var sum = nm_counters()
        totals.withUnsafeBytes { raw in
            for cpu in 0..<possibleCPUs {
                Self.accumulate(&sum, raw.loadUnaligned(fromByteOffset: cpu * countersStride, as: nm_counters.self))
            }
        }
        let zeroTotals = [UInt8](repeating: 0, count: totals.count)
        try check(bpf_map_update_elem(maps.totals, &key, zeroTotals, UInt64(BPF_ANY)), "clear nm_totals")

        // Destination-port bitmap.
        var ports = [UInt64](repeating: 0, count: Int(NM_PORT_WORDS))
        try check(bpf_map_lookup_elem(maps.ports, &key, &ports), "bpf_map_lookup_elem(nm_ports)")
        let uniquePorts = ports.reduce(0) { $0 + $1.nonzeroBitCount }
        let zeroPorts = [UInt64](repeating: 0, count: ports.count)
        try check(bpf_map_update_elem(maps.ports, &key, zeroPorts, UInt64(BPF_ANY)), "clear nm_ports")

        // HyperLogLog registers, merged by max over CPUs.
        let hllStride = Self.perCPUStride(Int(NM_HLL_REGISTERS))
        var registers = [UInt8](repeating: 0, count: hllStride * possibleCPUs)
        try check(bpf_map_lookup_elem(maps.hll, &key, &registers), "bpf_map_lookup_elem(nm_hll)")
        var sketch = HyperLogLog()
        for cpu in 0..<possibleCPUs {
            sketch.merge(registers[(cpu * hllStride)..<(cpu * hllStride + Int(NM_HLL_REGISTERS))])
        }
        let zeroRegisters = [UInt8](repeating: 0, count: registers.count)
        try check(bpf_map_update_elem(maps.hll, &key, zeroRegisters, UInt64(BPF_ANY)), "clear nm_hll")

        // Per-source table: values are per CPU; unique ports/hosts were counted by
        // exactly one CPU per new pair, so sums are exact.
        var bySource: [NetworkAddress: SourceStats] = [:]
        let sourceStride = Self.perCPUStride(MemoryLayout<nm_source_stats>.size)
        let prefix = configuration.ipv6SourcePrefixLength
        func entry(_ address: NetworkAddress) -> SourceStats {
            bySource[address] ?? SourceStats(ip: address.sourceLabel(ipv6PrefixLength: prefix), packets: 0, bytes: 0)
        }
        let sourceEntries = try drain(
            fd: maps.sources[slot], keySize: MemoryLayout<nm_addr>.size,
            valueSize: sourceStride * possibleCPUs, name: "nm_sources_\(slot)"
        ) { keyBytes, valueBytes in
            let address = NetworkAddress(bytes: UnsafeRawBufferPointer(start: keyBytes, count: 16))
            var stats = entry(address)
            for cpu in 0..<self.possibleCPUs {
                stats.add(valueBytes.loadUnaligned(fromByteOffset: cpu * sourceStride, as: nm_source_stats.self))
            }
            bySource[address] = stats
        }
        // Counters still pending in each CPU's source cache belong to its cached source
        // (whose table entry may have been evicted meanwhile).
        let cacheStride = Self.perCPUStride(MemoryLayout<nm_source_cache>.size)
        var caches = [UInt8](repeating: 0, count: cacheStride * possibleCPUs)
        try check(bpf_map_lookup_elem(maps.sourceCache, &key, &caches), "bpf_map_lookup_elem(nm_source_cache)")
        caches.withUnsafeBytes { raw in
            for cpu in 0..<possibleCPUs {
                let cache = raw.loadUnaligned(fromByteOffset: cpu * cacheStride, as: nm_source_cache.self)
                guard cache.valid != 0, cache.packets > 0 else { continue }
                let address = withUnsafeBytes(of: cache.source.bytes) { NetworkAddress(bytes: $0) }
                var stats = entry(address)
                stats.add(pending: cache)
                bySource[address] = stats
            }
        }
        let zeroCaches = [UInt8](repeating: 0, count: caches.count)
        try check(bpf_map_update_elem(maps.sourceCache, &key, zeroCaches, UInt64(BPF_ANY)), "clear nm_source_cache")
        let sources = bySource.map { (address: $0.key, stats: $0.value) }
        let portPairEntries = try drain(
            fd: maps.portPairs[slot], keySize: MemoryLayout<nm_port_pair_key>.size, valueSize: 1,
            name: "nm_port_pairs_\(slot)", body: nil)
        let hostPairEntries = try drain(
            fd: maps.hostPairs[slot], keySize: MemoryLayout<nm_host_pair_key>.size, valueSize: 1,
            name: "nm_host_pairs_\(slot)", body: nil)

        return KernelWindow(
            epoch: epoch,
            counters: Self.windowCounters(sum),
            uniquePorts: uniquePorts,
            sources: sources,
            sketch: sketch,
            sourceInserts: Int(sum.source_inserts),
            sourceEntries: sourceEntries,
            portPairInserts: Int(sum.port_pair_inserts),
            portPairEntries: portPairEntries,
            hostPairInserts: Int(sum.host_pair_inserts),
            hostPairEntries: hostPairEntries,
            sourceInsertFailures: Int(sum.source_insert_failures),
            portPairInsertFailures: Int(sum.port_pair_insert_failures),
            hostPairInsertFailures: Int(sum.host_pair_insert_failures),
            sampledEvents: Int(sum.sampled_events),
            ringBufferReserveFailures: Int(sum.ringbuf_reserve_failures)
        )
    }

    /// Removes every entry of a hash map, passing each (key, value) to `body`, and
    /// returns how many there were. Uses the batch lookup-and-delete syscall, falling
    /// back to key iteration where the kernel lacks it.
    private func drain(
        fd: Int32, keySize: Int, valueSize: Int, name: String,
        body: ((UnsafeRawPointer, UnsafeRawPointer) -> Void)?
    ) throws -> Int {
        var capacity = 4096
        var keys = [UInt8](repeating: 0, count: capacity * keySize)
        var values = [UInt8](repeating: 0, count: capacity * valueSize)
        var inToken: UInt64 = 0
        var outToken: UInt64 = 0
        var first = true
        var drained = 0
        while true {
            var count = UInt32(capacity)
            let startToken = inToken
            let result = withZeroed(bpf_map_batch_opts.self) { options in
                options.pointee.sz = MemoryLayout<bpf_map_batch_opts>.size
                return keys.withUnsafeMutableBytes { keyBuffer in
                    values.withUnsafeMutableBytes { valueBuffer in
                        withUnsafePointer(to: startToken) { start in
                            bpf_map_lookup_and_delete_batch(
                                fd, first ? nil : UnsafeMutableRawPointer(mutating: start), &outToken,
                                keyBuffer.baseAddress, valueBuffer.baseAddress, &count, options)
                        }
                    }
                }
            }
            let error = result < 0 ? -result : 0
            if error == ENOSPC && count == 0 {
                // One hash bucket holds more entries than the buffer: grow and retry.
                capacity *= 2
                keys = [UInt8](repeating: 0, count: capacity * keySize)
                values = [UInt8](repeating: 0, count: capacity * valueSize)
                continue
            }
            if first && (error == EINVAL || error == 524 /* ENOTSUPP */) {
                return try drainByIteration(fd: fd, keySize: keySize, valueSize: valueSize, name: name, body: body)
            }
            if error != 0 && error != ENOENT {
                throw CaptureError.libbpf(
                    result, operation: "bpf_map_lookup_and_delete_batch(\(name))", code: .mapOperationFailed,
                    message: "cannot drain \(name)")
            }
            if let body {
                keys.withUnsafeBytes { keyBuffer in
                    values.withUnsafeBytes { valueBuffer in
                        for index in 0..<Int(count) {
                            body(keyBuffer.baseAddress! + index * keySize, valueBuffer.baseAddress! + index * valueSize)
                        }
                    }
                }
            }
            drained += Int(count)
            if error == ENOENT { return drained }
            inToken = outToken
            first = false
        }
    }

    private func drainByIteration(
        fd: Int32, keySize: Int, valueSize: Int, name: String,
        body: ((UnsafeRawPointer, UnsafeRawPointer) -> Void)?
    ) throws -> Int {
        var allKeys: [[UInt8]] = []
        var key = [UInt8](repeating: 0, count: keySize)
        var next = [UInt8](repeating: 0, count: keySize)
        var result = bpf_map_get_next_key(fd, nil, &next)
        while result == 0 {
            allKeys.append(next)
            key = next
            result = bpf_map_get_next_key(fd, &key, &next)
        }
        var value = [UInt8](repeating: 0, count: valueSize)
        for entry in allKeys {
            guard bpf_map_lookup_elem(fd, entry, &value) == 0 else { continue }
            if let body {
                entry.withUnsafeBytes { k in value.withUnsafeBytes { v in body(k.baseAddress!, v.baseAddress!) } }
            }
            try check(bpf_map_delete_elem(fd, entry), "bpf_map_delete_elem(\(name))")
        }
        return allKeys.count
    }

    private func check(_ result: Int32, _ operation: String) throws {
        guard result == 0 else {
            throw CaptureError.libbpf(result, operation: operation, code: .mapOperationFailed, message: "map operation failed")
        }
    }

    /// Sizes of the shared C structures as Swift imports them (tests compare them with
    /// the header's static asserts).
    static var layoutSizes: [String: Int] {
        [
            "nm_counters": MemoryLayout<nm_counters>.size, "nm_source_stats": MemoryLayout<nm_source_stats>.size,
            "nm_source_cache": MemoryLayout<nm_source_cache>.size,
            "nm_port_pair_key": MemoryLayout<nm_port_pair_key>.size,
            "nm_host_pair_key": MemoryLayout<nm_host_pair_key>.size, "nm_event": MemoryLayout<nm_event>.size,
            "nm_config": MemoryLayout<nm_config>.size,
        ]
    }

    /// Per-CPU values are laid out at 8-byte-rounded strides.
    static func perCPUStride(_ size: Int) -> Int { (size + 7) & ~7 }

    private static func accumulate(_ sum: inout nm_counters, _ cpu: nm_counters) {
        withUnsafeMutableBytes(of: &sum) { total in
            withUnsafeBytes(of: cpu) { part in
                for index in 0..<(total.count / 8) {
                    let value = total.loadUnaligned(fromByteOffset: index * 8, as: UInt64.self)
                        &+ part.loadUnaligned(fromByteOffset: index * 8, as: UInt64.self)
                    total.storeBytes(of: value, toByteOffset: index * 8, as: UInt64.self)
                }
            }
        }
    }

    static func windowCounters(_ c: nm_counters) -> WindowCounters {
        var counters = WindowCounters()
        counters.packets = Int(c.packets)
        counters.bytes = Int(c.bytes)
        counters.tcpPackets = Int(c.tcp_packets)
        counters.tcpBytes = Int(c.tcp_bytes)
        counters.udpPackets = Int(c.udp_packets)
        counters.udpBytes = Int(c.udp_bytes)
        counters.icmpPackets = Int(c.icmp_packets)
        counters.icmpBytes = Int(c.icmp_bytes)
        counters.otherPackets = Int(c.other_packets)
        counters.otherBytes = Int(c.other_bytes)
        counters.synPackets = Int(c.syn_packets)
        counters.synAckPackets = Int(c.syn_ack_packets)
        counters.rstPackets = Int(c.rst_packets)
        counters.finPackets = Int(c.fin_packets)
        counters.dnsPackets = Int(c.dns_packets)
        counters.dnsBytes = Int(c.dns_bytes)
        counters.ipv4Packets = Int(c.ipv4_packets)
        counters.ipv6Packets = Int(c.ipv6_packets)
        counters.nonIPPackets = Int(c.non_ip_packets)
        counters.fragmentPackets = Int(c.fragment_packets)
        counters.malformedPackets = Int(c.malformed_packets)
        return counters
    }
}

extension SourceStats {
    /// Adds one CPU's copy of a table entry (distinct ports and hosts were counted by
    /// exactly one CPU per new pair, so their sums are exact).
    fileprivate mutating func add(_ s: nm_source_stats) {
        packets += Int(s.packets)
        bytes += Int(s.bytes)
        tcpPackets += Int(s.tcp_packets)
        udpPackets += Int(s.udp_packets)
        icmpPackets += Int(s.icmp_packets)
        synPackets += Int(s.syn_packets)
        dnsPackets += Int(s.dns_packets)
        dnsBytes += Int(s.dns_bytes)
        uniquePorts += Int(s.unique_ports)
        uniqueHosts += Int(s.unique_hosts)
        if s.udp_source_port_seen != 0 { udpSourcePort = Int(s.last_udp_source_port) }
    }

    /// Adds the counters one CPU's source cache had not flushed yet.
    fileprivate mutating func add(pending c: nm_source_cache) {
        packets += Int(c.packets)
        bytes += Int(c.bytes)
        tcpPackets += Int(c.tcp_packets)
        udpPackets += Int(c.udp_packets)
        icmpPackets += Int(c.icmp_packets)
        synPackets += Int(c.syn_packets)
        dnsPackets += Int(c.dns_packets)
        dnsBytes += Int(c.dns_bytes)
        if c.udp_source_port_seen != 0 { udpSourcePort = Int(c.last_udp_source_port) }
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
