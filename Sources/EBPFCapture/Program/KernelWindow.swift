public import Foundation
public import TrafficFeatures

/// What the kernel counted in one window slot, read and cleared by
/// ``NetworkMonitorProgram/collectWindow()``.
public struct KernelWindow: Sendable {
    /// The epoch this slot was filled under (0, 1, 2, … per rotation).
    public var epoch: UInt32
    /// Packet and byte counters of the window, summed over CPUs.
    public var counters: WindowCounters
    /// Distinct TCP and UDP destination ports (bits set in the port bitmap).
    public var uniquePorts: Int
    /// Every source in the per-source table, with its address.
    public var sources: [(address: NetworkAddress, stats: SourceStats)]
    /// The HyperLogLog registers merged over CPUs.
    public var sketch: HyperLogLog
    /// New entries the program inserted into the per-source table. Inserts beyond
    /// ``sourceEntries`` were evicted by the LRU table.
    public var sourceInserts: Int
    /// Entries found in the per-source table (sources can also come only from a CPU's
    /// source cache when their entry was evicted).
    public var sourceEntries: Int
    /// New entries the program inserted into the (source, destination port) table.
    public var portPairInserts: Int
    /// Entries found in the (source, destination port) table when draining it.
    public var portPairEntries: Int
    /// New entries the program inserted into the (source, destination host) table.
    public var hostPairInserts: Int
    /// Entries found in the (source, destination host) table when draining it.
    public var hostPairEntries: Int
    /// Times the program could not create or find a source's entry in the per-source table.
    public var sourceInsertFailures: Int
    /// Inserts into the (source, destination port) table that failed.
    public var portPairInsertFailures: Int
    /// Inserts into the (source, destination host) table that failed.
    public var hostPairInsertFailures: Int
    /// Sampled packets the program wrote to the ring buffer.
    public var sampledEvents: Int
    /// Sampled packets dropped because the ring buffer had no room.
    public var ringBufferReserveFailures: Int
    /// Every source's distinct destination ports and hosts, with what opened each (the pair
    /// tables' contents); ``detail`` adds the sources' counters.
    public var pairs: WindowDetail
    /// TCP flows the program learned in this window (new entries of `nm_flows`).
    public var flowInserts: Int
    /// TCP flows the program could not record.
    public var flowInsertFailures: Int
    /// Flows the LRU flow table pushed out to make room, as far as counted since the last window.
    public var flowsEvicted: Int
    /// DNS messages the program copied to its DNS ring buffer.
    public var dnsSamples: Int
    /// DNS messages the program could not copy because that ring buffer was full.
    public var dnsSamplesLost: Int

    /// Every source with its counters, ports and hosts.
    public var detail: WindowDetail {
        var detail = pairs
        for (address, stats) in sources { detail.sources[address] = stats }
        return detail
    }

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
        losses.flowInsertFailures = flowInsertFailures
        losses.flowsEvicted = flowsEvicted
        losses.dnsSamplesLost = dnsSamplesLost
        return losses
    }

    /// The window in the wire format. `unique_ips` is the exact table size unless the
    /// table lost entries, in which case it is the sketch's estimate.
    ///
    /// - Parameters:
    ///   - start: The window's start on the wall clock, or nil when unknown.
    ///   - duration: The window's length in seconds; rates are counts divided by it.
    ///   - interface: The interface the packets were captured on.
    ///   - sequence: The window's number since the capture started.
    ///   - topSourceLimit: Sources kept per criterion in `top_sources`.
    /// - Returns: The window, with `source` set to `xdp`.
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
            source: .xdp,
            sequence: sequence,
            sampledEvents: sampledEvents,
            losses: losses
        )
    }
}

/// Run statistics of the loaded program, from `bpf_prog_info`. `runCount` and
/// `runTimeNanoseconds` only grow while `kernel.bpf_stats_enabled` is 1.
public struct ProgramStatistics: Sendable, Equatable {
    /// The program's kernel id; 0 when the kernel refused the query.
    public var id: UInt32
    /// Times the program has run.
    public var runCount: UInt64
    /// Total time spent running the program, in nanoseconds.
    public var runTimeNanoseconds: UInt64
}
