import ArgumentParser
import Evaluation
import Foundation

/// `divtune bench metrics`: diversity-metric throughput on the paper's scale (1000 prompts × 4
/// samples of ~500 words), DivTune single-threaded and on all cores, side by side with the
/// Python `diversity` 0.2.0 package (`scripts/bench/metrics_peer.py`) timing the same texts in
/// the same run. Medians over repeats; ratios compare texts per second, single thread vs single thread.
struct BenchMetrics: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "metrics", abstract: "Diversity-metric throughput against the Python diversity package.")
    @Option(help: "Prompts.") var prompts = 1000
    @Option(help: "Samples per prompt.") var samples = 4
    @Option(help: "Words per sample.") var words = 500
    @Option(help: "Timed repetitions (the median is reported).") var repeats = 3
    @Option(help: "Threads for the parallel column (prompts in parallel).") var threads = ProcessInfo.processInfo.activeProcessorCount
    @Option(help: "Python interpreter with the diversity package, for the peer column (empty = no peer).") var python = "python3"
    @Option(help: "The peer script.") var peerScript = "scripts/bench/metrics_peer.py"
    @Option(help: "Prompts the peer's homogenization is timed on (pure-Python ROUGE-L takes seconds per prompt).")
    var peerHomogenizationPrompts = 20

    /// The metrics the peer times (the three the paper used).
    static let peerMetrics: Set = ["compression_ratio", "homogenization_rougel", "ngram_diversity"]

    func validate() throws {
        guard prompts >= 1, samples >= 2, words >= 4, repeats >= 1, threads >= 1 else {
            throw ValidationError("--prompts, --repeats and --threads must be ≥ 1, --samples ≥ 2, --words ≥ 4")
        }
    }

    func run() throws {
        let sets = DiversityBenchmark.textSets(prompts: prompts, samples: samples, words: words)
        let texts = Double(prompts * samples)
        print("diversity metrics: \(prompts) prompts × \(samples) samples × \(words) words, median of \(repeats), \(ProcessInfo.processInfo.activeProcessorCount) cores")
        let single = DiversityBenchmark.measure(sets, repeats: repeats, threads: 1)
        let parallel = DiversityBenchmark.measure(sets, repeats: repeats, threads: threads)
        var failures: [PeerFailure] = []
        var peer: [String: (median: Double, texts: Int, rate: Double)]?
        if !python.isEmpty {
            do { peer = try runPeer(sets) } catch let failure as PeerFailure { failures.append(failure) }
        }
        let header = "metric".padding(toLength: 26, withPad: " ", startingAt: 0)
            + "  DivTune 1 thread      DivTune \(threads) threads     diversity 0.2.0 (Python)   ratio (1 thread)"
        print(header)
        for (one, many) in zip(single, parallel) {
            var line = one.metric.padding(toLength: 26, withPad: " ", startingAt: 0)
            line += String(format: "  %8.3f s %9.0f/s", one.median, texts / one.median)
            line += String(format: "  %8.3f s %9.0f/s", many.median, texts / many.median)
            if let p = peer?[one.metric] {
                line += String(format: "  %8.3f s %9.1f/s (%d texts)", p.median, p.rate, p.texts)
                line += String(format: "  %8.1f×", (texts / one.median) / p.rate)
            } else {
                line += failures.isEmpty || !Self.peerMetrics.contains(one.metric) ? "  (no peer)" : "  (peer failed, see below)"
            }
            print(line)
        }
        print("ratio = DivTune texts/s on 1 thread ÷ the package's texts/s (one Python process). Metrics in diversity-0.2.0 compat mode.")
        try PeerFailure.report(failures)
    }

    /// Writes the texts for the peer, runs it, and returns per metric its median seconds, the
    /// texts it timed and its texts per second.
    private func runPeer(_ sets: [[String]]) throws -> [String: (median: Double, texts: Int, rate: Double)] {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("divtune-bench-texts-\(UUID().uuidString).json")
        try JSONSerialization.data(withJSONObject: sets).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let name = "diversity 0.2.0 (\(peerScript))"
        let data = try PeerProcess(name: name, python: python, arguments: [
            peerScript, file.path, "--repeats", "\(repeats)", "--homogenization-prompts", "\(peerHomogenizationPrompts)",
        ]).run()
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let seconds = object["seconds"] as? [String: [Double]], let counts = object["texts"] as? [String: Int] else {
            throw PeerFailure(peer: name, reason: "printed no result", stderrTail: PeerFailure.tail(of: data))
        }
        var out: [String: (Double, Int, Double)] = [:]
        for (metric, runs) in seconds {
            let median = DiversityBenchmark.Timing(metric: metric, seconds: runs).median
            let n = counts[metric] ?? 0
            out[metric] = (median, n, Double(n) / median)
        }
        return out
    }
}
