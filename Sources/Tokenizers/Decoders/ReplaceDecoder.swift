/// HF `Replace` decoder: in every token, each match of the pattern replaced by `content`
/// (SentencePiece models map "▁" back to " ").
struct ReplaceDecoder: TokenDecoder {
    let pattern: CompiledPattern
    let content: String
    func decodeChain(_ tokens: [String]) -> [String] {
        tokens.map { pattern.segments(of: $0).map { $0.isMatch ? content : $0.text }.joined() }
    }
}
