import Base
import Foundation
import Testing
@testable import TensorEngine

/// The thin products of LoRA (`BLAS.thinGEMM` with A row-major and transposed: the AVX-512
/// kernel, split over threads, or sgemm) against plain Double arithmetic, and the fused low-rank `linear`
/// against the same update composed of separate ops.
@Suite struct ThinGEMMTests {
    private func uniform(_ n: Int, _ rng: inout SeededGenerator) -> [Float] {
        (0..<n).map { _ in Float(rng.next() % 2001) / 1000 - 1 }
    }

    /// Widths inside one 16-lane chunk, across chunks, the 64 maximum and past it (sgemm); row
    /// counts across the 6-row tiles, the 64-row chunks and the threads' split.
    private let shapes = [(1, 1, 1), (7, 5, 3), (13, 16, 40), (100, 17, 33), (961, 16, 576), (200, 33, 70), (67, 64, 9), (30, 65, 11)]

    @Test func productMatchesNaiveArithmetic() {
        var rng = SeededGenerator(seed: 11)
        for (m, w, k) in shapes {
            let lda = k + 3
            let a = uniform(m * lda, &rng), b = uniform(k * w, &rng)
            var c = [Float](repeating: .nan, count: m * w)
            c.withUnsafeMutableBufferPointer { pc in
                BLAS.thinGEMM(m: m, w: w, k: k, alpha: 0.7, a: a, aRow: lda, aCol: 1, b: b, c: pc.baseAddress!)
            }
            var worst: Double = 0
            for i in 0..<m {
                for j in 0..<w {
                    let dot = (0..<k).reduce(0.0) { $0 + Double(a[i * lda + $1]) * Double(b[$1 * w + j]) }
                    worst = max(worst, abs(Double(c[i * w + j]) - 0.7 * dot))
                }
            }
            #expect(worst <= 1e-5 * Double(k), "thinGEMM m \(m) w \(w) k \(k): worst error \(worst)")
        }
    }

    @Test func transposedProductMatchesNaiveArithmetic() {
        var rng = SeededGenerator(seed: 12)
        for (m, w, n) in shapes {
            for accumulate in [false, true] {
                let ldx = n + 2
                let x = uniform(m * ldx, &rng), u = uniform(m * w, &rng), c0 = uniform(n * w, &rng)
                var c = c0
                c.withUnsafeMutableBufferPointer { pc in
                    BLAS.thinGEMM(m: n, w: w, k: m, alpha: 0.7, a: x, aRow: 1, aCol: ldx, b: u, accumulate: accumulate, c: pc.baseAddress!)
                }
                var worst: Double = 0
                for j in 0..<n {
                    for r in 0..<w {
                        let dot = (0..<m).reduce(0.0) { $0 + Double(x[$1 * ldx + j]) * Double(u[$1 * w + r]) }
                        worst = max(worst, abs(Double(c[j * w + r]) - (0.7 * dot + (accumulate ? Double(c0[j * w + r]) : 0))))
                    }
                }
                #expect(worst <= 1e-5 * Double(m), "thinGEMM of Xᵀ: m \(m) n \(n) w \(w) accumulate \(accumulate): worst error \(worst)")
            }
        }
    }

    /// The fused op equals x·Wᵀ + b + (scale·x·Aᵀ)·Bᵀ composed of separate ops, forward and in
    /// every gradient — with A reading the layer input, and reading an input of its own.
    @Test func lowRankLinearEqualsComposedOps() throws {
        let (rows, inF, outF, rank, scale): (Int, Int, Int, Int, Float) = (37, 24, 40, 16, 2)
        for ownInput in [false, true] {
            let leaves = [random([rows, inF], seed: 1), random([outF, inF], seed: 2), random([outF], seed: 3),
                          random([rank, inF], seed: 4), random([outF, rank], seed: 5), random([rows, inF], seed: 6)]
            func run(fused: Bool) throws -> (output: [Float], grads: [[Float]]) {
                let t = leaves.map { $0.detached() }
                for x in t { x.requiresGrad = true }
                let loraInput = ownInput ? t[5] : t[0]
                let y = fused
                    ? try linear(t[0], weight: t[1], bias: t[2], lowRank: LowRankUpdate(a: t[3], b: t[4], scale: scale, input: ownInput ? t[5] : nil))
                    : try add(linear(t[0], weight: t[1], bias: t[2]), linear(mul(linear(loraInput, weight: t[3]), scale), weight: t[4]))
                try sum(mul(y, random([rows, outF], seed: 9))).backward()
                let used = ownInput ? t : Array(t.prefix(5))
                return (y.scalars, try used.map { try #require($0.grad).scalars })
            }
            let (fused, composed) = (try run(fused: true), try run(fused: false))
            #expect(zip(fused.output, composed.output).allSatisfy { abs($0 - $1) <= 1e-4 * max(1, abs($1)) })
            #expect(fused.grads.count == composed.grads.count)
            for (i, (f, c)) in zip(fused.grads, composed.grads).enumerated() {
                let worst = zip(f, c).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? 0
                #expect(worst <= 1e-4, "gradient \(i) (own input \(ownInput)): worst relative difference \(worst)")
            }
        }
    }

    @Test func lowRankLinearRejectsMismatchedShapes() {
        let x = random([3, 8], seed: 1), w = random([5, 8], seed: 2)
        #expect(throws: TensorError.self) { try linear(x, weight: w, lowRank: LowRankUpdate(a: random([4, 7], seed: 3), b: random([5, 4], seed: 4), scale: 1)) }
        #expect(throws: TensorError.self) { try linear(x, weight: w, lowRank: LowRankUpdate(a: random([4, 8], seed: 3), b: random([5, 3], seed: 4), scale: 1)) }
        #expect(throws: TensorError.self) {
            try linear(x, weight: w, lowRank: LowRankUpdate(a: random([4, 8], seed: 3), b: random([5, 4], seed: 4), scale: 1, input: random([2, 8], seed: 5)))
        }
    }
}
