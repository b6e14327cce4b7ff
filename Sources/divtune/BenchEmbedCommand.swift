import ArgumentParser
import Embeddings
import Foundation
import TensorEngine

extension BenchCommand {
    /// `divtune bench embed`.
    struct Embed: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Sentence-embedding throughput of all-MiniLM-L6-v2 (texts/s; peer: scripts/bench/embed.sh).")
        @Option(name: .customLong("model"), help: ArgumentHelp("Sentence-transformers folder (default: all-MiniLM-L6-v2 in the model cache).", valueName: "DIR"))
        var model: String?
        @Option(help: "Threads for BLAS and the engine's parallel loops.") var threads = 2
        @Option(help: "Number of texts.") var texts = 256
        @Option(help: "Tokens per text (special tokens included).") var tokens = 128
        @Option(help: "Texts per encoder batch.") var batchSize = 32
        @Option(help: "Timed passes over all texts (the median is reported).") var repeats = 3
        @Option(help: ArgumentHelp("Also write the texts as JSON Lines ({\"text\": ...}) for the peer.", valueName: "FILE")) var dumpTexts: String?
        @Flag(help: "Print one JSON object instead of a table.") var json = false
        @Flag(help: "Also print where the time goes, by op.") var profile = false

        func validate() throws {
            guard threads >= 1, texts >= 1, tokens >= 3, batchSize >= 1, repeats >= 1 else {
                throw ValidationError("--threads, --texts, --batch-size and --repeats must be positive, --tokens ≥ 3")
            }
        }

        func run() throws {
            EngineThreads.configure(threads)
            let embedder = try EmbedderOptions.semantic(model).sentenceEmbedder()
            let bench = EmbeddingBenchmark(embedder: embedder, texts: texts, tokens: min(tokens, embedder.maxSequenceLength),
                                           batchSize: batchSize, repeats: repeats)
            let inputs = bench.makeTexts()
            if let dumpTexts {
                let lines = try inputs.map { String(decoding: try JSONSerialization.data(withJSONObject: ["text": $0]), as: UTF8.self) }
                try (lines.joined(separator: "\n") + "\n").write(toFile: dumpTexts, atomically: true, encoding: .utf8)
            }
            let result = try bench.run(inputs)
            if json {
                let payload: [String: Any] = ["system": "divtune", "texts": result.texts, "threads": threads, "batch_size": batchSize,
                                              "seconds": result.seconds, "median_seconds": result.median,
                                              "texts_per_second": result.textsPerSecond]
                print(String(decoding: try JSONSerialization.data(withJSONObject: payload, options: [.sortedKeys]), as: UTF8.self))
            } else {
                print("DivTune sentence embeddings: \(embedder.identifier), \(result.texts) texts × \(bench.tokens) tokens, batch \(batchSize), \(threads) threads")
                print(String(format: "median %.3f s over %d passes → %.1f texts/s", result.median, result.seconds.count, result.textsPerSecond))
            }
            if profile {
                let split = try bench.profile(inputs)
                let total = split.reduce(0) { $0 + $1.1 }
                for (op, seconds) in split.prefix(12) {
                    let name = op.padding(toLength: 28, withPad: " ", startingAt: 0)
                    FileHandle.standardError.write(Data(("  " + name + String(format: " %7.3f s  %5.1f%%\n", seconds, 100 * seconds / total)).utf8))
                }
            }
        }
    }
}
