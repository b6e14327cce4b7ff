import Base
import Foundation
import TensorEngine

/// `divtune bench engine`: the engine's speed next to its peer, measured in one run.
///
/// 1. GEMM GFLOP/s for 2048³ and the SmolLM2-135M products (512 tokens × hidden 576, FFN 1536,
///    vocabulary 49152), against the same products through numpy (OpenBLAS) in a child process
///    with the same thread count; medians of `repeats`.
/// 2. One SmolLM2-sized Llama block (hidden 576, 9 query / 3 KV heads of 64, SwiGLU FFN 1536) at
///    512 tokens: forward (no grad) and forward + backward (all weights trainable), with the
///    time split by `EngineProfiler` into GEMM, attention, norms, RoPE and the rest.
enum EngineBenchmark {
    static let products: [(m: Int, k: Int, n: Int)] = [
        (2048, 2048, 2048), (512, 576, 1536), (512, 1536, 576), (512, 576, 576), (512, 576, 49152),
    ]

    /// The report, and the peer's failure (reported after it).
    static func run(threads: Int = EngineThreads.count, repeats: Int = 7, python: String = "python3") throws
        -> (report: String, failures: [PeerFailure]) {
        EngineThreads.configure(threads)
        var lines = ["DivTune engine benchmark: \(threads) threads, median of \(repeats)", ""]
        var peer: [Double] = [], failures: [PeerFailure] = []
        if !python.isEmpty {
            do { peer = try numpySeconds(threads: threads, repeats: repeats, python: python) } catch let failure as PeerFailure {
                failures.append(failure)
            }
        }
        lines += ["| product (m×k · k×n) | DivTune GFLOP/s | numpy GFLOP/s | DivTune / numpy |", "|---|---:|---:|---:|"]
        for (i, s) in products.enumerated() {
            var rng = SeededGenerator(seed: 1)
            let a = Tensor.randomNormal([s.m, s.k], std: 1, using: &rng), b = Tensor.randomNormal([s.k, s.n], std: 1, using: &rng)
            let ours = try medianSeconds(repeats) { _ = try matmul(a, b) }
            let flops = 2.0 * Double(s.m * s.k * s.n)
            let theirs = i < peer.count ? peer[i] : .nan
            lines.append("| \(s.m)×\(s.k) · \(s.k)×\(s.n) | \(format(flops / ours / 1e9)) | \(format(flops / theirs / 1e9)) | \(format(theirs / ours, 2)) |")
        }
        if peer.isEmpty { lines.append("(no numpy column)") }
        lines.append("")
        lines += try blockReport(repeats: repeats)
        return (lines.joined(separator: "\n"), failures)
    }

    /// Median seconds of `body` over `repeats` runs after one warm-up.
    static func medianSeconds(_ repeats: Int, _ body: () throws -> Void) rethrows -> Double {
        try body()
        var times: [Double] = []
        for _ in 0..<max(1, repeats) {
            let start = DispatchTime.now().uptimeNanoseconds
            try body()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        return times.sorted()[times.count / 2]
    }

    /// The same products timed by numpy (`a @ b`, float32) with OPENBLAS_NUM_THREADS = threads.
    static func numpySeconds(threads: Int, repeats: Int, python: String) throws -> [Double] {
        let shapes = products.map { "(\($0.m),\($0.k),\($0.n))" }.joined(separator: ",")
        let script = """
        import json, time, numpy as np
        r = np.random.default_rng(1); out = []
        for m, k, n in [\(shapes)]:
            a = r.standard_normal((m, k), dtype=np.float32); b = r.standard_normal((k, n), dtype=np.float32)
            a @ b; ts = []
            for _ in range(\(max(1, repeats))):
                t = time.perf_counter(); a @ b; ts.append(time.perf_counter() - t)
            out.append(sorted(ts)[len(ts) // 2])
        print(json.dumps(out))
        """
        let name = "numpy (\(python) -c …)"
        let data = try PeerProcess(name: name, python: python, arguments: ["-c", script],
                                   environment: ["OPENBLAS_NUM_THREADS": String(threads), "OMP_NUM_THREADS": String(threads)]).run()
        guard let seconds = try? JSONDecoder().decode([Double].self, from: data) else {
            throw PeerFailure(peer: name, reason: "printed no result", stderrTail: PeerFailure.tail(of: data))
        }
        return seconds
    }

    /// Times the block and splits it by op family.
    static func blockReport(repeats: Int) throws -> [String] {
        let (t, hidden, heads, kvHeads, d, ffn) = (512, 576, 9, 3, 64, 1536)
        var rng = SeededGenerator(seed: 2)
        func weight(_ shape: [Int], std: Float = 0.02) -> Tensor {
            let w = Tensor.randomNormal(shape, std: std, using: &rng)
            w.requiresGrad = true
            return w
        }
        let wq = weight([heads * d, hidden]), wk = weight([kvHeads * d, hidden]), wv = weight([kvHeads * d, hidden])
        let wo = weight([hidden, heads * d]), wg = weight([ffn, hidden]), wu = weight([ffn, hidden]), wd = weight([hidden, ffn])
        let norm1 = Tensor.full(1, shape: [hidden]), norm2 = Tensor.full(1, shape: [hidden])
        norm1.requiresGrad = true
        norm2.requiresGrad = true
        let x = weight([1, t, hidden], std: 1)
        let parameters = [wq, wk, wv, wo, wg, wu, wd, norm1, norm2, x]
        let rope = try RotaryEmbedding(headDim: d, theta: 100_000)
        let positions = Array(0..<t)

        func block() throws -> Tensor {
            func split(_ y: Tensor, _ n: Int) throws -> Tensor { try permute(reshape(y, [1, t, n, d]), [0, 2, 1, 3]) }
            let a = try rmsNorm(x, weight: norm1, eps: 1e-5)
            let q = try rope.apply(split(linear(a, weight: wq), heads), positions: positions)
            let k = try rope.apply(split(linear(a, weight: wk), kvHeads), positions: positions)
            let v = try split(linear(a, weight: wv), kvHeads)
            let o = try scaledDotProductAttention(query: q, key: k, value: v, causal: true)
            let h = try x + linear(reshape(permute(o, [0, 2, 1, 3]), [1, t, heads * d]), weight: wo)
            let m = try rmsNorm(h, weight: norm2, eps: 1e-5)
            return try h + linear(swiGLU(gate: linear(m, weight: wg), up: linear(m, weight: wu)), weight: wd)
        }
        func train() throws {
            for p in parameters { p.zeroGrad() }
            try sum(block()).backward()
        }
        let forward = try medianSeconds(repeats) { _ = try Tensor.withNoGrad { try block() } }
        let training = try medianSeconds(repeats) { try train() }
        // The split sums `repeats` profiled runs, so one disturbed run does not skew it.
        let forwardSplit = try EngineProfiler.measure { for _ in 0..<repeats { _ = try Tensor.withNoGrad { try block() } } }.seconds
        let trainingSplit = try EngineProfiler.measure { for _ in 0..<repeats { try train() } }.seconds

        let families = ["GEMM (linear, matmul)", "attention (fused)", "norms", "RoPE", "elementwise, views, reductions, autograd"]
        func family(_ op: String) -> Int {
            let base = op.hasSuffix(" backward") ? String(op.dropLast(9)) : op
            switch base {
            case "linear", "matmul": return 0
            case "attention": return 1
            case "rms_norm", "layer_norm": return 2
            case "rope": return 3
            default: return 4
            }
        }
        func shares(_ split: [String: Double]) -> [Double] {
            var totals = [Double](repeating: 0, count: families.count)
            for (op, seconds) in split { totals[family(op)] += seconds }
            let all = totals.reduce(0, +)
            return totals.map { all > 0 ? 100 * $0 / all : 0 }
        }
        let (f, b) = (shares(forwardSplit), shares(trainingSplit))
        var lines = [
            "Llama block (hidden \(hidden), \(heads)/\(kvHeads) heads × \(d), FFN \(ffn)), \(t) tokens:",
            "",
            "| pass | time |", "|---|---:|",
            "| forward (no grad) | \(format(forward * 1000)) ms |",
            "| forward + backward | \(format(training * 1000)) ms |",
            "",
            "| share of time (profiled runs) | forward | forward + backward |", "|---|---:|---:|",
        ]
        for (i, name) in families.enumerated() { lines.append("| \(name) | \(format(f[i]))% | \(format(b[i]))% |") }
        lines.append("| everything but GEMM | \(format(100 - f[0]))% | \(format(100 - b[0]))% |")
        // The ops behind the shares, largest first (ms per pass).
        lines += ["", "| op (ms per pass) | forward | forward + backward |", "|---|---:|---:|"]
        for op in trainingSplit.keys.sorted(by: { trainingSplit[$0]! > trainingSplit[$1]! }).prefix(16) {
            let ms = { (split: [String: Double]) in split[op].map { format($0 * 1000 / Double(repeats), 2) } ?? "" }
            lines.append("| \(op) | \(ms(forwardSplit)) | \(ms(trainingSplit)) |")
        }
        return lines
    }

    static func format(_ v: Double, _ digits: Int = 1) -> String { v.isFinite ? String(format: "%.\(digits)f", v) : "n/a" }
}
