import ArgumentParser
import Foundation
import Models
import TensorEngine
import Training

/// `divtune bench train`: seconds per optimizer step (loss, backward, clipping, AdamW) for SFT
/// (512 tokens), DPO (64-token prompt + two 448-token responses, reference forward included) and
/// ORPO on the same pair, with LoRA r=16 on all linear projections — side by side with TRL on
/// PyTorch CPU (scripts/bench/train_peer.py) in the same run. Medians and ratios. `sft-batch`:
/// an SFT micro-batch of 8 examples of 64…512 tokens, padded and padding-free (docs/methods.md
/// §6.4), in real tokens per second, against TRL padded and with `padding_free=True`.
struct BenchTrain: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "train", abstract: "Training step time against TRL (PyTorch CPU, fp32).")
    @Option(help: "Model (.gguf or HF folder).") var model = ".cache/models/SmolLM2-135M-Instruct-Q4_1/SmolLM2-135M-Instruct.Q4_1.gguf"
    @Option(help: "Threads for both sides.") var threads = 2
    @Option(help: "Timed steps per objective (after one warm-up step).") var repeats = 3
    @Option(help: "Python with torch/transformers/peft/trl for the peer; empty to skip it.") var python = "python3"
    @Option(help: "Objectives to run, comma-separated (sft, dpo, orpo, sft-batch).") var only = "sft,dpo,orpo,sft-batch"
    @Flag(help: "Also profile one more step per objective and list the engine ops it spent its time in.") var profile = false

    /// The `sft-batch` micro-batch: 8 examples of 64, 128, …, 512 tokens (2304 real tokens, 4096
    /// padded), ids seeded 11…18 — the peer builds the same.
    static let batchLengths = (1...8).map { 64 * $0 }
    static var batchExamples: [TrainingExample] {
        batchLengths.enumerated().map { i, n in TrainingExample(prompt: [], chosen: ids(n, seed: 11 + UInt64(i)), index: i) }
    }

    /// The peer's id rule (an LCG): the same pseudo-random ids on both sides.
    static func ids(_ n: Int, seed: UInt64) -> [Int] {
        var s = seed
        return (0..<n).map { _ in
            s = s &* 6364136223846793005 &+ 1442695040888963407
            return 100 + Int((s >> 33) % 39900)
        }
    }

    func run() throws {
        EngineThreads.configure(threads)
        let lm = try LanguageModel.load(path: model)
        let adapter = try LoRAAdapter(configuration: LoRAConfiguration(rank: 16, alpha: 32, dropout: 0), model: lm.model, seed: 0)
        try lm.model.attach(adapter)
        adapter.isTraining = true
        let optimizer = AdamW(parameters: adapter.parameters)
        let prompt = Self.ids(64, seed: 1), chosen = Self.ids(448, seed: 2), rejected = Self.ids(448, seed: 3)
        let pair = TrainingExample(prompt: prompt, chosen: chosen, rejected: rejected, index: 0)
        let sftExample = TrainingExample(prompt: [], chosen: prompt + chosen, index: 0)

        func step(_ objective: any TrainingObjective, _ batch: [TrainingExample]) throws -> Double {
            let start = DispatchTime.now().uptimeNanoseconds
            try objective.loss(model: lm.model, batch: batch).loss.backward()
            clipGradientNorm(adapter.parameters, maxNorm: 1)
            optimizer.update(learningRate: 1e-5)
            optimizer.zeroGrad()
            return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        }
        var ours: [String: [Double]] = [:], ourPeaks: [String: Double] = [:]
        var profiles: [String: [String: Double]] = [:]
        let wanted = Set(only.split(separator: ",").map(String.init))
        var cases = ["sft", "dpo", "orpo"].filter(wanted.contains)
        if wanted.contains("sft-batch") { cases += ["sft-batch", "sft-batch-padding-free"] }
        for name in cases {
            // A fresh DPO objective per step, so the reference forward is timed every time.
            let make: () -> (any TrainingObjective, [TrainingExample]) = {
                switch name {
                case "sft": return (SFTObjective(trainOnPrompt: true), [sftExample])
                case "dpo": return (DPOObjective(beta: 0.1), [pair])
                case "orpo": return (ORPOObjective(beta: 0.1), [pair])
                default: return (SFTObjective(trainOnPrompt: true, paddingFree: name.hasSuffix("padding-free")), Self.batchExamples)
                }
            }
            let (warm, example) = make()
            PeakMemory.reset()
            _ = try step(warm, example)
            ours[name] = try (0..<repeats).map { _ in try step(make().0, example) }
            ourPeaks[name] = PeakMemory.megabytes()
            if profile { profiles[name] = try EngineProfiler.measure { _ = try step(make().0, example) }.seconds }
        }

        var peer: [String: Double] = [:], peerPeaks: [String: Double] = [:]
        var failures: [PeerFailure] = []
        if !python.isEmpty {
            let script = PeerProcess.benchScript("train_peer.py").path
            let name = "TRL (scripts/bench/train_peer.py)"
            do {
                let data = try PeerProcess(name: name, python: python, arguments: [
                    script, "--gguf", model, "--threads", "\(threads)", "--repeats", "\(repeats)", "--only", only,
                ]).run()
                guard let line = String(decoding: data, as: UTF8.self).split(separator: "\n").last,
                      let json = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                      let results = json["results"] as? [String: [String: Any]] else {
                    throw PeerFailure(peer: name, reason: "printed no result", stderrTail: PeerFailure.tail(of: data))
                }
                for (k, v) in results {
                    peer[k] = v["median_s"] as? Double
                    peerPeaks[k] = v["peak_rss_mb"] as? Double
                }
            } catch let failure as PeerFailure {
                failures.append(failure)
            }
        }
        func median(_ xs: [Double]) -> Double { let s = xs.sorted(); return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2 }
        print("train step, SmolLM2-135M fp32, LoRA r=16 all linear, \(threads) threads, median of \(repeats)")
        print("objective  tokens  divtune_s  trl_s   ratio   peak_MB divtune / trl (process, incl. the model)")
        for name in ["sft", "dpo", "orpo"] {
            guard let xs = ours[name] else { continue }
            let m = median(xs)
            let tokens = name == "sft" ? 512 : 1024
            let p = peer[name]
            let peerText = p.map { String(format: "%6.3f", $0) } ?? "   n/a"
            let ratioText = p.map { String(format: "%5.2fx", m / $0) } ?? "  n/a"
            let peaks = [ourPeaks[name], peerPeaks[name]].map { $0.map { String(format: "%.0f", $0) } ?? "n/a" }
            print(name.padding(toLength: 9, withPad: " ", startingAt: 0) + String(format: "  %6d  %9.3f  ", tokens, m) + peerText + "  " + ratioText
                  + "   " + peaks.joined(separator: " / "))
        }
        if ours["sft-batch"] != nil {
            let tokens = Double(Self.batchLengths.reduce(0, +))
            print("\nSFT micro-batch of \(Self.batchLengths.count) examples of \(Self.batchLengths.first!)…\(Self.batchLengths.last!) tokens"
                  + " (\(Int(tokens)) real tokens, \(Self.batchLengths.count * Self.batchLengths.last!) padded), median of \(repeats)")
            print("layout         divtune_s  divtune_tok/s  trl_s   trl_tok/s  peak_MB divtune / trl")
            for (label, name) in [("padded", "sft-batch"), ("padding-free", "sft-batch-padding-free")] {
                guard let xs = ours[name] else { continue }
                let m = median(xs), p = peer[name]
                let peerText = p.map { String(format: "%6.3f  %9.1f", $0, tokens / $0) } ?? "   n/a        n/a"
                let peaks = [ourPeaks[name], peerPeaks[name]].map { $0.map { String(format: "%.0f", $0) } ?? "n/a" }
                print(label.padding(toLength: 13, withPad: " ", startingAt: 0) + String(format: "  %9.3f  %13.1f  ", m, tokens / m) + peerText
                      + "   " + peaks.joined(separator: " / "))
            }
            if let padded = ours["sft-batch"].map(median), let free = ours["sft-batch-padding-free"].map(median) {
                let trl = peer["sft-batch"].flatMap { a in peer["sft-batch-padding-free"].map { a / $0 } }
                print(String(format: "padding-free speed-up: DivTune %.2fx", padded / free)
                      + (trl.map { String(format: ", TRL %.2fx", $0) } ?? "")
                      + (peer["sft-batch-padding-free"].map { String(format: "; DivTune padding-free / TRL padding-free tok/s: %.2fx", $0 / free) } ?? ""))
            }
        }
        for name in cases {
            guard let split = profiles[name] else { continue }
            let total = split.values.reduce(0, +)
            print("\n\(name): one profiled step, \(String(format: "%.3f", total)) s in engine ops (the rest: optimizer, data, Swift glue)")
            for op in split.keys.sorted(by: { split[$0]! > split[$1]! }).prefix(20) {
                print("  " + op.padding(toLength: 28, withPad: " ", startingAt: 0)
                      + String(format: "%8.1f ms  %5.1f%%", split[op]! * 1000, 100 * split[op]! / max(total, 1e-12)))
            }
        }
        try PeerFailure.report(failures)
    }
}

/// The process's peak resident set size since the last reset (Linux VmHWM; reset through
/// /proc/self/clear_refs), so that each objective's peak is its own — as the peer script measures.
enum PeakMemory {
    static func reset() {
        try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
    }

    static func megabytes() -> Double? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kb = line.split(separator: " ").dropFirst().first.flatMap({ Double($0) }) else { return nil }
        return kb / 1024
    }
}
