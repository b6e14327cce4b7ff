import Base
import Foundation
import Testing
@testable import TensorEngine

/// The attention kernels (register-tile products and the row softmax; AVX-512 where the CPU has
/// it, else sgemm and the Swift softmax) against plain Double arithmetic, and the fused attention
/// at a realistic head size against the same attention composed of separate ops.
@Suite struct SmallGEMMTests {
    @Test func productsMatchNaiveArithmetic() {
        var rng = SeededGenerator(seed: 5)
        func uniform(_ n: Int) -> [Float] { (0..<n).map { _ in Float(rng.next() % 2001) / 1000 - 1 } }
        // Ragged sizes cross the 6-row tiles and the masked edge of the 64-column panels.
        let shapes = [(1, 1, 1), (5, 3, 7), (6, 64, 64), (64, 130, 64), (13, 64, 200), (150, 64, 37), (7, 17, 0)]
        for (m, n, k) in shapes {
            for transposed in [false, true] {
                for accumulate in [false, true] {
                    let (aRow, aCol) = transposed ? (1, m + 2) : (k + 3, 1)
                    let (ldb, ldc) = (n + 1, n + 2)
                    let a = uniform(max(1, (m + 3) * (k + 3))), b = uniform(max(1, k * ldb))
                    let c0 = uniform(m * ldc)
                    var c = c0
                    a.withUnsafeBufferPointer { pa in
                        b.withUnsafeBufferPointer { pb in
                            c.withUnsafeMutableBufferPointer { pc in
                                BLAS.smallGEMM(m: m, n: n, k: k, alpha: 0.7, a: pa.baseAddress!, aRow: aRow, aCol: aCol,
                                               b: pb.baseAddress!, ldb: ldb, accumulate: accumulate, c: pc.baseAddress!, ldc: ldc)
                            }
                        }
                    }
                    var worst: Double = 0
                    for i in 0..<m {
                        for j in 0..<ldc {
                            var expected = Double(c0[i * ldc + j])
                            if j < n {
                                let dot = (0..<k).reduce(0.0) { $0 + Double(a[i * aRow + $1 * aCol]) * Double(b[$1 * ldb + j]) }
                                expected = 0.7 * dot + (accumulate ? expected : 0)
                            }
                            worst = max(worst, abs(Double(c[i * ldc + j]) - expected))
                        }
                    }
                    #expect(worst < 1e-4, "m \(m) n \(n) k \(k) transposed \(transposed) accumulate \(accumulate): \(worst)")
                }
            }
        }
    }

    /// The causal skips leave out only work the mask voids: with A zero where the mask says so (or
    /// only the needed entries of C compared), the products equal the full ones.
    @Test func causalSkipsLeaveOutOnlyMaskedWork() {
        var rng = SeededGenerator(seed: 6)
        func uniform(_ n: Int) -> [Float] { (0..<n).map { _ in Float(rng.next() % 2001) / 1000 - 1 } }
        for (m, n, k) in [(64, 130, 64), (13, 64, 200), (150, 64, 70), (7, 5, 9)] {
            for diagonal in [-3, 0, 5, 70] {
                for skip in [CausalSkip.columnsAfter(diagonal), .depthAfter(diagonal), .depthBefore(diagonal)] {
                    let (aRow, aCol, ldb, ldc) = (k + 1, 1, n + 2, n + 3)
                    var a = uniform((m + 1) * (k + 1))
                    let b = uniform(k * ldb)
                    for i in 0..<m {
                        for kk in 0..<k {
                            switch skip {
                            case .depthAfter(let d) where kk > i + d, .depthBefore(let d) where kk < i - d: a[i * aRow + kk] = 0
                            default: break
                            }
                        }
                    }
                    var c = [Float](repeating: .nan, count: m * ldc)
                    a.withUnsafeBufferPointer { pa in
                        b.withUnsafeBufferPointer { pb in
                            c.withUnsafeMutableBufferPointer { pc in
                                BLAS.smallGEMM(m: m, n: n, k: k, a: pa.baseAddress!, aRow: aRow, aCol: aCol, b: pb.baseAddress!, ldb: ldb,
                                               c: pc.baseAddress!, ldc: ldc, skip: skip)
                            }
                        }
                    }
                    var worst: Double = 0
                    for i in 0..<m {
                        for j in 0..<n {
                            if case .columnsAfter(let d) = skip, j > i + d { continue }
                            let dot = (0..<k).reduce(0.0) { $0 + Double(a[i * aRow + $1]) * Double(b[$1 * ldb + j]) }
                            worst = max(worst, abs(Double(c[i * ldc + j]) - dot))   // NaN (unwritten) fails too
                        }
                    }
                    #expect(worst < 1e-4, "m \(m) n \(n) k \(k) \(skip): \(worst)")
                }
            }
        }
    }

    @Test func softmaxRowMatchesDoubleSoftmax() {
        for n in [0, 1, 15, 16, 17, 40] {
            let width = n + 5
            var row = (0..<width).map { Float(($0 * 37) % 23) * 0.9 - 10 }
            row[0] = n > 1 ? -.infinity : row[0]   // a masked key inside the row
            let visible = row[..<n].map(Double.init)
            let top = visible.max() ?? 0
            let total = visible.reduce(0) { $0 + Foundation.exp($1 - top) }
            row.withUnsafeMutableBufferPointer { Vectorized.softmaxRow($0.baseAddress!, n, width: width) }
            for j in 0..<width {
                let expected = j < n ? Foundation.exp(visible[j] - top) / total : 0
                #expect(abs(Double(row[j]) - expected) <= 1e-6 * max(1, expected), "n \(n) j \(j)")
            }
        }
        var masked = [Float](repeating: -.infinity, count: 20)
        masked.withUnsafeMutableBufferPointer { Vectorized.softmaxRow($0.baseAddress!, 18, width: 20) }
        #expect(masked.allSatisfy { $0 == 0 }, "a row that sees nothing is all zeros")
    }

    /// 150 queries (three row blocks, the last ragged) of head size 64 with 6 query heads on 2 KV
    /// heads: values and all three gradients equal softmax(scale·QKᵀ + causal mask)·V built from
    /// matmul and softmax, each query head reading its KV head through a slice.
    @Test func fusedAttentionMatchesComposedOps() throws {
        let (t, hq, hkv, d) = (150, 6, 2, 64)
        var rng = SeededGenerator(seed: 8)
        func leaf(_ shape: [Int]) -> Tensor {
            let x = Tensor.randomNormal(shape, std: 1, using: &rng)
            x.requiresGrad = true
            return x
        }
        let (q, k, v) = (leaf([1, hq, t, d]), leaf([1, hkv, t, d]), leaf([1, hkv, t, d]))
        let weights = Tensor.randomNormal([1, hq, t, d], std: 1, using: &rng)
        let fused = try scaledDotProductAttention(query: q, key: k, value: v, causal: true)
        try sum(fused * weights).backward()
        let fusedGrads = try [q, k, v].map { try #require($0.grad).scalars }
        for x in [q, k, v] { x.zeroGrad() }

        let mask = Tensor.make([t, t]) { m in
            for i in 0..<t { for j in 0..<t { m[i * t + j] = j <= i ? 0 : -.infinity } }
        }
        let heads = try (0..<hq).map { h -> Tensor in
            let kv = h / (hq / hkv)
            let (qh, kh, vh) = try (slice(q, axis: 1, range: h..<(h + 1)), slice(k, axis: 1, range: kv..<(kv + 1)),
                                    slice(v, axis: 1, range: kv..<(kv + 1)))
            let scores = try mul(matmul(reshape(qh, [t, d]), reshape(kh, [t, d]), transposeB: true), 1 / Float(d).squareRoot()) + mask
            return try matmul(softmax(scores), reshape(vh, [t, d]))
        }
        let composed = try reshape(stack(heads, axis: 0), [1, hq, t, d])
        try sum(composed * weights).backward()

        func worst(_ a: [Float], _ b: [Float]) -> Float { zip(a, b).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? 0 }
        #expect(worst(fused.scalars, composed.scalars) < 1e-5)
        for (name, (a, x)) in zip(["dq", "dk", "dv"], zip(fusedGrads, [q, k, v])) {
            #expect(worst(a, try #require(x.grad).scalars) < 1e-4, "\(name)")
        }
    }
}
