/// HF `ByteFallback` decoder: runs of `<0xXX>` tokens become the text their bytes spell, or one
/// U+FFFD per byte when the run is not valid UTF-8.
struct ByteFallbackDecoder: TokenDecoder {
    func decodeChain(_ tokens: [String]) -> [String] {
        var out: [String] = []
        var bytes: [UInt8] = []
        func flush() {
            guard !bytes.isEmpty else { return }
            let text = String(decoding: bytes, as: UTF8.self)
            if Array(text.utf8) == bytes { out.append(text) } else { out.append(contentsOf: Array(repeating: "\u{FFFD}", count: bytes.count)) }
            bytes.removeAll()
        }
        for token in tokens {
            if let byte = Self.byte(token) { bytes.append(byte) } else { flush(); out.append(token) }
        }
        flush()
        return out
    }

    static func byte(_ token: String) -> UInt8? {
        let u = Array(token.utf8)
        guard u.count == 6, token.hasBytePrefix("<0x"), u[5] == UInt8(ascii: ">") else { return nil }
        return UInt8(String(decoding: u[3..<5], as: UTF8.self), radix: 16)
    }
}
