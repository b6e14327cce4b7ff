/// Third pipeline stage: turns one pre-tokenized word into ids (HF `tokenizers` `models/`).
protocol TokenizerModel: Sendable {
    func tokenize(_ word: String) -> [Int]
    func tokenToId(_ token: String) -> Int?
    func idToToken(_ id: Int) -> String?
    /// One past the largest id.
    var vocabularySize: Int { get }
}

/// `tokenizer.json` `"model"`.
enum ModelConfig: Decodable, Sendable {
    case bpe(BPEModel.Configuration)
    case wordPiece(WordPieceModel.Configuration)
    case unigram(UnigramModel.Configuration)

    init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: JSONKey.self)
        // Old files omit the type; the presence of merges tells BPE from WordPiece.
        let type = try c.decodeIfPresent(String.self, forKey: JSONKey("type"))
            ?? (c.contains(JSONKey("merges")) ? "BPE" : "WordPiece")
        switch type {
        case "BPE": self = .bpe(try BPEModel.Configuration(from: decoder))
        case "WordPiece": self = .wordPiece(try WordPieceModel.Configuration(from: decoder))
        case "Unigram": self = .unigram(try UnigramModel.Configuration(from: decoder))
        default: throw c.unsupported("model", type, supported: ["BPE", "WordPiece", "Unigram"])
        }
    }
}
