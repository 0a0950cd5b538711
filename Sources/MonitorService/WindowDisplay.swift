import Foundation
public import ThreatRules
public import TrafficFeatures

// What the monitor prints: one line per window (`--print-windows`), and per judged window in the
// text output of verdicts and offline replays. Display only: the wire format is the JSON.

extension TrafficWindow {
    /// One human-readable line: time, rates, protocol counts, distinct sources and
    /// ports, and the busiest source with what it did, e.g.
    /// `10:00:01  1247 pkt/s  0.99 MB/s  tcp 1200 udp 47 icmp 0  syn 89  ips 23  ports 15  top 198.18.0.2 1100 pkts 1000 ports 1100 syn`.
    public var summaryLine: String {
        var line = ""
        if let windowStart {
            line += windowStart.formatted(Date.ISO8601FormatStyle().time(includingFractionalSeconds: false)) + "  "
        }
        let pps = packetsPerSecond.rounded()
        line += (pps.isFinite && abs(pps) < 1e15 ? "\(Int(pps))" : "\(pps)") + " pkt/s  "
        line += String(format: "%.2f MB/s  ", bytesPerSecond / 1_000_000)
        line += "tcp \(tcpPackets) udp \(udpPackets) icmp \(icmpPackets)  syn \(synPackets)  "
        line += "ips \(uniqueIPs)\(uniqueIPsEstimated ? "~" : "")  ports \(uniquePorts)"
        let busiest = topSources.max { ($0.uniquePorts, $0.uniqueHosts, $0.packets) < ($1.uniquePorts, $1.uniqueHosts, $1.packets) }
        if let top = busiest {
            line += "  top \(top.ip) \(top.packets) pkts \(top.uniquePorts) ports \(top.uniqueHosts) hosts \(top.synPackets) syn"
        }
        if !losses.isEmpty { line += "  (losses recorded)" }
        return line
    }
}

extension JudgedWindow {
    /// A readable view: the window's `TrafficWindow.summaryLine` followed by `ok`, or by
    /// `THREAT`, then one indented line per threat type with the confidence and the attacking
    /// sources, and one per explanation.
    public var summary: String { verdict.summary(after: window.summaryLine) }
}

extension JudgedAuthentication {
    /// A readable view: `logins <source or "all sources"> <service>  attempts N failed N
    /// succeeded N` followed by `ok`, or by `THREAT`, the threat types, the confidence and the
    /// sources, then one indented line per explanation.
    public var summary: String {
        verdict.summary(
            after: "logins \(event.sourceIP ?? "all sources") \(event.service ?? "-")  attempts \(event.totalAttempts) "
                + "failed \(event.failedAttempts) succeeded \(event.successfulAttempts ?? 0)")
    }
}

extension Verdict {
    /// `line` followed by `ok`, or by `THREAT`, the threat types, the confidence, the attacking
    /// sources and one indented line per explanation.
    fileprivate func summary(after line: String) -> String {
        guard threatDetected else { return line + "  ok" }
        var text = line + "  THREAT \(threatTypes.map(\.rawValue).joined(separator: ", "))"
        text += String(format: "  confidence %.2f", confidence)
        if !attackingIPs.isEmpty { text += "  from \(attackingIPs.joined(separator: ", "))" }
        for explanation in explanations { text += "\n    - " + explanation }
        return text
    }
}
