/// HF `Prepend`: puts `prefix` before any non-empty text (SentencePiece-style "▁").
struct PrependNormalizer: Normalizer {
    let prefix: String
    func normalize(_ text: String) -> String { text.isEmpty ? text : prefix + text }
}
