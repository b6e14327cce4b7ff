import Base
import Embeddings
import Foundation
import TensorEngine

/// `divtune bench embed`: sentence-embedding throughput (texts/s) of all-MiniLM-L6-v2 on
/// texts of about 128 tokens, batch 32. The peer (sentence-transformers on PyTorch CPU with the
/// same texts and threads) is `scripts/bench/embed_peer.py`; `scripts/bench/embed.sh` runs both
/// in one run and prints the ratio.
struct EmbeddingBenchmark {
    var embedder: SentenceEmbedder
    var texts: Int = 256
    var tokens: Int = 128
    var batchSize: Int = 32
    var repeats: Int = 3

    /// Deterministic English-like texts of `tokens` tokens each (special tokens included),
    /// measured with the embedder's own tokenizer so both sides see the same lengths.
    func makeTexts() -> [String] {
        let words = ["the", "river", "carried", "old", "letters", "past", "a", "quiet", "town", "where", "nobody", "remembered",
                     "who", "had", "written", "them", "and", "every", "morning", "baker", "opened", "window", "to", "listen",
                     "for", "boats", "that", "never", "came", "while", "children", "counted", "stones", "along", "bank",
                     "singing", "songs", "about", "storms", "lighthouse", "keeper", "gulls", "dawn", "salt", "bread", "warm"]
        var rng = SeededGenerator(seed: 7)
        return (0..<texts).map { _ in
            var text = ""
            while embedder.tokenize(text).count < tokens {
                let word = words[Int(rng.nextFloat() * Float(words.count)) % words.count]
                text += text.isEmpty ? word.capitalized : (rng.nextFloat() < 0.1 ? ". " + word.capitalized : " " + word)
            }
            return text + "."
        }
    }

    struct Result {
        var texts: Int
        var seconds: [Double]
        var median: Double { seconds.sorted()[seconds.count / 2] }
        var textsPerSecond: Double { Double(texts) / median }
    }

    /// One warm-up pass, then `repeats` timed passes over all texts.
    func run(_ inputs: [String]) throws -> Result {
        _ = try embedder.embed(Array(inputs.prefix(batchSize)), batchSize: batchSize)
        var seconds: [Double] = []
        for _ in 0..<max(1, repeats) {
            let start = DispatchTime.now().uptimeNanoseconds
            _ = try embedder.embed(inputs, batchSize: batchSize)
            seconds.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        return Result(texts: inputs.count, seconds: seconds)
    }

    /// Seconds per op family over one pass (EngineProfiler), largest first.
    func profile(_ inputs: [String]) throws -> [(String, Double)] {
        let split = try EngineProfiler.measure { _ = try embedder.embed(inputs, batchSize: batchSize) }.seconds
        return split.sorted { $0.value > $1.value }
    }
}
