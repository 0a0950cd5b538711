// The training corpus of the username-field classifier, generated in code.
//
// Everything here is written by the project: small hand-written vocabularies (syllables, common
// English words, command names, flags, path segments, generic system-account names that are
// common knowledge) and grammars that combine them. No third-party word, name, password or
// command list is copied or derived from. The same seed always gives the same corpus.
import AnomalyModels

/// A labelled corpus of strings typed into the username field of a login prompt, generated from
/// the project's own vocabularies and grammars.
///
/// Five generators, one per ``UsernameClass``:
/// - **username**: given names and surnames from syllable grammars of many languages, in the
///   shapes that accounts take (`jane`, `jdoe`, `jane.doe`, `doe_j`, `jane.doe2`, `JDoe`, …);
/// - **password**: common words, compounds and phrases, leetspeak, keyboard walks, digit runs,
///   dates, word + digits + symbols and random strong passwords;
/// - **command**: a shell grammar (commands with flags, paths, pipes, redirections, `;`, `&&`,
///   `$(…)`, backticks, reverse shells, PowerShell, interpreters' one-liners) and SQL-ish
///   injections such as `' OR 1=1 --`;
/// - **email**: generated local parts at generated domains and top-level domains;
/// - **service**: generic system, database, network-device and application accounts
///   (`root`, `postgres`, `www-data`, `ec2-user`, …) and generated ones (`svc_backup`,
///   `svc-app-01`, `BILLADM`, `WEB01$`, …).
public enum UsernameCorpus {
    /// Generates `samplesPerClass` labelled strings for every class, interleaved class by class.
    ///
    /// - Parameters:
    ///   - seed: Determines the whole corpus: the same seed always gives the same samples.
    ///   - samplesPerClass: How many strings to generate for each of the five classes.
    /// - Returns: `5 × samplesPerClass` pairs of text and label.
    public static func generate(seed: UInt64 = 1, samplesPerClass: Int = 4000) -> [(text: String, label: UsernameClass)] {
        var random = CorpusRandom(seed: seed)
        var samples: [(text: String, label: UsernameClass)] = []
        samples.reserveCapacity(max(0, samplesPerClass) * UsernameClass.allCases.count)
        for _ in 0..<max(0, samplesPerClass) {
            for label in UsernameClass.allCases {
                samples.append((text: sample(label, using: &random), label: label))
            }
        }
        return samples
    }

    /// Generates `counts[label]` strings of each class (classes not in `counts` get none),
    /// interleaved so that every prefix of the result has roughly the requested proportions.
    ///
    /// - Parameters:
    ///   - seed: Determines the whole corpus.
    ///   - counts: How many strings of each class.
    public static func generate(seed: UInt64, counts: [UsernameClass: Int]) -> [(text: String, label: UsernameClass)] {
        var random = CorpusRandom(seed: seed)
        let wanted = UsernameClass.allCases.map { max(0, counts[$0] ?? 0) }
        let total = wanted.reduce(0, +)
        var made = [Int](repeating: 0, count: wanted.count)
        var samples: [(text: String, label: UsernameClass)] = []
        samples.reserveCapacity(total)
        // Round-robin weighted by the requested counts (largest remaining fraction first).
        for _ in 0..<total {
            var best = -1
            var bestDeficit = -Double.infinity
            for (i, want) in wanted.enumerated() where made[i] < want {
                let deficit = Double(want - made[i]) / Double(want)
                if deficit > bestDeficit { bestDeficit = deficit; best = i }
            }
            let label = UsernameClass.allCases[best]
            samples.append((text: sample(label, using: &random), label: label))
            made[best] += 1
        }
        return samples
    }

    /// The class mix ``UsernameClassifier/standard(seed:configuration:)`` trains on:
    /// more strings of the classes that are hard to tell apart (usernames, passwords and service
    /// accounts) than of commands and e-mail addresses, which are easy.
    public static func standardCounts(scale: Int = 1000) -> [UsernameClass: Int] {
        [.username: 7 * scale, .password: 7 * scale, .service: 6 * scale, .command: 5 * scale / 2, .email: 5 * scale / 2]
    }

    /// Generates `count` strings of one class.
    ///
    /// - Parameters:
    ///   - label: The class to generate.
    ///   - count: How many strings.
    ///   - seed: Determines the strings.
    public static func samples(of label: UsernameClass, count: Int, seed: UInt64 = 1) -> [String] {
        var random = CorpusRandom(seed: seed ^ 0x5EED_0F_C1A55)
        return (0..<max(0, count)).map { _ in sample(label, using: &random) }
    }

    static func sample(_ label: UsernameClass, using random: inout CorpusRandom) -> String {
        switch label {
        case .username: return UsernameGrammar.username(&random)
        case .password: return PasswordGrammar.password(&random)
        case .command: return CommandGrammar.command(&random)
        case .email: return EmailGrammar.email(&random)
        case .service: return ServiceGrammar.service(&random)
        }
    }
}

// MARK: - Randomness

/// Draws from `SeededGenerator.nextUniform()` only, so a corpus depends on nothing but its seed.
struct CorpusRandom {
    var generator: SeededGenerator

    init(seed: UInt64) { generator = SeededGenerator(seed: seed) }

    mutating func uniform() -> Double { generator.nextUniform() }

    /// Uniform in `0..<n` (`n` ≥ 1).
    mutating func int(_ n: Int) -> Int { Swift.min(n - 1, Int(uniform() * Double(n))) }

    mutating func int(in range: ClosedRange<Int>) -> Int { range.lowerBound + int(range.count) }

    mutating func chance(_ p: Double) -> Bool { uniform() < p }

    mutating func pick<T>(_ items: [T]) -> T { items[int(items.count)] }

    private var decks: [Int: (order: [Int], position: Int)] = [:]

    /// Deals `items` like cards from a shuffled deck identified by `deck`: every item comes up
    /// once before any comes up again, so a vocabulary is covered evenly.
    mutating func deal<T>(_ items: [T], deck: Int) -> T {
        var state = decks[deck] ?? (order: [], position: 0)
        if state.position >= state.order.count || state.order.count != items.count {
            var order = Array(items.indices)
            for i in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(i, int(i + 1)) }
            state = (order: order, position: 0)
        }
        let item = items[state.order[state.position]]
        state.position += 1
        decks[deck] = state
        return item
    }

    /// Picks among `(weight, value)` pairs in proportion to the weights.
    mutating func weighted<T>(_ options: [(Double, T)]) -> T {
        let total = options.reduce(0) { $0 + $1.0 }
        var x = uniform() * total
        for option in options {
            if x < option.0 { return option.1 }
            x -= option.0
        }
        return options[options.count - 1].1
    }

    mutating func digits(_ count: Int) -> String {
        String((0..<count).map { _ in Character(String(int(10))) })
    }
}

// MARK: - Shared text helpers

enum TextShape {
    static func capitalized(_ s: String) -> String {
        guard let first = s.first else { return s }
        return first.uppercased() + s.dropFirst()
    }

    /// Lowercase, Capitalized or UPPERCASE, with the given weights.
    static func casing(_ s: String, _ random: inout CorpusRandom, lower: Double, capital: Double, upper: Double) -> String {
        switch random.weighted([(lower, 0), (capital, 1), (upper, 2)]) {
        case 0: return s
        case 1: return capitalized(s)
        default: return s.uppercased()
        }
    }

    /// A two-digit or four-digit year between 1950 and 2029.
    static func year(_ random: inout CorpusRandom, twoDigits: Bool = false) -> String {
        let y = random.weighted([(1.0, random.int(in: 1950...1979)), (3.0, random.int(in: 1980...2009)), (2.0, random.int(in: 2010...2029))])
        return twoDigits ? String(String(y).suffix(2)) : String(y)
    }

    static func twoDigit(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
}
