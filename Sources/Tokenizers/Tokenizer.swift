/// What the rest of DivTune needs from a tokenizer (the dependency is inverted, as in
/// mlx-swift-lm: models and training see only this protocol).
public protocol Tokenizer: Sendable {
    /// Token ids of `text`. Special tokens written in the text (`<|im_start|>`) become their ids;
    /// `addSpecialTokens` adds the model's BOS/CLS/SEP framing where it has one.
    func encode(_ text: String, addSpecialTokens: Bool) -> [Int]
    func decode(_ ids: [Int], skipSpecialTokens: Bool) -> String
    /// The raw bytes a token stands for (for streaming detokenization); special tokens give their text.
    func bytes(of id: Int) -> [UInt8]
    func tokenToId(_ token: String) -> Int?
    func idToToken(_ id: Int) -> String?
    func isSpecial(_ id: Int) -> Bool
    var vocabularySize: Int { get }
    var bosTokenId: Int? { get }
    var eosTokenId: Int? { get }
}
