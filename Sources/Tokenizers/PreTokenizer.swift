import Foundation

/// Splits text into words before BPE. The regexes are the ones HF `tokenizers` and llama.cpp
/// use for each model family (llama.cpp `llama-vocab.cpp`, `tokenizer.ggml.pre`).
public struct PreTokenizer: Sendable {
    public enum Kind: String, Sendable, CaseIterable {
        /// GPT-2 byte-level regex.
        case gpt2
        /// SmolLM: every digit its own word, then the GPT-2 regex.
        case smollm
        /// Llama 3: case-insensitive contractions, numbers in groups of up to three.
        case llama3
        /// Qwen2: like Llama 3 with single digits.
        case qwen2
    }

    public let kind: Kind
    private let regex: NSRegularExpression
    private let digitsIndividually: Bool

    static let gpt2Pattern = #"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"#
    static let llama3Pattern = #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
    static let qwen2Pattern = #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#

    public init(_ kind: Kind) {
        self.kind = kind
        let pattern: String
        switch kind {
        case .gpt2, .smollm: pattern = Self.gpt2Pattern
        case .llama3: pattern = Self.llama3Pattern
        case .qwen2: pattern = Self.qwen2Pattern
        }
        // The patterns are constants checked by the tests; failure here is a programming error.
        regex = try! NSRegularExpression(pattern: pattern)
        digitsIndividually = kind == .smollm
    }

    /// The pre-tokenizer llama.cpp associates with a `tokenizer.ggml.pre` value.
    public init?(ggufName: String) {
        switch ggufName {
        case "gpt-2", "gpt2", "default", "starcoder", "refact", "olmo", "jais": self.init(.gpt2)
        case "smollm", "smaug-bpe": self.init(.smollm)
        case "llama3", "llama-bpe", "llama-v3": self.init(.llama3)
        case "qwen2", "deepseek-r1-qwen": self.init(.qwen2)
        default: return nil
        }
    }

    /// The words of `text`, in order; concatenated they give back `text`.
    public func split(_ text: String) -> [Substring] {
        var pieces: [Substring] = []
        for chunk in digitsIndividually ? splitDigits(text) : [text[...]] {
            let ns = String(chunk) as NSString
            let range = NSRange(location: 0, length: ns.length)
            var covered = 0
            for match in regex.matches(in: String(chunk), range: range) {
                if match.range.location > covered {   // never drop text the regex skipped
                    pieces.append(Substring(ns.substring(with: NSRange(location: covered, length: match.range.location - covered))))
                }
                pieces.append(Substring(ns.substring(with: match.range)))
                covered = match.range.location + match.range.length
            }
            if covered < ns.length { pieces.append(Substring(ns.substring(from: covered))) }
        }
        return pieces
    }

    /// HF `Digits(individual_digits=True)`: each decimal digit becomes its own piece.
    private func splitDigits(_ text: String) -> [Substring] {
        var out: [Substring] = []
        var start = text.startIndex
        var i = text.startIndex
        while i < text.endIndex {
            let next = text.index(after: i)
            if text[i].isNumber {
                if start < i { out.append(text[start..<i]) }
                out.append(text[i..<next])
                start = next
            }
            i = next
        }
        if start < text.endIndex { out.append(text[start...]) }
        return out
    }
}
