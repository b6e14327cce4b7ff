import Foundation

/// Throughput of the diversity metrics on deterministic synthetic text (not a test; the CLI
/// exposes it). Texts are built from a 3000-word pseudo-vocabulary drawn with a Zipf-like law
/// (word k with weight 1/(k+1)) in sentences of 6–24 words with commas and full stops, so the
/// LCS and compression work resembles real stories of the given length.
public enum DiversityBenchmark {
    /// Times each metric over `prompts` prompts × `samples` samples of `words` words and returns
    /// a table of seconds and texts per second (all prompts in parallel across the cores).
    public static func run(prompts: Int = 1000, samples: Int = 4, words: Int = 500) -> String {
        let sets = (0..<max(prompts, 0)).map { p in (0..<max(samples, 0)).map { s in text(words: words, seed: UInt64(p * 7919 + s)) } }
        let texts = Double(max(prompts * samples, 1))
        var rows: [(String, Double)] = []
        func time(_ name: String, _ body: @escaping ([String]) throws -> Void) {
            let start = DispatchTime.now().uptimeNanoseconds
            DispatchQueue.concurrentPerform(iterations: sets.count) { try? body(sets[$0]) }
            rows.append((name, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9))
        }
        time("compression ratio (gzip)") { _ = try CompressionRatio.ratio($0) }
        time("compression ratio (0.2.0, double gzip)") { _ = try CompressionRatio.ratio($0, compat: .diversity02) }
        time("homogenization (ROUGE-L)") { _ = Homogenization.score($0) }
        time("n-gram diversity (n ≤ 4)") { _ = NGramDiversity.score($0) }
        var rng = SplitMix64(state: 42)
        let embeddings = (0..<samples).map { _ in (0..<768).map { _ in Float(rng.next() >> 40) / Float(1 << 24) - 0.5 } }
        time("embedding diversity (768-d)") { _ in _ = try EmbeddingDiversity.meanPairwiseCosineDistance(embeddings) }
        var out = "diversity metrics: \(prompts) prompts × \(samples) samples × \(words) words, \(ProcessInfo.processInfo.activeProcessorCount) cores\n"
        for (name, seconds) in rows {
            out += name.padding(toLength: 42, withPad: " ", startingAt: 0)
                + String(format: "%9.3f s  %12.0f texts/s\n", seconds, texts / max(seconds, 1e-9))
        }
        return out
    }

    /// Deterministic synthetic prose of `words` words.
    static func text(words: Int, seed: UInt64) -> String {
        var rng = SplitMix64(state: seed)
        var out = ""
        var sentenceLeft = 0
        for i in 0..<words {
            if sentenceLeft == 0 { sentenceLeft = 6 + rng.next(below: 19) }
            var word = vocabulary[zipf(&rng)]
            if i == 0 || out.hasSuffix(". ") { word = word.prefix(1).uppercased() + word.dropFirst() }
            sentenceLeft -= 1
            out += word
            if i + 1 < words { out += sentenceLeft == 0 ? ". " : (rng.next(below: 12) == 0 ? ", " : " ") } else { out += "." }
        }
        return out
    }

    private static let vocabulary: [String] = {
        let syllables = ["ka", "lo", "mi", "ne", "ra", "tu", "shi", "ven", "dor", "el", "an", "is", "or", "th", "wy", "qu"]
        var rng = SplitMix64(state: 7)
        return (0..<3000).map { _ in (0..<(1 + rng.next(below: 3))).map { _ in syllables[rng.next(below: syllables.count)] }.joined() }
    }()

    private static let cumulative: [Double] = {
        var c: [Double] = []
        var s = 0.0
        for k in 0..<3000 { s += 1 / Double(k + 1); c.append(s) }
        return c.map { $0 / s }
    }()

    private static func zipf(_ rng: inout SplitMix64) -> Int {
        let u = Double(rng.next() >> 11) / Double(1 << 53)
        var lo = 0, hi = cumulative.count - 1
        while lo < hi { let mid = (lo + hi) / 2; if cumulative[mid] < u { lo = mid + 1 } else { hi = mid } }
        return lo
    }
}
