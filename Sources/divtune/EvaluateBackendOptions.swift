import ArgumentParser
import EvaluationRuns
import Foundation
import TorchBackend

/// `evaluate run --backend torch` (docs/scale-out.md §5): sample with transformers in the torch
/// backend's Python instead of the Swift engine; embeddings, metrics and reports stay the same.
struct EvaluateBackendOptions: ParsableArguments {
    @Option(help: "Sampling engine: swift (default, this process) or torch (transformers in python/divtune_torch; HF model folders, GPUs).")
    var backend: TorchBackendOptions.Backend = .swift
    @Option(help: "torch: fp32 (default) or bf16 weights.") var precision: TorchLaunch.Precision?
    @Option(help: "torch: the Python interpreter with the PyTorch stack (default: $DIVTUNE_PYTHON, else python3).") var python: String?

    /// Torch-only flags are refused on the Swift engine, and a server samples on its own weights.
    func validate(server: Bool) throws {
        if backend == .torch, server { throw ValidationError("--backend torch and --openai-base-url exclude each other") }
        guard backend == .swift else { return }
        if precision != nil { throw ValidationError("--precision is an option of --backend torch") }
        if python != nil { throw ValidationError("--python is an option of --backend torch") }
    }

    /// The torch sampler for `options`, nil on the Swift engine.
    func generator(_ options: ModelSampleGenerator.Options, output: String, threads: Int) throws -> TorchSampleGenerator? {
        guard backend == .torch else { return nil }
        return try TorchSampleGenerator(.init(model: options, stack: TorchStack(python: python), precision: precision ?? .fp32,
                                              threads: threads, output: URL(fileURLWithPath: output)))
    }
}
