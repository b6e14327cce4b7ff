/// WordPiece (BERT; HF `models/wordpiece/mod.rs`): per word, greedy longest-match-first from the
/// left; every piece after the first carries `continuing_subword_prefix` ("##"). A word longer
/// than `max_input_chars_per_word` scalars, or with any position no vocabulary entry matches,
/// becomes the single `unk_token`.
struct WordPieceModel: TokenizerModel {
    /// `tokenizer.json` `"model"` with `"type": "WordPiece"`.
    struct Configuration: Decodable, Sendable {
        var vocab: [String: Int]
        var unkToken: String
        var continuingSubwordPrefix: String
        var maxInputCharsPerWord: Int

        init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: JSONKey.self)
            vocab = try c.value("vocab")
            unkToken = try c.value("unk_token", default: "[UNK]")
            continuingSubwordPrefix = try c.value("continuing_subword_prefix", default: "##")
            maxInputCharsPerWord = try c.value("max_input_chars_per_word", default: 100)
        }
    }

    let vocabulary: [String: Int]
    private let tokens: [String?]
    private let unkId: Int
    private let prefix: String
    private let maxInputChars: Int

    init(_ config: Configuration) throws {
        guard let unk = config.vocab[config.unkToken] else {
            throw TokenizerError.invalid(source: "", field: "model.unk_token", reason: "'\(config.unkToken)' is not in the vocabulary")
        }
        vocabulary = config.vocab
        tokens = try VocabularyTable.tokens(config.vocab)
        unkId = unk
        prefix = config.continuingSubwordPrefix
        maxInputChars = config.maxInputCharsPerWord
    }

    var vocabularySize: Int { tokens.count }
    func tokenToId(_ token: String) -> Int? { vocabulary[token] }
    func idToToken(_ id: Int) -> String? { id >= 0 && id < tokens.count ? tokens[id] : nil }

    func tokenize(_ word: String) -> [Int] {
        let scalars = Array(word.unicodeScalars)
        if scalars.isEmpty { return [] }
        if scalars.count > maxInputChars { return [unkId] }
        var ids: [Int] = []
        var start = 0
        while start < scalars.count {
            var end = scalars.count
            var found: Int?
            while start < end {
                var piece = String(String.UnicodeScalarView(scalars[start..<end]))
                if start > 0 { piece = prefix + piece }
                if let id = vocabulary[piece] { found = id; break }
                end -= 1
            }
            guard let id = found else { return [unkId] }
            ids.append(id)
            start = end
        }
        return ids
    }
}
