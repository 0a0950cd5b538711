@testable import AnomalyModels
import Logging
import ServiceLifecycle
import Testing

@Suite("AnomalyDetector and the training service")
struct DetectorTests {
    func makeDetector(minimumSamples: Int = 50) throws -> AnomalyDetector {
        var configuration = smallConfiguration()
        configuration.vaeEpochs = 5
        configuration.minimumSamples = minimumSamples
        return try AnomalyDetector(configuration: configuration)
    }

    @Test("attack samples and bad input never reach the training data")
    func trainingDataStaysClean() throws {
        let detector = try makeDetector()
        #expect(throws: ModelError.notTrained) { try detector.score(normalStream(count: 1, seed: 1)[0]) }
        let stream = normalStream(count: 40, seed: 1)
        for (i, v) in stream.enumerated() { try detector.observe(v, timestamp: Double(i), isAttack: i % 4 == 0) }
        #expect(detector.trainingSampleCount == 30)
        #expect(detector.statistics.rejectedSamples == 10)
        #expect(throws: ModelError.nonFiniteValue(row: 0, column: 3)) {
            try detector.observe([1, 2, 3, .nan, 5, 6, 7], timestamp: 50)
        }
        #expect(throws: ModelError.dimensionMismatch(expected: 7, got: 2)) { try detector.observe([1, 2], timestamp: 50) }
        #expect(throws: ModelError.self) { try detector.observe(stream[0], timestamp: .infinity) }
        #expect(detector.trainingSampleCount == 30)
        // Too few samples: training refuses and nothing changes.
        #expect(throws: ModelError.insufficientSamples(needed: 50, got: 30)) { try detector.retrain() }
        #expect(detector.ensemble == nil && detector.statistics.trainingFailures == 1)
    }

    @Test("the service trains once enough samples arrived, and again only after new ones")
    func serviceTrainsWhenDue() async throws {
        let detector = try makeDetector()
        let service = TrainingService(detector: detector, interval: .seconds(3600), logger: Logger(label: "test"))
        let stream = normalStream(count: 120, seed: 2)
        for i in 0..<49 { try detector.observe(stream[i], timestamp: Double(i)) }
        #expect(await service.trainIfDue() == false)  // 49 < 50
        try detector.observe(stream[49], timestamp: 49)
        #expect(await service.trainIfDue() == true)
        let first = try #require(detector.ensemble)
        #expect(first.trainingSampleCount == 50 && detector.statistics.trainings == 1)
        #expect(await service.trainIfDue() == false)  // nothing new
        for i in 50..<120 { try detector.observe(stream[i], timestamp: Double(i)) }
        #expect(await service.trainIfDue() == true)
        #expect(detector.ensemble?.trainingSampleCount == 120 && detector.statistics.trainings == 2)
    }

    @Test("the service runs under a ServiceGroup, retrains on its interval and stops on shutdown")
    func serviceLifecycle() async throws {
        let detector = try makeDetector()
        for (i, v) in normalStream(count: 60, seed: 3).enumerated() { try detector.observe(v, timestamp: Double(i)) }
        let logger = Logger(label: "test")
        let group = ServiceGroup(services: [TrainingService(detector: detector, interval: .milliseconds(20), logger: logger)], logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            for _ in 0..<500 where detector.ensemble == nil { try await Task.sleep(for: .milliseconds(20)) }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        #expect(detector.ensemble?.trainingSampleCount == 60)
    }

    @Test("scoring during a training uses the previous ensemble, whole, and never waits for the new one")
    func scoringDuringTraining() async throws {
        var configuration = smallConfiguration()
        configuration.vaeEpochs = 60  // a training long enough to score during it
        let stream = normalStream(count: 2000, seed: 4)
        let old = try AnomalyEnsemble.train(TrainingData(vectors: Array(stream[0..<100])), configuration: configuration)
        let detector = try AnomalyDetector(configuration: configuration, ensemble: old)
        for (i, v) in stream.enumerated() { try detector.observe(v, timestamp: Double(i)) }
        let training = Task.detached { try detector.retrain() }
        // The detector's history is made of the probe itself, which is also what padding repeats,
        // so every score of the probe from the old ensemble equals `expected`.
        let probe = stream[1999]
        let expected = try old.score(probe, history: [])
        var scoredDuringTraining = 0
        while true {
            let before = detector.statistics.trainings
            let score = try detector.score(probe)
            if detector.statistics.trainings == 0 {
                #expect(score == expected)
                scoredDuringTraining += 1
            }
            if before > 0 { break }
            await Task.yield()
        }
        let new = try await training.value
        #expect(scoredDuringTraining >= 10, "only \(scoredDuringTraining) scores while training ran")
        #expect(detector.ensemble?.trainingSampleCount == 2000)
        #expect(try detector.score(probe) == new.score(probe))
    }
}
