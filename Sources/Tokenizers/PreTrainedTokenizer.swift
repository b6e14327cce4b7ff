import Base
import Foundation

/// A Hugging Face tokenizer pipeline built from `tokenizer.json` (or from GGUF metadata, see
/// `fromGGUF`), mirroring HF `tokenizers`' stages:
///
///     added tokens → normalizer → pre-tokenizer → model (BPE / WordPiece / Unigram) → post-processor
///     ids → tokens → decoder → text
///
/// `encode` matches HF's ids exactly on the tested families (SmolLM2/GPT-2/Llama-3 byte-level BPE,
/// BERT WordPiece). Like transformers (not raw `tokenizers`), the file's `truncation` and
/// `padding` are not applied implicitly; pass `maxLength` to truncate. Thread-safe.
public final class PreTrainedTokenizer: Tokenizer, @unchecked Sendable {
    let normalizer: Normalizer?
    let preTokenizer: PreTokenizer?
    let model: TokenizerModel
    let postProcessor: PostProcessor?
    let decoder: TokenDecoder?
    let addedVocabulary: AddedVocabulary

    public let bosTokenId: Int?
    public let eosTokenId: Int?
    public let padTokenId: Int?
    /// `tokenizer_config.json` (chat template, special-token strings), when one was found or given.
    public let config: TokenizerConfig?
    /// The file's `truncation` setting, for callers that want HF `tokenizers`' behaviour.
    public let truncation: Truncation?
    public let vocabularySize: Int
    /// Where the tokenizer came from (a path, or "GGUF <path>"), for messages.
    public let source: String

    /// Loads `tokenizer.json`; `config` defaults to what its folder gives transformers 5
    /// (`tokenizer_config.json` and the chat template files, see `TokenizerConfig(folder:)`).
    public convenience init(tokenizerJSON url: URL, config: TokenizerConfig? = nil) throws {
        guard let data = try? Data(contentsOf: url) else { throw TokenizerError.missingFile(path: url.path) }
        let config = try config ?? TokenizerConfig(folder: url.deletingLastPathComponent())
        try self.init(data: data, config: config, source: url.path)
    }

    /// Parses the contents of a `tokenizer.json`; the special tokens `config` names are added to
    /// it as transformers adds them (see `TokenizerJSON.addingSpecialTokens(of:)`).
    public convenience init(data: Data, config: TokenizerConfig? = nil, source: String = "tokenizer.json") throws {
        var json: TokenizerJSON
        do { json = try JSONDecoder().decode(TokenizerJSON.self, from: data) } catch {
            throw TokenizerError.from(error, source: source)
        }
        // The tokenizers library keeps a repeated key's last value, Foundation the first (docs/bad-inputs.md).
        if let key = JSONDuplicateKeys.first(in: data) { throw TokenizerError.invalid(source: source, field: key, reason: "appears twice in one object") }
        if let config { json = json.addingSpecialTokens(of: config) }
        do { try self.init(json: json, config: config, source: source) } catch {
            throw TokenizerError.from(error, source: source)
        }
    }

    init(json: TokenizerJSON, config: TokenizerConfig?, source: String, bosTokenId: Int? = nil, eosTokenId: Int? = nil,
         padTokenId: Int? = nil) throws {
        normalizer = try json.normalizer?.make()
        preTokenizer = try json.preTokenizer?.make()
        switch json.model {
        case let .bpe(c): model = try BPEModel(c)
        case let .wordPiece(c): model = try WordPieceModel(c)
        case let .unigram(c): model = try UnigramModel(c)
        }
        postProcessor = json.postProcessor?.make()
        decoder = try json.decoder?.make()
        // Added ids size `vocabularySize`, which callers allocate by: the same bound as the vocabulary's.
        let addedIds = VocabularyTable.idRange(count: model.vocabularySize, extra: json.addedTokens.count)
        for (i, token) in json.addedTokens.enumerated() where !addedIds.contains(token.id) {
            throw TokenizerError.invalid(source: "", field: "added_tokens[\(i)].id",
                                         reason: "\(token.id) is outside 0..<\(addedIds.upperBound) for '\(token.content)'")
        }
        addedVocabulary = AddedVocabulary(json.addedTokens)
        self.config = config
        truncation = json.truncation
        self.source = source
        vocabularySize = max(model.vocabularySize, (json.addedTokens.map(\.id).max() ?? -1) + 1)

        let added = addedVocabulary.idByContent, model = model
        func id(_ token: String?) -> Int? { token.flatMap { added[$0] ?? model.tokenToId($0) } }
        func firstKnown(_ names: [String]) -> Int? { names.lazy.compactMap { added[$0] }.first }
        self.bosTokenId = bosTokenId ?? id(config?.bosToken) ?? firstKnown(["<|begin_of_text|>", "<s>", "<|startoftext|>", "<bos>"])
        self.eosTokenId = eosTokenId ?? id(config?.eosToken) ?? firstKnown(["<|end_of_text|>", "</s>", "<|endoftext|>", "<eos>"])
        self.padTokenId = padTokenId ?? id(config?.padToken) ?? firstKnown(["[PAD]", "<pad>", "<|pad|>"])
    }

    // MARK: Encoding

    public func encode(_ text: String, addSpecialTokens: Bool = true) -> [Int] {
        encode(text, addSpecialTokens: addSpecialTokens, maxLength: nil)
    }

    /// Ids of `text`; with `maxLength`, the content is cut (from the right) so that the result,
    /// special tokens included, has at most `maxLength` ids (HF truncation, `LongestFirst`).
    public func encode(_ text: String, addSpecialTokens: Bool, maxLength: Int?) -> [Int] {
        var ids: [Int] = []
        for piece in addedVocabulary.split(text, normalizer: normalizer) {
            switch piece {
            case let .token(id): ids.append(id)
            case let .text(chunk):
                for word in preTokenizer?.split(chunk) ?? [chunk] { ids.append(contentsOf: model.tokenize(word)) }
            }
        }
        if let maxLength {
            let budget = max(0, maxLength - (addSpecialTokens ? postProcessor?.addedTokenCount ?? 0 : 0))
            if ids.count > budget { ids.removeLast(ids.count - budget) }
        }
        if addSpecialTokens, let postProcessor { ids = postProcessor.process(ids) }
        return ids
    }

    // MARK: Decoding

    public func decode(_ ids: [Int], skipSpecialTokens: Bool = false) -> String {
        let tokens = ids.compactMap { id -> String? in
            if skipSpecialTokens && addedVocabulary.isSpecial(id) { return nil }
            return idToToken(id)
        }
        return decoder?.decode(tokens) ?? tokens.joined(separator: " ")
    }

    // MARK: Vocabulary

    public func tokenToId(_ token: String) -> Int? { addedVocabulary.idByContent[token] ?? model.tokenToId(token) }
    public func idToToken(_ id: Int) -> String? { addedVocabulary.tokenById[id]?.content ?? model.idToToken(id) }
    public func isSpecial(_ id: Int) -> Bool { addedVocabulary.isSpecial(id) }
    /// The added tokens (special and not), as the file lists them.
    public var addedTokens: [AddedToken] { addedVocabulary.tokens }
    /// The "default" chat template (`chat_template.jinja`, `tokenizer_config.json` or GGUF `tokenizer.chat_template`).
    public var chatTemplate: String? { config?.chatTemplate }
}
