/// The fixed-width numeric view of a window that the anomaly models score.
///
/// Seven features, in this order (``names``):
/// 1. `log_packets_per_second` — ln(1 + packets/s)
/// 2. `sources_per_packet`     — distinct sources / packets (spoofed floods → 1)
/// 3. `ports_per_packet`       — distinct destination ports / packets (scans, reflection → 1)
/// 4. `tcp_ratio`              — TCP / (TCP + UDP) packets
/// 5. `syn_ratio`              — connection attempts / TCP packets
/// 6. `log_mean_packet_kilobytes` — ln(bytes / packets / 1000)
/// 7. `dns_ratio`              — DNS (port 53) packets / packets (no DNS when the body does not
///                               report DNS counts, as the original design's minimal bodies)
///
/// Features 2–7 are **smoothed** with ``pseudoPackets`` packets of the ``priors``' composition:
/// `(count + k·prior) / (packets + k)`. A window with one or two packets says little about its
/// traffic mix; without smoothing such windows, common on a quiet host, take the extreme values
/// (0 and 1) that floods and scans produce, and every model would learn that extremes are
/// normal. With hundreds of packets the smoothing moves a value by a few percent.
///
/// Why these: volumes are log-scaled because they span orders of magnitude; counts of sources
/// and ports are divided by packets because their meaning depends on the volume (100 ports in
/// 100 packets is a scan, in 100,000 packets a busy server); bytes per second is left out as
/// packets/s × mean size; the DNS share separates tunnels that the other six cannot see. On the
/// evaluation captures (README, "Model evaluation") this set separated every attack class from
/// generated normal traffic and the benign captures. Every value is finite.
public struct FeatureVector: Sendable, Equatable {
    /// The names of the seven features, in the order of ``values``.
    public static let names = [
        "log_packets_per_second", "sources_per_packet", "ports_per_packet",
        "tcp_ratio", "syn_ratio", "log_mean_packet_kilobytes", "dns_ratio",
    ]
    /// The number of features: 7, the count of ``names``.
    public static var dimension: Int { names.count }

    /// The seven values, in ``names`` order.
    public var values: [Double]

    /// Pseudo-packets added to every ratio.
    public static let pseudoPackets = 20.0
    /// The composition of the pseudo-packets: what a window without packets looks like.
    public static let priors = (
        sourcesPerPacket: 0.1, portsPerPacket: 0.1, tcpRatio: 0.5, synRatio: 0.1,
        meanPacketKilobytes: 0.5, dnsRatio: 0.05
    )

    /// The features of `window`.
    public init(_ window: TrafficWindow) {
        let k = Self.pseudoPackets, prior = Self.priors
        let packets = window.packetsPerSecond * window.windowSeconds
        let bytes = window.bytesPerSecond * window.windowSeconds
        let tcp: Double, transport: Double
        if window.declaredTCPRatio != nil {
            tcp = packets * window.tcpRatio
            transport = packets
        } else {
            tcp = Double(window.tcpPackets)
            transport = Double(window.tcpPackets) + Double(window.udpPackets)
        }
        let syn = min(Double(window.synPackets), tcp)
        let dns = min(Double(window.counters.dnsPackets), packets)
        values = [
            log1p(window.packetsPerSecond),
            (Double(window.uniqueIPs) + k * prior.sourcesPerPacket) / (packets + k),
            (Double(window.uniquePorts) + k * prior.portsPerPacket) / (packets + k),
            (tcp + k * prior.tcpRatio) / (transport + k),
            (syn + k * prior.synRatio) / (tcp + k),
            log((bytes / 1000 + k * prior.meanPacketKilobytes) / (packets + k)),
            (dns + k * prior.dnsRatio) / (packets + k),
        ]
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
