import Foundation

/// First pipeline stage: rewrites the text of each segment between added tokens
/// (HF `tokenizers` `normalizers/`). Offsets are not tracked: DivTune needs ids only.
protocol Normalizer: Sendable {
    func normalize(_ text: String) -> String
}

/// `tokenizer.json` `"normalizer"`: an object with a `"type"` discriminator.
indirect enum NormalizerConfig: Decodable, Sendable {
    case sequence([NormalizerConfig])
    case unicode(UnicodeNormalizer.Form)
    case lowercase
    case stripAccents
    case bert(BertNormalizer)
    case replace(pattern: SplitPattern, content: String)
    case prepend(String)
    case strip(left: Bool, right: Bool)
    case precompiled(charsmap: String, field: String)

    static let supported = ["Sequence", "NFC", "NFD", "NFKC", "NFKD", "Lowercase", "StripAccents", "BertNormalizer",
                            "Replace", "Prepend", "Strip", "Precompiled"]

    init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: JSONKey.self)
        let type = try c.componentType()
        switch type {
        case "Sequence": self = .sequence(try c.value("normalizers"))
        case "NFC": self = .unicode(.nfc)
        case "NFD": self = .unicode(.nfd)
        case "NFKC": self = .unicode(.nfkc)
        case "NFKD": self = .unicode(.nfkd)
        case "Lowercase": self = .lowercase
        case "StripAccents": self = .stripAccents
        case "BertNormalizer":
            self = .bert(BertNormalizer(cleanText: try c.value("clean_text", default: true),
                                        handleChineseChars: try c.value("handle_chinese_chars", default: true),
                                        stripAccents: try c.value("strip_accents", default: nil),
                                        lowercase: try c.value("lowercase", default: true)))
        case "Replace": self = .replace(pattern: try c.value("pattern"), content: try c.value("content"))
        case "Prepend": self = .prepend(try c.value("prepend"))
        case "Strip": self = .strip(left: try c.value("strip_left", default: true), right: try c.value("strip_right", default: true))
        case "Precompiled":
            self = .precompiled(charsmap: try c.value("precompiled_charsmap"),
                                field: TokenizerError.jsonPath(c.codingPath + [JSONKey("precompiled_charsmap")]))
        default: throw c.unsupported("normalizer", type, supported: Self.supported)
        }
    }

    /// The stage this configuration describes.
    func make() throws -> Normalizer {
        switch self {
        case let .sequence(steps): return NormalizerSequence(steps: try steps.map { try $0.make() })
        case let .unicode(form): return UnicodeNormalizer(form: form)
        case .lowercase: return LowercaseNormalizer()
        case .stripAccents: return StripAccentsNormalizer()
        case let .bert(normalizer): return normalizer
        case let .replace(pattern, content): return ReplaceNormalizer(pattern: try pattern.compile(), content: content)
        case let .prepend(prefix): return PrependNormalizer(prefix: prefix)
        case let .strip(left, right): return StripNormalizer(left: left, right: right)
        case let .precompiled(charsmap, field): return try PrecompiledNormalizer(base64: charsmap, field: field)
        }
    }
}
