import Foundation
import Testing

@testable import TrafficFeatures

/// DNS questions read from payloads, and per-client, per-domain activity over horizons.
@Suite("DNS questions and activity")
struct DNSActivityTests {
    static let client = NetworkAddress(ipv4: 198, 18, 0, 2)
    static let resolver = NetworkAddress(ipv4: 198, 18, 0, 1)

    @Test func readsQueriesAndResponses() throws {
        let query = try DNSQuestion.parse(FrameBuilder.dnsMessage(name: "WWW.Example.COM", type: 28))
        #expect(query == DNSQuestion(name: "www.example.com", type: 28, isResponse: false))
        let answer = try DNSObservation(
            payload: FrameBuilder.dnsMessage(name: "mail.example.co.uk", type: 15, response: true), source: Self.resolver,
            destination: Self.client)
        #expect(answer.client == Self.client && answer.question.isResponse)
        #expect(answer.question.registeredDomain == "example.co.uk" && answer.question.subdomain == "mail")
    }

    @Test func namesWhatIsWrongWithAPayload() {
        let good = FrameBuilder.dnsMessage(name: "a.example.com")
        #expect(throws: DNSQuestion.ParseError.truncated) { try DNSQuestion.parse(good.prefix(11)) }
        #expect(throws: DNSQuestion.ParseError.truncated) { try DNSQuestion.parse(good.prefix(good.count - 3)) }
        var none = good
        none[5] = 0
        #expect(throws: DNSQuestion.ParseError.noQuestion) { try DNSQuestion.parse(none) }
        var long = Array(good.prefix(12)) + [64] + [UInt8](repeating: 0x61, count: 64) + [0, 0, 1, 0, 1]
        #expect(throws: DNSQuestion.ParseError.malformedName) { try DNSQuestion.parse(long) }
        long = Array(good.prefix(12)) + [0xC0, 0x0C, 0, 1, 0, 1]
        #expect(throws: DNSQuestion.ParseError.malformedName) { try DNSQuestion.parse(long) }
        let tooLong = Array(good.prefix(12)) + (0..<5).flatMap { _ in [63] + [UInt8](repeating: 0x62, count: 63) } + [0, 0, 1, 0, 1]
        #expect(throws: DNSQuestion.ParseError.malformedName) { try DNSQuestion.parse(tooLong) }
    }

    @Test func entropyOfWordsAndOfEncodedData() {
        #expect(DNSQuestion.entropy("") == 0)
        #expect(DNSQuestion.entropy("aaaa") == 0)
        #expect(abs(DNSQuestion.entropy("abcd") - 2) < 1e-9)
        var rng = SplitMix64(seed: 3)
        let base32 = String((0..<60).map { _ in Array("abcdefghijklmnopqrstuvwxyz234567")[Int(rng.next() % 32)] })
        #expect(DNSQuestion.entropy(base32) > 4.3)
        #expect(DNSQuestion.entropy("www") < 1 && DNSQuestion.entropy("mail") == 2)
    }

    static func window(_ second: Int) -> TrafficWindow {
        TrafficWindow(
            windowStart: Date(timeIntervalSince1970: 1_800_000_000 + Double(second)), windowSeconds: 1,
            counters: WindowCounters(), uniqueIPs: 0, uniquePorts: 0)
    }

    @Test func aTunnelAtOneQueryASecondAddsUpWhileLookupsDoNot() throws {
        var activity = DNSActivity()
        var rng = SplitMix64(seed: 9)
        var losses = CaptureLosses()
        var entries: [DNSClientActivity] = []
        let lookups = ["www", "mail", "api", "cdn", "www"]
        for second in 0..<30 {
            let data = String((0..<50).map { _ in Array("abcdefghijklmnopqrstuvwxyz234567")[Int(rng.next() % 32)] })
            var questions = [
                DNSObservation(client: Self.client, question: DNSQuestion(name: "\(data).t.tunnel.test", type: 10, isResponse: false))
            ]
            let name = lookups[second % lookups.count] + ".example.com"
            questions.append(DNSObservation(client: Self.client, question: DNSQuestion(name: name, type: 1, isResponse: false)))
            entries = activity.observe(Self.window(second), questions: questions, losses: &losses)
        }
        let tunnel = try #require(entries.first { $0.horizonSeconds == 60 && $0.domain == "tunnel.test" })
        #expect(tunnel.client == "198.18.0.2" && tunnel.distinctNames == 30 && tunnel.queries == 30)
        #expect(tunnel.tunnelTypeQueries == 30 && tunnel.windows == 30 && tunnel.newNames == 1)
        #expect(tunnel.meanEntropy > 4 && tunnel.meanSubdomainLength == 52 && tunnel.maxNameLength == 64)
        let ten = try #require(entries.first { $0.horizonSeconds == 10 && $0.domain == "tunnel.test" })
        #expect(ten.distinctNames == 10)
        let browsing = try #require(entries.first { $0.horizonSeconds == 300 && $0.domain == "example.com" })
        #expect(browsing.distinctNames == 4 && browsing.queries == 30 && browsing.tunnelTypeQueries == 0)
        #expect(browsing.meanEntropy < 2.5)
        #expect(losses.isEmpty)
        #expect(activity.memory.sources == 2)
    }

    /// A replay of a capture gives the same entries every time: a name asked again is the same
    /// name (its entropy, a Double summed over a dictionary, once differed in the last bit between
    /// dictionaries and so split it in two), and sums and evictions do not follow the order of a
    /// dictionary, which differs between instances and runs.
    @Test func aReplayGivesTheSameEntriesAndANameAskedAgainCountsOnce() throws {
        var rng = SplitMix64(seed: 5)
        let names = (0..<48).map { _ in String((0..<40).map { _ in Array("abcdefghijklmnopqrstuvwxyz0123456789-")[Int(rng.next() % 37)] }) }
        func replay() -> [[DNSClientActivity]] {
            var activity = DNSActivity(configuration: .init(sourceCapacity: 8, perSourceCapacity: 32))
            var losses = CaptureLosses()
            return (0..<12).map { second in
                let questions = (0..<16).flatMap { index in
                    let name = names[(second * 16 + index) % names.count]
                    return (0..<3).map { client in
                        DNSObservation(
                            client: NetworkAddress(ipv4: 0xC612_0002 + UInt32(client + (second % 4) * 3)),
                            question: DNSQuestion(name: "\(name).t.tunnel.test", type: 16, isResponse: false))
                    }
                }
                return activity.observe(Self.window(second), questions: questions, losses: &losses)
            }
        }
        let first = replay(), second = replay()
        #expect(first == second)
        let window = try #require(first.first?.first { $0.horizonSeconds == 10 })
        #expect(window.distinctNames == 16 && window.queries == 16)
    }

    @Test func boundsForgetTheFewestNamesFirstAndCount() {
        var activity = DNSActivity(configuration: .init(sourceCapacity: 4, perSourceCapacity: 16))
        var losses = CaptureLosses()
        for second in 0..<3 {
            var questions = (0..<40).map { index in
                DNSObservation(
                    client: Self.client, question: DNSQuestion(name: "n\(second)x\(index).tunnel.test", type: 16, isResponse: false))
            }
            questions += (0..<20).map { index in
                DNSObservation(
                    client: NetworkAddress(ipv4: 0xC612_4000 + UInt32(second * 20 + index)),
                    question: DNSQuestion(name: "www.example.com", type: 1, isResponse: false))
            }
            let entries = activity.observe(Self.window(second), questions: questions, losses: &losses)
            #expect(entries.contains { $0.domain == "tunnel.test" && $0.capped })
        }
        #expect(activity.memory.sources <= 4)
        #expect(losses.dnsClientsEvicted >= 3 * 20 - 4)
        #expect(losses.dnsNamesEvicted > 0)
    }
}
