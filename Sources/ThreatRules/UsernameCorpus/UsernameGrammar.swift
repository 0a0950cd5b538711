// Usernames: one of the username-field corpus generators (UsernameCorpus.swift).

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
