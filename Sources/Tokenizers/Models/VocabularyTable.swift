/// The id → token table of a vocabulary read from a file. The largest id sizes the table, so every
/// id is checked first: a negative id, or one far past the vocabulary's size (10^12 would allocate
/// terabytes), is an error naming the token.
enum VocabularyTable {
    /// How many unused ids a vocabulary may skip (HF allows gaps; real files have few or none).
    static let maxIdGap = 1 << 16

    /// Ids a vocabulary (plus `extra` tokens beside it) may use: `0..<count + extra + maxIdGap`.
    static func idRange(count: Int, extra: Int = 0) -> Range<Int> { 0..<(count + extra + maxIdGap) }

    /// `tokens[id]` for every entry of `vocab`; `field` is the JSON path named in errors.
    static func tokens(_ vocab: [String: Int], field: String = "model.vocab") throws -> [String?] {
        let allowed = idRange(count: vocab.count)
        var largest = -1
        for (token, id) in vocab {
            guard allowed.contains(id) else {
                throw TokenizerError.invalid(source: "", field: "\(field)[\"\(token)\"]",
                                             reason: "id \(id) is outside 0..<\(allowed.upperBound) (\(vocab.count) tokens and at most \(maxIdGap) unused ids)")
            }
            largest = max(largest, id)
        }
        var table = [String?](repeating: nil, count: largest + 1)
        for (token, id) in vocab { table[id] = token }
        return table
    }
}
