import Foundation

/// Unigram (SentencePiece; HF `models/unigram/model.rs`, used by XLM-RoBERTa and jina-embeddings-v3):
/// each word is cut into the vocabulary pieces whose log-probabilities (`vocab[i][1]`) sum highest,
/// found by Viterbi over the word's bytes, stepping one character at a time.
///
/// A character no piece starts with costs `min(score) − 10` and becomes `unk_id`; adjacent unknown
/// characters are fused into one unknown piece (HF always fuses). With `byte_fallback`, an unknown
/// piece becomes its UTF-8 bytes as `<0xXX>` tokens when all of them are in the vocabulary.
/// Ties keep the first path found, as HF does (a later candidate must score strictly higher).
struct UnigramModel: TokenizerModel {
    /// `tokenizer.json` `"model"` with `"type": "Unigram"`.
    struct Configuration: Decodable, Sendable {
        var vocab: [(token: String, score: Double)]
        var unkId: Int?
        var byteFallback: Bool

        init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: JSONKey.self)
            var entries = try c.nestedUnkeyedContainer(forKey: JSONKey("vocab"))
            vocab = []
            while !entries.isAtEnd {
                // Each entry is ["piece", score]; a malformed one fails with its index in the path.
                var pair = try entries.nestedUnkeyedContainer()
                let token = try pair.decode(String.self)
                let score = try pair.decode(Double.self)
                guard score.isFinite else {
                    throw TokenizerError.invalid(source: "", field: "model.vocab[\(vocab.count)]", reason: "score \(score) is not finite")
                }
                vocab.append((token, score))
            }
            unkId = try c.value("unk_id", default: nil)
            byteFallback = try c.value("byte_fallback", default: false)
        }
    }

    /// The cost of an unknown character below the least likely piece (SentencePiece's `kUnkPenalty`).
    static let unknownPenalty = 10.0

    private let tokens: [String]
    private let scores: [Double]
    private let vocabulary: [String: Int]
    private let trie: VocabularyTrie
    private let unkId: Int
    private let unknownScore: Double
    private let byteFallback: Bool

    init(_ config: Configuration) throws {
        guard !config.vocab.isEmpty else {
            throw TokenizerError.invalid(source: "", field: "model.vocab", reason: "a Unigram vocabulary needs at least one piece")
        }
        guard let unk = config.unkId else {
            throw TokenizerError.invalid(source: "", field: "model.unk_id", reason: "missing: unknown characters would have no id")
        }
        guard config.vocab.indices.contains(unk) else {
            throw TokenizerError.invalid(source: "", field: "model.unk_id", reason: "\(unk) is outside the vocabulary 0..<\(config.vocab.count)")
        }
        tokens = config.vocab.map(\.token)
        scores = config.vocab.map(\.score)
        var vocabulary: [String: Int] = [:]
        for (id, token) in tokens.enumerated() { vocabulary[token] = id }
        self.vocabulary = vocabulary
        trie = VocabularyTrie(tokens)
        unkId = unk
        unknownScore = (scores.min() ?? 0) - Self.unknownPenalty
        byteFallback = config.byteFallback
    }

    var vocabularySize: Int { tokens.count }
    func tokenToId(_ token: String) -> Int? { vocabulary[token] }
    func idToToken(_ id: Int) -> String? { tokens.indices.contains(id) ? tokens[id] : nil }

    func tokenize(_ word: String) -> [Int] {
        var ids: [Int] = []
        for piece in segment(word) {
            if let id = vocabulary[piece] { ids.append(id); continue }
            if byteFallback {
                let bytes = piece.utf8.compactMap { vocabulary[String(format: "<0x%02X>", $0)] }
                if bytes.count == piece.utf8.count { ids += bytes; continue }
            }
            ids.append(unkId)
        }
        return ids
    }

    /// The best segmentation of `word` into piece strings (unknown runs fused), in order.
    func segment(_ word: String) -> [String] {
        let utf8 = Array(word.utf8)
        let size = utf8.count
        guard size > 0 else { return [] }
        // best[e]: the best path over bytes 0..<e — its score, where its last piece starts, that piece's id.
        var score = [Double](repeating: 0, count: size + 1)
        var start = [Int](repeating: -1, count: size + 1)
        var id = [Int](repeating: -1, count: size + 1)
        utf8.withUnsafeBufferPointer { bytes in
            var position = 0
            while position < size {
                let here = score[position]
                let characterLength = Self.sequenceLength(bytes[position])
                var hasSingleCharacter = false
                trie.prefixes(of: bytes, from: position) { piece, end in
                    let candidate = here + scores[piece]
                    if start[end] < 0 || candidate > score[end] {
                        score[end] = candidate
                        start[end] = position
                        id[end] = piece
                    }
                    if end - position == characterLength { hasSingleCharacter = true }
                }
                let end = min(size, position + characterLength)
                if !hasSingleCharacter {
                    let candidate = here + unknownScore
                    if start[end] < 0 || candidate > score[end] {
                        score[end] = candidate
                        start[end] = position
                        id[end] = unkId
                    }
                }
                position = end
            }
        }
        var pieces: [String] = []
        var unknown: [UInt8] = []
        var end = size
        while end > 0 {
            let begin = start[end]
            if id[end] == unkId {
                unknown.insert(contentsOf: utf8[begin..<end], at: 0)
            } else {
                if !unknown.isEmpty { pieces.append(String(decoding: unknown, as: UTF8.self)); unknown = [] }
                pieces.append(String(decoding: utf8[begin..<end], as: UTF8.self))
            }
            end = begin
        }
        if !unknown.isEmpty { pieces.append(String(decoding: unknown, as: UTF8.self)) }
        return pieces.reversed()
    }

    /// Bytes in the UTF-8 sequence a lead byte starts (Swift strings hold valid UTF-8).
    static func sequenceLength(_ lead: UInt8) -> Int {
        switch lead {
        case 0..<0x80: return 1
        case 0xC0..<0xE0: return 2
        case 0xE0..<0xF0: return 3
        default: return 4
        }
    }
}
