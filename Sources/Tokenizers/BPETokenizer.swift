import Foundation

/// A byte-level BPE tokenizer (GPT-2, Llama 3, SmolLM, Qwen2 families), built from an HF
/// `tokenizer.json` or from GGUF `tokenizer.ggml.*` metadata.
public final class BPETokenizer: Tokenizer, @unchecked Sendable {
    let model: BPEModel
    let preTokenizer: PreTokenizer
    let idToTokenTable: [String]
    let specialIds: Set<Int>
    let splitter: SpecialTokenSplitter
    public let bosTokenId: Int?
    public let eosTokenId: Int?
    /// Prepend BOS when `addSpecialTokens` (Llama 3: true; SmolLM2: false).
    public let addBos: Bool

    public init(vocabulary: [String], merges: [(String, String)], specialTokens: Set<Int>, preTokenizer: PreTokenizer,
                bosTokenId: Int?, eosTokenId: Int?, addBos: Bool) {
        var vocab: [String: Int] = [:]
        vocab.reserveCapacity(vocabulary.count)
        for (id, token) in vocabulary.enumerated() where vocab[token] == nil { vocab[token] = id }
        self.model = BPEModel(vocabulary: vocab, merges: merges)
        self.idToTokenTable = vocabulary
        self.specialIds = specialTokens
        self.splitter = SpecialTokenSplitter(Dictionary(specialTokens.compactMap { id in
            id < vocabulary.count ? (vocabulary[id], id) : nil
        }, uniquingKeysWith: { a, _ in a }))
        self.preTokenizer = preTokenizer
        self.bosTokenId = bosTokenId
        self.eosTokenId = eosTokenId
        self.addBos = addBos
    }

    /// From GGUF metadata (`tokenizer.ggml.model` must be "gpt2"). Token types 3 (control) and 4
    /// (user-defined) are special tokens matched in text.
    public static func fromGGUF(model: String, tokens: [String], merges: [String], tokenTypes: [Int], pre: String?,
                                bosTokenId: Int?, eosTokenId: Int?, addBos: Bool?, source: String) throws -> BPETokenizer {
        guard model == "gpt2" else { throw TokenizerError.unsupported(source: source, what: "tokenizer.ggml.model '\(model)' (supported: gpt2 byte-level BPE)") }
        guard !tokens.isEmpty else { throw TokenizerError.invalid(source: source, field: "tokenizer.ggml.tokens", reason: "empty") }
        let preName = pre ?? "default"
        guard let preTokenizer = PreTokenizer(ggufName: preName) else {
            throw TokenizerError.unsupported(source: source, what: "tokenizer.ggml.pre '\(preName)' (supported: \(PreTokenizer.Kind.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        let pairs = try merges.enumerated().map { i, m -> (String, String) in
            let parts = m.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2 else { throw TokenizerError.invalid(source: source, field: "tokenizer.ggml.merges[\(i)]", reason: "'\(m)' is not 'a b'") }
            return (String(parts[0]), String(parts[1]))
        }
        let special = Set(tokenTypes.enumerated().filter { $0.element == 3 || $0.element == 4 }.map(\.offset))
        for (field, id) in [("bos", bosTokenId), ("eos", eosTokenId)] {
            if let id, !(0..<tokens.count).contains(id) {
                throw TokenizerError.invalid(source: source, field: "tokenizer.ggml.\(field)_token_id", reason: "\(id) is outside the vocabulary")
            }
        }
        return BPETokenizer(vocabulary: tokens, merges: pairs, specialTokens: special, preTokenizer: preTokenizer,
                            bosTokenId: bosTokenId, eosTokenId: eosTokenId, addBos: addBos ?? false)
    }

    public var vocabularySize: Int { idToTokenTable.count }

    public func encode(_ text: String, addSpecialTokens: Bool = false) -> [Int] {
        var ids: [Int] = []
        if addSpecialTokens && addBos, let bos = bosTokenId { ids.append(bos) }
        for piece in splitter.split(text) {
            switch piece {
            case let .special(id): ids.append(id)
            case let .text(chunk):
                for word in preTokenizer.split(String(chunk)) { ids.append(contentsOf: model.encode(word: Array(word.utf8))) }
            }
        }
        return ids
    }

    public func decode(_ ids: [Int], skipSpecialTokens: Bool = false) -> String {
        var bytes: [UInt8] = []
        for id in ids where !(skipSpecialTokens && specialIds.contains(id)) { bytes.append(contentsOf: self.bytes(of: id)) }
        return String(decoding: bytes, as: UTF8.self)
    }

    public func bytes(of id: Int) -> [UInt8] {
        guard id >= 0 && id < idToTokenTable.count else { return [] }
        let token = idToTokenTable[id]
        return specialIds.contains(id) ? Array(token.utf8) : ByteLevelAlphabet.decode(token)
    }

    public func tokenToId(_ token: String) -> Int? { model.vocabulary[token] }
    public func idToToken(_ id: Int) -> String? { id >= 0 && id < idToTokenTable.count ? idToTokenTable[id] : nil }
    public func isSpecial(_ id: Int) -> Bool { specialIds.contains(id) }
}
