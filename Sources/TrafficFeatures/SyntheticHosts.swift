import Foundation

extension SyntheticTraffic {
    /// Eight kinds of hosts, from a busy server to an almost idle laptop and QUIC-heavy phones, so
    /// that generated "normal" covers more than one operating point. Servers keep a steady rate;
    /// laptops and phones are bursty (idle seconds, then an app starts with a burst of DNS answers). The detector bootstraps its
    /// network models on them; the model evaluation trains on them.
    public static let hostProfiles: [Profile] = [
        Profile(meanPacketsPerSecond: 300, clientPopulation: 200),
        Profile(meanPacketsPerSecond: 1500, clientPopulation: 500),
        Profile(meanPacketsPerSecond: 40, clientPopulation: 20, burstiness: 0.5),
        Profile(meanPacketsPerSecond: 8, clientPopulation: 4, burstiness: 0.8),
        Profile(meanPacketsPerSecond: 2, clientPopulation: 2, burstiness: 0.8),
        Profile(meanPacketsPerSecond: 200, clientPopulation: 12, quicShare: 0.85, burstiness: 0.9),
        Profile(meanPacketsPerSecond: 20, clientPopulation: 6, quicShare: 0.6, burstiness: 0.8),
        Profile(meanPacketsPerSecond: 1000, clientPopulation: 30, quicShare: 0.8, burstiness: 0.6),
    ]

    /// One stream of `count` one-second windows per host profile, aggregated as the monitor does,
    /// each starting at a different time of day. Deterministic for a seed.
    public static func hostWindowStreams(seed: UInt64, count: Int) -> [(name: String, windows: [TrafficWindow])] {
        hostProfiles.enumerated().map { index, profile in
            var traffic = SyntheticTraffic(profile: profile, seed: seed &* 1000 &+ UInt64(index))
            var aggregator = WindowAggregator()
            let start = Date(timeIntervalSince1970: 1_795_000_000 + Double(index) * 10_800 + Double(seed % 24) * 3600)
            let windows = (0..<count).map { i in
                let windowStart = start.addingTimeInterval(Double(i))
                for packet in traffic.packets(start: windowStart, duration: 1) { aggregator.add(packet) }
                return aggregator.close(start: windowStart, duration: 1)
            }
            let name = "generated \(Int(profile.meanPacketsPerSecond)) pps, \(profile.clientPopulation) clients, quic \(profile.quicShare)"
            return (name, windows)
        }
    }
}
