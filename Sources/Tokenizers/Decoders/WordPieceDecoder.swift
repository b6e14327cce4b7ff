import Foundation

/// HF `WordPiece` decoder: tokens after the first lose their `prefix` ("##") or gain a leading
/// space; with `cleanup`, spaces before punctuation and English contractions are removed
/// (`decoders/wordpiece.rs` `cleanup`).
struct WordPieceDecoder: TokenDecoder {
    let prefix: String
    let cleanup: Bool

    func decodeChain(_ tokens: [String]) -> [String] {
        tokens.enumerated().map { i, token in
            var t = token
            if i != 0 {
                if !prefix.isEmpty, t.hasBytePrefix(prefix) { t = t.droppingBytePrefix(prefix) } else { t = " " + t }
            }
            return cleanup ? Self.cleanup(t) : t
        }
    }

    /// HF's replacements, applied one after another to the UTF-8 bytes as Rust's `str::replace`
    /// does. Byte-level passes, not Foundation's `replacingOccurrences` (which cost ~1 ms per token
    /// under the streaming detokenizer's re-decoding: a 40-token line took a second, docs/fuzzing.md §4).
    static func cleanup(_ text: String) -> String {
        var text = text
        let cleaned: String? = text.withUTF8 { utf8 in
            guard mayMatch(utf8) else { return nil }
            var bytes = Array(utf8)
            for (from, to) in replacements { replace(from, with: to, in: &bytes) }
            return String(decoding: bytes, as: UTF8.self)
        }
        return cleaned ?? text
    }

    /// Whether a space is followed by the second byte of some pattern (most tokens: no).
    private static func mayMatch(_ utf8: UnsafeBufferPointer<UInt8>) -> Bool {
        guard utf8.count > 1 else { return false }
        for i in 0 ..< utf8.count - 1 where utf8[i] == 0x20 {
            switch utf8[i + 1] {
            case UInt8(ascii: "."), UInt8(ascii: "?"), UInt8(ascii: "!"), UInt8(ascii: ","), UInt8(ascii: "'"),
                 UInt8(ascii: "n"), UInt8(ascii: "d"): return true
            default: continue
            }
        }
        return false
    }

    private static let replacements: [([UInt8], [UInt8])] = [
        (" .", "."), (" ?", "?"), (" !", "!"), (" ,", ","), (" ' ", "'"), (" n't", "n't"), (" 'm", "'m"),
        (" do not", " don't"), (" 's", "'s"), (" 've", "'ve"), (" 're", "'re"),
    ].map { (Array($0.utf8), Array($1.utf8)) }

    /// Replaces every non-overlapping occurrence of `pattern`, left to right.
    private static func replace(_ pattern: [UInt8], with replacement: [UInt8], in bytes: inout [UInt8]) {
        let n = bytes.count, m = pattern.count
        let first: Int? = bytes.withUnsafeBufferPointer { b in
            pattern.withUnsafeBufferPointer { p in
                guard n >= m else { return nil }
                for i in 0 ... n - m where b[i] == p[0] && memcmp(b.baseAddress! + i, p.baseAddress!, m) == 0 { return i }
                return nil
            }
        }
        guard var i = first else { return }
        var out = Array(bytes[..<i])
        out.reserveCapacity(n)
        while i < n {
            if n - i >= m, bytes[i] == pattern[0], bytes[i ..< i + m].elementsEqual(pattern) {
                out += replacement
                i += m
            } else {
                out.append(bytes[i])
                i += 1
            }
        }
        bytes = out
    }
}
