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

/// Consumes the program's ring buffer on a dedicated thread (`ring_buffer__poll`
/// blocks) and keeps the most recent events in a bounded buffer.
final class SampledPacketReader: @unchecked Sendable {
    // @unchecked: `ringBuffer` is created in init, used only by the polling thread
    // while it runs, and freed after that thread has stopped (or in deinit if it
    // never started).

    private var ringBuffer: OpaquePointer?
    private var thread: Thread?
    private let recent = Mutex<[SampledPacket]>([])
    private let capacity: Int
    private let stopping = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)

    init(eventsMapFD: Int32, capacity: Int = 1024) throws {
        self.capacity = capacity
        // The callback context is an unretained pointer to self: the ring buffer is
        // freed (in stop() or deinit) before self is gone.
        let context = Unmanaged.passUnretained(self).toOpaque()
        let ring = ring_buffer__new(eventsMapFD, sampledPacketCallback, context, nil)
        guard let ring, libbpf_get_error(UnsafeRawPointer(ring)) == 0 else {
            throw CaptureError(
                .mapOperationFailed, operation: "ring_buffer__new", errno: Glibc.errno,
                message: "cannot open the sampled-event ring buffer")
        }
        self.ringBuffer = ring
    }

    func start() {
        let thread = Thread { [self] in
            guard let ring = ringBuffer else { return }
            while !stopping.load(ordering: .relaxed) {
                // Events are submitted without wake-ups below a fill threshold, so
                // drain on every timeout as well.
                _ = ring_buffer__poll(ring, 100)
                _ = ring_buffer__consume(ring)
            }
            finished.signal()
        }
        thread.name = "xdp-sampled-events"
        thread.start()
        self.thread = thread
    }

    func stop() {
        guard thread != nil, !stopping.exchange(true, ordering: .relaxed) else { return }
        finished.wait()
        if let ring = ringBuffer {
            ring_buffer__free(ring)
            ringBuffer = nil
        }
    }

    deinit {
        if let ring = ringBuffer {
            ring_buffer__free(ring)
        }
    }

    var events: [SampledPacket] { recent.withLock { $0 } }

    fileprivate func receive(_ event: nm_event) {
        let packet = SampledPacket(event)
        recent.withLock { buffer in
            buffer.append(packet)
            if buffer.count > capacity { buffer.removeFirst(buffer.count - capacity) }
        }
    }
}

private let sampledPacketCallback: ring_buffer_sample_fn = { context, data, size in
    guard let context, let data, size >= MemoryLayout<nm_event>.size else { return 0 }
    let reader = Unmanaged<SampledPacketReader>.fromOpaque(context).takeUnretainedValue()
    reader.receive(data.loadUnaligned(as: nm_event.self))
    return 0
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
