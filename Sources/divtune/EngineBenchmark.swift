import Foundation
import TensorEngine

/// The engine benchmark: matrix products next to numpy (OpenBLAS) timed in the same run, and one
/// SmolLM2-sized Llama block (hidden 576, 9 heads / 3 KV heads of 64, FFN 1536) at 512 tokens,
/// split into its GEMM share and everything else (attention core, norms, RoPE, elementwise).
struct EngineBenchmark {
    let threads: Int
    let repeats: Int
    let python: String

    static let shapes: [(m: Int, k: Int, n: Int)] = [
        (2048, 2048, 2048), (512, 576, 1536), (512, 1536, 576), (512, 576, 576), (512, 576, 49152),
    ]

    func median(_ body: () throws -> Void) rethrows -> Double {
        try body()   // warm-up
        var times: [Double] = []
        for _ in 0..<repeats {
            let start = DispatchTime.now().uptimeNanoseconds
            try body()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        return times.sorted()[times.count / 2]
    }

    func run() throws -> String {
        var lines = ["DivTune engine benchmark (\(threads) threads, median of \(repeats))", ""]
        let peer = try numpyTimes()
        lines.append("| product (m×k · k×n) | DivTune GFLOP/s | numpy GFLOP/s | ratio |")
        lines.append("|---|---:|---:|---:|")
        for (i, s) in Self.shapes.enumerated() {
            var rng = SeededGenerator(seed: 1)
            let a = Tensor.randomNormal([s.m, s.k], std: 1, using: &rng), b = Tensor.randomNormal([s.k, s.n], std: 1, using: &rng)
            let t = try median { _ = try matmul(a, b) }
            let flops = 2.0 * Double(s.m * s.k * s.n)
            let ours = flops / t / 1e9, theirs = peer.count > i ? flops / peer[i] / 1e9 : .nan
            lines.append("| \(s.m)×\(s.k) · \(s.k)×\(s.n) | \(fmt(ours)) | \(fmt(theirs)) | \(fmt(ours / theirs, 2)) |")
        }
        lines.append("")
        lines.append(contentsOf: try blockTimes())
        return lines.joined(separator: "\n")
    }

    /// Times the same products with numpy in a child process (OPENBLAS_NUM_THREADS = threads).
    func numpyTimes() throws -> [Double] {
        let shapes = Self.shapes.map { "(\($0.m),\($0.k),\($0.n))" }.joined(separator: ",")
        let script = """
        import json, time, numpy as np
        r = np.random.default_rng(1); out = []
        for m, k, n in [\(shapes)]:
            a = r.standard_normal((m, k), dtype=np.float32); b = r.standard_normal((k, n), dtype=np.float32)
            a @ b; ts = []
            for _ in range(\(repeats)):
                t = time.perf_counter(); a @ b; ts.append(time.perf_counter() - t)
            out.append(sorted(ts)[len(ts) // 2])
        print(json.dumps(out))
        """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [python, "-c", script]
        var env = ProcessInfo.processInfo.environment
        env["OPENBLAS_NUM_THREADS"] = String(threads)
        env["OMP_NUM_THREADS"] = String(threads)
        process.environment = env
        let pipe = Pipe()
        process.standardOutput = pipe
        do { try process.run() } catch { return [] }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (try? JSONDecoder().decode([Double].self, from: data)) ?? []
    }

    func blockTimes() throws -> [String] {
        let (t, h, heads, kvHeads, d, ffn) = (512, 576, 9, 3, 64, 1536)
        var rng = SeededGenerator(seed: 2)
        func weight(_ out: Int, _ inF: Int) -> Tensor {
            let w = Tensor.randomNormal([out, inF], std: 0.02, using: &rng)
            w.requiresGrad = true
            return w
        }
        let (wq, wk, wv, wo) = (weight(heads * d, h), weight(kvHeads * d, h), weight(kvHeads * d, h), weight(h, heads * d))
        let (wg, wu, wd) = (weight(ffn, h), weight(ffn, h), weight(h, ffn))
        let n1 = Tensor.full(1, shape: [h]), n2 = Tensor.full(1, shape: [h])
        let rope = try RotaryEmbedding(headDim: d, theta: 100_000)
        let x = Tensor.randomNormal([1, t, h], std: 1, using: &rng)
        x.requiresGrad = true
        let positions = Array(0..<t)

        func block() throws -> Tensor {
            let a = try rmsNorm(x, weight: n1, eps: 1e-5)
            let q = try rope.apply(permute(reshape(linear(a, weight: wq), [1, t, heads, d]), [0, 2, 1, 3]), positions: positions)
            let k = try rope.apply(permute(reshape(linear(a, weight: wk), [1, t, kvHeads, d]), [0, 2, 1, 3]), positions: positions)
            let v = try permute(reshape(linear(a, weight: wv), [1, t, kvHeads, d]), [0, 2, 1, 3])
            let o = try scaledDotProductAttention(query: q, key: k, value: v, causal: true)
            let h1 = try add(x, linear(reshape(permute(o, [0, 2, 1, 3]), [1, t, heads * d]), weight: wo))
            let m = try rmsNorm(h1, weight: n2, eps: 1e-5)
            return try add(h1, linear(mul(silu(linear(m, weight: wg)), linear(m, weight: wu)), weight: wd))
        }
        func gemmsOnly() throws -> Tensor {
            let a = x
            _ = try linear(a, weight: wq); _ = try linear(a, weight: wk); _ = try linear(a, weight: wv)
            _ = try linear(a, weight: wo); _ = try linear(a, weight: wg); _ = try linear(a, weight: wu)
            let gate = try linear(a, weight: wg)
            return try linear(gate, weight: wd)
        }
        let forward = try median { _ = try Tensor.withNoGrad { try block() } }
        let gemmForward = try median { _ = try Tensor.withNoGrad { try gemmsOnly() } }
        let training = try median {
            for w in [wq, wk, wv, wo, wg, wu, wd, x] { w.zeroGrad() }
            try sum(block()).backward()
        }
        let gemmTraining = try median {
            for w in [wq, wk, wv, wo, wg, wu, wd, x] { w.zeroGrad() }
            try sum(gemmsOnly()).backward()
        }
        func share(_ total: Double, _ gemm: Double) -> String { fmt(100 * max(0, total - gemm) / total, 0) + "%" }
        return [
            "Llama block (hidden 576, 9/3 heads × 64, FFN 1536), 512 tokens:",
            "",
            "| pass | time | GEMM-only time | attention + norms + elementwise share |",
            "|---|---:|---:|---:|",
            "| forward | \(fmt(forward * 1000, 1)) ms | \(fmt(gemmForward * 1000, 1)) ms | \(share(forward, gemmForward)) |",
            "| forward + backward | \(fmt(training * 1000, 1)) ms | \(fmt(gemmTraining * 1000, 1)) ms | \(share(training, gemmTraining)) |",
        ]
    }

    func fmt(_ v: Double, _ digits: Int = 1) -> String { v.isFinite ? String(format: "%.\(digits)f", v) : "n/a" }
}
