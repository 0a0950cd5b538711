/// Every metric name the project exports, in one place. The `ebpf_*` names are the
/// original design's (so its PromQL, alerts and dashboards keep working); names the
/// original lacked follow Prometheus conventions (`_total` counters, base units).
public enum MetricName {
    // MARK: Monitor: traffic (cumulative, exact)

    /// Packets by protocol bucket (`tcp`, `udp`, `icmp`, `other`). Counter.
    public static let packetsProcessed = "ebpf_packets_processed_total"
    /// Bytes (frame lengths) by protocol bucket. Counter.
    public static let bytesProcessed = "ebpf_bytes_processed_total"
    /// TCP segments with SYN set and ACK clear. Counter.
    public static let synPackets = "ebpf_syn_packets_total"
    public static let synAckPackets = "ebpf_syn_ack_packets_total"
    public static let rstPackets = "ebpf_rst_packets_total"
    public static let finPackets = "ebpf_fin_packets_total"
    /// Packets and bytes to or from port 53. Counters.
    public static let dnsPackets = "ebpf_dns_packets_total"
    public static let dnsBytes = "ebpf_dns_bytes_total"
    /// IP packets by version (`4`, `6`). Counter.
    public static let ipPackets = "ebpf_ip_packets_total"
    public static let nonIPPackets = "ebpf_non_ip_packets_total"
    public static let fragmentPackets = "ebpf_fragment_packets_total"
    /// Packets with truncated or inconsistent headers (passed, and counted here). Counter.
    public static let malformedPackets = "ebpf_malformed_packets_total"
    /// Windows closed by the capture source. Counter.
    public static let windows = "ebpf_windows_total"

    // MARK: Monitor: latest window (gauges)

    public static let packetsPerSecond = "ebpf_packets_per_second"
    public static let bytesPerSecond = "ebpf_bytes_per_second"
    public static let uniqueIPs = "ebpf_unique_ips"
    public static let uniquePorts = "ebpf_unique_ports"
    public static let windowSeconds = "ebpf_window_seconds"
    /// Packets per second of the top sources of the latest window, `source_ip` label,
    /// at most the configured number of series; series of sources that left the top
    /// are removed.
    public static let topSourcePacketsPerSecond = "ebpf_top_source_packets_per_second"

    // MARK: Monitor: losses and capture health

    /// Sampled events lost because the ring buffer was full. Counter.
    public static let ringBufferLostEvents = "ebpf_ringbuf_lost_events_total"
    /// Sampled packet events delivered to the ring buffer. Counter.
    public static let sampledEvents = "ebpf_sampled_events_total"
    /// Entries the kernel refused, by `map` (`sources`, `port_pairs`, `host_pairs`). Counter.
    public static let mapInsertFailures = "ebpf_map_insert_failures_total"
    /// Entries pushed out of the bounded LRU tables, by `map`. Counter.
    public static let mapEvictions = "ebpf_map_evictions_total"
    /// Capture records cut by the snap length before their headers ended. Counter.
    public static let captureTruncatedPackets = "ebpf_capture_truncated_packets_total"
    /// Capture records whose timestamp could not be used (counted in the previous record's window). Counter.
    public static let captureInvalidTimestamps = "ebpf_capture_invalid_timestamps_total"
    /// 1 while the capture source runs, by `source` (`xdp`, `pcap`, `simulation`). Gauge.
    public static let captureUp = "ebpf_capture_up"
    /// XDP program runs and run time (only while `kernel.bpf_stats_enabled`=1). Counters.
    public static let programRuns = "ebpf_program_runs_total"
    public static let programRunSeconds = "ebpf_program_run_seconds_total"

    // MARK: Monitor: delivery to the detector

    /// Windows the detector accepted. Counter.
    public static let mlPosts = "ebpf_ml_posts_total"
    /// Failed posts (connection errors, timeouts, 408/425/429/5xx); the windows are retried. Counter.
    public static let mlPostFailures = "ebpf_ml_post_failures_total"
    /// Windows dropped because the bounded queue was full. Counter.
    public static let mlDroppedWindows = "ebpf_ml_post_dropped_windows_total"
    /// Windows the detector refused with a 4xx (not retried). Counter.
    public static let mlRejectedWindows = "ebpf_ml_post_rejected_windows_total"
    /// Windows waiting to be posted. Gauge.
    public static let mlQueueDepth = "ebpf_ml_post_queue_depth"

    // MARK: Detector

    /// Detections by `threat_type` (rule names and `ml_*_risk`) and `confidence_level`
    /// (`low` < 0.5 ≤ `medium` < 0.8 ≤ `high` < 0.95 ≤ `critical`). Counter.
    public static let detectorThreats = "ml_detector_threats_total"
    /// The original design's per-threat counters (each also counted in ``detectorThreats``). Counters.
    public static let detectorPortScans = "ml_detector_port_scan_total"
    public static let detectorDDoS = "ml_detector_ddos_total"
    public static let detectorSynFloods = "ml_detector_syn_flood_total"
    /// Time to produce one verdict (rules + models), seconds. Histogram.
    public static let detectorProcessingSeconds = "ml_detector_processing_seconds"
    /// Calibrated percentile of the latest network window under DBSCAN (0–1). Gauge.
    public static let detectorDBSCANScore = "ml_detector_dbscan_anomaly_score"
    /// Raw VAE reconstruction error of the latest network window. Gauge.
    public static let detectorVAEReconstructionError = "ml_detector_vae_reconstruction_error"
    /// Calibrated percentile of the latest network window under ZMAD (0–1). Gauge.
    public static let detectorZMADScore = "ml_detector_zmad_score"
    /// 1 when the `model` (`network`, `authentication`) is trained from data, 0.5 while it
    /// runs on its bootstrap baseline, 0 when it has none. Gauge.
    public static let detectorModelStatus = "ml_detector_model_status"
    /// Mean training confidence of the samples in the training window (0–1). Gauge.
    public static let detectorTrainingDataQuality = "ml_detector_training_data_quality"
    /// Training samples held, by `model`. Gauge.
    public static let detectorTrainingSamples = "ml_detector_training_samples"
    /// Completed trainings, by `model`. Counter.
    public static let detectorTrainings = "ml_detector_trainings_total"
    /// Suspicion (0–1, the confidence of the latest verdict naming it) of the worst offenders,
    /// `source_ip` label, bounded top-K; series of sources that drop out are removed. Gauge.
    public static let detectorSuspiciousIP = "ml_detector_suspicious_ip_activity"
    /// Requests by `endpoint` and `code`. Counter.
    public static let detectorRequests = "ml_detector_requests_total"
    /// Verdicts by `detection_type` (`network`, `authentication`). Counter.
    public static let detectorVerdicts = "ml_detector_verdicts_total"
    /// Username-field classifications by predicted `class`. Counter.
    public static let detectorUsernameClassifications = "ml_detector_username_classifications_total"
}
