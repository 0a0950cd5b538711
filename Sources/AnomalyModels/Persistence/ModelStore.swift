import Foundation
public import Logging

#if canImport(Glibc)
import Glibc
#endif

/// Why a model file could not be read or written. Each case names the file.
public enum ModelFileError: Error, Equatable, Sendable, CustomStringConvertible {
    /// No file at the path.
    case missing(path: String)
    /// The file has zero bytes.
    case empty(path: String)
    /// Shorter than its header says.
    case truncated(path: String, expectedBytes: Int, actualBytes: Int)
    /// Does not start with the format's magic bytes.
    case notAModelFile(path: String)
    /// Written by a different format version.
    case unsupportedVersion(path: String, found: UInt32, supported: UInt32)
    /// The payload's CRC-32 does not match the header (bit rot, partial copy, tampering).
    case checksumMismatch(path: String, stored: UInt32, computed: UInt32)
    /// The payload passed the checksum but does not decode as an ensemble.
    case undecodable(path: String, reason: String)
    /// Decoded, but unusable here (for example a different feature width).
    case incompatible(path: String, reason: String)
    /// A system call failed.
    case io(path: String, operation: String, errno: Int32)

    /// A one-line message naming the file and the problem.
    public var description: String {
        switch self {
        case .missing(let path): "\(path): no model file"
        case .empty(let path): "\(path): file is empty"
        case .truncated(let path, let expected, let actual): "\(path): truncated (\(actual) of \(expected) bytes)"
        case .notAModelFile(let path): "\(path): not a model file (bad magic)"
        case .unsupportedVersion(let path, let found, let supported): "\(path): format version \(found), this build reads \(supported)"
        case .checksumMismatch(let path, let stored, let computed):
            "\(path): checksum mismatch (stored \(String(stored, radix: 16)), computed \(String(computed, radix: 16)))"
        case .undecodable(let path, let reason): "\(path): payload does not decode: \(reason)"
        case .incompatible(let path, let reason): "\(path): \(reason)"
        case .io(let path, let operation, let code): "\(path): \(operation) failed: \(String(cString: strerror(code)))"
        }
    }
}

/// The frame every model file of the project shares (``ModelFileFormat``'s ensembles and the
/// username classifier's file): a 4-byte magic, then little-endian the format version (UInt32),
/// the payload length (UInt64) and the payload's CRC-32 (UInt32), then the payload.
public enum ChecksummedFile {
    /// Bytes before the payload.
    public static let headerSize = 20

    /// The file bytes: the header for `payload`, then `payload`.
    ///
    /// - Parameters:
    ///   - magic: The format's four magic bytes.
    ///   - version: The format version.
    ///   - payload: The content.
    public static func frame(magic: [UInt8], version: UInt32, payload: [UInt8]) -> [UInt8] {
        var bytes = magic
        bytes.reserveCapacity(headerSize + payload.count)
        append(&bytes, version)
        append(&bytes, UInt64(payload.count))
        append(&bytes, CRC32.checksum(payload))
        bytes.append(contentsOf: payload)
        return bytes
    }

    /// The payload of file bytes, once the header says they are whole and of this format;
    /// `path` only names the file in errors.
    ///
    /// - Parameters:
    ///   - bytes: The file bytes.
    ///   - magic: The format's four magic bytes.
    ///   - version: The only format version accepted.
    ///   - path: How the file is named in errors.
    /// - Throws: ``ModelFileError/empty(path:)``, ``ModelFileError/notAModelFile(path:)``,
    ///   ``ModelFileError/truncated(path:expectedBytes:actualBytes:)``,
    ///   ``ModelFileError/unsupportedVersion(path:found:supported:)``,
    ///   ``ModelFileError/undecodable(path:reason:)`` for bytes after the payload, or
    ///   ``ModelFileError/checksumMismatch(path:stored:computed:)``.
    public static func payload(of bytes: [UInt8], magic: [UInt8], version: UInt32, path: String) throws(ModelFileError) -> [UInt8] {
        guard !bytes.isEmpty else { throw .empty(path: path) }
        guard bytes.count >= headerSize else {
            if Array(bytes.prefix(4)) != Array(magic.prefix(Swift.min(4, bytes.count))) { throw .notAModelFile(path: path) }
            throw .truncated(path: path, expectedBytes: headerSize, actualBytes: bytes.count)
        }
        guard Array(bytes[0..<4]) == magic else { throw .notAModelFile(path: path) }
        let found = UInt32(littleEndian: read(bytes, 4))
        guard found == version else { throw .unsupportedVersion(path: path, found: found, supported: version) }
        let length = UInt64(littleEndian: read(bytes, 8))
        let expected = UInt64(headerSize) + length
        guard expected == UInt64(bytes.count) else {
            if expected > UInt64(bytes.count) {
                throw .truncated(path: path, expectedBytes: Int(clamping: expected), actualBytes: bytes.count)
            }
            throw .undecodable(path: path, reason: "\(UInt64(bytes.count) - expected) bytes after the payload")
        }
        let stored = UInt32(littleEndian: read(bytes, 16))
        let payload = Array(bytes[headerSize...])
        let computed = CRC32.checksum(payload)
        guard stored == computed else { throw .checksumMismatch(path: path, stored: stored, computed: computed) }
        return payload
    }

    private static func append<T: FixedWidthInteger>(_ bytes: inout [UInt8], _ value: T) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    private static func read<T: FixedWidthInteger>(_ bytes: [UInt8], _ offset: Int) -> T {
        var value: T = 0
        for i in 0..<MemoryLayout<T>.size { value |= T(bytes[offset + i]) << (8 * i) }
        return value
    }
}

/// The on-disk format of an ``AnomalyEnsemble``, framed as a ``ChecksummedFile``:
///
/// | bytes | content |
/// |---|---|
/// | 0–3 | magic `AMDL` |
/// | 4–7 | format version, UInt32 little-endian (currently 1) |
/// | 8–15 | payload length, UInt64 little-endian |
/// | 16–19 | CRC-32 (IEEE) of the payload, UInt32 little-endian |
/// | 20… | payload: the ensemble as JSON (sorted keys) |
///
/// JSON numbers are written in Swift's shortest round-trip form, so a load gives back exactly the
/// saved Doubles.
public enum ModelFileFormat {
    /// The first four bytes of every model file: `AMDL` in ASCII.
    public static let magic: [UInt8] = Array("AMDL".utf8)
    /// The format version this build writes and the only one it reads.
    public static let version: UInt32 = 1
    /// Bytes before the payload.
    public static let headerSize = ChecksummedFile.headerSize

    /// The file bytes of `ensemble`: header and JSON payload.
    ///
    /// - Throws: The `JSONEncoder` error when the ensemble does not encode.
    public static func encode(_ ensemble: AnomalyEnsemble) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return ChecksummedFile.frame(magic: magic, version: version, payload: [UInt8](try encoder.encode(ensemble)))
    }

    /// Decodes file bytes; `path` only names the file in errors.
    ///
    /// - Throws: The errors of ``ChecksummedFile/payload(of:magic:version:path:)``,
    ///   ``ModelFileError/undecodable(path:reason:)`` when the payload is not an ensemble, or
    ///   ``ModelFileError/incompatible(path:reason:)`` when the decoded configuration is invalid.
    public static func decode(_ bytes: [UInt8], path: String) throws(ModelFileError) -> AnomalyEnsemble {
        let payload = try ChecksummedFile.payload(of: bytes, magic: magic, version: version, path: path)
        let ensemble: AnomalyEnsemble
        do {
            ensemble = try JSONDecoder().decode(AnomalyEnsemble.self, from: Data(payload))
        } catch {
            throw .undecodable(path: path, reason: "\(error)")
        }
        do {
            try ensemble.configuration.validate()
        } catch {
            throw .incompatible(path: path, reason: error.description)
        }
        return ensemble
    }
}

/// Where a detector keeps its trained ensemble: one file in a directory, replaced atomically.
public struct ModelStore: Sendable {
    /// The directory (created on first save).
    public let directory: String
    /// The file name inside it.
    public let fileName: String

    /// A store for the file `fileName` in `directory`; nothing on disk is touched until
    /// ``save(_:)`` or ``load()``.
    public init(directory: String, fileName: String = "ensemble.amdl") {
        self.directory = directory
        self.fileName = fileName
    }

    /// Full path of the model file.
    public var path: String { directory.hasSuffix("/") ? directory + fileName : directory + "/" + fileName }

    /// Writes `ensemble` to a temporary file in the same directory, flushes it to disk, renames it
    /// over the model file and flushes the directory: a crash at any moment leaves either the old
    /// complete file or the new complete file, never a mix. Temporary files left by writers that
    /// died mid-save are removed first.
    ///
    /// - Throws: ``ModelFileError/io(path:operation:errno:)`` when a system call fails (a
    ///   temporary file already created is removed), ``ModelFileError/undecodable(path:reason:)``
    ///   when the ensemble does not encode.
    public func save(_ ensemble: AnomalyEnsemble) throws(ModelFileError) {
        let bytes: [UInt8]
        do { bytes = try ModelFileFormat.encode(ensemble) } catch { throw .undecodable(path: path, reason: "encoding: \(error)") }
        if mkdir(directory, 0o755) != 0, errno != EEXIST { throw .io(path: directory, operation: "mkdir", errno: errno) }
        removeAbandonedTemporaryFiles()
        let temporary = "\(path).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .io(path: temporary, operation: "open", errno: errno) }
        var failure: ModelFileError?
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let n = write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = .io(path: temporary, operation: "write", errno: errno)
                    return
                }
                offset += n
            }
        }
        if failure == nil, fsync(fd) != 0 { failure = .io(path: temporary, operation: "fsync", errno: errno) }
        close(fd)
        if failure == nil, rename(temporary, path) != 0 { failure = .io(path: path, operation: "rename", errno: errno) }
        if let failure {
            unlink(temporary)
            throw failure
        }
        let directoryFD = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directoryFD >= 0 {
            fsync(directoryFD)
            close(directoryFD)
        }
    }

    /// Deletes temporary files of writers that died mid-save (their PID no longer exists).
    private func removeAbandonedTemporaryFiles() {
        let prefix = fileName + ".tmp-"
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return }
        for entry in entries where entry.hasPrefix(prefix) {
            let fields = entry.dropFirst(prefix.count).split(separator: "-")
            guard let pid = fields.first.flatMap({ Int32($0) }), pid != getpid() else { continue }
            if kill(pid, 0) != 0, errno == ESRCH { unlink(directory + "/" + entry) }
        }
    }

    /// Reads and verifies the model file.
    ///
    /// - Throws: ``ModelFileError/missing(path:)`` when there is no file,
    ///   ``ModelFileError/io(path:operation:errno:)`` when it cannot be opened or read, and the
    ///   errors of ``ModelFileFormat/decode(_:path:)``.
    public func load() throws(ModelFileError) -> AnomalyEnsemble {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT { throw .missing(path: path) }
            throw .io(path: path, operation: "open", errno: errno)
        }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw .io(path: path, operation: "read", errno: errno)
            }
            if n == 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
        }
        return try ModelFileFormat.decode(bytes, path: path)
    }

    /// How ``loadOrBootstrap(dimension:logger:bootstrap:)`` obtained its ensemble.
    public enum LoadOutcome: Sendable, Equatable {
        /// The model file was read, verified and has the requested width.
        case loaded
        /// The file was missing or unusable (the error says why); a bootstrap ensemble was built.
        case bootstrapped(ModelFileError)
    }

    /// Loads the model file; if it is missing, corrupt, of another version or of another width,
    /// logs why and returns `bootstrap()` instead — never crashes on a bad file. A missing file
    /// is logged at info level, any other problem as a warning.
    ///
    /// - Throws: Only what `bootstrap` throws.
    public func loadOrBootstrap(
        dimension: Int, logger: Logger, bootstrap: () throws(ModelError) -> AnomalyEnsemble
    ) throws(ModelError) -> (ensemble: AnomalyEnsemble, outcome: LoadOutcome) {
        do throws(ModelFileError) {
            let ensemble = try load()
            guard ensemble.dimension == dimension else {
                throw .incompatible(path: path, reason: "model has \(ensemble.dimension) features, expected \(dimension)")
            }
            logger.info("loaded anomaly models", metadata: ["path": "\(path)", "samples": "\(ensemble.trainingSampleCount)"])
            return (ensemble, .loaded)
        } catch {
            let level: Logger.Level = if case .missing = error { .info } else { .warning }
            logger.log(level: level, "bootstrapping anomaly models from a synthetic baseline", metadata: ["reason": "\(error)"])
            return (try bootstrap(), .bootstrapped(error))
        }
    }
}

/// CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320), as zlib and PNG use it.
public enum CRC32 {
    private static let table: [UInt32] = (0..<256).map { n in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    /// The checksum of `bytes`.
    public static func checksum(_ bytes: [UInt8]) -> UInt32 {
        // On raw pointers with a plain loop: a debug build checks the 5 MiB shipped classifier at
        // every start, and the array iterator there costs tens of nanoseconds a byte.
        bytes.withUnsafeBufferPointer { buffer in
            table.withUnsafeBufferPointer { table in
                guard let base = buffer.baseAddress, let lookup = table.baseAddress else { return 0 }
                var crc: UInt32 = 0xFFFF_FFFF
                var index = 0
                while index < buffer.count {
                    crc = lookup[Int((crc ^ UInt32(base[index])) & 0xFF)] ^ (crc >> 8)
                    index &+= 1
                }
                return crc ^ 0xFFFF_FFFF
            }
        }
    }
}
