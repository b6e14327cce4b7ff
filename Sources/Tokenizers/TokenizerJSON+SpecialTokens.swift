extension TokenizerJSON {
    /// The file with the special tokens `config` names added the way transformers 5 adds them when
    /// it loads a folder (`TokenizersBackend.__init__`): bos, eos, unk and pad, in that order
    /// (its `SPECIAL_TOKENS_ATTRIBUTES`), each one not yet an added token becomes a special added
    /// token, matched whole in raw text. It keeps its vocabulary id when the vocabulary has the
    /// string; otherwise it gets the next free id after the vocabulary and the added tokens (HF
    /// `tokenizers`' `AddedVocabulary.add_tokens`). So a configured eos that the vocabulary lacks is
    /// a token of its own, as in transformers, rather than some other end-of-text token.
    func addingSpecialTokens(of config: TokenizerConfig) -> TokenizerJSON {
        let vocabulary = model.vocabulary
        var out = self
        var known = Set(addedTokens.map(\.content))
        var nextId = max((vocabulary.values.max() ?? -1) + 1, (addedTokens.map(\.id).max() ?? -1) + 1)
        for content in [config.bosToken, config.eosToken, config.unkToken, config.padToken].compactMap({ $0 }) {
            guard !content.isEmpty, known.insert(content).inserted else { continue }
            let id: Int
            if let existing = vocabulary[content] {
                id = existing
            } else {
                id = nextId
                nextId += 1
            }
            out.addedTokens.append(AddedToken(id: id, content: content, special: true, normalized: false))
        }
        return out
    }
}

extension ModelConfig {
    /// The model's vocabulary, token to id.
    var vocabulary: [String: Int] {
        switch self {
        case let .bpe(c): return c.vocab
        case let .wordPiece(c): return c.vocab
        case let .unigram(c):
            var vocabulary: [String: Int] = [:]
            for (id, entry) in c.vocab.enumerated() { vocabulary[entry.token] = id }
            return vocabulary
        }
    }
}
