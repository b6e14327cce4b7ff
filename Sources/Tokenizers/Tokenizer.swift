/// What the rest of DivTune needs from a tokenizer (the dependency is inverted, as in
/// mlx-swift-lm: models, generation and training see only this protocol).
public protocol Tokenizer: Sendable {
    /// Token ids of `text`. Added/special tokens written in the text (`<|im_start|>`, `[SEP]`) become
    /// their ids; `addSpecialTokens` applies the post-processor's framing (BOS, `[CLS] … [SEP]`).
    func encode(_ text: String, addSpecialTokens: Bool) -> [Int]
    /// Text of `ids` through the tokenizer's decoder; unknown ids are skipped, and so are special
    /// tokens when `skipSpecialTokens`.
    func decode(_ ids: [Int], skipSpecialTokens: Bool) -> String
    func tokenToId(_ token: String) -> Int?
    func idToToken(_ id: Int) -> String?
    /// Whether `id` is an added token marked `special` (dropped by `decode(skipSpecialTokens: true)`).
    func isSpecial(_ id: Int) -> Bool
    /// One past the largest id of the model vocabulary and the added tokens (the embedding rows needed).
    var vocabularySize: Int { get }
    var bosTokenId: Int? { get }
    var eosTokenId: Int? { get }
}
