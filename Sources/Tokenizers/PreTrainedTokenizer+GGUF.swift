/// The name the Models target uses for byte-level BPE tokenizers (from `tokenizer.json` or GGUF).
public typealias BPETokenizer = PreTrainedTokenizer

extension PreTrainedTokenizer {
    /// A byte-level BPE tokenizer from GGUF `tokenizer.ggml.*` metadata (docs/formats.md §2.2), read by
    /// the caller: `model` must be "gpt2"; `tokens` are byte-level spellings, `merges` "a b"
    /// strings in rank order; token types 3 (control) become special added tokens and 4
    /// (user-defined) plain added tokens, both matched whole in text as llama.cpp does.
    /// `pre` (`tokenizer.ggml.pre`) picks the pre-tokenizer llama.cpp (`llama-vocab.cpp`) uses —
    /// see `ggufPreTokenizer` — and, for the Llama 3 family, `ignore_merges` and BOS by default.
    /// `addBos`/`addEos` (`tokenizer.ggml.add_bos_token`/`add_eos_token`) frame `encode(…, addSpecialTokens: true)`.
    public static func fromGGUF(model: String, tokens: [String], merges: [String], tokenTypes: [Int], pre: String?,
                                bosTokenId: Int?, eosTokenId: Int?, unknownTokenId: Int? = nil, paddingTokenId: Int? = nil,
                                addBos: Bool?, addEos: Bool? = nil, chatTemplate: String? = nil,
                                source: String) throws -> PreTrainedTokenizer {
        let src = "GGUF \(source)"
        guard model == "gpt2" else {
            throw TokenizerError.unsupported(source: src, field: "tokenizer.ggml.model", what: "'\(model)' (supported: gpt2, byte-level BPE)")
        }
        guard !tokens.isEmpty else { throw TokenizerError.invalid(source: src, field: "tokenizer.ggml.tokens", reason: "empty") }
        guard tokenTypes.isEmpty || tokenTypes.count == tokens.count else {
            throw TokenizerError.invalid(source: src, field: "tokenizer.ggml.token_type",
                                         reason: "\(tokenTypes.count) entries for \(tokens.count) tokens")
        }
        for (key, id) in [("bos", bosTokenId), ("eos", eosTokenId), ("unknown", unknownTokenId), ("padding", paddingTokenId)] {
            if let id, !(0..<tokens.count).contains(id) {
                throw TokenizerError.invalid(source: src, field: "tokenizer.ggml.\(key)_token_id", reason: "\(id) is outside the vocabulary of \(tokens.count)")
            }
        }
        let preName = pre ?? "default"
        guard let family = ggufPreTokenizer(preName) else {
            throw TokenizerError.unsupported(source: src, field: "tokenizer.ggml.pre", what: "'\(preName)'")
        }
        var pairs: [(String, String)] = []
        pairs.reserveCapacity(merges.count)
        for (i, line) in merges.enumerated() {
            guard let pair = MergeList.split(line) else {
                throw TokenizerError.invalid(source: src, field: "tokenizer.ggml.merges[\(i)]", reason: "'\(line)' is not two tokens separated by a space")
            }
            pairs.append(pair)
        }
        var vocab: [String: Int] = [:]
        vocab.reserveCapacity(tokens.count)
        for (id, token) in tokens.enumerated() { vocab[token] = id }

        var added: [AddedToken] = []
        for (id, type) in tokenTypes.enumerated() where type == 3 || type == 4 {
            added.append(AddedToken(id: id, content: tokens[id], special: type == 3, normalized: false))
        }
        let withBos = addBos ?? family.addBos
        var template: [TemplateProcessing.Piece] = []
        if withBos, let bos = bosTokenId { template.append(.special([bos])) }
        template.append(.sequence)
        if addEos ?? false, let eos = eosTokenId { template.append(.special([eos])) }

        let json = TokenizerJSON(
            addedTokens: added, normalizer: nil, preTokenizer: family.preTokenizer,
            model: .bpe(BPEModel.Configuration(vocab: vocab, merges: pairs, ignoreMerges: family.ignoreMerges)),
            postProcessor: template.count > 1 ? .template(TemplateProcessing(pieces: template)) : nil, decoder: .byteLevel)
        let config = TokenizerConfig(bosToken: bosTokenId.map { tokens[$0] }, eosToken: eosTokenId.map { tokens[$0] },
                                     padToken: paddingTokenId.map { tokens[$0] }, unkToken: unknownTokenId.map { tokens[$0] },
                                     addBosToken: withBos, addEosToken: addEos ?? false, chatTemplate: chatTemplate)
        do {
            return try PreTrainedTokenizer(json: json, config: config, source: src, bosTokenId: bosTokenId,
                                           eosTokenId: eosTokenId, padTokenId: paddingTokenId)
        } catch {
            throw TokenizerError.from(error, source: src)
        }
    }

    /// The pre-tokenizer of a `tokenizer.ggml.pre` value, following llama.cpp's table
    /// (`llama_vocab::impl::load`, `llm_tokenizer_bpe`) with HF's spelling of each regex.
    /// llama.cpp's "default" set is a legacy four-regex cascade; like transformers we use GPT-2's.
    static func ggufPreTokenizer(_ name: String) -> (preTokenizer: PreTokenizerConfig, ignoreMerges: Bool, addBos: Bool)? {
        let byteLevel = PreTokenizerConfig.byteLevel(addPrefixSpace: false, useRegex: true)
        func split(_ pattern: String) -> PreTokenizerConfig {
            .sequence([.split(pattern: .regex(pattern), behavior: .isolated, invert: false),
                       .byteLevel(addPrefixSpace: false, useRegex: false)])
        }
        switch name {
        case "default", "gpt-2", "gpt2", "phi-2", "jina-es", "jina-de", "gigachat", "jina-v1-en", "jina-v2-es", "jina-v2-de",
             "jina-v2-code", "roberta-bpe", "mpt", "olmo", "jais", "trillion", "granite-docling":
            return (byteLevel, false, false)
        case "smollm", "starcoder", "refact", "command-r", "codeshell", "exaone", "minerva-7b":
            return (.sequence([.digits(individual: true), byteLevel]), false, false)
        case "llama3", "llama-v3", "llama-bpe", "falcon3":
            return (split(PreTokenizerPatterns.llama3), true, true)
        case "dbrx", "smaug-bpe", "chatglm-bpe", "falcon-h1", "pixtral", "midm-2.0", "lfm2":
            return (split(PreTokenizerPatterns.llama3), false, false)
        case "qwen2", "deepseek-r1-qwen", "megrez", "stablelm2", "kormo", "hunyuan":
            return (split(PreTokenizerPatterns.qwen2), false, false)
        case "tekken":
            return (split(PreTokenizerPatterns.tekken), true, true)
        case "gpt-4o", "llama4", "minimax-m2", "kanana2":
            return (split(PreTokenizerPatterns.gpt4o), false, false)
        default:
            return nil
        }
    }
}
