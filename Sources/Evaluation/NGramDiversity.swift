/// N-gram diversity (the `diversity` package's `ngram_diversity_score(data, num_n=4)`,
/// docs/methods.md §10.5): `words = " ".join(samples).split(" ")` — a single-space split, so empty
/// strings are words, newlines do not separate, and n-grams cross sample boundaries — then
/// `Σ_{n=1..N} |distinct n-grams| / |n-grams|` (a sum, range (0, N], not an average).
///
/// - Intended: a size n with no n-grams (fewer than n words) contributes 0.
/// - ``DiversityCompat/diversity02``: the package divides by zero there, so the result is nil;
///   otherwise the sum rounded to 3 decimals.
public enum NGramDiversity {
    public static func score(_ samples: [String], maxN: Int = 4, compat: DiversityCompat = .intended) -> Double? {
        guard !samples.isEmpty, maxN >= 1 else { return nil }
        var ids: [Substring: Int32] = [:]
        let joined = samples.joined(separator: " ")
        let words: [Int32] = joined.split(separator: " ", omittingEmptySubsequences: false).map { word in
            if let id = ids[word] { return id }
            let id = Int32(ids.count)
            ids[word] = id
            return id
        }
        var sum = 0.0
        for n in 1...maxN {
            let total = words.count - n + 1
            guard total > 0 else {
                if compat == .diversity02 { return nil }
                continue
            }
            sum += Double(distinct(words, n: n)) / Double(total)
        }
        return compat == .diversity02 ? PythonRound.round(sum, digits: 3) : sum
    }

    /// Number of distinct n-grams; n ≤ 4 uses a fixed-size key (no allocation per n-gram).
    static func distinct(_ words: [Int32], n: Int) -> Int {
        let total = words.count - n + 1
        return words.withUnsafeBufferPointer { w in
            if n <= 4 {
                var seen = Set<Key>(minimumCapacity: total)
                for s in 0..<total {
                    seen.insert(Key(a: w[s], b: n > 1 ? w[s + 1] : -1, c: n > 2 ? w[s + 2] : -1, d: n > 3 ? w[s + 3] : -1))
                }
                return seen.count
            }
            var seen = Set<[Int32]>(minimumCapacity: total)
            for s in 0..<total { seen.insert(Array(w[s..<(s + n)])) }
            return seen.count
        }
    }

    struct Key: Hashable { var a, b, c, d: Int32 }
}
