/// Runs `body` with a `T` in memory whose every byte, padding included, is zero.
///
/// libbpf's `*_opts` structs are extensible: libbpf rejects any non-zero byte past the
/// fields it knows ("has non-zero extra bytes"), and the kernel does the same for
/// `bpf_*_info`. Swift's zero initializer sets the fields but not the padding, which
/// holds garbage in optimized builds, so these structs are built here instead.
func withZeroed<T, Result>(_ type: T.Type, _ body: (UnsafeMutablePointer<T>) throws -> Result) rethrows -> Result {
    let pointer = UnsafeMutablePointer<T>.allocate(capacity: 1)
    defer { pointer.deallocate() }
    UnsafeMutableRawPointer(pointer).initializeMemory(as: UInt8.self, repeating: 0, count: MemoryLayout<T>.stride)
    return try body(pointer)
}
