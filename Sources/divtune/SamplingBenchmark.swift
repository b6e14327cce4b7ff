import Foundation
import Generation
import Models
import Sampling
import TensorEngine

/// `divtune bench sampling`: throughput of sampling `samples` continuations of `tokens` tokens
/// each from one prompt (top-k 50, temperature 1, end-of-sequence ignored), DivTune one sample at
/// a time (`--max-batch 1`) and all samples decoded together (docs/methods.md §12), next to
/// llama.cpp's batched decoding and transformers' `num_return_sequences`
/// (`scripts/bench/sampling_peers.py`) on the same prompt ids and thread count, in one run;
/// medians of `repeats`. Tokens/s counts generated tokens over wall time, prefill included.
struct SamplingBenchmark {
    var model: String
    var threads: Int
    var samples: Int
    var tokens: Int
    var repeats: Int
    var python: String

    func run() throws -> (report: String, failures: [PeerFailure]) {
        EngineThreads.configure(threads)
        let lm = try LanguageModel.load(path: model)
        let prompt = try PromptRenderer(model: lm).ids(prompt: "Write a story about a lighthouse.", style: .chat)
        let generator = Generator(model: lm)
        let parameters = GenerationParameters(maxTokens: tokens, sampling: SamplingParameters(temperature: 1, topK: 50), ignoreEOS: true)
        var single: [Double] = [], batched: [Double] = []
        for r in 0..<repeats {
            for maxBatch in [1, samples] {
                var p = parameters
                p.seed = UInt64(1000 * r)
                let t0 = Date()
                let out = try generator.generate(promptIds: prompt, count: samples, parameters: p, maxBatch: maxBatch)
                let rate = Double(out.reduce(0) { $0 + $1.ids.count }) / Date().timeIntervalSince(t0)
                if maxBatch == 1 { single.append(rate) } else { batched.append(rate) }
            }
        }
        var peers: [String: Any] = [:], failures: [PeerFailure] = []
        if !python.isEmpty {
            do { peers = try peerTimings(prompt: prompt) } catch let failure as PeerFailure { failures.append(failure) }
        }
        typealias R = RuntimeBenchmark
        var lines = ["Sampling benchmark: \(URL(fileURLWithPath: model).lastPathComponent), \(threads) threads, prompt \(prompt.count) tokens, \(samples) samples × \(tokens) tokens (top-k 50, T 1), median of \(repeats)", "",
                     "| runtime | tokens/s | vs DivTune one at a time |", "|---|---:|---:|",
                     "| DivTune, one sample at a time (--max-batch 1) | \(R.fmt(R.median(single))) | 1.00× |",
                     "| DivTune, \(samples) decoded together (--max-batch \(samples)) | \(R.fmt(R.median(batched))) | \(R.fmt(R.median(batched) / R.median(single), 2))× |"]
        for (name, label) in [("llama.cpp", "llama.cpp batched decoding"), ("transformers", "transformers num_return_sequences")] {
            guard let entry = peers[name] as? [String: Any], let rates = entry["tps"] as? [Double] else {
                lines.append("| \(label) | n/a | |")
                if let failure = PeerFailure.raised(name, in: peers, script: "sampling_peers.py") { failures.append(failure) }
                continue
            }
            lines.append("| \(label) | \(R.fmt(R.median(rates))) | \(R.fmt(R.median(rates) / R.median(single), 2))× |")
        }
        return (lines.joined(separator: "\n"), failures)
    }

    /// What `scripts/bench/sampling_peers.py` measured: per peer its rates or the error it raised.
    func peerTimings(prompt: [Int]) throws -> [String: Any] {
        let script = PeerProcess.benchScript("sampling_peers.py")
        let name = "llama.cpp and transformers (scripts/bench/sampling_peers.py)"
        return try PeerProcess(name: name, python: python,
                               arguments: [script.path, model, String(threads), String(samples), String(tokens), String(repeats)],
                               environment: ["OMP_NUM_THREADS": String(threads)],
                               input: try JSONSerialization.data(withJSONObject: ["prompt_ids": prompt])).runJSONObject()
    }
}
