// ReplayPcap: a capture file through the whole library pipeline, in-process.
//
// MonitorService.OfflineReplay reads the file with libpcap (EBPFCapture.PcapCapture) and closes
// one-second windows with the XDP program's semantics (TrafficFeatures); ThreatRules.ThreatDetector
// judges each window with the rules and the bootstrap models, learning from the capture as it
// plays, as the detector service does. Prints each window with its verdict, then what was reported and by whom.
//
//     swift run ReplayPcap FILE.pcap [--json]
//     (never replay third-party captures onto a real network: this reads the file only)
import Foundation
import Logging
import MonitorService
import ThreatRules
import TrafficFeatures

let arguments = Array(CommandLine.arguments.dropFirst())
guard let path = arguments.first(where: { !$0.hasPrefix("--") }) else {
    FileHandle.standardError.write(Data("usage: ReplayPcap FILE.pcap [--json]\n".utf8))
    exit(2)
}
let json = arguments.contains("--json")

var reported: [String: Set<String>] = [:]
var windows = 0, flagged = 0
try await OfflineReplay.run(path: path, detector: try ThreatDetector.standalone(), logger: Logger(label: "replay")) { window, verdict in
    guard let verdict else { return }
    let judged = JudgedWindow(window: window, verdict: verdict)
    windows += 1
    if judged.verdict.threatDetected { flagged += 1 }
    for finding in judged.verdict.findings {
        reported[finding.threat.rawValue, default: []].insert(finding.sourceIP ?? "no single source")
    }
    for threat in judged.verdict.threatTypes where threat.isModelRisk { reported[threat.rawValue, default: []].insert("models") }
    print(json ? String(decoding: try judged.jsonLine(), as: UTF8.self) : judged.summary)
}
if !json {
    print("\n\(path): \(windows) windows, \(flagged) with a threat")
    for (threat, sources) in reported.sorted(by: { $0.key < $1.key }) {
        print("  \(threat): \(sources.sorted().joined(separator: ", "))")
    }
}
