// E-mail addresses: one of the username-field corpus generators (UsernameCorpus.swift).

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
