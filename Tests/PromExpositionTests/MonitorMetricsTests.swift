import Testing

@testable import PromExposition

@Suite("Monitor metrics exposition")
struct MonitorMetricsTests {
    static func lines(_ metrics: MonitorMetrics) -> [String] {
        metrics.render().split(separator: "\n").map(String.init).filter { !$0.hasPrefix("#") }.sorted()
    }

    static let observation: WindowObservation = {
        var observation = WindowObservation(
            packetsPerSecond: 8, bytesPerSecond: 1027, uniqueIPs: 3, uniquePorts: 6, windowSeconds: 2,
            topSources: [("198.18.0.2", 3.5), ("198.18.0.3", 2.5)], sampledEvents: 4)
        for (bucket, packets, bytes) in [("tcp", 5, 300), ("udp", 7, 1400), ("icmp", 3, 294), ("other", 1, 60)] {
            observation.add(packets, to: MetricName.packetsProcessed, label: ("protocol", bucket))
            observation.add(bytes, to: MetricName.bytesProcessed, label: ("protocol", bucket))
        }
        for (metric, value) in [
            (MetricName.synPackets, 5), (MetricName.synAckPackets, 1), (MetricName.rstPackets, 2), (MetricName.finPackets, 1),
            (MetricName.dnsPackets, 7), (MetricName.dnsBytes, 1400), (MetricName.nonIPPackets, 1),
            (MetricName.fragmentPackets, 0), (MetricName.malformedPackets, 1), (MetricName.ringBufferLostEvents, 2),
            (MetricName.captureTruncatedPackets, 0), (MetricName.captureInvalidTimestamps, 2),
            (MetricName.udpReflectionPackets, 3),
        ] {
            observation.add(value, to: metric)
        }
        observation.add(15, to: MetricName.ipPackets, label: ("version", "4"))
        observation.add(1, to: MetricName.mapInsertFailures, label: ("map", "sources"))
        observation.add(3, to: MetricName.mapEvictions, label: ("map", "port_pairs"))
        for (kind, value) in [("syn", 5), ("ack", 4), ("udp", 2)] {
            observation.add(value, to: MetricName.probePackets, label: ("kind", kind))
        }
        observation.horizonSources = 2
        observation.horizonEntries = 40
        return observation
    }()

    @Test func exposesExactValuesAfterAWindow() {
        let metrics = MonitorMetrics(topSourceSeriesLimit: 5)
        metrics.record(Self.observation)
        metrics.windowsPosted(1)
        metrics.postFailed()
        metrics.windowsDropped(2)
        metrics.windowsRejected(1)
        metrics.setQueueDepth(4)
        metrics.captureRunning(source: "xdp")
        metrics.authLogsFollowed(2)
        metrics.authLines(
            read: 10, unparsed: 1, cut: 1, rotations: 1, truncations: 0, events: [("failure", 3), ("success", 1), ("not-a-kind", 5)])
        metrics.authWindow(events: 2, trackedSources: 1, attemptsWithoutSource: 1, forgottenSources: 0, forgottenUsernames: 2)
        metrics.authReadError()
        #expect(
            Self.lines(metrics) == [
                #"ebpf_auth_activities_total 2"#,
                #"ebpf_auth_attempts_without_source_total 1"#,
                #"ebpf_auth_events_total{kind="attempts_exceeded"} 0"#,
                #"ebpf_auth_events_total{kind="closed_before_authentication"} 0"#,
                #"ebpf_auth_events_total{kind="failure"} 3"#,
                #"ebpf_auth_events_total{kind="invalid_user"} 0"#,
                #"ebpf_auth_events_total{kind="pam_report"} 0"#,
                #"ebpf_auth_events_total{kind="success"} 1"#,
                #"ebpf_auth_lines_cut_total 1"#,
                #"ebpf_auth_lines_read_total 10"#,
                #"ebpf_auth_lines_unparsed_total 1"#,
                #"ebpf_auth_log_rotations_total{kind="rename"} 1"#,
                #"ebpf_auth_log_rotations_total{kind="truncate"} 0"#,
                #"ebpf_auth_logs_followed 2.0"#,
                #"ebpf_auth_read_errors_total 1"#,
                #"ebpf_auth_tracked_sources 1.0"#,
                #"ebpf_auth_tracker_evictions_total{entry="source"} 0"#,
                #"ebpf_auth_tracker_evictions_total{entry="username"} 2"#,
                #"ebpf_bytes_per_second 1027.0"#,
                #"ebpf_bytes_processed_total{protocol="icmp"} 294"#,
                #"ebpf_bytes_processed_total{protocol="other"} 60"#,
                #"ebpf_bytes_processed_total{protocol="tcp"} 300"#,
                #"ebpf_bytes_processed_total{protocol="udp"} 1400"#,
                #"ebpf_capture_invalid_timestamps_total 2"#,
                #"ebpf_capture_truncated_packets_total 0"#,
                #"ebpf_capture_up{source="pcap"} 0.0"#,
                #"ebpf_capture_up{source="simulation"} 0.0"#,
                #"ebpf_capture_up{source="xdp"} 1.0"#,
                #"ebpf_dns_bytes_total 1400"#,
                #"ebpf_dns_packets_total 7"#,
                #"ebpf_dns_samples_lost_total 0"#,
                #"ebpf_dns_unparsed_total 0"#,
                #"ebpf_fin_packets_total 1"#,
                #"ebpf_fragment_packets_total 0"#,
                #"ebpf_horizon_tracked_entries 40.0"#,
                #"ebpf_horizon_tracked_sources 2.0"#,
                #"ebpf_ip_packets_total{version="4"} 15"#,
                #"ebpf_ip_packets_total{version="6"} 0"#,
                #"ebpf_malformed_packets_total 1"#,
                #"ebpf_map_evictions_total{map="dns_clients"} 0"#,
                #"ebpf_map_evictions_total{map="dns_names"} 0"#,
                #"ebpf_map_evictions_total{map="flows"} 0"#,
                #"ebpf_map_evictions_total{map="horizon_entries"} 0"#,
                #"ebpf_map_evictions_total{map="horizon_sources"} 0"#,
                #"ebpf_map_evictions_total{map="host_pairs"} 0"#,
                #"ebpf_map_evictions_total{map="port_pairs"} 3"#,
                #"ebpf_map_evictions_total{map="sources"} 0"#,
                #"ebpf_map_insert_failures_total{map="flows"} 0"#,
                #"ebpf_map_insert_failures_total{map="host_pairs"} 0"#,
                #"ebpf_map_insert_failures_total{map="port_pairs"} 0"#,
                #"ebpf_map_insert_failures_total{map="sources"} 1"#,
                #"ebpf_ml_post_dropped_windows_total 2"#,
                #"ebpf_ml_post_failures_total 1"#,
                #"ebpf_ml_post_queue_depth 4.0"#,
                #"ebpf_ml_post_rejected_windows_total 1"#,
                #"ebpf_ml_posts_total 1"#,
                #"ebpf_non_ip_packets_total 1"#,
                #"ebpf_packets_per_second 8.0"#,
                #"ebpf_packets_processed_total{protocol="icmp"} 3"#,
                #"ebpf_packets_processed_total{protocol="other"} 1"#,
                #"ebpf_packets_processed_total{protocol="tcp"} 5"#,
                #"ebpf_packets_processed_total{protocol="udp"} 7"#,
                #"ebpf_probe_packets_total{kind="ack"} 4"#,
                #"ebpf_probe_packets_total{kind="arp"} 0"#,
                #"ebpf_probe_packets_total{kind="icmp"} 0"#,
                #"ebpf_probe_packets_total{kind="stealth"} 0"#,
                #"ebpf_probe_packets_total{kind="syn"} 5"#,
                #"ebpf_probe_packets_total{kind="udp"} 2"#,
                #"ebpf_ringbuf_lost_events_total 2"#,
                #"ebpf_rst_packets_total 2"#,
                #"ebpf_sampled_events_total 4"#,
                #"ebpf_syn_ack_packets_total 1"#,
                #"ebpf_syn_packets_total 5"#,
                #"ebpf_top_source_packets_per_second{source_ip="198.18.0.2"} 3.5"#,
                #"ebpf_top_source_packets_per_second{source_ip="198.18.0.3"} 2.5"#,
                #"ebpf_udp_reflection_packets_total 3"#,
                #"ebpf_unique_ips 3.0"#,
                #"ebpf_unique_ports 6.0"#,
                #"ebpf_window_seconds 2.0"#,
                #"ebpf_windows_total 1"#,
            ])
        #expect(metrics.render().contains("# TYPE ebpf_packets_processed_total counter"))
        #expect(metrics.render().contains("# TYPE ebpf_packets_per_second gauge"))
    }

    @Test func countersAccumulateAcrossWindows() {
        let metrics = MonitorMetrics()
        for _ in 0..<3 { metrics.record(Self.observation) }
        let lines = Self.lines(metrics)
        #expect(lines.contains(#"ebpf_packets_processed_total{protocol="udp"} 21"#))
        #expect(lines.contains(#"ebpf_syn_packets_total 15"#))
        #expect(lines.contains(#"ebpf_windows_total 3"#))
        #expect(lines.contains(#"ebpf_packets_per_second 8.0"#))
    }

    @Test func perSourceSeriesAreBoundedAndStaleOnesRemoved() {
        let metrics = MonitorMetrics(topSourceSeriesLimit: 2)
        var first = Self.observation
        first.topSources = [("198.18.0.2", 9), ("198.18.0.3", 8), ("198.18.0.4", 7)]
        metrics.record(first)
        var series = Self.lines(metrics).filter { $0.hasPrefix("ebpf_top_source") }
        #expect(series == [
            #"ebpf_top_source_packets_per_second{source_ip="198.18.0.2"} 9.0"#,
            #"ebpf_top_source_packets_per_second{source_ip="198.18.0.3"} 8.0"#,
        ])
        var second = Self.observation
        second.topSources = [("198.18.0.9", 1)]
        metrics.record(second)
        series = Self.lines(metrics).filter { $0.hasPrefix("ebpf_top_source") }
        #expect(series == [#"ebpf_top_source_packets_per_second{source_ip="198.18.0.9"} 1.0"#])
    }

    @Test("a probing source's breadth stays until its horizon passes without a new probe, broadest sources only")
    func probedBreadthSeries() {
        let metrics = MonitorMetrics(topSourceSeriesLimit: 2)
        func window(_ breadth: [ProbedBreadth]) -> WindowObservation {
            var w = WindowObservation(windowSeconds: 1)
            w.probedBreadth = breadth
            return w
        }
        func series() -> [String] { Self.lines(metrics).filter { $0.hasPrefix("ebpf_source_probed") } }
        metrics.record(window([
            ProbedBreadth(ip: "198.18.0.2", horizonSeconds: 10, ports: 3, hosts: 1),
            ProbedBreadth(ip: "198.18.0.2", horizonSeconds: 5, ports: 2, hosts: 1),
            ProbedBreadth(ip: "198.18.0.3", horizonSeconds: 10, ports: 9, hosts: 1),
            ProbedBreadth(ip: "198.18.0.4", horizonSeconds: 10, ports: 1, hosts: 1),
        ]))
        #expect(series() == [
            #"ebpf_source_probed_hosts{source_ip="198.18.0.2"} 1.0"#,
            #"ebpf_source_probed_hosts{source_ip="198.18.0.3"} 1.0"#,
            #"ebpf_source_probed_ports{source_ip="198.18.0.2"} 3.0"#,
            #"ebpf_source_probed_ports{source_ip="198.18.0.3"} 9.0"#,
        ])
        // Nothing new for 9 s: the values stay; a shorter horizon's report does not replace them.
        for _ in 0..<8 { metrics.record(window([])) }
        metrics.record(window([
            ProbedBreadth(ip: "198.18.0.3", horizonSeconds: 5, ports: 1, hosts: 1),
            ProbedBreadth(ip: "198.18.0.4", horizonSeconds: 10, ports: 1, hosts: 1),
        ]))
        #expect(series().contains(#"ebpf_source_probed_ports{source_ip="198.18.0.3"} 9.0"#))
        #expect(series().contains(#"ebpf_source_probed_ports{source_ip="198.18.0.2"} 3.0"#))
        // 10 s after the first reports their horizon has passed: 198.18.0.2 goes, 198.18.0.4 (reported
        // again) gets its series and 198.18.0.3 shows its newer, shorter-horizon report.
        metrics.record(window([]))
        #expect(series() == [
            #"ebpf_source_probed_hosts{source_ip="198.18.0.3"} 1.0"#,
            #"ebpf_source_probed_hosts{source_ip="198.18.0.4"} 1.0"#,
            #"ebpf_source_probed_ports{source_ip="198.18.0.3"} 1.0"#,
            #"ebpf_source_probed_ports{source_ip="198.18.0.4"} 1.0"#,
        ])
        for _ in 0..<10 { metrics.record(window([])) }
        #expect(series().isEmpty)
    }

    @Test func programStatisticsAddOnlyWhatIsNew() {
        let metrics = MonitorMetrics(programStatistics: true)
        metrics.programStatistics(runCount: 100, runTimeNanoseconds: 5_000)
        metrics.programStatistics(runCount: 150, runTimeNanoseconds: 7_000)
        let lines = Self.lines(metrics)
        #expect(lines.contains("ebpf_program_runs_total 150"))
        let seconds = lines.first { $0.hasPrefix("ebpf_program_run_seconds_total ") }.flatMap { Double($0.split(separator: " ")[1]) }
        #expect(abs((seconds ?? 0) - 7e-6) < 1e-15)
        #expect(!Self.lines(MonitorMetrics()).contains { $0.hasPrefix("ebpf_program_runs") })
    }

    @Test func everyDeclaredMonitorMetricIsExposed() {
        let metrics = MonitorMetrics(programStatistics: true)
        metrics.record(Self.observation)
        let text = metrics.render()
        let names = [
            MetricName.packetsProcessed, MetricName.bytesProcessed, MetricName.synPackets, MetricName.synAckPackets,
            MetricName.rstPackets, MetricName.finPackets, MetricName.dnsPackets, MetricName.dnsBytes,
            MetricName.ipPackets, MetricName.nonIPPackets, MetricName.fragmentPackets, MetricName.malformedPackets,
            MetricName.windows, MetricName.packetsPerSecond, MetricName.bytesPerSecond, MetricName.uniqueIPs,
            MetricName.uniquePorts, MetricName.windowSeconds, MetricName.topSourcePacketsPerSecond,
            MetricName.ringBufferLostEvents, MetricName.sampledEvents, MetricName.mapInsertFailures,
            MetricName.mapEvictions, MetricName.captureTruncatedPackets, MetricName.captureInvalidTimestamps, MetricName.captureUp, MetricName.programRuns,
            MetricName.programRunSeconds, MetricName.mlPosts, MetricName.mlPostFailures, MetricName.mlDroppedWindows,
            MetricName.mlRejectedWindows, MetricName.mlQueueDepth,
        ]
        for name in names {
            #expect(text.contains("# TYPE \(name) "), "\(name) missing")
        }
    }
}
