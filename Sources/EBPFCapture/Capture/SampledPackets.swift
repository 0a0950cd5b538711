internal import CLibBPF
public import Foundation
import TrafficFeatures
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// One packet sampled by the XDP program (1 in `sampleEvery` per CPU), for debugging and
/// inspection. ``XDPCapture/sampledPackets`` holds the most recent ones.
public struct SampledPacket: Sendable, Equatable, Codable {
    /// When the program saw the packet: its monotonic-clock time converted to wall-clock time when the event was read.
    public var timestamp: Date
    /// The source IP address (IPv6 sources masked to `ipv6SourcePrefixLength`); nil for non-IP packets.
    public var source: String?
    /// The destination IP address; nil for non-IP packets.
    public var destination: String?
    /// The TCP or UDP source port; nil for other protocols and non-IP packets.
    public var sourcePort: Int?
    /// The TCP or UDP destination port; nil for other protocols and non-IP packets.
    public var destinationPort: Int?
    /// IP protocol number (6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6), nil for non-IP.
    public var ipProtocol: Int?
    /// The frame's length in bytes, as counted in the window's byte counters.
    public var packetBytes: Int
    /// TCP flags byte (0 for other protocols).
    public var tcpFlags: Int

    enum CodingKeys: String, CodingKey {
        case timestamp, source, destination
        case sourcePort = "source_port"
        case destinationPort = "destination_port"
        case ipProtocol = "ip_protocol"
        case packetBytes = "packet_bytes"
        case tcpFlags = "tcp_flags"
    }
}

/// Consumes one of the program's ring buffers on a dedicated thread (`ring_buffer__poll`
/// blocks), handing each record's bytes to `handler` on that thread.
final class RingBufferReader: @unchecked Sendable {
    // @unchecked: `ringBuffer` is created in init, used only by the polling thread
    // while it runs, and freed after that thread has stopped (or in deinit if it
    // never started).

    private var ringBuffer: OpaquePointer?
    private var thread: Thread?
    private let name: String
    fileprivate let handler: @Sendable (UnsafeRawBufferPointer) -> Void
    private let stopping = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)

    init(mapFD: Int32, name: String, handler: @escaping @Sendable (UnsafeRawBufferPointer) -> Void) throws {
        self.name = name
        self.handler = handler
        // The callback context is an unretained pointer to self: the ring buffer is
        // freed (in stop() or deinit) before self is gone.
        let context = Unmanaged.passUnretained(self).toOpaque()
        let ring = ring_buffer__new(mapFD, ringBufferCallback, context, nil)
        guard let ring, libbpf_get_error(UnsafeRawPointer(ring)) == 0 else {
            throw CaptureError(
                .mapOperationFailed, operation: "ring_buffer__new", errno: Glibc.errno,
                message: "cannot open the \(name) ring buffer")
        }
        self.ringBuffer = ring
    }

    func start() {
        let thread = Thread { [self] in
            guard let ring = ringBuffer else { return }
            while !stopping.load(ordering: .relaxed) {
                // Records are submitted without wake-ups below a fill threshold, so
                // drain on every timeout as well.
                _ = ring_buffer__poll(ring, 100)
                _ = ring_buffer__consume(ring)
            }
            finished.signal()
        }
        thread.name = "xdp-\(name)"
        thread.start()
        self.thread = thread
    }

    /// Stops polling after draining what is pending (also on deinit, without waiting).
    func stop() {
        guard thread != nil, !stopping.exchange(true, ordering: .relaxed) else { return }
        finished.wait()
        if let ring = ringBuffer {
            _ = ring_buffer__consume(ring)
            ring_buffer__free(ring)
            ringBuffer = nil
        }
    }

    /// Reads what is pending now, on the caller's thread (only while the polling thread does
    /// not run: tests and shutdown).
    func consumeNow() {
        if thread == nil, let ring = ringBuffer { _ = ring_buffer__consume(ring) }
    }

    deinit {
        if let ring = ringBuffer {
            ring_buffer__free(ring)
        }
    }
}

private let ringBufferCallback: ring_buffer_sample_fn = { context, data, size in
    guard let context, let data, size > 0 else { return 0 }
    let reader = Unmanaged<RingBufferReader>.fromOpaque(context).takeUnretainedValue()
    reader.handler(UnsafeRawBufferPointer(start: data, count: Int(size)))
    return 0
}

/// Keeps the most recent sampled packets (`nm_events`) in a bounded buffer.
final class SampledPacketReader: Sendable {
    private let reader: RingBufferReader
    private let recent: Recent

    private final class Recent: Sendable {
        let events = Mutex<[SampledPacket]>([])
        let capacity: Int
        init(capacity: Int) { self.capacity = capacity }
    }

    init(eventsMapFD: Int32, capacity: Int = 1024) throws {
        let recent = Recent(capacity: capacity)
        self.recent = recent
        reader = try RingBufferReader(mapFD: eventsMapFD, name: "sampled-events") { bytes in
            guard bytes.count >= MemoryLayout<nm_event>.size else { return }
            let packet = SampledPacket(bytes.loadUnaligned(as: nm_event.self))
            recent.events.withLock { buffer in
                buffer.append(packet)
                if buffer.count > recent.capacity { buffer.removeFirst(buffer.count - recent.capacity) }
            }
        }
    }

    func start() { reader.start() }
    func stop() { reader.stop() }

    var events: [SampledPacket] { recent.events.withLock { $0 } }
}

/// Reads the DNS messages the program copies (`nm_dns_events`) and keeps their questions until
/// the next window takes them, at most `capacity`; beyond, and for payloads without a readable
/// question, it counts.
final class DNSMessageReader: Sendable {
    private let reader: RingBufferReader
    private let pending: Pending

    private final class Pending: Sendable {
        struct State {
            var questions: [DNSObservation] = []
            var unparsed = 0
            var dropped = 0
        }
        let state = Mutex(State())
        let capacity: Int
        init(capacity: Int) { self.capacity = capacity }
    }

    init(mapFD: Int32, capacity: Int = 65_536) throws {
        let pending = Pending(capacity: capacity)
        self.pending = pending
        reader = try RingBufferReader(mapFD: mapFD, name: "dns-messages") { bytes in
            guard bytes.count >= MemoryLayout<nm_dns_event>.size else { return }
            let event = bytes.loadUnaligned(as: nm_dns_event.self)
            let captured = min(Int(event.captured), Int(NM_DNS_PAYLOAD))
            let source = withUnsafeBytes(of: event.source.bytes) { NetworkAddress(bytes: $0) }
            let destination = withUnsafeBytes(of: event.destination.bytes) { NetworkAddress(bytes: $0) }
            let result = withUnsafeBytes(of: event.payload) { payload in
                Result { () throws(DNSQuestion.ParseError) in
                    try DNSObservation(
                        payload: UnsafeRawBufferPointer(rebasing: payload.prefix(captured)), source: source,
                        destination: destination)
                }
            }
            pending.state.withLock { state in
                switch result {
                case .success(let observation):
                    if state.questions.count < pending.capacity {
                        state.questions.append(observation)
                    } else {
                        state.dropped += 1
                    }
                case .failure:
                    state.unparsed += 1
                }
            }
        }
    }

    func start() { reader.start() }
    func stop() { reader.stop() }
    func consumeNow() { reader.consumeNow() }

    /// The questions read since the last call, and the messages that gave none (unreadable, or
    /// over the capacity).
    func take() -> (questions: [DNSObservation], unparsed: Int, dropped: Int) {
        pending.state.withLock { state in
            defer { state = Pending.State() }
            return (state.questions, state.unparsed, state.dropped)
        }
    }
}

extension SampledPacket {
    init(_ event: nm_event) {
        // bpf_ktime_get_ns() is CLOCK_MONOTONIC: convert through the current offset.
        let age = Double(Int64(bitPattern: clibbpf_monotonic_ns() &- event.timestamp_ns)) / 1e9
        let isIP = event.ip_version != 0
        func address(_ raw: nm_addr) -> String {
            withUnsafeBytes(of: raw.bytes) { NetworkAddress(bytes: $0).description }
        }
        let hasPorts = event.ip_protocol == 6 || event.ip_protocol == 17
        self.init(
            timestamp: Date(timeIntervalSinceNow: -age),
            source: isIP ? address(event.source) : nil,
            destination: isIP ? address(event.destination) : nil,
            sourcePort: isIP && hasPorts ? Int(event.source_port) : nil,
            destinationPort: isIP && hasPorts ? Int(event.destination_port) : nil,
            ipProtocol: isIP ? Int(event.ip_protocol) : nil,
            packetBytes: Int(event.packet_bytes),
            tcpFlags: Int(event.tcp_flags))
    }
}
