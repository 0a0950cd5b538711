// ReplayWindows: windows captured earlier, as JSON lines, through the rules and the models.
//
// Reads TrafficWindow JSON, one per line (what `monitor --pcap FILE --offline --windows-only`
// prints, or the objects of the monitor's /stats/history), from a file or standard input, judges
// each with ThreatRules.ThreatDetector (rules + bootstrap models that learn as the windows play)
// and prints one verdict per window: a readable line, or with --json the window with its verdict.
// A line that is not a window is reported on standard error with its line number and skipped,
// and the count of such lines is printed at the end.
//
//     monitor --pcap capture.pcap --offline --windows-only > windows.jsonl
//     swift run ReplayWindows windows.jsonl [--json]        (or: ... | swift run ReplayWindows -)
import Foundation
import MonitorService
import ThreatRules
import TrafficFeatures
import WindowFormat

let arguments = Array(CommandLine.arguments.dropFirst())
let json = arguments.contains("--json")
let path = arguments.first { !$0.hasPrefix("--") } ?? "-"
// A file becomes standard input, so both are read line by line the same way.
if path != "-", case let fd = open(path, O_RDONLY), fd < 0 || dup2(fd, STDIN_FILENO) < 0 {
    FileHandle.standardError.write(Data("ReplayWindows: cannot open \(path): \(String(cString: strerror(errno)))\n".utf8))
    exit(1)
}

let detector = try ThreatDetector.standalone()
let decoder = JSONDecoder()
var lineNumber = 0, judgedCount = 0, skipped = 0
while let line = readLine() {
    lineNumber += 1
    guard !line.trimmingCharacters(in: .whitespaces).isEmpty else { continue }
    let window: WindowEnvelope
    do {
        window = try decoder.decode(WindowEnvelope.self, from: Data(line.utf8))
    } catch {
        skipped += 1
        FileHandle.standardError.write(Data("ReplayWindows: line \(lineNumber) is not a window: \(error)\n".utf8))
        continue
    }
    let judged = JudgedWindow(envelope: window, verdict: try detector.detect(window))
    judgedCount += 1
    print(json ? String(decoding: try judged.jsonLine(), as: UTF8.self) : judged.summary)
}
FileHandle.standardError.write(Data("ReplayWindows: \(judgedCount) windows judged, \(skipped) lines skipped\n".utf8))
exit(skipped == 0 ? 0 : 1)
