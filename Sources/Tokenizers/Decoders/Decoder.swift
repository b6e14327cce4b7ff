/// Last pipeline stage: turns token strings back into text (HF `tokenizers` `decoders/`). Each
/// decoder maps the token list to a new list (`decode_chain`); the result is their concatenation.
protocol TokenDecoder: Sendable {
    func decodeChain(_ tokens: [String]) -> [String]
}

extension TokenDecoder {
    func decode(_ tokens: [String]) -> String { decodeChain(tokens).joined() }
}

/// `tokenizer.json` `"decoder"`.
indirect enum DecoderConfig: Decodable, Sendable {
    case byteLevel
    case wordPiece(prefix: String, cleanup: Bool)
    case sequence([DecoderConfig])
    case replace(pattern: SplitPattern, content: String)
    case strip(content: String, start: Int, stop: Int)
    case fuse
    case byteFallback
    case metaspace(MetaspaceOptions)

    static let supported = ["ByteLevel", "WordPiece", "Sequence", "Replace", "Strip", "Fuse", "ByteFallback", "Metaspace"]

    init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: JSONKey.self)
        let type = try c.componentType()
        switch type {
        case "ByteLevel": self = .byteLevel
        case "WordPiece": self = .wordPiece(prefix: try c.value("prefix", default: "##"), cleanup: try c.value("cleanup", default: true))
        case "Sequence": self = .sequence(try c.value("decoders"))
        case "Replace": self = .replace(pattern: try c.value("pattern"), content: try c.value("content"))
        case "Strip": self = .strip(content: try c.value("content"), start: try c.value("start", default: 0), stop: try c.value("stop", default: 0))
        case "Fuse": self = .fuse
        case "ByteFallback": self = .byteFallback
        case "Metaspace": self = .metaspace(try MetaspaceOptions(from: decoder))
        default: throw c.unsupported("decoder", type, supported: Self.supported)
        }
    }

    func make() throws -> TokenDecoder {
        switch self {
        case .byteLevel: return ByteLevelDecoder()
        case let .wordPiece(prefix, cleanup): return WordPieceDecoder(prefix: prefix, cleanup: cleanup)
        case let .sequence(steps): return DecoderSequence(steps: try steps.map { try $0.make() })
        case let .replace(pattern, content): return ReplaceDecoder(pattern: try pattern.compile(), content: content)
        case let .strip(content, start, stop): return StripDecoder(content: content.unicodeScalars.first ?? " ", start: start, stop: stop)
        case .fuse: return FuseDecoder()
        case .byteFallback: return ByteFallbackDecoder()
        case let .metaspace(options):
            return MetaspaceDecoder(replacement: options.replacement, prependsReplacement: options.prependScheme != .never)
        }
    }
}

/// HF `decoders.Sequence`: each decoder's chain applied to the previous one's output.
struct DecoderSequence: TokenDecoder {
    let steps: [TokenDecoder]
    func decodeChain(_ tokens: [String]) -> [String] { steps.reduce(tokens) { $1.decodeChain($0) } }
}
