internal import CPcap
import Foundation
public import Logging
import Synchronization
public import TrafficFeatures

/// Replays a capture file (classic pcap or pcapng, read with libpcap) through the
/// same parsing and aggregation semantics as the XDP program.
///
/// Windows follow the capture's own timestamps: window *k* covers
/// `[t₀ + k·W, t₀ + (k+1)·W)` where t₀ is the first packet's time, so a replay is
/// deterministic and, with `.asFastAsPossible`, much faster than real time. Quiet
/// stretches produce empty windows; a jump longer than `maximumGap` (a clock step in
/// the capture) restarts the window grid at the next packet instead of emitting
/// thousands of empty windows. A jump backwards by more than one window (two recordings
/// concatenated into one file) also restarts the grid; smaller reorderings stay in the
/// current window. Every window lasts W seconds, including the last.
///
/// A record whose timestamp cannot be used — before 1970, after ``latestTimestampSeconds`` (2242),
/// or with a fraction of a second of 10⁹ ns or more — is a corrupt record, not a clock step: its
/// packet is counted in the current window (the first one, if no record before it had a usable
/// time) and in `losses.capture_invalid_timestamps`. A capture with no usable timestamp at all gives
/// one window starting at the Unix epoch.
public final class PcapCapture: WindowSource, @unchecked Sendable {
    // @unchecked: the pcap handle is only used by the reader thread, then closed by it.

    /// How fast windows are produced from recorded or generated traffic.
    public enum Pacing: Sendable, Equatable {
        /// Read as fast as the machine allows (evaluation, `--offline`).
        case asFastAsPossible
        /// Emit each window when its duration has elapsed on the wall clock.
        case realTime
    }

    /// Settings of a replay.
    public struct Configuration: Sendable {
        /// The capture file to read (classic pcap or pcapng).
        public var path: String
        /// The length of each window in capture time, 1 ms … 1 day.
        public var windowInterval: Duration
        /// How fast windows are emitted.
        public var pacing: Pacing
        /// Table bounds, IPv6 source grouping and top-source limit used to build windows.
        public var aggregation: AggregationSettings
        /// The longest silence in the capture that is filled with empty windows, 0 … 10⁹ s. A packet
        /// at least this long after the end of the current window restarts the window grid at it.
        public var maximumGap: Duration

        /// Settings with the given values; each parameter sets the property of the same name.
        /// ``PcapCapture/init(configuration:logger:)`` checks them.
        public init(
            path: String,
            windowInterval: Duration = .seconds(1),
            pacing: Pacing = .asFastAsPossible,
            aggregation: AggregationSettings = AggregationSettings(),
            maximumGap: Duration = .seconds(3600)
        ) {
            self.path = path
            self.windowInterval = windowInterval
            self.pacing = pacing
            self.aggregation = aggregation
            self.maximumGap = maximumGap
        }
    }

    /// The latest capture time accepted, in seconds since the Unix epoch: 2³³ s (year 2242). Every
    /// timestamp up to it fits in `Int64` nanoseconds with room for the window arithmetic.
    public static let latestTimestampSeconds: Int64 = 1 << 33

    /// The settings the replay was created with.
    public let configuration: Configuration
    /// The capture's link layer, from the file's header.
    public let linkType: FrameParser.LinkType
    private let handle: Mutex<OpaquePointer?>
    private let stopping = Atomic<Bool>(false)
    private let started = Atomic<Bool>(false)
    private let logger: Logger

    /// Always `.pcap`.
    public var kind: CaptureSourceKind { .pcap }
    /// `pcap <path>`.
    public var summary: String { "pcap \(configuration.path)" }

    /// Opens the capture. Throws ``CaptureError`` `.captureFileUnreadable` when the
    /// file cannot be opened or is not a capture, `.unsupportedLinkType` when its link
    /// layer is not Ethernet, raw IP, Linux cooked or BSD loopback, `.invalidConfiguration` when
    /// `windowInterval` is outside 1 ms … 1 day or `maximumGap` outside 0 … 10⁹ s.
    public init(configuration: Configuration, logger: Logger) throws {
        guard configuration.windowInterval >= .milliseconds(1), configuration.windowInterval <= .seconds(86_400) else {
            throw CaptureError(.invalidConfiguration, operation: "PcapCapture", message: "windowInterval must be within 1ms...1 day")
        }
        guard configuration.maximumGap >= .zero, configuration.maximumGap <= .seconds(1_000_000_000) else {
            throw CaptureError(.invalidConfiguration, operation: "PcapCapture", message: "maximumGap must be within 0...1e9 s")
        }
        self.configuration = configuration
        self.logger = logger
        var error = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE))
        guard
            let pcap = pcap_open_offline_with_tstamp_precision(
                configuration.path, UInt32(PCAP_TSTAMP_PRECISION_NANO), &error)
        else {
            throw CaptureError(
                .captureFileUnreadable, operation: "pcap_open_offline",
                message: "\(configuration.path): \(String(decoding: error.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))")
        }
        let dlt = Int(pcap_datalink(pcap))
        guard let linkType = FrameParser.LinkType(pcapLinkType: dlt) else {
            let name = pcap_datalink_val_to_name(Int32(dlt)).map { String(cString: $0) } ?? "unknown"
            pcap_close(pcap)
            throw CaptureError(
                .unsupportedLinkType, operation: "pcap_datalink",
                message: "\(configuration.path) has link type \(dlt) (\(name)); supported: Ethernet, raw IP, Linux cooked, BSD loopback")
        }
        self.linkType = linkType
        self.handle = Mutex(pcap)
    }

    deinit {
        handle.withLock { pcap in
            if let current = pcap { pcap_close(current) }
            pcap = nil
        }
    }

    /// Starts the replay on a dedicated thread and returns the stream of windows.
    ///
    /// The stream finishes at the end of the file or after ``stop()``, ending with the window in
    /// progress. When a record cannot be read, the window in progress is delivered and the stream
    /// throws ``CaptureError`` `.captureFileCorrupt`. Call it once: a second call returns a stream
    /// that throws `.invalidConfiguration`.
    public func windows() -> AsyncThrowingStream<TrafficWindow, any Error> {
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: TrafficWindow.self)
        guard !started.exchange(true, ordering: .relaxed) else {
            continuation.finish(
                throwing: CaptureError(
                    .invalidConfiguration, operation: "PcapCapture.windows", message: "windows() can be called once"))
            return stream
        }
        let thread = Thread { [self] in
            replay(into: continuation)
        }
        thread.name = "pcap-replay"
        thread.start()
        return stream
    }

    /// Stops reading before the next record; the window in progress is delivered and the stream
    /// finishes. Returns at once.
    public func stop() {
        stopping.store(true, ordering: .relaxed)
    }

    /// A record's time in nanoseconds since the epoch, or nil when it is unusable (see the type's
    /// documentation).
    static func nanoseconds(seconds: Int64, fraction: Int64) -> Int64? {
        guard (0...latestTimestampSeconds).contains(seconds), (0..<1_000_000_000).contains(fraction) else { return nil }
        return seconds * 1_000_000_000 + fraction
    }

    private func replay(into continuation: AsyncThrowingStream<TrafficWindow, any Error>.Continuation) {
        guard let pcap = handle.withLock({ $0 }) else {
            continuation.finish()
            return
        }
        let parser = FrameParser(linkType: linkType, ipv6SourcePrefixLength: configuration.aggregation.ipv6SourcePrefixLength)
        var aggregator = WindowAggregator(settings: configuration.aggregation)
        var enrichment = WindowEnrichment(horizons: configuration.aggregation.horizons)
        var questions: [DNSObservation] = []
        var unparsedDNS = 0
        let width = configuration.windowInterval.totalNanoseconds
        let maximumGap = configuration.maximumGap.totalNanoseconds
        let seconds = Double(width) / 1e9
        let replayStart = DispatchTime.now()
        var windowsEmitted: Int64 = 0
        var windowStart: Int64?
        var sequence = 0
        var failure: (any Error)?

        func emit(_ start: Int64) {
            if configuration.pacing == .realTime {
                // Sleep in short steps so stop() is honoured promptly.
                let due = replayStart.uptimeNanoseconds + UInt64((windowsEmitted + 1) * width)
                while !stopping.load(ordering: .relaxed) {
                    let now = DispatchTime.now().uptimeNanoseconds
                    guard due > now else { break }
                    usleep(UInt32(min(50_000, (due - now) / 1000)))
                }
            }
            let date = Date(timeIntervalSince1970: Double(start) / 1e9)
            var (window, detail) = aggregator.closeWithDetail(start: date, duration: seconds, source: .pcap, sequence: sequence)
            window.losses.dnsUnparsed += unparsedDNS
            enrichment.enrich(&window, detail: detail, questions: questions)
            questions.removeAll(keepingCapacity: true)
            unparsedDNS = 0
            continuation.yield(window)
            sequence += 1
            windowsEmitted += 1
        }

        var header: UnsafeMutablePointer<pcap_pkthdr>?
        var data: UnsafePointer<UInt8>?
        reading: while !stopping.load(ordering: .relaxed) {
            let result = pcap_next_ex(pcap, &header, &data)
            switch result {
            case 1:
                guard let header, let data else { continue }
                let captured = UnsafeRawBufferPointer(start: data, count: Int(header.pointee.caplen))
                let packet = parser.parse(captured, wireLength: Int(header.pointee.len))
                func add() {
                    aggregator.add(packet)
                    guard packet.isDNS, packet.bucket == .udp else { return }
                    switch parser.dnsObservation(captured, wireLength: Int(header.pointee.len)) {
                    case .success(let observation)?: questions.append(observation)
                    case .failure?: unparsedDNS += 1
                    case nil: break
                    }
                }
                // With nanosecond precision, tv_usec holds nanoseconds.
                guard let timestamp = Self.nanoseconds(seconds: Int64(header.pointee.ts.tv_sec), fraction: Int64(header.pointee.ts.tv_usec))
                else {
                    aggregator.countInvalidTimestamp()
                    add()
                    continue
                }
                if let start = windowStart {
                    if timestamp < start - width {
                        // A capture concatenated from two recordings, or a clock stepped back:
                        // close the current window and start a new grid rather than folding a
                        // whole earlier stretch into it. Reordering by less than a window (packets
                        // from different CPUs) stays in the current window.
                        emit(start)
                        logger.warning(
                            "capture clock jumps backward; restarting windows",
                            metadata: ["seconds": "\(Double(start - timestamp) / 1e9)"])
                        windowStart = timestamp
                    } else if timestamp - start >= maximumGap + width {
                        emit(start)
                        logger.warning(
                            "capture clock jumps forward; restarting windows",
                            metadata: ["seconds": "\(Double(timestamp - start) / 1e9)"])
                        windowStart = timestamp
                    } else {
                        var current = start
                        while timestamp >= current + width {
                            emit(current)
                            current += width
                        }
                        windowStart = current
                    }
                } else {
                    windowStart = timestamp
                }
                add()
            case -2:
                break reading
            default:
                let message = String(cString: pcap_geterr(pcap))
                failure = CaptureError(
                    .captureFileCorrupt, operation: "pcap_next_ex",
                    message: "\(configuration.path): \(message) (after \(sequence) windows)")
                break reading
            }
        }
        if let start = windowStart {
            emit(start)
        } else if aggregator.packetCount > 0 {
            emit(0)  // only records without a usable timestamp
        }
        handle.withLock { current in
            if let open = current { pcap_close(open) }
            current = nil
        }
        if let failure {
            continuation.finish(throwing: failure)
        } else {
            continuation.finish()
        }
    }
}
