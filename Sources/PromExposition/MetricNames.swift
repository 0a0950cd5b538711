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
}
