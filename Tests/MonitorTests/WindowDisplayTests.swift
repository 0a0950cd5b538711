import Foundation
import MonitorService
import TestSupport
import Testing
import ThreatRules
import TrafficFeatures

/// What the monitor prints for a window and for a judged window (display only; the JSON is the
/// wire format).
@Suite("Window and verdict display")
struct WindowDisplayTests {
    @Test func summaryLineNamesRatesCountsAndTheBusiestSource() {
        var window = SampleWindows.scan()
        window.topSources.append(SourceStats(ip: "203.0.113.5", packets: 2000, bytes: 3_000_000, uniquePorts: 1, uniqueHosts: 1))
        #expect(
            window.summaryLine
                == "10:00:00  1247 pkt/s  0.99 MB/s  tcp 1200 udp 47 icmp 0  syn 89  ips 23  ports 15  "
                + "top 198.18.0.2 1100 pkts 1000 ports 1 hosts 1100 syn")
        window.losses.sourceEntriesEvicted = 3
        window.uniqueIPsEstimated = true
        #expect(window.summaryLine.contains("ips 23~"))
        #expect(window.summaryLine.hasSuffix("(losses recorded)"))
        // Rates beyond Int's range are still written.
        window.packetsPerSecond = 1e300
        #expect(window.summaryLine.contains("1e+300 pkt/s"))
    }

    @Test func aJudgedWindowShowsItsThreatsSourcesAndExplanations() throws {
        let detector = try ThreatDetector.standalone()
        var traffic = SyntheticTraffic(seed: 11)
        var aggregator = WindowAggregator()
        let start = Date(timeIntervalSince1970: 1_795_000_000)
        let scan = SyntheticTraffic.Attack.portScan(source: NetworkAddress(ipv4: 198, 18, 0, 66), ports: 1...500, packetsPerSecond: 300)
        let windows = (0..<2).map { i in
            let at = start.addingTimeInterval(Double(i))
            for packet in traffic.packets(start: at, duration: 1, attacks: i == 1 ? [scan] : []) { aggregator.add(packet) }
            return aggregator.close(start: at, duration: 1, source: .simulation, sequence: i)
        }
        let judged = try windows.map { JudgedWindow(window: $0, verdict: try detector.detect($0)) }
        #expect(judged[0].summary == windows[0].summaryLine + "  ok")
        #expect(judged[1].summary.hasPrefix(windows[1].summaryLine + "  THREAT "))
        #expect(judged[1].summary.contains("from 198.18.0.66"))
        #expect(judged[1].summary.contains("\n    - unique_ports"))
    }
}
