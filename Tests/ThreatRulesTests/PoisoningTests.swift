import AnomalyModels
import Foundation
import TestSupport
import Testing
import TrafficFeatures

@testable import ThreatRules

/// Poisoning by a slow ramp: 5 minutes of a host's ordinary windows, then 15 minutes (900
/// one-second windows) in which a SYN flood from one source grows from 0 to 450 SYN/s — always
/// under `syn_flood`'s 500, so no rule keeps the windows out of training — with the models
/// retrained every 30 windows, as the detector does. Afterwards the flood must still be flagged by
/// the models. What keeps it so: windows the models flag are not learned
/// (`excludeFlaggedFromTraining`); the same ramp into models that learn everything teaches them
/// the flood.
@Suite("poisoning: a slow ramp toward a flood does not teach the models the flood")
struct PoisoningTests {
    struct Outcome {
        var flaggedAfter: [Int: Bool] = [:]
        var rejected = 0
        var learned = 0
        var flaggedDuringRamp = 0
    }

    static let rampWindows = 900
    static let floods = [300, 450, 1000, 2000]

    static func withFlood(_ window: TrafficWindow, syn: Int) -> TrafficWindow {
        var w = window
        w.counters.packets += syn
        w.counters.tcpPackets += syn
        w.counters.synPackets += syn
        w.counters.bytes += 60 * syn
        w.counters.tcpBytes += 60 * syn
        w.packetsPerSecond = Double(w.counters.packets) / w.windowSeconds
        w.bytesPerSecond = Double(w.counters.bytes) / w.windowSeconds
        return w
    }

    /// The ramp through a detector whose network models exclude flagged windows from training,
    /// or not; then the floods scored by the models it ended with.
    static func ramp(excludeFlagged: Bool) throws -> Outcome {
        let base = try ThreatDetector(
            thresholds: RuleThresholds(), networkEnsemble: ThreatDetector.bootstrapNetworkEnsemble(),
            authenticationEnsemble: ThreatDetector.bootstrapAuthenticationEnsemble())
        let detector = try ThreatDetector(
            thresholds: RuleThresholds(),
            network: AnomalyDetector(
                configuration: ThreatDetector.networkConfiguration, confidence: ThreatDetector.networkConfidence,
                excludeFlaggedFromTraining: excludeFlagged, ensemble: base.network.ensemble),
            authentication: base.authentication, classifier: base.classifier)
        // The 200 packets/s host profile.
        let stream = SyntheticTraffic.hostWindowStreams(seed: 3, count: 300 + rampWindows + 1)[1].windows
        var outcome = Outcome()
        for (index, window) in stream.dropLast().enumerated() {
            let ramping = index >= 300
            let syn = ramping ? Int(450.0 * Double(index - 300) / Double(rampWindows)) : 0
            let verdict = try detector.detect(Self.withFlood(window, syn: syn), learn: true)
            #expect(verdict.findings.isEmpty, "a rule fired at \(syn) SYN/s: the ramp is meant to stay under them")
            if ramping && verdict.scores.mlBased { outcome.flaggedDuringRamp += 1 }
            if (index + 1) % 30 == 0 && index >= 59 { try detector.network.retrain() }
        }
        let ensemble = try #require(detector.network.ensemble)
        for syn in floods {
            outcome.flaggedAfter[syn] = try ensemble.score(FeatureVector(Self.withFlood(stream.last!, syn: syn)).values).consensus
        }
        outcome.rejected = detector.network.statistics.rejectedSamples
        outcome.learned = detector.network.trainingSampleCount
        return outcome
    }

    @Test("after a 15-minute ramp to 450 SYN/s the models still flag 300 to 2,000 SYN/s; learning everything would not")
    func slowRamp() async throws {
        // Minutes of training on a thread of its own, not the test pool's.
        let (protected, control) = try await OwnThread.run { (try Self.ramp(excludeFlagged: true), try Self.ramp(excludeFlagged: false)) }
        print(
            "poisoning: ramp of \(Self.rampWindows) windows to 450 SYN/s; flagged windows kept out: \(protected.rejected) "
                + "(\(protected.flaggedDuringRamp) flagged during the ramp, \(protected.learned) windows learned); afterwards flagged: "
                + Self.floods.map { "\($0) SYN/s \(protected.flaggedAfter[$0]! ? "yes" : "no")" }.joined(separator: ", ")
                + "; learning everything: " + Self.floods.map { "\($0) SYN/s \(control.flaggedAfter[$0]! ? "yes" : "no")" }.joined(separator: ", "))
        for syn in Self.floods {
            #expect(protected.flaggedAfter[syn] == true, "\(syn) SYN/s is no longer flagged after the ramp")
        }
        #expect(protected.rejected >= Self.rampWindows / 2)
        // Without the exclusion the ramp does teach the models: the mechanism is what holds.
        #expect(control.rejected == 0)
        #expect(control.flaggedAfter[450] == false && control.flaggedAfter[300] == false)
    }
}
