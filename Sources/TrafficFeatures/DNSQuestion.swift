/// The question of a DNS message (RFC 1035 §4.1): what a client asked, read from the start of a
/// UDP port-53 payload. Queries and responses both carry it, so a client's questions are seen
/// whether the sensor sits in front of the resolver (queries arrive) or of the client (answers
/// arrive).
public struct DNSQuestion: Sendable, Equatable, Hashable {
    /// The name asked for, lowercased, labels joined by dots, without the final dot.
    public var name: String
    /// The record type asked for (1 A, 28 AAAA, 5 CNAME, 15 MX, 16 TXT, 10 NULL, 255 ANY, …).
    public var type: UInt16
    /// The message is a response (QR set): the client is its destination, not its source.
    public var isResponse: Bool

    /// A question with the given values.
    public init(name: String, type: UInt16, isResponse: Bool) {
        self.name = name
        self.type = type
        self.isResponse = isResponse
    }

    /// Record types DNS tunnels favour because their answers carry arbitrary data: CNAME (5),
    /// NULL (10), MX (15), TXT (16), SRV (33), ANY (255).
    public static let tunnelTypes: Set<UInt16> = [5, 10, 15, 16, 33, 255]

    /// Why a payload holds no question that can be read.
    public enum ParseError: Error, Equatable, Sendable {
        /// Fewer bytes than the 12-byte header, the name or the type.
        case truncated
        /// The header announces no question.
        case noQuestion
        /// A label longer than 63 bytes, a name longer than 255, or a compression pointer in the
        /// question (which holds the first name of the message and cannot point back).
        case malformedName
    }

    /// Reads the first question of a DNS message.
    ///
    /// - Parameter payload: The UDP payload from its first byte (at least through the question).
    /// - Returns: The question.
    /// - Throws: ``ParseError`` naming what is wrong.
    public static func parse(_ payload: some Collection<UInt8>) throws(ParseError) -> DNSQuestion {
        let bytes = Array(payload)
        guard bytes.count >= 12 else { throw .truncated }
        let isResponse = bytes[2] & 0x80 != 0
        let questions = Int(bytes[4]) << 8 | Int(bytes[5])
        guard questions > 0 else { throw .noQuestion }
        var position = 12
        var labels: [String] = []
        var encoded = 1
        while true {
            guard position < bytes.count else { throw .truncated }
            let length = Int(bytes[position])
            position += 1
            if length == 0 { break }
            guard length <= 63 else { throw .malformedName }
            encoded += length + 1
            guard encoded <= 255 else { throw .malformedName }
            guard position + length <= bytes.count else { throw .truncated }
            let label = bytes[position..<(position + length)].map { byte -> Character in
                let lower = byte >= 0x41 && byte <= 0x5A ? byte + 0x20 : byte
                return lower >= 0x21 && lower <= 0x7E && lower != 0x2E ? Character(UnicodeScalar(lower)) : "?"
            }
            labels.append(String(label))
            position += length
        }
        guard position + 2 <= bytes.count else { throw .truncated }
        let type = UInt16(bytes[position]) << 8 | UInt16(bytes[position + 1])
        return DNSQuestion(name: labels.joined(separator: "."), type: type, isResponse: isResponse)
    }

    /// The registered domain of ``name``: its last two labels, or three when the second-to-last
    /// is a common second-level label under a two-letter country code (`example.co.uk`). An
    /// approximation of the public-suffix list, enough to group a tunnel's names.
    public var registeredDomain: String {
        let labels = name.split(separator: ".")
        guard labels.count > 2 else { return name }
        let secondLevel: Set<Substring> = ["co", "com", "net", "org", "gov", "ac", "edu", "ne", "or", "go"]
        let keep = labels.last!.count == 2 && secondLevel.contains(labels[labels.count - 2]) ? 3 : 2
        return labels.suffix(keep).joined(separator: ".")
    }

    /// The part of ``name`` before its ``registeredDomain`` (`a1b2.c3` of `a1b2.c3.example.com`),
    /// empty when the name is the domain itself.
    public var subdomain: String {
        let domain = registeredDomain
        guard name.count > domain.count else { return "" }
        return String(name.dropLast(domain.count + 1))
    }

    /// Shannon entropy in bits per character of `text` without its dots (0 for empty text).
    public static func entropy(_ text: String) -> Double {
        var counts: [Character: Int] = [:]
        var total = 0
        for character in text where character != "." {
            counts[character, default: 0] += 1
            total += 1
        }
        guard total > 0 else { return 0 }
        // Summed in character order: the dictionary's order differs between instances, and a sum
        // in another order may differ in its last bit.
        return counts.sorted { $0.key < $1.key }.map(\.value).reduce(0) { sum, count in
            let p = Double(count) / Double(total)
            return sum - p * log2(p)
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
