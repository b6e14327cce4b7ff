import Base

extension Tokenizer {
    /// SHA-256 of every token string in id order (NUL-separated; an id without a token counts as
    /// empty): two tokenizers with the same fingerprint map text to the same ids. A model trained on
    /// one base — a reward model's adapter and head — records it, so that loading it onto a base
    /// with another vocabulary is refused instead of scoring the wrong ids (docs/formats.md §4.6).
    public var vocabularyFingerprint: String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(vocabularySize * 8)
        for id in 0..<vocabularySize {
            bytes += (idToToken(id) ?? "").utf8
            bytes.append(0)
        }
        return SHA256.hex(SHA256.hash(bytes))
    }
}
