/// Raw counts behind ``StylometricEmbedder``, gathered in one pass over the Unicode scalars.
struct StyleCounts {
    var words: [String] = []              // lowercased
    var sentenceLengths: [Int] = []       // words per sentence
    var paragraphs = 0                    // lines holding at least one word
    var questions = 0, exclamations = 0   // sentences ending in ? / !
    var dialogueWords = 0
    var commas = 0, semicolons = 0, colons = 0, dashes = 0, ellipses = 0, parentheses = 0, quotes = 0
    var apostropheWords = 0
    var letters = 0, uppercase = 0, digits = 0

    init(_ text: String) {
        let scalars = Array(text.unicodeScalars)
        var word = String.UnicodeScalarView()
        var wordHasApostrophe = false
        var inQuote = false
        var sentenceWords = 0
        var pendingEnd: Unicode.Scalar?    // terminal punctuation seen, sentence ends at the next word
        var lineHasWord = false
        var dots = 0

        func isWordScalar(_ s: Unicode.Scalar) -> Bool { s.properties.isAlphabetic || s.properties.numericType != nil }
        func endSentence() {
            if sentenceWords > 0 {
                sentenceLengths.append(sentenceWords)
                if pendingEnd == "?" { questions += 1 } else if pendingEnd == "!" { exclamations += 1 }
            }
            sentenceWords = 0
            pendingEnd = nil
        }
        func flushWord() {
            guard !word.isEmpty else { return }
            words.append(String(word).lowercased())
            if wordHasApostrophe { apostropheWords += 1 }
            if inQuote { dialogueWords += 1 }
            word = String.UnicodeScalarView()
            wordHasApostrophe = false
        }

        for (i, s) in scalars.enumerated() {
            if s != "." {
                if dots >= 3 { ellipses += 1 }
                dots = 0
            }
            if isWordScalar(s) {
                if word.isEmpty {
                    if pendingEnd != nil { endSentence() }
                    sentenceWords += 1
                    lineHasWord = true
                }
                word.append(s)
                if s.properties.isAlphabetic {
                    letters += 1
                    if s.properties.isUppercase { uppercase += 1 }
                } else if s.properties.numericType != nil {
                    digits += 1
                }
                continue
            }
            let apostrophe = s == "'" || s == "\u{2019}"
            if apostrophe, !word.isEmpty, i + 1 < scalars.count, isWordScalar(scalars[i + 1]) {
                word.append(s)
                wordHasApostrophe = true
                continue
            }
            flushWord()
            switch s {
            case ".": dots += 1; pendingEnd = "."
            case "!", "?": pendingEnd = s
            case "\u{2026}": ellipses += 1; pendingEnd = "."
            case ",": commas += 1
            case ";": semicolons += 1
            case ":": colons += 1
            case "(": parentheses += 1
            case "\u{2014}", "\u{2013}": dashes += 1
            case "-":
                let before = i > 0 ? scalars[i - 1] : " ", after = i + 1 < scalars.count ? scalars[i + 1] : " "
                if after == "-" && before != "-" { dashes += 1 }                                // "--"
                else if before != "-" && after != "-" && before.properties.isWhitespace && after.properties.isWhitespace { dashes += 1 }
            case "\"": quotes += 1; inQuote.toggle()
            case "\u{201C}": quotes += 1; inQuote = true
            case "\u{201D}": quotes += 1; inQuote = false
            case "\n":
                endSentence()
                if lineHasWord { paragraphs += 1 }
                lineHasWord = false
            default: break
            }
        }
        flushWord()
        if dots >= 3 { ellipses += 1 }
        endSentence()
        if lineHasWord { paragraphs += 1 }
    }
}
