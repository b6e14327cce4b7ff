import ArgumentParser
import Foundation
import TensorEngine

/// `divtune demo`: what `make demo` runs. Until the full pipeline lands it demonstrates the
/// engine: a tiny Llama-style block learns to copy its input by gradient descent.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "demo", abstract: "Run the main job on the embedded default model and data.")

    @Option(help: "Training steps of the engine demonstration.") var steps = 200

    func run() throws {
        EngineThreads.configure(ProcessInfo.processInfo.activeProcessorCount)
        var rng = SeededGenerator(seed: 0)
        let (n, d) = (64, 32)
        let x = Tensor.randomNormal([n, d], std: 1, using: &rng)
        let w1 = Tensor.randomNormal([64, d], std: 0.2, using: &rng), w2 = Tensor.randomNormal([d, 64], std: 0.2, using: &rng)
        let norm = Tensor.full(1, shape: [d])
        for w in [w1, w2, norm] { w.requiresGrad = true }
        print("Engine demonstration: an RMSNorm + SiLU MLP block learns to double its input (\(steps) steps, SGD).")
        for step in 0...steps {
            let h = try linear(silu(linear(rmsNorm(x, weight: norm, eps: 1e-5), weight: w1)), weight: w2)
            let loss = try mean(square(sub(add(h, x), mul(x, 2))))
            if step % 50 == 0 { print("step \(step): loss \(String(format: "%.5f", loss.item))") }
            if step == steps { break }
            for w in [w1, w2, norm] { w.zeroGrad() }
            try loss.backward()
            for w in [w1, w2, norm] {
                let g = w.grad!.scalars
                w.withUnsafeMutableBufferPointer { p in for i in p.indices { p[i] -= 0.5 * g[i] } }
            }
        }
    }
}
