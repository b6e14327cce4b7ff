import Foundation

/// Homogenization score: how similar a prompt's samples are to each other by ROUGE-L F
/// (Padmakumar & He 2023; the `diversity` package's `homogenization_score(data, 'rougel')`).
///
/// - Intended (``DiversityCompat/intended``): the mean of `F(d_i, d_j)` over all ordered pairs of
///   distinct samples `i ≠ j`, where identical texts score 1 (so n identical samples → 1, texts
///   with no common token → 0). Needs n ≥ 2.
/// - ``DiversityCompat/diversity02``: `diversity` 0.2.0 as vendored by Chung et al. (docs/methods.md §10.4),
///   reproduced step for step: ordered pairs are walked in row order, a row's sum is added (÷(n−1))
///   only when the next row starts — so the **last document's term is dropped** — rows are grouped
///   by string equality with the current row's text, identical strings score 1, and if the
///   accumulated sum is exactly 0 the last row's raw sum is added instead (n identical samples →
///   n − 1); the result is `sum / n` rounded to 3 decimals like Python's `round`.
///   (The package returns 0.0 for a single sample; here n < 2 gives nil in both modes.)
public enum Homogenization {
    public static func score(_ samples: [String], compat: DiversityCompat = .intended) -> Double? {
        let n = samples.count
        guard n >= 2 else { return nil }
        let f = pairScores(samples)
        switch compat {
        case .intended:
            var sum = 0.0
            for i in 0..<n { for j in 0..<n where j != i { sum += f[i * n + j] } }
            return sum / Double(n * (n - 1))
        case .diversity02:
            var current = samples[0]
            var corpus = 0.0, doc = 0.0
            for i in 0..<n {
                for j in 0..<n where j != i {
                    if samples[i] == current {
                        doc += f[i * n + j]
                    } else {
                        corpus += doc / Double(n - 1)
                        current = samples[i]
                        doc = f[i * n + j]
                    }
                }
            }
            if corpus == 0 { corpus += doc }
            return PythonRound.round(corpus / Double(n), digits: 3)
        }
    }

    /// Row-major n×n matrix of F(target = d_i, prediction = d_j); identical strings → 1.
    /// Each unordered pair is scored once (F is symmetric, bit for bit).
    static func pairScores(_ samples: [String]) -> [Double] {
        let n = samples.count
        var ids: [String: Int32] = [:]
        let tokens = samples.map { RougeL.intern(RougeL.tokenize($0), &ids) }
        var f = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in (i + 1)..<n {
                let v = samples[i] == samples[j] ? 1 : RougeL.fMeasure(targetTokens: tokens[i], predictionTokens: tokens[j])
                f[i * n + j] = v
                f[j * n + i] = v
            }
        }
        return f
    }
}

/// Python's `round(x, digits)`: the binary value rounded correctly to the nearest decimal with
/// ties to even — exactly what `%.Nf` formatting does (glibc printf is exact).
enum PythonRound {
    static func round(_ x: Double, digits: Int) -> Double {
        guard x.isFinite else { return x }
        return Double(String(format: "%.\(digits)f", x)) ?? x
    }
}
