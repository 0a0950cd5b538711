/// Every metric name the project exports, in one place. The `ebpf_*` names are the
/// original design's (so its PromQL, alerts and dashboards keep working); names the
/// original lacked follow Prometheus conventions (`_total` counters, base units).
///
/// ``MonitorMetrics`` registers every `ebpf_*` name and ``DetectorMetrics`` every
/// `ml_detector_*` name. Most labels have a fixed set of values, created up front. The
/// `source_ip` series are limited to a configured top-K. `threat_type`, `endpoint`, `code` and
/// `class` take their values from the caller, which should draw them from small fixed sets
/// (the detector does).
public enum MetricName {
    // MARK: Monitor: traffic (cumulative, exact)

    // The counters that window counts and losses feed (ebpf_packets_processed_total,
    // ebpf_syn_packets_total, ebpf_probe_packets_total, ebpf_map_evictions_total, …) are generated
    // from bpf/counters.def into an extension of this enum, with their help text and series
    // (``CounterSeries/all``).

    /// Windows closed by the capture source (one per recorded window). Counter, no labels.
    public static let windows = "ebpf_windows_total"

    // MARK: Monitor: latest window (gauges)

    /// Packets per second in the latest window. Gauge, no labels.
    public static let packetsPerSecond = "ebpf_packets_per_second"
    /// Bytes per second in the latest window. Gauge, no labels.
    public static let bytesPerSecond = "ebpf_bytes_per_second"
    /// Distinct source addresses in the latest window (may be an estimate). Gauge, no labels.
    public static let uniqueIPs = "ebpf_unique_ips"
    /// Distinct TCP and UDP destination ports in the latest window. Gauge, no labels.
    public static let uniquePorts = "ebpf_unique_ports"
    /// Length of the latest window, in seconds. Gauge, no labels.
    public static let windowSeconds = "ebpf_window_seconds"
    /// Packets per second of the top sources of the latest window, label `source_ip`,
    /// at most the configured number of series; series of sources that left the top
    /// are removed. Gauge.
    public static let topSourcePacketsPerSecond = "ebpf_top_source_packets_per_second"

    // MARK: Monitor: losses and capture health

    /// Sampled packet events delivered to the ring buffer. Counter, no labels.
    public static let sampledEvents = "ebpf_sampled_events_total"
    /// Sources the probe-horizon tracker holds after the latest window. Gauge, no labels.
    public static let horizonSources = "ebpf_horizon_tracked_sources"
    /// Distinct ports a probing source probed over the longest horizon it was reported for
    /// (`probe_horizons`), label `source_ip`; kept until that horizon passes without a new probe,
    /// at most the configured number of series (the broadest sources). Gauge. Summed across
    /// nodes it shows a scan spread over a fleet.
    public static let sourceProbedPorts = "ebpf_source_probed_ports"
    /// Distinct hosts a probing source probed, like ``sourceProbedPorts``. Gauge.
    public static let sourceProbedHosts = "ebpf_source_probed_hosts"
    /// Probed ports, hosts and windows the probe-horizon tracker holds after the latest window.
    /// Gauge, no labels.
    public static let horizonEntries = "ebpf_horizon_tracked_entries"
    /// 1 while the capture source runs, 0 otherwise, label `source` (`xdp`, `pcap`, `simulation`). Gauge.
    public static let captureUp = "ebpf_capture_up"
    /// Runs of the XDP program (counted by the kernel only while `kernel.bpf_stats_enabled`=1;
    /// registered only when the monitor enables those statistics). Counter, no labels.
    public static let programRuns = "ebpf_program_runs_total"
    /// Time spent running the XDP program, in seconds (same conditions as ``programRuns``).
    /// Counter, no labels.
    public static let programRunSeconds = "ebpf_program_run_seconds_total"

    // MARK: Monitor: delivery to the detector

    /// Windows the detector accepted. Counter, no labels.
    public static let mlPosts = "ebpf_ml_posts_total"
    /// Failed posts (connection errors, timeouts, 408/425/429/5xx); the windows are retried.
    /// Counter, no labels.
    public static let mlPostFailures = "ebpf_ml_post_failures_total"
    /// Windows dropped because the bounded queue was full. Counter, no labels.
    public static let mlDroppedWindows = "ebpf_ml_post_dropped_windows_total"
    /// Windows the detector refused with a 4xx (not retried). Counter, no labels.
    public static let mlRejectedWindows = "ebpf_ml_post_rejected_windows_total"
    /// Windows waiting to be posted. Gauge, no labels.
    public static let mlQueueDepth = "ebpf_ml_post_queue_depth"

    // MARK: Monitor: the host's authentication logs

    /// Authentication log files the monitor follows (`AUTH_LOGS`). Gauge, no labels.
    public static let authLogsFollowed = "ebpf_auth_logs_followed"
    /// Lines read from the authentication logs. Counter, no labels.
    public static let authLinesRead = "ebpf_auth_lines_read_total"
    /// Lines of sshd or PAM the parser could not read (kept count of, never dropped unseen).
    /// Counter, no labels.
    public static let authLinesUnparsed = "ebpf_auth_lines_unparsed_total"
    /// Lines longer than the reader's bound, cut to it. Counter, no labels.
    public static let authLinesCut = "ebpf_auth_lines_cut_total"
    /// Rotations (`rename`, label `kind="rename"`) and truncations (copytruncate,
    /// `kind="truncate"`) of the logs followed. Counter.
    public static let authLogRotations = "ebpf_auth_log_rotations_total"
    /// Failed reads of a log (permission denied, I/O error). Counter, no labels.
    public static let authReadErrors = "ebpf_auth_read_errors_total"
    /// Authentication messages by `kind` (`failure`, `success`, `invalid_user`,
    /// `closed_before_authentication`, `attempts_exceeded`, `pam_report`). Counter.
    public static let authEvents = "ebpf_auth_events_total"
    /// Login attempts without a client address (a local `su`), not attributed. Counter, no labels.
    public static let authAttemptsWithoutSource = "ebpf_auth_attempts_without_source_total"
    /// Per-source authentication events queued for the detector (one per source and window with
    /// attempts, plus the summary over every source when a login failed). Counter, no labels.
    public static let authActivities = "ebpf_auth_activities_total"
    /// Sources the login tracker holds. Gauge, no labels.
    public static let authTrackedSources = "ebpf_auth_tracked_sources"
    /// What the login tracker's bounds made it forget, label `entry` (`source`, `username`). Counter.
    public static let authTrackerEvictions = "ebpf_auth_tracker_evictions_total"

    // MARK: Detector

    /// Detections by `threat_type` (rule names and `ml_*_risk`), `confidence_level`
    /// (`low` < 0.5 ≤ `medium` < 0.8 ≤ `high` < 0.95 ≤ `critical`) and `source_ip`: one per
    /// source the detection names (`""` when it names none), for a bounded set of recently
    /// named sources; a series appears when its first detection is counted. Counter.
    public static let detectorThreats = "ml_detector_threats_total"
    /// Detections of `port_scan` by `source_ip`, the original design's per-threat counter (also
    /// counted in ``detectorThreats``). Counter.
    public static let detectorPortScans = "ml_detector_port_scan_total"
    /// Detections of `ddos` by `source_ip`, the original design's per-threat counter (also
    /// counted in ``detectorThreats``). Counter.
    public static let detectorDDoS = "ml_detector_ddos_total"
    /// Detections of `syn_flood` by `source_ip`, the original design's per-threat counter (also
    /// counted in ``detectorThreats``). Counter.
    public static let detectorSynFloods = "ml_detector_syn_flood_total"
    /// Model-only detections (`ml_*_risk`) by `source_ip` (the verdict's attacking sources, or
    /// `""`), the original design's anomaly counter. Counter.
    public static let detectorAnomalies = "ml_detector_anomaly_total"
    /// Packets of the top sources of the latest network window, label `source_ip`, bounded
    /// top-K, replaced with every network verdict. Gauge.
    public static let detectorIPPacketCount = "ml_detector_ip_packet_count"
    /// Confidence of the latest verdict (0 when it found nothing), label `detection_type`
    /// (`network`, `authentication`). The original design labelled it by threat type; the
    /// confidence of each detection is the `confidence_level` of ``detectorThreats``. Gauge.
    public static let detectorThreatConfidence = "ml_detector_threat_confidence"
    /// Share (0–1) of the latest verdicts (up to 1,000) on which the models' consensus agreed
    /// with the rules, label `model` (`network`, `authentication`); the rules stand in for the
    /// labels a deployed sensor does not have; a series appears once its models have scored a
    /// verdict (never with the models off). Gauge.
    public static let detectorModelAccuracy = "ml_detector_model_accuracy"
    /// State of each model of the network ensemble, label `model` (`dbscan`, `vae`, `zmad`),
    /// valued like ``detectorModelStatus`` (the three train together). Gauge.
    public static let detectorAdvancedModelStatus = "ml_detector_advanced_model_status"
    /// Time to produce one verdict (rules + models), in seconds; buckets from 50 µs to 250 ms.
    /// Histogram, no labels.
    public static let detectorProcessingSeconds = "ml_detector_processing_seconds"
    /// Calibrated percentile of the latest network window under DBSCAN (0–1). Gauge, no labels.
    public static let detectorDBSCANScore = "ml_detector_dbscan_anomaly_score"
    /// Raw VAE reconstruction error of the latest network window. Gauge, no labels.
    public static let detectorVAEReconstructionError = "ml_detector_vae_reconstruction_error"
    /// Calibrated percentile of the latest network window under ZMAD (0–1). Gauge, no labels.
    public static let detectorZMADScore = "ml_detector_zmad_score"
    /// 1 when the model is trained from data, 0.5 while it runs on its bootstrap baseline,
    /// 0 when it has none; label `model` (`network`, `authentication`). Gauge.
    public static let detectorModelStatus = "ml_detector_model_status"
    /// Mean training confidence of the samples in the network model's training window (0–1).
    /// Gauge, no labels.
    public static let detectorTrainingDataQuality = "ml_detector_training_data_quality"
    /// Network windows the models agreed on but the model-alert policy kept from alerting
    /// (not persistent, too little impact, or still learning the host). Counter, no labels.
    public static let detectorSuppressedModelAlerts = "ml_detector_model_alerts_suppressed_total"
    /// Windows received again — the same `stream` and `sequence`, a post the monitor retried
    /// after the first copy had arrived — and answered with the verdict already given, without
    /// judging, counting or learning them again. Counter, no labels.
    public static let detectorDuplicateWindows = "ml_detector_duplicate_windows_total"
    /// Window streams held, label `table`: `state`, the streams (`stream`, `interface`, `source`)
    /// whose rule and model state the detector keeps (sustained brute force, the models'
    /// persistence; at most `DETECTOR_MAX_STREAMS`), and `ledger`, the delivery streams whose
    /// judged windows it remembers to answer repeats (at most 256). Gauge.
    public static let detectorStreams = "ml_detector_streams"
    /// Streams forgotten because their table was full when a new one posted, label `table` (as
    /// ``detectorStreams``): least recently used first, streams that posted once before the
    /// others. Counter.
    public static let detectorStreamEvictions = "ml_detector_stream_evictions_total"
    /// Training samples held, label `model`. Gauge.
    public static let detectorTrainingSamples = "ml_detector_training_samples"
    /// Completed trainings, label `model`. Counter.
    public static let detectorTrainings = "ml_detector_trainings_total"
    /// Suspicion (0–1, the confidence of the latest verdict naming it) of the worst offenders,
    /// label `source_ip`, bounded top-K; series of sources that drop out are removed. Gauge.
    public static let detectorSuspiciousIP = "ml_detector_suspicious_ip_activity"
    /// HTTP requests by `endpoint` and status `code`; a series appears with its first request.
    /// Counter.
    public static let detectorRequests = "ml_detector_requests_total"
    /// Verdicts by `detection_type` (`network`, `authentication`). Counter.
    public static let detectorVerdicts = "ml_detector_verdicts_total"
    /// Username-field classifications by predicted `class`; a series appears with its first
    /// classification. Counter.
    public static let detectorUsernameClassifications = "ml_detector_username_classifications_total"
}
