@testable import AnomalyModels
import Logging
import ServiceLifecycle
import Testing
import TestSupport

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

    @Test("the service runs under a ServiceGroup, retrains one interval after it starts (a test clock) and stops on shutdown")
    func serviceLifecycle() async throws {
        let detector = try makeDetector()
        for (i, v) in normalStream(count: 60, seed: 3).enumerated() { try detector.observe(v, timestamp: Double(i)) }
        let logger = Logger(label: "test")
        let clock = TestClock()
        let service = TrainingService(detector: detector, interval: .seconds(30), logger: logger, clock: clock)
        let group = ServiceGroup(services: [service], logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            // Due, but the first check comes one interval after the start.
            try #require(try await clock.waitForSleepers())
            clock.advance(by: .seconds(29))
            #expect(clock.sleepers == 1 && detector.ensemble == nil)
            clock.advance(by: .seconds(1))
            // Trained, then asleep again for the next interval.
            #expect(try await Poll.until { detector.ensemble != nil && clock.sleepers == 1 })
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        #expect(detector.ensemble?.trainingSampleCount == 60 && detector.statistics.trainings == 1)
        #expect(clock.requestedSleeps == [.seconds(30), .seconds(30)])
    }

    @Test("scores taken while a training runs come whole from the previous ensemble, without waiting")
    func scoringDuringTraining() throws {
        var configuration = smallConfiguration()
        configuration.vaeEpochs = 5
        let stream = normalStream(count: 400, seed: 4)
        let old = try AnomalyEnsemble.train(TrainingData(vectors: Array(stream[0..<100])), configuration: configuration)
        let detector = try AnomalyDetector(configuration: configuration, ensemble: old)
        for (i, v) in stream.enumerated() { try detector.observe(v, timestamp: Double(i)) }
        // The detector's history is made of the probe itself, which is also what padding repeats,
        // so every score of the probe from the old ensemble equals `expected`.
        let probe = stream[399]
        let expected = try old.score(probe, history: [])
        var duringTraining: [EnsembleScore] = []
        var statisticsDuringTraining: AnomalyDetector.Statistics?
        // The hook runs on the training's own call, after the new ensemble exists and before the
        // swap: if training held the detector's lock, these calls would deadlock.
        let new = try detector.retrain {
            for _ in 0..<3 { duringTraining.append(try! detector.score(probe)) }
            statisticsDuringTraining = detector.statistics
        }
        #expect(duringTraining == Array(repeating: expected, count: 3))
        #expect(statisticsDuringTraining?.trainings == 0)
        #expect(detector.ensemble?.trainingSampleCount == 400 && detector.statistics.trainings == 1)
        let after = try detector.score(probe)
        #expect(after == (try new.score(probe, history: [])))
        #expect(after != expected)
    }
}
