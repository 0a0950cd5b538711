public import PromExposition
public import TrafficFeatures

extension WindowObservation {
    /// The metrics view of a window: what `MonitorMetrics.record(_:)` counts and exports.
    ///
    /// - Parameter window: A closed window.
    public init(_ window: TrafficWindow) {
        let counters = window.counters
        var packets: [String: Int] = [:]
        var bytes: [String: Int] = [:]
        for bucket in ProtocolBucket.allCases {
            let count = counters.count(of: bucket)
            packets[bucket.rawValue] = count.packets
            bytes[bucket.rawValue] = count.bytes
        }
        let losses = window.losses
        self.init(
            packetsByProtocol: packets, bytesByProtocol: bytes, synPackets: counters.synPackets,
            synAckPackets: counters.synAckPackets, rstPackets: counters.rstPackets, finPackets: counters.finPackets,
            dnsPackets: counters.dnsPackets, dnsBytes: counters.dnsBytes, ipv4Packets: counters.ipv4Packets,
            ipv6Packets: counters.ipv6Packets, nonIPPackets: counters.nonIPPackets,
            fragmentPackets: counters.fragmentPackets, malformedPackets: counters.malformedPackets,
            packetsPerSecond: window.packetsPerSecond, bytesPerSecond: window.bytesPerSecond,
            uniqueIPs: window.uniqueIPs, uniquePorts: window.uniquePorts, windowSeconds: window.windowSeconds,
            topSources: window.topSources.map { ($0.ip, Double($0.packets) / max(window.windowSeconds, 1e-9)) },
            sampledEvents: window.sampledEvents, ringBufferLostEvents: losses.sampledEventsLost,
            insertFailures: [
                "sources": losses.sourceInsertFailures, "port_pairs": losses.portPairInsertFailures,
                "host_pairs": losses.hostPairInsertFailures, "flows": losses.flowInsertFailures,
            ],
            evictions: [
                "sources": losses.sourceEntriesEvicted, "port_pairs": losses.portPairsEvicted,
                "host_pairs": losses.hostPairsEvicted, "flows": losses.flowsEvicted,
                "horizon_sources": losses.horizonSourcesEvicted, "horizon_entries": losses.horizonEntriesEvicted,
                "dns_clients": losses.dnsClientsEvicted, "dns_names": losses.dnsNamesEvicted,
            ],
            captureTruncatedPackets: losses.captureTruncatedPackets, captureInvalidTimestamps: losses.captureInvalidTimestamps)
        probesByKind = [
            "syn": counters.synPackets, "ack": counters.ackProbePackets, "stealth": counters.stealthProbePackets,
            "udp": counters.udpProbePackets, "icmp": counters.icmpProbePackets, "arp": counters.arpRequestPackets,
        ]
        udpReflectionPackets = counters.udpReflectionPackets
        dnsSamplesLost = losses.dnsSamplesLost
        dnsUnparsed = losses.dnsUnparsed
        horizonSources = window.horizonMemory?.sources
        horizonEntries = window.horizonMemory?.entries
        probedBreadth = window.probeHorizons.map {
            ProbedBreadth(ip: $0.ip, horizonSeconds: $0.horizonSeconds, ports: $0.uniquePorts, hosts: $0.uniqueHosts)
        }
    }
}
