import Foundation
import Generation
import Models
import Sampling
import TensorEngine
import WeightFormats

/// `divtune bench runtime`: prefill and decode tokens/s of a GGUF model, DivTune next to llama.cpp
/// and transformers (`scripts/bench/runtime_peers.py`) on the same prompt ids and thread count,
/// in one run; medians of `repeats`.
struct RuntimeBenchmark {
    var model: String
    var threads: Int
    var promptTokens: Int
    var decodeTokens: Int
    var repeats: Int
    var python: String

    /// The report, and the peers that failed (reported after it).
    func run() throws -> (report: String, failures: [PeerFailure]) {
        EngineThreads.configure(threads)
        let lm = try LanguageModel.load(path: model)
        // A long, ordinary English prompt, cut to exactly `promptTokens` ids.
        let text = String(repeating: "The old lighthouse keeper climbed the spiral stairs each night, counting the steps and the ships. ", count: 64)
        let prompt = Array(lm.tokenizer.encode(text, addSpecialTokens: false).prefix(promptTokens))
        var prefill: [Double] = [], decode: [Double] = [], decodeInt8: [Double] = []
        let savedSetting = Int8Activations.isEnabled
        defer { Int8Activations.isEnabled = savedSetting }
        // Untimed: the first product of each matrix builds its row-group layout.
        _ = try Tensor.withNoGrad { try lm.model([Array(prompt.prefix(8))], cache: lm.model.makeCache(capacity: 9), logits: .last) }
        for _ in 0..<repeats {
            // The decode rows below switch int8 activations on; prefill runs with the setting the run started with.
            Int8Activations.isEnabled = savedSetting
            try Tensor.withNoGrad {
                // Decode twice from the same prefill: Float32 activations (the default), then int8.
                let cache = lm.model.makeCache(capacity: prompt.count + decodeTokens + 1)
                let t0 = Date()
                let first = try lm.model([prompt], cache: cache, logits: .last).scalars
                prefill.append(Double(prompt.count) / Date().timeIntervalSince(t0))
                for int8 in Int8Activations.level > 0 ? [false, true] : [false] {
                    Int8Activations.isEnabled = int8
                    let stepCache = cache.copy()
                    var logits = first
                    let t1 = Date()
                    for _ in 0..<decodeTokens {
                        let token = logits.indices.max { logits[$0] < logits[$1] }!
                        logits = try lm.model([[token]], cache: stepCache, logits: .last).scalars
                    }
                    let rate = Double(decodeTokens) / Date().timeIntervalSince(t1)
                    if int8 { decodeInt8.append(rate) } else { decode.append(rate) }
                }
            }
        }
        var peers: [String: Any] = [:], failures: [PeerFailure] = []
        if !python.isEmpty {
            do { peers = try peerTimings(prompt: prompt) } catch let failure as PeerFailure { failures.append(failure) }
        }
        var lines = ["Runtime benchmark: \(URL(fileURLWithPath: model).lastPathComponent), \(threads) threads, prompt \(prompt.count) tokens, decode \(decodeTokens) tokens (greedy), median of \(repeats)", "",
                     "| runtime | prefill tok/s | decode tok/s |", "|---|---:|---:|",
                     "| DivTune | \(Self.fmt(Self.median(prefill))) | \(Self.fmt(Self.median(decode))) |"]
        if !decodeInt8.isEmpty { lines.append("| DivTune, int8 activations (DIVTUNE_INT8_DECODE=1) | | \(Self.fmt(Self.median(decodeInt8))) |") }
        var ratios: [String] = []
        for name in ["llama.cpp", "transformers"] {
            guard let entry = peers[name] as? [String: Any], let p = entry["prefill_tps"] as? [Double], let d = entry["decode_tps"] as? [Double] else {
                lines.append("| \(name) | n/a | n/a |")
                if let failure = PeerFailure.raised(name, in: peers, script: "runtime_peers.py") { failures.append(failure) }
                continue
            }
            lines.append("| \(name) | \(Self.fmt(Self.median(p))) | \(Self.fmt(Self.median(d))) |")
            ratios.append("DivTune / \(name): prefill \(Self.fmt(Self.median(prefill) / Self.median(p), 2))×, decode \(Self.fmt(Self.median(decode) / Self.median(d), 2))×"
                          + (decodeInt8.isEmpty ? "" : " (int8 activations \(Self.fmt(Self.median(decodeInt8) / Self.median(d), 2))×)"))
        }
        return ((lines + [""] + ratios).joined(separator: "\n"), failures)
    }

    /// What `scripts/bench/runtime_peers.py` measured: per peer its timings or the error it raised.
    func peerTimings(prompt: [Int]) throws -> [String: Any] {
        let script = PeerProcess.benchScript("runtime_peers.py")
        let name = "llama.cpp and transformers (scripts/bench/runtime_peers.py)"
        return try PeerProcess(name: name, python: python,
                               arguments: [script.path, model, String(threads), String(prompt.count), String(decodeTokens), String(repeats)],
                               environment: ["OMP_NUM_THREADS": String(threads)],
                               input: try JSONSerialization.data(withJSONObject: ["prompt_ids": prompt])).runJSONObject()
    }

    static func median(_ values: [Double]) -> Double {
        let s = values.sorted()
        return s.isEmpty ? .nan : s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }

    static func fmt(_ v: Double, _ digits: Int = 1) -> String { v.isFinite ? String(format: "%.\(digits)f", v) : "n/a" }
}
