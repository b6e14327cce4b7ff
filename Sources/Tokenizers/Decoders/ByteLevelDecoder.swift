/// HF `ByteLevel` decoder: the bytes every token spells in the byte-level alphabet (a token with
/// any other character — e.g. an added token — contributes its own UTF-8), decoded as UTF-8 with
/// invalid sequences replaced by U+FFFD (Rust `String::from_utf8_lossy`).
struct ByteLevelDecoder: TokenDecoder {
    func decodeChain(_ tokens: [String]) -> [String] { [String(decoding: Self.bytes(tokens), as: UTF8.self)] }

    static func bytes(_ tokens: [String]) -> [UInt8] {
        var out: [UInt8] = []
        for token in tokens { out.append(contentsOf: ByteLevelAlphabet.decode(token) ?? Array(token.utf8)) }
        return out
    }
}
