// Passwords: one of the username-field corpus generators (UsernameCorpus.swift).

/// Splits a block of whitespace-separated words.
func wordList(_ block: String) -> [String] {
    block.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init)
}

/// Like `wordList(_:)`, without repeated words (first occurrence kept).
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
