public import Foundation
public import TrafficFeatures

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
