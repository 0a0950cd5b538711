internal import CLibBPF
import Foundation
import Logging
import Synchronization
import TrafficFeatures

// Window rotation: closing a window slot and reading it out of the kernel's maps.
extension NetworkMonitorProgram {
    /// Closes the current window: switches the program to the other slot, waits until
    /// no program run can still be writing the old one, then reads and clears it.
    ///
    /// Blocks for the RCU grace period and the map reads; call it from a thread that may
    /// block. Calls are serialized.
    ///
    /// - Returns: What the kernel counted in the closed slot.
    /// - Throws: ``CaptureError`` `.mapOperationFailed` when a map cannot be read or cleared.
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
        var pairs = WindowDetail()
        let portPairEntries = try drain(
            fd: maps.portPairs[slot], keySize: MemoryLayout<nm_port_pair_key>.size, valueSize: 1,
            name: "nm_port_pairs_\(slot)"
        ) { keyBytes, valueBytes in
            let key = keyBytes.loadUnaligned(as: nm_port_pair_key.self)
            let source = withUnsafeBytes(of: key.source.bytes) { NetworkAddress(bytes: $0) }
            pairs.ports[source, default: [:]][key.port] = PairFlags(rawValue: valueBytes.load(as: UInt8.self))
        }
        let hostPairEntries = try drain(
            fd: maps.hostPairs[slot], keySize: MemoryLayout<nm_host_pair_key>.size, valueSize: 1,
            name: "nm_host_pairs_\(slot)"
        ) { keyBytes, valueBytes in
            let key = keyBytes.loadUnaligned(as: nm_host_pair_key.self)
            let source = withUnsafeBytes(of: key.source.bytes) { NetworkAddress(bytes: $0) }
            let destination = withUnsafeBytes(of: key.destination.bytes) { NetworkAddress(bytes: $0) }
            pairs.hosts[source, default: [:]][destination] = PairFlags(rawValue: valueBytes.load(as: UInt8.self))
        }
        let flowsEvicted = try flowEvictions(inserted: Int(sum.flow_inserts))

        return KernelWindow(
            epoch: epoch,
            counters: WindowCounters(kernel: sum),
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
            ringBufferReserveFailures: Int(sum.ringbuf_reserve_failures),
            pairs: pairs,
            flowInserts: Int(sum.flow_inserts),
            flowInsertFailures: Int(sum.flow_insert_failures),
            flowsEvicted: flowsEvicted,
            dnsSamples: Int(sum.dns_samples),
            dnsSamplesLost: Int(sum.dns_samples_lost)
        )
    }

    /// Flows the LRU flow table pushed out since the last window: every flow inserted so far
    /// minus the entries still there, minus the evictions already reported. The entries come
    /// from the kernel's element counter (``MapEntryCounter``, no scan); without it (or after it
    /// failed once), from a scan of the table, only once the inserts reach half its size (the kernel's LRU evicts only when
    /// its free lists run dry, which cannot happen before).
    private func flowEvictions(inserted: Int) throws -> Int {
        try flowAccounting.withLock { state in
            state.inserted += inserted
            var counted: Int?
            if let flowCounter, !state.counterFailed {
                do {
                    counted = try flowCounter.count()
                } catch {
                    // Capture goes on: the scan counts the same entries, at its cost.
                    state.counterFailed = true
                    logger.warning(
                        "the flow table's element counter failed; its evictions are counted by a scan from now on",
                        metadata: ["error": "\(error)"])
                }
            }
            let entries: Int
            if let counted {
                entries = counted
            } else {
                guard state.inserted * 2 >= configuration.flowTableEntries else { return 0 }
                entries = try flowTableEntriesByScan()
            }
            let evicted = max(0, state.inserted - entries - state.reported)
            state.reported += evicted
            return evicted
        }
    }

    /// The flow table's entries, counted by reading every one of them.
    func flowTableEntriesByScan() throws -> Int {
        try drain(fd: maps.flows, keySize: 8, valueSize: 1, name: "nm_flows", deleting: false, body: nil)
    }

    /// Removes every entry of a hash map (or, with `deleting` false, only reads them), passing
    /// each (key, value) to `body`, and returns how many there were. Uses the batch
    /// lookup(-and-delete) syscall, falling back to key iteration where the kernel lacks it.
    private func drain(
        fd: Int32, keySize: Int, valueSize: Int, name: String, deleting: Bool = true,
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
                            let batch = deleting ? bpf_map_lookup_and_delete_batch : bpf_map_lookup_batch
                            return batch(
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
                return try drainByIteration(
                    fd: fd, keySize: keySize, valueSize: valueSize, name: name, deleting: deleting, body: body)
            }
            if error != 0 && error != ENOENT {
                throw CaptureError.libbpf(
                    result, operation: "\(deleting ? "bpf_map_lookup_and_delete_batch" : "bpf_map_lookup_batch")(\(name))",
                    code: .mapOperationFailed, message: "cannot \(deleting ? "drain" : "read") \(name)")
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
        fd: Int32, keySize: Int, valueSize: Int, name: String, deleting: Bool,
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
            if deleting { try check(bpf_map_delete_elem(fd, entry), "bpf_map_delete_elem(\(name))") }
        }
        return allKeys.count
    }

    func check(_ result: Int32, _ operation: String) throws {
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
            "nm_config": MemoryLayout<nm_config>.size, "nm_dns_event": MemoryLayout<nm_dns_event>.size,
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
}

extension SourceStats {
    /// Adds one CPU's copy of a table entry: its counts, and its UDP source port when it saw one.
    fileprivate mutating func add(_ s: nm_source_stats) {
        counters.add(kernel: s)
        if s.udp_source_port_seen != 0 { udpSourcePort = Int(s.last_udp_source_port) }
    }

    /// Adds the counters one CPU's source cache had not flushed yet.
    fileprivate mutating func add(pending c: nm_source_cache) {
        counters.add(pending: c)
        if c.udp_source_port_seen != 0 { udpSourcePort = Int(c.last_udp_source_port) }
    }
}
