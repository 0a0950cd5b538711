#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An IPv4 or IPv6 address in 16 bytes, IPv4 stored as an IPv4-mapped IPv6 address
/// (`::ffff:a.b.c.d`) — the same representation the XDP program uses for its keys
/// (`struct nm_addr`).
public struct NetworkAddress: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// Bytes 0–7 of the address as one integer, byte 0 in the most significant bits (0 for an
    /// IPv4 address).
    public private(set) var high: UInt64
    /// Bytes 8–15 of the address as one integer, byte 8 in the most significant bits (for an
    /// IPv4 address, `0x0000_FFFF` followed by its four octets).
    public private(set) var low: UInt64

    /// The address from its 16 bytes in network order.
    public init<Bytes: Collection>(bytes: Bytes) where Bytes.Element == UInt8 {
        precondition(bytes.count == 16, "NetworkAddress needs 16 bytes, got \(bytes.count)")
        var high: UInt64 = 0
        var low: UInt64 = 0
        for (index, byte) in bytes.enumerated() {
            if index < 8 {
                high = high << 8 | UInt64(byte)
            } else {
                low = low << 8 | UInt64(byte)
            }
        }
        self.high = high
        self.low = low
    }

    /// An IPv4 address from its four octets (a.b.c.d).
    public init(ipv4 a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) {
        self.high = 0
        self.low = 0x0000_FFFF_0000_0000 | UInt64(a) << 24 | UInt64(b) << 16 | UInt64(c) << 8 | UInt64(d)
    }

    /// An IPv4 address from its 32-bit value in host order (`0xC6120002` is 198.18.0.2).
    public init(ipv4 value: UInt32) {
        self.high = 0
        self.low = 0x0000_FFFF_0000_0000 | UInt64(value)
    }

    /// Parses dotted-quad IPv4 or textual IPv6 (`inet_pton`). Returns nil when the text is neither.
    public init?(_ text: String) {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            self.init(ipv4: UInt32(bigEndian: v4.s_addr))
            return
        }
        var v6 = in6_addr()
        guard inet_pton(AF_INET6, text, &v6) == 1 else { return nil }
        let bytes = withUnsafeBytes(of: &v6) { Array($0) }
        self.init(bytes: bytes)
    }

    /// The 16 bytes in network order.
    public var bytes: [UInt8] {
        var out = [UInt8](repeating: 0, count: 16)
        for index in 0..<8 {
            out[index] = UInt8(truncatingIfNeeded: high >> (56 - 8 * UInt64(index)))
            out[index + 8] = UInt8(truncatingIfNeeded: low >> (56 - 8 * UInt64(index)))
        }
        return out
    }

    /// True for IPv4-mapped addresses (`::ffff:0:0/96`).
    public var isIPv4: Bool { high == 0 && low >> 32 == 0x0000_FFFF }

    /// The IPv4 value in host order, when this is an IPv4 address.
    public var ipv4Value: UInt32? { isIPv4 ? UInt32(truncatingIfNeeded: low) : nil }

    /// The address with all bits past `prefixLength` cleared (IPv6 only; IPv4 is returned unchanged).
    public func maskedIPv6(prefixLength: Int) -> NetworkAddress {
        guard !isIPv4, prefixLength < 128 else { return self }
        let length = max(0, prefixLength)
        var copy = self
        if length <= 64 {
            copy.high = length == 0 ? 0 : high & ~(UInt64.max >> UInt64(length))
            copy.low = 0
        } else {
            copy.low = low & ~(UInt64.max >> UInt64(length - 64))
        }
        return copy
    }

    /// Dotted quad for IPv4, RFC 5952 text for IPv6 (`inet_ntop`).
    public var description: String {
        if let v4 = ipv4Value {
            return "\(v4 >> 24).\(v4 >> 16 & 0xFF).\(v4 >> 8 & 0xFF).\(v4 & 0xFF)"
        }
        var raw = in6_addr()
        let bytes = self.bytes
        withUnsafeMutableBytes(of: &raw) { $0.copyBytes(from: bytes) }
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        guard inet_ntop(AF_INET6, &raw, &buffer, socklen_t(buffer.count)) != nil else {
            return "invalid"
        }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// How a source is named in `top_sources`: the address, or `prefix/len` for a
    /// masked IPv6 group (`2001:db8:1:2::/64`).
    public func sourceLabel(ipv6PrefixLength: Int) -> String {
        if isIPv4 || ipv6PrefixLength >= 128 { return description }
        return "\(description)/\(ipv6PrefixLength)"
    }

    /// Orders addresses by their 16 bytes in network order, compared byte by byte from the first.
    public static func < (lhs: NetworkAddress, rhs: NetworkAddress) -> Bool {
        (lhs.high, lhs.low) < (rhs.high, rhs.low)
    }
}
