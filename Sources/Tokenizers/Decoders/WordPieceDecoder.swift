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

    static func cleanup(_ text: String) -> String {
        var s = text
        for (from, to) in [(" .", "."), (" ?", "?"), (" !", "!"), (" ,", ","), (" ' ", "'"), (" n't", "n't"), (" 'm", "'m"),
                           (" do not", " don't"), (" 's", "'s"), (" 've", "'ve"), (" 're", "'re")] {
            s = s.replacingOccurrences(of: from, with: to)
        }
        return s
    }
}
