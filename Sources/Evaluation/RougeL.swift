/// ROUGE-L exactly as `rouge_score` 0.1.2 computes it (`rouge_scorer.py:_score_lcs`,
/// `tokenize.py:tokenize`, no stemmer), the building block of the homogenization score.
///
/// Tokenization: `text.lower()`, every run of characters outside `[a-z0-9]` becomes a space, split
/// on whitespace, keep non-empty tokens. Python's `lower()` is Unicode-aware but only two
/// non-ASCII characters lower-case to ASCII letters: U+0130 `İ` → `i̇` (an `i` plus a combining dot,
/// which becomes a separator) and U+212A KELVIN SIGN → `k`; both are mapped here. Every other
/// non-ASCII character separates tokens.
///
/// With LCS the longest common subsequence of the token lists:
/// `P = LCS/|prediction|`, `R = LCS/|target|`, `F = 2PR/(P + R)` (0 when P + R = 0, and all three
/// are 0 when either list is empty). F is symmetric in its arguments.
public enum RougeL {
    /// rouge_score's tokens of `text`.
    public static func tokenize(_ text: String) -> [String] {
        var tokens: [String] = []
        var current: [UInt8] = []
        func flush() {
            if !current.isEmpty { tokens.append(String(decoding: current, as: UTF8.self)); current.removeAll(keepingCapacity: true) }
        }
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x61...0x7A, 0x30...0x39: current.append(UInt8(scalar.value))
            case 0x41...0x5A: current.append(UInt8(scalar.value + 0x20))
            case 0x130: current.append(0x69); flush()          // İ → "i" + U+0307 (a separator)
            case 0x212A: current.append(0x6B)                   // K (Kelvin) → "k"
            default: flush()
            }
        }
        flush()
        return tokens
    }

    /// ROUGE-L F-measure of `prediction` against `target` (rouge_score's `score(target, prediction)`).
    public static func fMeasure(target: String, prediction: String) -> Double {
        var ids: [String: Int32] = [:]
        let t = intern(tokenize(target), &ids), p = intern(tokenize(prediction), &ids)
        return fMeasure(targetTokens: t, predictionTokens: p)
    }

    /// F-measure on interned token ids.
    static func fMeasure(targetTokens t: [Int32], predictionTokens p: [Int32]) -> Double {
        guard !t.isEmpty, !p.isEmpty else { return 0 }
        let lcs = Double(lcsLength(t, p))
        let precision = lcs / Double(p.count), recall = lcs / Double(t.count)
        return precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0
    }

    /// Tokens → dense ids (shared dictionary so equal tokens get equal ids).
    static func intern(_ tokens: [String], _ ids: inout [String: Int32]) -> [Int32] {
        tokens.map { token in
            if let id = ids[token] { return id }
            let id = Int32(ids.count)
            ids[token] = id
            return id
        }
    }

    /// Length of the longest common subsequence: the O(|a|·|b|) dynamic programme with two rows
    /// of Int32 (the shorter sequence along the row).
    static func lcsLength(_ a: [Int32], _ b: [Int32]) -> Int {
        let (long, short) = a.count >= b.count ? (a, b) : (b, a)
        guard !short.isEmpty else { return 0 }
        let m = short.count
        var previous = [Int32](repeating: 0, count: m + 1)
        var current = [Int32](repeating: 0, count: m + 1)
        long.withUnsafeBufferPointer { x in
            short.withUnsafeBufferPointer { y in
                for i in 0..<x.count {
                    let xi = x[i]
                    previous.withUnsafeBufferPointer { prev in
                        current.withUnsafeMutableBufferPointer { cur in
                            var left: Int32 = 0
                            for j in 0..<m {
                                let value = y[j] == xi ? prev[j] &+ 1 : max(prev[j + 1], left)
                                cur[j + 1] = value
                                left = value
                            }
                        }
                    }
                    swap(&previous, &current)
                }
            }
        }
        return Int(previous[m])
    }
}
