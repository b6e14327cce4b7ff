/// Second pipeline stage: cuts normalized text into words; the model encodes each word on its own
/// (HF `tokenizers` `pre_tokenizers/`).
protocol PreTokenizer: Sendable {
    /// The words of one piece of text, in order.
    func split(_ text: String) -> [String]
}

extension PreTokenizer {
    /// Every piece split further, in order (how HF applies a stage to a pre-tokenized string).
    func preTokenize(_ pieces: [String]) -> [String] {
        if pieces.count == 1 { return split(pieces[0]) }
        return pieces.flatMap { split($0) }
    }
}

/// `tokenizer.json` `"pre_tokenizer"`: an object with a `"type"` discriminator.
indirect enum PreTokenizerConfig: Decodable, Sendable {
    case sequence([PreTokenizerConfig])
    case split(pattern: SplitPattern, behavior: SplitBehavior, invert: Bool)
    case byteLevel(addPrefixSpace: Bool, useRegex: Bool)
    case digits(individual: Bool)
    case bert
    case whitespace
    case whitespaceSplit
    case punctuation(SplitBehavior)
    case metaspace(MetaspaceOptions, field: String)

    static let supported = ["Sequence", "Split", "ByteLevel", "Digits", "BertPreTokenizer", "Whitespace",
                            "WhitespaceSplit", "Punctuation", "Metaspace"]

    init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: JSONKey.self)
        let type = try c.componentType()
        switch type {
        case "Sequence": self = .sequence(try c.value("pretokenizers"))
        case "Split":
            self = .split(pattern: try c.value("pattern"), behavior: try c.value("behavior"), invert: try c.value("invert", default: false))
        case "ByteLevel":
            self = .byteLevel(addPrefixSpace: try c.value("add_prefix_space", default: true), useRegex: try c.value("use_regex", default: true))
        case "Digits": self = .digits(individual: try c.value("individual_digits", default: false))
        case "BertPreTokenizer": self = .bert
        case "Whitespace": self = .whitespace
        case "WhitespaceSplit": self = .whitespaceSplit
        case "Punctuation": self = .punctuation(try c.value("behavior", default: .isolated))
        case "Metaspace":
            self = .metaspace(try MetaspaceOptions(from: decoder), field: TokenizerError.jsonPath(c.codingPath + [JSONKey("prepend_scheme")]))
        default: throw c.unsupported("pre_tokenizer", type, supported: Self.supported)
        }
    }

    /// The stage this configuration describes.
    func make() throws -> PreTokenizer {
        switch self {
        case let .sequence(steps): return PreTokenizerSequence(steps: try steps.map { try $0.make() })
        case let .split(pattern, behavior, invert):
            return SplitPreTokenizer(pattern: try pattern.compile(), behavior: behavior, invert: invert)
        case let .byteLevel(addPrefixSpace, useRegex):
            return ByteLevelPreTokenizer(addPrefixSpace: addPrefixSpace, regex: useRegex ? try CompiledPattern.cached(PreTokenizerPatterns.gpt2) : nil)
        case let .digits(individual): return DigitsPreTokenizer(individualDigits: individual)
        case .bert: return BertPreTokenizer()
        case .whitespace: return SplitPreTokenizer(pattern: try CompiledPattern.cached(#"\w+|[^\w\s]+"#), behavior: .removed, invert: true)
        case .whitespaceSplit: return WhitespaceSplitPreTokenizer()
        case let .punctuation(behavior): return PunctuationPreTokenizer(behavior: behavior)
        case let .metaspace(options, field):
            // "first" prepends only to text at the very start of the input, which needs offsets this
            // pipeline does not track; XLM-R and jina files use "always" (or add_prefix_space).
            guard options.prependScheme != .first else {
                throw TokenizerError.unsupported(source: "", field: field, what: "Metaspace prepend_scheme 'first' (supported: always, never)")
            }
            return MetaspacePreTokenizer(replacement: options.replacement, prependsReplacement: options.prependScheme == .always,
                                         splits: options.split)
        }
    }
}

/// HF `pre_tokenizers.Sequence`: each pre-tokenizer applied to every piece of the previous one.
struct PreTokenizerSequence: PreTokenizer {
    let steps: [PreTokenizer]
    func split(_ text: String) -> [String] { steps.reduce([text]) { $1.preTokenize($0) } }
}
