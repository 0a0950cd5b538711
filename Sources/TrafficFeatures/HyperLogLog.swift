/// A HyperLogLog sketch of source addresses with 2^12 registers (standard error
/// 1.04/√4096 ≈ 1.6 %), identical to the one the XDP program keeps per CPU
/// (`hll_add` in `bpf/network_monitor.bpf.c`): same hash, same register index and
/// rank, so registers read from the kernel can be merged and estimated here.
///
/// It is used for `unique_ips` only when the bounded per-source table overflowed;
/// otherwise the table's entry count is exact.
///
/// Reference: Flajolet, Fusy, Gandouet, Meunier, "HyperLogLog: the analysis of a
/// near-optimal cardinality estimation algorithm" (2007), with the small-range
/// (linear counting) correction.
public struct HyperLogLog: Sendable, Equatable {
    /// The number of leading hash bits that select a register: 12.
    public static let precision = 12
    /// The number of registers, 2^12 = 4096.
    public static let registerCount = 1 << precision

    /// The registers, ``registerCount`` of them: each holds the highest rank (leading zero bits
    /// of the rest of the hash, plus 1) of the addresses it saw, 0 when it saw none.
    public private(set) var registers: [UInt8]

    /// An empty sketch: every register is 0.
    public init() {
        registers = [UInt8](repeating: 0, count: Self.registerCount)
    }

    /// A sketch from registers (e.g. the kernel's), which must have ``registerCount`` entries.
    public init(registers: [UInt8]) {
        precondition(registers.count == Self.registerCount, "HyperLogLog needs \(Self.registerCount) registers")
        self.registers = registers
    }

    /// Adds an address to the set. Adding an address that is already in it leaves the sketch
    /// unchanged.
    public mutating func add(_ address: NetworkAddress) {
        let hash = Self.hash(address)
        let index = Int(hash >> UInt64(64 - Self.precision))
        let rest = hash << UInt64(Self.precision)
        let rank = rest == 0 ? UInt8(64 - Self.precision + 1) : UInt8(rest.leadingZeroBitCount + 1)
        if registers[index] < rank {
            registers[index] = rank
        }
    }

    /// Register-wise maximum: the sketch of the union of both sets.
    public mutating func merge(_ other: some Sequence<UInt8>) {
        for (index, value) in other.enumerated() where index < registers.count && registers[index] < value {
            registers[index] = value
        }
    }

    /// Estimated number of distinct addresses added.
    public var estimate: Double {
        let m = Double(Self.registerCount)
        var sum = 0.0
        var zeros = 0
        for register in registers {
            sum += 1 / Double(1 << UInt64(register))
            if register == 0 { zeros += 1 }
        }
        let alpha = 0.7213 / (1 + 1.079 / m)
        let raw = alpha * m * m / sum
        if raw <= 2.5 * m, zeros > 0 {
            return m * log(m / Double(zeros))
        }
        return raw
    }

    /// The program's `hash_addr`: murmur3's 64-bit finaliser over the address's two
    /// 8-byte halves as the CPU loads them (native byte order).
    public static func hash(_ address: NetworkAddress) -> UInt64 {
        let high = UInt64(bigEndian: address.high)
        let low = UInt64(bigEndian: address.low)
        return mix(high ^ mix(low ^ 0x9e37_79b9_7f4a_7c15))
    }

    static func mix(_ value: UInt64) -> UInt64 {
        var x = value
        x ^= x >> 33
        x = x &* 0xff51_afd7_ed55_8ccd
        x ^= x >> 33
        x = x &* 0xc4ce_b9fe_1a85_ec53
        x ^= x >> 33
        return x
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
