import ArgumentParser
import TensorEngine

/// `divtune bench <what>`: benchmarks that compare DivTune with its peers in one run.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Run a benchmark side by side with its peer (not a test).",
        subcommands: [Engine.self, Runtime.self, Sampling.self, Evaluate.self, Embed.self, BenchTrain.self, BenchMetrics.self, BenchMonitor.self])

    struct Engine: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "GEMM GFLOP/s against numpy/OpenBLAS, and a 576-wide Llama block forward/backward at 512 tokens.")
        @Option(help: "Threads for BLAS and the engine's parallel loops.") var threads = 2
        @Option(help: "Timed repetitions per measurement (the median is reported).") var repeats = 7
        @Option(help: "Python interpreter with numpy, for the peer column.") var python = "python3"

        func run() throws {
            EngineThreads.configure(threads)
            let result = try EngineBenchmark.run(threads: threads, repeats: repeats, python: python)
            print(result.report)
            try PeerFailure.report(result.failures)
        }
    }

    struct Runtime: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Prefill and decode tokens/s of a GGUF model against llama.cpp and transformers.")
        @Option(help: "The .gguf model (default: the cached SmolLM2-135M-Instruct Q4_1).") var model: String?
        @Option(help: "Threads for every runtime.") var threads = 2
        @Option(help: "Prompt length in tokens.") var promptTokens = 512
        @Option(help: "Tokens decoded greedily after the prompt.") var decodeTokens = 128
        @Option(help: "Repetitions (the median is reported).") var repeats = 3
        @Option(help: "Python interpreter with llama-cpp-python and transformers, for the peer columns.") var python = "python3"

        func run() throws {
            let path = try model ?? DefaultModels.smolLM2()
            let result = try RuntimeBenchmark(model: path, threads: threads, promptTokens: promptTokens, decodeTokens: decodeTokens,
                                              repeats: repeats, python: python).run()
            print(result.report)
            try PeerFailure.report(result.failures)
        }
    }

    struct Sampling: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Tokens/s sampling N continuations of one prompt: one at a time, batched, llama.cpp batched, transformers.")
        @Option(help: "The .gguf model (default: the cached SmolLM2-135M-Instruct Q4_1).") var model: String?
        @Option(help: "Threads for every runtime.") var threads = 2
        @Option(help: "Samples of the prompt (decoded together in the batched row).") var samples = 4
        @Option(help: "Tokens per sample (end-of-sequence ignored).") var tokens = 256
        @Option(help: "Repetitions (the median is reported).") var repeats = 3
        @Option(help: "Python interpreter with llama-cpp-python and transformers, for the peer rows (empty: none).") var python = "python3"

        func validate() throws {
            guard samples >= 1, tokens >= 1, repeats >= 1 else { throw ValidationError("--samples, --tokens and --repeats must be ≥ 1") }
        }

        func run() throws {
            let path = try model ?? DefaultModels.smolLM2()
            let result = try SamplingBenchmark(model: path, threads: threads, samples: samples, tokens: tokens, repeats: repeats,
                                               python: python).run()
            print(result.report)
            try PeerFailure.report(result.failures)
        }
    }

    struct Evaluate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Wall time of the demo's evaluation stage: one sample at a time, batched within a prompt, batched across prompts.")
        @Option(help: "The .gguf model (default: the cached SmolLM2-135M-Instruct Q4_1).") var model: String?
        @Option(help: "The semantic embedder folder (default: the cached all-MiniLM-L6-v2).") var embedder: String?
        @Option(help: "Prompts (the demo's).") var prompts = "data/test_prompts.jsonl"
        @Option(help: "Threads for the engine.") var threads = 2
        @Option(help: "Samples decoded together in the batched rows.") var maxBatch = 8
        @Option(help: "Repetitions (the median is reported).") var repeats = 3
        @Option(help: "Measure the conformative stage with this weight (the model as its own base) instead of the base-model stage.")
        var conformativeWeight: Double?

        func validate() throws {
            guard maxBatch >= 1, repeats >= 1, threads >= 1 else { throw ValidationError("--max-batch, --repeats and --threads must be ≥ 1") }
        }

        func run() throws {
            let benchmark = EvaluateRunBenchmark(model: try model ?? DefaultModels.smolLM2(), embedder: try embedder ?? DefaultModels.miniLM(),
                                                 prompts: prompts, threads: threads, maxBatch: maxBatch, repeats: repeats,
                                                 conformativeWeight: conformativeWeight)
            print(try benchmark.run())
        }
    }
}
