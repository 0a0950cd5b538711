public import TrafficFeatures
import Foundation

/// Windows that several suites judge, encode or print.
public enum SampleWindows {
    /// One second on `eth0` (xdp, sequence 7, 2026-11-24T10:00:00.250Z) in which 198.18.0.2 sends 1,100
    /// SYNs to 1,000 ports of one host: 1,247 packets, 23 sources, 15 ports.
    public static func scan() -> TrafficWindow {
        var counters = WindowCounters()
        counters.packets = 1247
        counters.bytes = 987_432
        counters.tcpPackets = 1200
        counters.udpPackets = 47
        counters.synPackets = 89
        counters.synAckPackets = 3
        counters.dnsPackets = 10
        return TrafficWindow(
            windowStart: Date(timeIntervalSince1970: 1_795_514_400.25), windowSeconds: 1, counters: counters,
            uniqueIPs: 23, uniquePorts: 15,
            topSources: [SourceStats(ip: "198.18.0.2", packets: 1100, bytes: 66_000, synPackets: 1100, uniquePorts: 1000, uniqueHosts: 1)],
            interface: "eth0", source: .xdp, sequence: 7)
    }
}
