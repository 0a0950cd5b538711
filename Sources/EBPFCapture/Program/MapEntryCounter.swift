internal import CLibBPF
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Counts the entries of one BPF hash map without reading them: the `map_counts` iterator program
/// (`bpf/map_counts.bpf.c`, embedded like the XDP program) returns the kernel's own element count
/// of the map (`bpf_map_sum_elem_count`, Linux 6.6 and later).
///
/// Used for the LRU flow table: the flows it evicted are the flows inserted minus its entries,
/// known each window for the cost of one small iterator read instead of a scan of the table.
final class MapEntryCounter: @unchecked Sendable {
    // @unchecked: the handles are created in init and freed in deinit; `count()` only creates
    // and reads a new iterator file descriptor.

    /// The name of the iterator program in its object.
    static let programName = "nm_map_counts"

    private let object: OpaquePointer
    private let link: OpaquePointer
    /// The id of the counted map.
    let mapID: UInt32

    /// Loads the iterator for the map behind `mapFD`.
    ///
    /// - Throws: ``CaptureError`` when the map's id cannot be read, or the kernel refuses the
    ///   iterator (before Linux 6.6 it lacks `bpf_map_sum_elem_count`; without BTF it cannot
    ///   relocate the program).
    init(mapFD: Int32) throws {
        let mapID = try withZeroed(bpf_map_info.self) { info -> UInt32 in
            var length = UInt32(MemoryLayout<bpf_map_info>.size)
            let result = bpf_obj_get_info_by_fd(mapFD, info, &length)
            guard result == 0 else {
                throw CaptureError.libbpf(result, operation: "bpf_obj_get_info_by_fd", code: .loadFailed, message: "cannot read the map's id")
            }
            return info.pointee.id
        }
        let object = try NetworkMonitorProgram.openEmbedded(EmbeddedMapCountsObject.base64, name: "map_counts")
        do {
            try NetworkMonitorProgram.writeReadOnlyVariable(object, name: "nm_target_map_id", value: mapID)
            let loaded = bpf_object__load(object)
            guard loaded == 0 else {
                throw CaptureError.libbpf(loaded, operation: "bpf_object__load(map_counts)", code: .loadFailed, message: "the kernel refused the map-count iterator")
            }
            guard let program = bpf_object__find_program_by_name(object, Self.programName) else {
                throw CaptureError(.invalidObject, operation: "bpf_object__find_program_by_name", message: "no program \(Self.programName)")
            }
            guard let link = bpf_program__attach_iter(program, nil), libbpf_get_error(UnsafeRawPointer(link)) == 0 else {
                throw CaptureError.libbpf(-Glibc.errno, operation: "bpf_program__attach_iter", code: .loadFailed, message: "cannot attach the map-count iterator")
            }
            self.link = link
        } catch {
            bpf_object__close(object)
            throw error
        }
        self.object = object
        self.mapID = mapID
    }

    deinit {
        bpf_link__destroy(link)
        bpf_object__close(object)
    }

    /// The map's entries now.
    ///
    /// - Throws: ``CaptureError`` `.mapOperationFailed` when the iterator cannot be created or read,
    ///   or does not report the map.
    func count() throws -> Int {
        let fd = bpf_iter_create(bpf_link__fd(link))
        guard fd >= 0 else {
            throw CaptureError.libbpf(fd, operation: "bpf_iter_create", code: .mapOperationFailed, message: "cannot count the map's entries")
        }
        defer { close(fd) }
        // One record of 16 bytes: map id, reserved, entries (struct nm_map_count).
        var buffer = [UInt8](repeating: 0, count: 64)
        var filled = 0
        while filled < buffer.count {
            let got = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress! + filled, $0.count - filled) }
            if got < 0 && errno == EINTR { continue }
            guard got >= 0 else {
                throw CaptureError.libbpf(-errno, operation: "read(map-count iterator)", code: .mapOperationFailed, message: "cannot count the map's entries")
            }
            if got == 0 { break }
            filled += got
        }
        guard filled == 16 else {
            throw CaptureError(.mapOperationFailed, operation: "read(map-count iterator)", message: "expected one 16-byte record, read \(filled) bytes")
        }
        let (id, entries) = buffer.withUnsafeBytes {
            ($0.loadUnaligned(fromByteOffset: 0, as: UInt32.self), $0.loadUnaligned(fromByteOffset: 8, as: Int64.self))
        }
        guard id == mapID, entries >= 0 else {
            throw CaptureError(.mapOperationFailed, operation: "read(map-count iterator)", message: "the iterator reported map \(id) with \(entries) entries, not map \(mapID)")
        }
        return Int(entries)
    }
}
