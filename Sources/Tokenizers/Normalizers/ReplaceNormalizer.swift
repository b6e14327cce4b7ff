/// HF `Replace`: every match of a literal or regex pattern replaced by `content`.
struct ReplaceNormalizer: Normalizer {
    let pattern: CompiledPattern
    let content: String

    func normalize(_ text: String) -> String {
        pattern.segments(of: text).map { $0.isMatch ? content : $0.text }.joined()
    }
}
