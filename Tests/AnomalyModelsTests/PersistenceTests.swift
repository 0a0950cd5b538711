@testable import AnomalyModels
import Foundation
import Logging
import Testing
import TestSupport

@Suite("Model persistence")
struct PersistenceTests {
    static let ensemble: AnomalyEnsemble = {
        var configuration = EnsembleConfiguration(dimension: 7)
        configuration.vaeEpochs = 5
        return try! AnomalyEnsemble.train(TrainingData(vectors: normalStream(count: 400, seed: 11)), configuration: configuration)
    }()

    func temporaryDirectory() -> String {
        let path = NSTemporaryDirectory() + "amdl-\(UUID().uuidString)"
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test("CRC-32 gives the IEEE check values")
    func crcCheckValues() {
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(CRC32.checksum([]) == 0)
        #expect(CRC32.checksum(Array("The quick brown fox jumps over the lazy dog".utf8)) == 0x414F_A339)
    }

    @Test("a save round-trips exactly: same bytes, same scores")
    func roundTrip() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = ModelStore(directory: directory)
        try store.save(Self.ensemble)
        let loaded = try store.load()
        #expect(try ModelFileFormat.encode(loaded) == ModelFileFormat.encode(Self.ensemble))
        let probe = normalStream(count: 20, seed: 12)
        for i in 10..<20 {
            let history = Array(probe[(i - 9)..<i])
            #expect(try loaded.score(probe[i], history: history) == Self.ensemble.score(probe[i], history: history))
        }
        // Nothing but the model file is left behind.
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["ensemble.amdl"])
    }

    @Test("damaged files give typed errors", arguments: ["truncated", "bit-flipped", "wrong version", "empty", "garbage", "missing", "trailing bytes"])
    func damaged(_ damage: String) throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = ModelStore(directory: directory)
        var bytes = try ModelFileFormat.encode(Self.ensemble)
        let path = store.path
        switch damage {
        case "truncated": bytes.removeLast(bytes.count / 3)
        case "bit-flipped": bytes[bytes.count / 2] ^= 0x10
        case "wrong version": bytes[4] = 9
        case "empty": bytes = []
        case "garbage": bytes = Array("{\"not\": \"a model\"}".utf8)
        case "trailing bytes": bytes += [0, 0]
        default: break
        }
        if damage != "missing" { try Data(bytes).write(to: URL(fileURLWithPath: path)) }
        let error = #expect(throws: ModelFileError.self) { try store.load() }
        switch (damage, error) {
        case ("truncated", .truncated(let p, let expected, let actual)?): #expect(p == path && actual < expected)
        case ("bit-flipped", .checksumMismatch?): break
        case ("wrong version", .unsupportedVersion(_, 9, 1)?): break
        case ("empty", .empty?): break
        case ("garbage", .notAModelFile?): break
        case ("missing", .missing(path)?): break
        case ("trailing bytes", .undecodable?): break
        default: Issue.record("\(damage): unexpected \(String(describing: error))")
        }

        // loadOrBootstrap logs and bootstraps instead of failing.
        var bootstrapped = false
        let (result, outcome) = try store.loadOrBootstrap(dimension: 7, logger: Logger(label: "test")) {
            bootstrapped = true
            return Self.ensemble
        }
        #expect(bootstrapped && outcome == .bootstrapped(error!))
        #expect(result.trainingSampleCount == Self.ensemble.trainingSampleCount)
    }

    @Test("a model of another width is refused and bootstrapped")
    func wrongWidth() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = ModelStore(directory: directory)
        try store.save(Self.ensemble)
        let (_, outcome) = try store.loadOrBootstrap(dimension: 5, logger: Logger(label: "test")) { Self.ensemble }
        #expect(outcome == .bootstrapped(.incompatible(path: store.path, reason: "model has 7 features, expected 5")))
    }

    @Test("a process killed while saving leaves a loadable model", .serviceProcesses(1))
    func killedDuringSave() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let helper = BuiltProducts.path("model-save-loop")
        let store = ModelStore(directory: directory)
        var generator = SystemRandomNumberGenerator()
        for round in 0..<5 {
            let log = directory + "/log-\(round)"
            let pid = try Spawn.start([helper, directory], stdout: log, stderr: log + ".err")
            // Wait for a few completed saves, then kill at a random moment of a later one.
            var saves = 0
            for _ in 0..<600 where saves < 3 {
                usleep(50_000)
                saves = ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").split(separator: "\n").count
            }
            usleep(UInt32.random(in: 0..<40_000, using: &generator))
            kill(pid, SIGKILL)
            _ = Spawn.wait(pid)
            #expect(saves >= 3, "helper saved \(saves) times: \((try? String(contentsOfFile: log + ".err", encoding: .utf8)) ?? "")")
            let loaded = try store.load()
            #expect(loaded.configuration.dimension == 3)
        }
        // The next save sweeps the temporary files dead writers left behind.
        try store.save(try store.load())
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.contains(".tmp-") }
        #expect(leftovers.isEmpty, "\(leftovers)")
    }
}
