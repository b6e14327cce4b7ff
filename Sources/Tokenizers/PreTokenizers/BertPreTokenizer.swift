/// HF `BertPreTokenizer`: split on whitespace (dropped), then isolate every punctuation scalar —
/// ASCII punctuation (which includes `$+<=>^`|~`) or Unicode categories Pc Pd Ps Pe Pi Pf Po.
struct BertPreTokenizer: PreTokenizer {
    func split(_ text: String) -> [String] {
        SplitBehavior.removed.apply(Segment.scalars(of: text, isDelimiter: { $0.properties.isWhitespace }))
            .flatMap { SplitBehavior.isolated.apply(Segment.scalars(of: $0, isDelimiter: Self.isPunctuation)) }
    }

    static func isPunctuation(_ s: Unicode.Scalar) -> Bool {
        if s.isASCII {
            let v = s.value
            return (33...47).contains(v) || (58...64).contains(v) || (91...96).contains(v) || (123...126).contains(v)
        }
        switch s.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation, .initialPunctuation,
             .finalPunctuation, .otherPunctuation: return true
        default: return false
        }
    }
}

/// HF `WhitespaceSplit`: split on whitespace, dropping it.
struct WhitespaceSplitPreTokenizer: PreTokenizer {
    func split(_ text: String) -> [String] {
        SplitBehavior.removed.apply(Segment.scalars(of: text, isDelimiter: { $0.properties.isWhitespace }))
    }
}

/// HF `Punctuation`: punctuation scalars (as `BertPreTokenizer` defines them) split per `behavior`.
struct PunctuationPreTokenizer: PreTokenizer {
    let behavior: SplitBehavior
    func split(_ text: String) -> [String] {
        behavior.apply(Segment.scalars(of: text, isDelimiter: BertPreTokenizer.isPunctuation))
    }
}
