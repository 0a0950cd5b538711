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
        metrics.modelAccuracy("network", 0.75)
        metrics.trainingDataQuality(0.8)
        let text = metrics.render()
        let names = [
            MetricName.detectorDBSCANScore, MetricName.detectorVAEReconstructionError, MetricName.detectorZMADScore,
            MetricName.detectorTrainingDataQuality,
        ]
        for name in names { #expect(value(text, name) ?? 0 > 0, "\(name)") }
        for name in [MetricName.detectorPortScans, MetricName.detectorDDoS, MetricName.detectorSynFloods, MetricName.detectorAnomalies] {
            #expect(value(text, name, "source_ip=\"198.18.0.2\"") == 1, "\(name)")
        }
        #expect(value(text, MetricName.detectorThreats, "threat_type=\"port_scan\"") == 1)
        #expect(text.contains("\(MetricName.detectorThreats){threat_type=\"port_scan\",confidence_level=\"critical\",source_ip=\"198.18.0.2\"} 1"))
        #expect(value(text, MetricName.detectorThreatConfidence, "detection_type=\"network\"") == 0.97)
        #expect(value(text, MetricName.detectorModelAccuracy, "model=\"network\"") == 0.75)
        for model in DetectorMetrics.advancedModels {
            #expect(value(text, MetricName.detectorAdvancedModelStatus, "model=\"\(model)\"") == 1, "\(model)")
        }
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

    @Test("before any detection the per-threat and anomaly counters are listed at 0 under source_ip=\"\"")
    func listedFromTheStart() {
        let text = DetectorMetrics().render()
        for name in [MetricName.detectorPortScans, MetricName.detectorDDoS, MetricName.detectorSynFloods, MetricName.detectorAnomalies] {
            #expect(text.contains("\(name){source_ip=\"\"} 0"), "\(name)")
        }
        for type in DetectorMetrics.detectionTypes {
            #expect(value(text, MetricName.detectorThreatConfidence, "detection_type=\"\(type)\"") == 0)
        }
        // No agreement is claimed before the models scored anything.
        #expect(!text.contains(MetricName.detectorModelAccuracy))
    }

    @Test("each rule's detection is counted under the sources that rule names, unnamed ones under source_ip=\"\"")
    func countedPerSource() {
        let metrics = DetectorMetrics()
        metrics.record(VerdictObservation(
            detectionType: "network", threatTypes: ["port_scan", "ddos", "ml_medium_risk"], confidence: 0.6,
            attackingIPs: ["198.18.0.7", "198.18.0.8"],
            threatSources: ["port_scan": ["198.18.0.7", "198.18.0.8"], "ddos": [], "ml_medium_risk": ["198.18.0.7", "198.18.0.8"]],
            sourcePackets: [SourcePackets(ip: "198.18.0.7", packets: 900), SourcePackets(ip: "198.18.0.9", packets: 40)],
            processingSeconds: 0.001))
        let text = metrics.render()
        #expect(text.contains("\(MetricName.detectorPortScans){source_ip=\"198.18.0.7\"} 1"))
        #expect(text.contains("\(MetricName.detectorPortScans){source_ip=\"198.18.0.8\"} 1"))
        #expect(text.contains("\(MetricName.detectorDDoS){source_ip=\"\"} 1"))
        #expect(!text.contains("\(MetricName.detectorDDoS){source_ip=\"198.18.0.7\"}"))
        #expect(text.contains("\(MetricName.detectorAnomalies){source_ip=\"198.18.0.8\"} 1"))
        #expect(text.contains("\(MetricName.detectorIPPacketCount){source_ip=\"198.18.0.7\"} 900"))
        #expect(text.contains("\(MetricName.detectorIPPacketCount){source_ip=\"198.18.0.9\"} 40"))
        // The next network window replaces the packet counts; sources that left it go.
        metrics.record(VerdictObservation(
            detectionType: "network", threatTypes: [], confidence: 0, attackingIPs: [],
            sourcePackets: [SourcePackets(ip: "198.18.0.9", packets: 12)], processingSeconds: 0.001))
        let next = metrics.render()
        #expect(!next.contains("\(MetricName.detectorIPPacketCount){source_ip=\"198.18.0.7\"}"))
        #expect(next.contains("\(MetricName.detectorIPPacketCount){source_ip=\"198.18.0.9\"} 12"))
        #expect(next.contains("\(MetricName.detectorThreatConfidence){detection_type=\"network\"} 0"))
    }

    @Test("per-source counters keep the most recently named sources and drop the others' series")
    func boundedCounters() {
        let metrics = DetectorMetrics(suspiciousIPLimit: 2)
        for ip in ["198.18.0.1", "198.18.0.2", "198.18.0.1", "198.18.0.3"] {
            metrics.record(VerdictObservation(
                detectionType: "network", threatTypes: ["port_scan"], confidence: 0.9, attackingIPs: [ip], processingSeconds: 0.001))
        }
        let text = metrics.render()
        #expect(text.contains("\(MetricName.detectorPortScans){source_ip=\"198.18.0.1\"} 2"))
        #expect(text.contains("\(MetricName.detectorPortScans){source_ip=\"198.18.0.3\"} 1"))
        #expect(!text.contains("\(MetricName.detectorPortScans){source_ip=\"198.18.0.2\"}"))
        #expect(!text.split(separator: "\n").contains { $0.hasPrefix(MetricName.detectorThreats + "{") && $0.contains("198.18.0.2") })
        let series = text.split(separator: "\n").filter { $0.hasPrefix(MetricName.detectorThreats + "{") }
        #expect(series.count == 2)
        // With a limit of 0 nothing is named.
        let anonymous = DetectorMetrics(suspiciousIPLimit: 0)
        anonymous.record(VerdictObservation(
            detectionType: "network", threatTypes: ["port_scan"], confidence: 0.9, attackingIPs: ["198.18.0.1"], processingSeconds: 0.001))
        #expect(anonymous.render().contains("\(MetricName.detectorPortScans){source_ip=\"\"} 1"))
        #expect(!anonymous.render().contains("198.18.0.1"))
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
