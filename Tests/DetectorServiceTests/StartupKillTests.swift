import Foundation
import NIOHTTP1
import Testing
import TestSupport

/// SIGKILL while the detector starts (reading its saved models, bootstrapping the others,
/// binding its port) at several points: the saved models stay byte for byte as they were, and the
/// next start loads them. (A kill during a save is tested by `PersistenceTests`.)
@Suite("detector: SIGKILL during start-up leaves the saved models loadable", .serialized, .serviceProcesses(1))
struct StartupKillTests {
    static func windows(_ count: Int) -> String {
        let items = (0..<count).map { i in
            #"{"packets_per_second": \#(100 + i), "bytes_per_second": \#(60_000 + 500 * i), "unique_ips": \#(3 + i % 5), "unique_ports": \#(2 + i % 7), "tcp_packets": \#(70 + i), "udp_packets": \#(30), "syn_packets": \#(1 + i % 3)}"#
        }
        return #"{"windows": ["# + items.joined(separator: ",") + "]}"
    }

    @Test("killed at 0 ms to 1 s into start-up, seven times: models unchanged, then loaded")
    func killedWhileStarting() async throws {
        let directory = NSTemporaryDirectory() + "startup-kill-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = directory + "/network.amdl"

        // Train on this host's windows and save.
        let first = try MonitorProcess(arguments: ["--model-dir", directory], executable: BuiltProducts.detector)
        try await first.waitUntil(path: "/ready", timeout: .seconds(120))
        let trained = try await HTTP.send(
            first.baseURL + "/train", method: .POST, body: Data(Self.windows(80).utf8), headers: [("Content-Type", "application/json")])
        #expect(trained.status == 200, "\(trained.text)")
        #expect(try await Poll.until(timeout: .seconds(120)) { FileManager.default.fileExists(atPath: file) })
        let samples = (try await first.get("/stats").json()["network"] as? [String: Any])?["model_training_samples"] as? Int
        #expect(samples == 80, "\(trained.text)")
        await #expect(first.terminate() == 0)
        let saved = try Data(contentsOf: URL(fileURLWithPath: file))

        // A debug detector answers /ready about 0.1 s after it starts on an idle machine (more on a
        // loaded one): most of these land in the start-up, the last ones just after it.
        for milliseconds in [0, 10, 30, 60, 100, 300, 1000] {
            let starting = try MonitorProcess(arguments: ["--model-dir", directory], executable: BuiltProducts.detector)
            try await Task.sleep(for: .milliseconds(milliseconds))
            starting.killHard()
            #expect(try Data(contentsOf: URL(fileURLWithPath: file)) == saved, "after a kill at \(milliseconds) ms")
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory).filter { !$0.hasSuffix(".amdl") }
            #expect(leftovers.isEmpty, "files left by a kill at \(milliseconds) ms: \(leftovers)")
        }

        let last = try MonitorProcess(arguments: ["--model-dir", directory], executable: BuiltProducts.detector)
        defer { last.terminate() }
        try await last.waitUntil(path: "/ready", timeout: .seconds(120))
        let network = try await last.get("/stats").json()["network"] as? [String: Any]
        #expect(network?["model_training_samples"] as? Int == 80, "\(network ?? [:])")
        #expect(last.log.contains("loaded anomaly models") && last.log.contains("network.amdl"), "\(last.log)")
    }
}
