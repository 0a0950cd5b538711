// EmbedDetector: AnomalyModels on telemetry that has nothing to do with networks.
//
// A web service reports, every 10 seconds, its p50 and p99 request latency (ms), error rate and
// requests per second. The program learns what normal looks like from a bootstrap baseline and
// the stream itself (a TrainingService retrains in the background), then scores each new point
// with the three-model ensemble and prints the verdict. Two incidents are injected: a latency
// regression and an error storm.
//
//     swift run EmbedDetector            (or .build/debug/EmbedDetector after `make build`)
import AnomalyModels
import Foundation
import Logging
import ServiceLifecycle

#if canImport(Glibc)
import Glibc
#endif

let features = ["latency_p50_ms", "latency_p99_ms", "error_rate", "requests_per_second"]

/// A day of a service's telemetry, every 10 s, with two incidents.
struct Telemetry {
    var generator = SeededGenerator(seed: 7)
    var p50 = 0.0, p99 = 0.0, errors = 0.0, rps = 0.0

    mutating func next(step: Int) -> (vector: [Double], incident: String?) {
        let hour = Double(step % 8640) / 360
        let load = 200 + 120 * sin(2 * Double.pi * (hour - 9) / 24)
        func noise(_ sd: Double) -> Double { sd * generator.nextGaussian() }
        p50 = 0.8 * p50 + 0.2 * noise(1)
        p99 = 0.8 * p99 + 0.2 * noise(4)
        errors = 0.7 * errors + 0.3 * noise(0.001)
        rps = 0.9 * rps + 0.1 * noise(10)
        var vector = [22 + 0.02 * load + p50, 95 + 0.1 * load + p99, max(0, 0.004 + errors), load + rps]
        var incident: String?
        if (1300..<1320).contains(step) {  // a deploy doubles tail latency
            vector[1] *= 2.2
            vector[0] *= 1.4
            incident = "latency regression"
        }
        if (1500..<1510).contains(step) {  // a dependency fails: errors and retries
            vector[2] = 0.15 + abs(noise(0.03))
            vector[3] *= 1.6
            incident = "error storm"
        }
        return (vector, incident)
    }
}

@main
struct EmbedDetector {
    static func main() async throws {
        var logger = Logger(label: "embed-detector")
        logger.logLevel = .notice
        var configuration = EnsembleConfiguration(dimension: features.count, featureNames: features)
        configuration.sequenceLength = 6  // the VAE looks at the last minute
        // Before any data: a synthetic baseline around the service's known operating point.
        let bootstrap = try AnomalyEnsemble.bootstrap(
            means: [26, 115, 0.004, 200], deviations: [2, 12, 0.002, 80], configuration: configuration)
        let detector = try AnomalyDetector(
            configuration: configuration,
            confidence: TrainingConfidence(rateFeature: 2, rateMidpoint: 0.02, rateWidth: 0.005),
            ensemble: bootstrap)
        let training = TrainingService(detector: detector, interval: .milliseconds(200), logger: logger)
        let group = ServiceGroup(services: [training], logger: logger)

        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var telemetry = Telemetry()
            var alarms: [String: Int] = [:], falseAlarms = 0
            for step in 0..<1700 {
                let (vector, incident) = telemetry.next(step: step)
                let score = try detector.process(vector, timestamp: 1_795_000_000 + Double(step) * 10)
                if score.consensus {
                    if let incident { alarms[incident, default: 0] += 1 } else { falseAlarms += 1 }
                    let unusual = zip(features, score.featureZScores).max { abs($0.1) < abs($1.1) }!
                    print(
                        "t=\(step * 10)s \(score.risk!.rawValue) \(score.decision.rawValue) "
                            + "(dbscan \(format(score.dbscan.percentile)), vae \(format(score.vae.percentile)), "
                            + "zmad \(format(score.zmad.percentile))); most unusual: \(unusual.0) z=\(format(unusual.1))"
                            + (incident.map { " [injected: \($0)]" } ?? ""))
                }
                if step % 50 == 0 { await Task.yield() }
            }
            let stats = detector.statistics
            print(
                "\nscored \(stats.scored) points; retrained \(stats.trainings) times on up to \(stats.trainingSamples) samples; "
                    + "\(stats.rejectedSamples) flagged points kept out of training")
            print("latency regression: \(alarms["latency regression", default: 0])/20 points flagged; "
                + "error storm: \(alarms["error storm", default: 0])/10; false alarms: \(falseAlarms)/1670")
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    static func format(_ x: Double) -> String { String(format: "%.3f", x) }
}
