import Base
import Foundation

/// Throughput of the diversity metrics on deterministic synthetic text (not a test; the CLI
/// exposes it as `divtune bench metrics`, side by side with the Python `diversity` package).
/// Texts are built from a 3000-word pseudo-vocabulary drawn with a Zipf-like law (word k with
/// weight 1/(k+1)) in sentences of 6–24 words with commas and full stops, so the LCS and
/// compression work resembles real stories of the given length.
public enum DiversityBenchmark {
    /// One timed metric: the median over repeats, in seconds, for all prompts.
    public struct Timing: Sendable {
        public var metric: String
        public var seconds: [Double]
        public init(metric: String, seconds: [Double]) { self.metric = metric; self.seconds = seconds }
        public var median: Double { let s = seconds.sorted(); return s.isEmpty ? .nan : (s[(s.count - 1) / 2] + s[s.count / 2]) / 2 }
    }

    /// The benchmark's text sets: `prompts` × `samples` texts of `words` words.
    public static func textSets(prompts: Int, samples: Int, words: Int) -> [[String]] {
        (0..<max(prompts, 0)).map { p in (0..<max(samples, 0)).map { s in text(words: words, seed: UInt64(p * 7919 + s)) } }
    }

    /// Times each metric over every set `repeats` times. `threads` 1 runs the prompts one after
    /// another (like the Python peer); more runs them with `DispatchQueue.concurrentPerform`.
    /// Names match the peer script's keys.
    public static func measure(_ sets: [[String]], repeats: Int = 5, threads: Int = 1,
                               include: Set<String>? = nil) -> [Timing] {
        var rows: [Timing] = []
        func time(_ name: String, _ body: @escaping ([String]) throws -> Void) {
            guard include?.contains(name) ?? true else { return }
            var seconds: [Double] = []
            for _ in 0..<max(repeats, 1) {
                let start = DispatchTime.now().uptimeNanoseconds
                if threads <= 1 {
                    for set in sets { try? body(set) }
                } else {
                    DispatchQueue.concurrentPerform(iterations: sets.count) { try? body(sets[$0]) }
                }
                seconds.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
            }
            rows.append(Timing(metric: name, seconds: seconds))
        }
        time(DiversityMetric.compressionRatio.rawValue) { _ = try CompressionRatio.ratio($0, compat: .diversity02) }
        time(DiversityMetric.homogenizationRougel.rawValue) { _ = Homogenization.score($0, compat: .diversity02) }
        time(DiversityMetric.ngramDiversity.rawValue) { _ = NGramDiversity.score($0, compat: .diversity02) }
        var rng = SeededGenerator(seed: 42)
        let samples = sets.first?.count ?? 0
        let embeddings = (0..<samples).map { _ in (0..<768).map { _ in Float(rng.next() >> 40) / Float(1 << 24) - 0.5 } }
        time("embedding_diversity_768d") { _ in _ = try EmbeddingDiversity.meanPairwiseCosineDistance(embeddings) }
        return rows
    }

    /// Deterministic synthetic prose of `words` words.
    static func text(words: Int, seed: UInt64) -> String {
        var rng = SeededGenerator(seed: seed)
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
        var rng = SeededGenerator(seed: 7)
        return (0..<3000).map { _ in (0..<(1 + rng.next(below: 3))).map { _ in syllables[rng.next(below: syllables.count)] }.joined() }
    }()

    private static let cumulative: [Double] = {
        var c: [Double] = []
        var s = 0.0
        for k in 0..<3000 { s += 1 / Double(k + 1); c.append(s) }
        return c.map { $0 / s }
    }()

    private static func zipf(_ rng: inout SeededGenerator) -> Int {
        let u = Double(rng.next() >> 11) / Double(1 << 53)
        var lo = 0, hi = cumulative.count - 1
        while lo < hi { let mid = (lo + hi) / 2; if cumulative[mid] < u { lo = mid + 1 } else { hi = mid } }
        return lo
    }
}
