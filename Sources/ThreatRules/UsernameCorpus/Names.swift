// Names: syllable grammars of many languages: one of the username-field corpus generators (UsernameCorpus.swift).

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
