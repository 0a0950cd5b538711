import Testing

@testable import PromExposition

@Suite("Detector metrics")
struct DetectorMetricsTests {
    /// The value of the first sample line of `name` (with `labels` when given).
    func value(_ text: String, _ name: String, _ labels: String = "") -> Double? {
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: " ")
            guard parts.count == 2 else { continue }
            let series = String(parts[0])
            if series == name || (series.hasPrefix(name + "{") && series.contains(labels)) { return Double(parts[1]) }
        }
        return nil
    }

    @Test("every ml_detector_* metric moves")
    func everyMetricMoves() {
        let metrics = DetectorMetrics(suspiciousIPLimit: 2)
        metrics.record(
            VerdictObservation(
                detectionType: "network", threatTypes: ["port_scan", "ddos", "syn_flood", "ml_high_risk"], confidence: 0.97,
                attackingIPs: ["198.18.0.2"], dbscanPercentile: 0.999, zmadPercentile: 0.998, vaeReconstructionError: 12.5,
                processingSeconds: 0.0004))
        metrics.request(endpoint: "/detect", code: 200)
        metrics.classified(as: "command")
        metrics.modelState("network", status: 1, samples: 120, trainings: 2)
        metrics.trainingDataQuality(0.8)
        let text = metrics.render()
        let names = [
            MetricName.detectorPortScans, MetricName.detectorDDoS, MetricName.detectorSynFloods,
            MetricName.detectorDBSCANScore, MetricName.detectorVAEReconstructionError, MetricName.detectorZMADScore,
            MetricName.detectorTrainingDataQuality,
        ]
        for name in names { #expect(value(text, name) ?? 0 > 0, "\(name)") }
        #expect(value(text, MetricName.detectorThreats, "threat_type=\"port_scan\"") == 1)
        #expect(text.contains("confidence_level=\"critical\""))
        #expect(value(text, MetricName.detectorProcessingSeconds + "_count") == 1)
        #expect(value(text, MetricName.detectorModelStatus, "model=\"network\"") == 1)
        #expect(value(text, MetricName.detectorTrainingSamples, "model=\"network\"") == 120)
        #expect(value(text, MetricName.detectorTrainings, "model=\"network\"") == 2)
        #expect(value(text, MetricName.detectorSuspiciousIP, "source_ip=\"198.18.0.2\"") == 0.97)
        #expect(value(text, MetricName.detectorRequests, "endpoint=\"/detect\"") == 1)
        #expect(value(text, MetricName.detectorVerdicts, "detection_type=\"network\"") == 1)
        #expect(value(text, MetricName.detectorUsernameClassifications, "class=\"command\"") == 1)
        // Trainings count up by the difference, not the total, on the next report.
        metrics.modelState("network", status: 1, samples: 130, trainings: 3)
        #expect(value(metrics.render(), MetricName.detectorTrainings, "model=\"network\"") == 3)
    }

    @Test("source_ip series stay bounded and stale ones are removed")
    func boundedSources() {
        let metrics = DetectorMetrics(suspiciousIPLimit: 2)
        for (i, ip) in ["198.18.0.1", "198.18.0.2", "198.18.0.3"].enumerated() {
            metrics.record(VerdictObservation(
                detectionType: "network", threatTypes: ["port_scan"], confidence: 0.5 + 0.1 * Double(i),
                attackingIPs: [ip], processingSeconds: 0.001))
        }
        let text = metrics.render()
        #expect(!text.contains("source_ip=\"198.18.0.1\""))
        #expect(text.contains("source_ip=\"198.18.0.2\"") && text.contains("source_ip=\"198.18.0.3\""))
    }
}
