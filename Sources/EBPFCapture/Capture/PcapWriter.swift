internal import CPcap
import Foundation
import Synchronization

/// Writes a classic pcap file with libpcap (`pcap_dump`), nanosecond timestamps.
///
/// Used to save synthetic or hand-built frames (`FrameBuilder`) as captures that
/// ``PcapCapture``, tcpreplay, tcpdump and tshark can read.
public final class PcapWriter: Sendable {
    private struct Handles: @unchecked Sendable {
        // The libpcap handles are only touched under the Mutex below.
        var pcap: OpaquePointer?
        var dumper: OpaquePointer?
    }

    /// The file being written.
    public let path: String
    private let handles: Mutex<Handles>

    /// Creates (or truncates) `path` and writes the file header.
    ///
    /// - Parameters:
    ///   - path: The file to write.
    ///   - linkType: A pcap LINKTYPE value (1 = Ethernet).
    ///   - snapLength: The most bytes recorded per frame, written in the file header.
    /// - Throws: ``CaptureError`` `.captureFileUnreadable` when libpcap refuses `linkType` or
    ///   the file cannot be created.
    public init(path: String, linkType: Int32 = 1, snapLength: Int32 = 262_144) throws {
        self.path = path
        guard let pcap = pcap_open_dead_with_tstamp_precision(linkType, snapLength, UInt32(PCAP_TSTAMP_PRECISION_NANO))
        else {
            throw CaptureError(.captureFileUnreadable, operation: "pcap_open_dead", message: "libpcap refused link type \(linkType)")
        }
        guard let dumper = pcap_dump_open(pcap, path) else {
            let message = String(cString: pcap_geterr(pcap))
            pcap_close(pcap)
            throw CaptureError(.captureFileUnreadable, operation: "pcap_dump_open", message: "\(path): \(message)")
        }
        handles = Mutex(Handles(pcap: pcap, dumper: dumper))
    }

    deinit {
        close()
    }

    /// Appends one frame captured at `seconds` + `nanoseconds` after 1970 (exact).
    /// `wireLength` defaults to the frame's length; a larger value records a
    /// snap-length cut.
    public func write(_ frame: [UInt8], seconds: Int, nanoseconds: Int = 0, wireLength: Int? = nil) {
        var header = pcap_pkthdr()
        header.ts.tv_sec = seconds + nanoseconds / 1_000_000_000
        // With nanosecond precision the "usec" field holds nanoseconds.
        header.ts.tv_usec = nanoseconds % 1_000_000_000
        header.caplen = UInt32(frame.count)
        header.len = UInt32(wireLength ?? frame.count)
        handles.withLock { handles in
            guard let dumper = handles.dumper else { return }
            frame.withUnsafeBufferPointer { bytes in
                pcap_dump(UnsafeMutableRawPointer(dumper).assumingMemoryBound(to: UInt8.self), &header, bytes.baseAddress)
            }
        }
    }

    /// Appends one frame at `timestamp` seconds since 1970 (a Double resolves about
    /// 0.25 µs at today's dates; use ``write(_:seconds:nanoseconds:wireLength:)`` for exact times).
    public func write(_ frame: [UInt8], timestamp: Double, wireLength: Int? = nil) {
        let seconds = timestamp.rounded(.down)
        write(frame, seconds: Int(seconds), nanoseconds: Int(((timestamp - seconds) * 1e9).rounded()), wireLength: wireLength)
    }

    /// Flushes and closes the file (idempotent).
    public func close() {
        handles.withLock { handles in
            if let dumper = handles.dumper { pcap_dump_close(dumper) }
            if let pcap = handles.pcap { pcap_close(pcap) }
            handles.dumper = nil
            handles.pcap = nil
        }
    }
}
