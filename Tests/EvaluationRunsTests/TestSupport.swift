import Base
import Embeddings
import EvaluationRuns
import Foundation

/// Samples without a model: sample j of a prompt is a sentence naming the prompt and the seed it
/// drew with (so a test sees which seed each sample used), of a length that varies with the seed.
/// Like batched decoding, it hands prompts over in an order of its own: the prompts of one call
/// finish last to first.
final class ScriptedGenerator: SampleGenerator {
    private(set) var calls: [(prompt: String, count: Int, firstSeed: UInt64)] = []
    /// The settings it reports (a test changes them to see a resume refused).
    var settings: [String: String] = ["model": "scripted", "temperature": "1.0"]

    var sampledModel: SampledModel { SampledModel(model: "scripted") }

    func sample(_ prompts: [PromptToSample], count: Int, finished: (Int, [SampledText]) throws -> Void) throws {
        calls += prompts.map { ($0.prompt, count, $0.firstSeed) }
        for (k, prompt) in prompts.enumerated().reversed() {
            try finished(k, (0..<count).map { j in
                let seed = prompt.firstSeed &+ UInt64(j)
                let words = ["river", "lantern", "bread", "storm", "gull", "letter", "window"].prefix(2 + Int(seed % 5))
                let text = "\(prompt.prompt) drawn with seed \(seed): " + words.joined(separator: " ") + "."
                return SampledText(text: text, tokens: 3 + Int(seed % 4), logprobPerToken: -1 - Double(seed % 3) / 2,
                                   finishReason: seed % 2 == 0 ? "stop" : "length")
            })
        }
    }
}

/// A reward: the response's length in characters, so scores are known in advance.
struct LengthScorer: SampleScorer {
    func score(prompt: String, response: String) throws -> Double { Double(response.count) }
}

/// A deterministic embedder: a pseudo-random 8-d vector per text (FNV-1a of the text seeds it).
struct HashEmbedder: TextEmbedder {
    func embed(_ texts: [String]) throws -> [[Float]] {
        texts.map { text in
            var h: UInt64 = 0xcbf2_9ce4_8422_2325
            for b in text.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
            var rng = SeededGenerator(seed: h)
            return (0..<8).map { _ in Float(rng.next() >> 40) / Float(1 << 24) - 0.5 }
        }
    }
}

/// Vectors chosen per text by the test.
struct LookupEmbedder: TextEmbedder {
    var vector: (String) -> [Float]
    func embed(_ texts: [String]) throws -> [[Float]] { texts.map(vector) }
}

func temporaryFolder() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("divtune-runs-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

func errorText(_ body: () throws -> Void) -> String {
    do { try body(); return "no error" } catch { return "\(error)" }
}
