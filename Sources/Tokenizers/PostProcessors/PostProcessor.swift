/// Fourth pipeline stage, applied only when encoding with `addSpecialTokens`: frames the ids
/// (BOS, `[CLS] … [SEP]`). Pair sequences are not supported: DivTune encodes single texts.
protocol PostProcessor: Sendable {
    func process(_ ids: [Int]) -> [Int]
    /// How many ids `process` adds (reserved when truncating).
    var addedTokenCount: Int { get }
}

/// `tokenizer.json` `"post_processor"`.
indirect enum PostProcessorConfig: Decodable, Sendable {
    case template(TemplateProcessing)
    case bert(cls: SpecialTokenReference, sep: SpecialTokenReference)
    case roberta(cls: SpecialTokenReference, sep: SpecialTokenReference)
    case byteLevel
    case sequence([PostProcessorConfig])

    static let supported = ["TemplateProcessing", "BertProcessing", "RobertaProcessing", "ByteLevel", "Sequence"]

    init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: JSONKey.self)
        let type = try c.componentType()
        switch type {
        case "TemplateProcessing": self = .template(try TemplateProcessing(from: decoder))
        case "BertProcessing": self = .bert(cls: try c.value("cls"), sep: try c.value("sep"))
        case "RobertaProcessing": self = .roberta(cls: try c.value("cls"), sep: try c.value("sep"))
        case "ByteLevel": self = .byteLevel
        case "Sequence": self = .sequence(try c.value("processors"))
        default: throw c.unsupported("post_processor", type, supported: Self.supported)
        }
    }

    func make() -> PostProcessor {
        switch self {
        case let .template(template): return template
        case let .bert(cls, sep), let .roberta(cls, sep): return SurroundProcessing(first: cls.id, last: sep.id)
        case .byteLevel: return NoPostProcessing()
        case let .sequence(steps): return PostProcessorSequence(steps: steps.map { $0.make() })
        }
    }
}

/// `["[CLS]", 101]`: a token and its id, as `BertProcessing`/`RobertaProcessing` store them.
struct SpecialTokenReference: Decodable, Sendable {
    let token: String
    let id: Int

    init(from decoder: Decoder) throws {
        var c = try decoder.unkeyedContainer()
        token = try c.decode(String.self)
        id = try c.decode(Int.self)
    }
}

/// HF `BertProcessing` (`[CLS] A [SEP]`) and `RobertaProcessing` (`<s> A </s>`) for one sequence.
struct SurroundProcessing: PostProcessor {
    let first: Int
    let last: Int
    func process(_ ids: [Int]) -> [Int] { [first] + ids + [last] }
    var addedTokenCount: Int { 2 }
}

/// HF `ByteLevel` post-processor: it only trims offsets, so ids pass through.
struct NoPostProcessing: PostProcessor {
    func process(_ ids: [Int]) -> [Int] { ids }
    var addedTokenCount: Int { 0 }
}

/// HF `processors.Sequence`: each processor in turn.
struct PostProcessorSequence: PostProcessor {
    let steps: [PostProcessor]
    func process(_ ids: [Int]) -> [Int] { steps.reduce(ids) { $1.process($0) } }
    var addedTokenCount: Int { steps.reduce(0) { $0 + $1.addedTokenCount } }
}
