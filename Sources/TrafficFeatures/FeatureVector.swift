/// The fixed-width numeric view of a window that the anomaly models score.
///
/// Seven features, in this order (``names``):
/// 1. `log_packets_per_second`  — ln(1 + packets/s)
/// 2. `log_bytes_per_second`    — ln(1 + bytes/s)
/// 3. `log_unique_ips`          — ln(1 + distinct sources)
/// 4. `log_unique_ports`        — ln(1 + distinct destination ports)
/// 5. `tcp_ratio`               — TCP / (TCP + UDP) packets, 0 when neither
/// 6. `syn_ratio`               — connection attempts / TCP packets, 0 without TCP
/// 7. `mean_packet_kilobytes`   — bytes / packets / 1000, 0 without packets
///
/// Rates and counts are log-scaled because traffic volumes span orders of
/// magnitude; ratios stay in [0, 1]. Every value is finite and non-negative.
public struct FeatureVector: Sendable, Equatable {
    public static let names = [
        "log_packets_per_second", "log_bytes_per_second", "log_unique_ips", "log_unique_ports",
        "tcp_ratio", "syn_ratio", "mean_packet_kilobytes",
    ]
    public static var dimension: Int { names.count }

    public var values: [Double]

    public init(_ window: TrafficWindow) {
        let packets = window.packetsPerSecond * window.windowSeconds
        let bytes = window.bytesPerSecond * window.windowSeconds
        let tcp = window.declaredTCPRatio == nil ? Double(window.tcpPackets) : packets * window.tcpRatio
        values = [
            log1p(window.packetsPerSecond),
            log1p(window.bytesPerSecond),
            log1p(Double(window.uniqueIPs)),
            log1p(Double(window.uniquePorts)),
            window.tcpRatio,
            tcp > 0 ? min(1, Double(window.synPackets) / tcp) : 0,
            packets > 0 ? bytes / packets / 1000 : 0,
        ]
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
