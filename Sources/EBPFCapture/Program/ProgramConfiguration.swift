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
    /// Entries of the TCP flow table (`nm_flows`, LRU, shared by all windows): flows beyond it
    /// push out the least recently used, counted in `CaptureLosses.flowsEvicted`.
    public var flowTableEntries: Int
    /// Ring-buffer size in bytes (a power of two, at least one page).
    public var ringBufferBytes: Int
    /// Pending bytes after which the program wakes the event consumer.
    public var ringBufferWakeupBytes: Int
    /// A BPF object file to load instead of the embedded one (`BPF_OBJECT`).
    public var objectPath: String?
    /// Copy the start of every UDP port-53 message to user space for DNS question analysis
    /// (default true).
    public var dnsSampling: Bool
    /// Size in bytes of the DNS messages' ring buffer (a power of two, at least one page;
    /// default 256 KiB, about 800 messages between two reads).
    public var dnsRingBufferBytes: Int

    /// The values of ``sampleEvery`` the monitor's settings accept: 0 … 10⁹. Loading checks only
    /// that the value is not negative.
    public static let sampleEveryRange = 0...1_000_000_000
    /// The values ``sourceTableEntries``, ``pairTableEntries`` and ``flowTableEntries`` accept: 1 … 2²⁴.
    public static let tableEntriesRange = 1...(1 << 24)
    /// The values of ``ringBufferBytes`` the monitor's settings accept: 4 KiB … 1 GiB. Loading also
    /// requires a power of two of at least one page.
    public static let ringBufferBytesRange = 4096...(1 << 30)
    /// The default ``sourceTableEntries``: 16 384.
    public static let defaultSourceTableEntries = 16_384
    /// The default ``pairTableEntries``: 65 536.
    public static let defaultPairTableEntries = 65_536
    /// The default ``flowTableEntries``: 65 536.
    public static let defaultFlowTableEntries = 65_536
    /// The default ``ringBufferBytes``: 256 KiB.
    public static let defaultRingBufferBytes = 256 * 1024

    /// Settings with the given values; each parameter sets the property of the same name
    /// (``ringBufferWakeupBytes`` defaults to 64 KiB). Values are stored unchecked:
    /// ``NetworkMonitorProgram/init(configuration:logger:)`` throws ``CaptureError``
    /// `.invalidConfiguration` when one is out of range.
    public init(
        sampleEvery: Int = 0,
        ipv6SourcePrefixLength: Int = AggregationSettings.defaultIPv6SourcePrefixLength,
        sourceTableEntries: Int = defaultSourceTableEntries,
        pairTableEntries: Int = defaultPairTableEntries,
        flowTableEntries: Int = defaultFlowTableEntries,
        ringBufferBytes: Int = defaultRingBufferBytes,
        ringBufferWakeupBytes: Int = 64 * 1024,
        objectPath: String? = nil,
        dnsSampling: Bool = true,
        dnsRingBufferBytes: Int = defaultRingBufferBytes
    ) {
        self.sampleEvery = sampleEvery
        self.ipv6SourcePrefixLength = ipv6SourcePrefixLength
        self.sourceTableEntries = sourceTableEntries
        self.pairTableEntries = pairTableEntries
        self.flowTableEntries = flowTableEntries
        self.ringBufferBytes = ringBufferBytes
        self.ringBufferWakeupBytes = ringBufferWakeupBytes
        self.objectPath = objectPath
        self.dnsSampling = dnsSampling
        self.dnsRingBufferBytes = dnsRingBufferBytes
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
        guard Self.tableEntriesRange.contains(flowTableEntries) else {
            throw invalid("flowTableEntries must be 1...16777216, got \(flowTableEntries)")
        }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        guard ringBufferBytes >= page, ringBufferBytes.nonzeroBitCount == 1 else {
            throw invalid("ringBufferBytes must be a power of two >= \(page), got \(ringBufferBytes)")
        }
        guard dnsRingBufferBytes >= page, dnsRingBufferBytes.nonzeroBitCount == 1 else {
            throw invalid("dnsRingBufferBytes must be a power of two >= \(page), got \(dnsRingBufferBytes)")
        }
    }
}
