import Base
import Foundation
import Testing
@testable import TensorEngine

/// Central finite differences against autograd.
///
/// Loss L = Σ f(inputs) ⊙ R with a fixed random R, evaluated in Double from the Float32 forward.
/// With step h = 1e-2 on O(1) inputs the truncation error is O(h²) ≈ 1e-4 and the Float32 rounding
/// error ≈ 1e-7·|L|/h ≈ 1e-5·|L|, so we accept |analytic − numeric| ≤ 2e-3 + 2e-2·|numeric| per
/// element — tight enough that a wrong sign, a missing term or a transposed gradient fails.
func checkGradients(_ name: String, _ inputs: [Tensor], seed: UInt64 = 7, step: Float = 1e-2,
                    tolerance: Float = 2e-2, _ f: ([Tensor]) throws -> Tensor) throws {
    let inputs = inputs.map { $0.detached().contiguous() }   // fresh leaves
    for x in inputs { x.requiresGrad = true }
    let out = try f(inputs)
    var rng = SeededGenerator(seed: seed)
    let r = Tensor.randomNormal(out.shape, std: 1, using: &rng)
    let loss = try sum(mul(out, r))
    try loss.backward()
    let weights = r.scalars
    func lossValue() throws -> Double {
        let o = try Tensor.withNoGrad { try f(inputs) }.scalars
        return zip(o, weights).reduce(0) { $0 + Double($1.0) * Double($1.1) }
    }
    for (index, x) in inputs.enumerated() {
        let analytic = try #require(x.grad, "\(name): input \(index) got no gradient").scalars
        let buffer = x.storage.pointer + x.offset
        for i in 0..<x.count {
            let saved = buffer[i]
            buffer[i] = saved + step
            let plus = try lossValue()
            buffer[i] = saved - step
            let minus = try lossValue()
            buffer[i] = saved
            let numeric = Float((plus - minus) / Double(2 * step))
            let error = abs(analytic[i] - numeric)
            #expect(error <= 2e-3 + tolerance * abs(numeric),
                    "\(name): d/dinput\(index)[\(i)] analytic \(analytic[i]) vs numeric \(numeric)")
        }
    }
}

func random(_ shape: [Int], seed: UInt64, scale: Float = 1) -> Tensor {
    var rng = SeededGenerator(seed: seed)
    return Tensor.randomNormal(shape, std: scale, using: &rng)
}

@Suite struct GradientTests {
    @Test func elementwiseWithBroadcasting() throws {
        try checkGradients("add", [random([2, 3, 4], seed: 1), random([4], seed: 2)]) { try add($0[0], $0[1]) }
        try checkGradients("sub", [random([2, 3, 4], seed: 1), random([3, 1], seed: 2)]) { try sub($0[0], $0[1]) }
        try checkGradients("mul", [random([2, 3, 4], seed: 1), random([2, 1, 4], seed: 2)]) { try mul($0[0], $0[1]) }
        let positive = try add(mul(random([3, 4], seed: 3), 0.2), 2)
        try checkGradients("div", [random([3, 4], seed: 1), positive]) { try div($0[0], $0[1]) }
        try checkGradients("scalar", [random([5], seed: 4)]) { try add(mul($0[0], 3), 1) }
        try checkGradients("scalar sub/div", [random([5], seed: 4)]) { try div(sub($0[0], 0.5), 4) }
        try checkGradients("row broadcast", [random([3, 1], seed: 5), random([2, 1, 20], seed: 6)]) { try mul($0[0], $0[1]) }
        try checkGradients("scalar tensor broadcast", [random([1], seed: 7), random([2, 3], seed: 8)]) { try sub($0[0], $0[1]) }
        try checkGradients("broadcast view", [random([3, 1], seed: 9)]) { try broadcast($0[0], to: [2, 3, 4]).contiguous() }
    }

    @Test func unaryFunctions() throws {
        let x = random([2, 5], seed: 5)
        try checkGradients("exp", [x]) { try exp($0[0]) }
        try checkGradients("log", [try add(exp(random([7], seed: 6)), 0.5)]) { try log($0[0]) }
        try checkGradients("sqrt", [try add(exp(random([7], seed: 6)), 0.5)]) { try sqrt($0[0]) }
        try checkGradients("sigmoid", [x]) { try sigmoid($0[0]) }
        try checkGradients("logSigmoid", [try mul(x, 4)]) { try logSigmoid($0[0]) }
        try checkGradients("silu", [x]) { try silu($0[0]) }
        try checkGradients("gelu", [x]) { try gelu($0[0]) }
        try checkGradients("gelu_tanh", [x]) { try gelu($0[0], approximation: .tanh) }
        try checkGradients("tanh", [x]) { try tanh($0[0]) }
        try checkGradients("square", [x]) { try square($0[0]) }
        try checkGradients("pow", [try add(exp(random([7], seed: 6)), 0.5)]) { try pow($0[0], 1.5) }
        try checkGradients("relu", [try Tensor([-1.5, -0.7, -0.2, 0.3, 0.9, 2.0], shape: [6])]) { try relu($0[0]) }   // away from the kink
        let wide = random([3, 37], seed: 23)   // SIMD bodies plus tails
        try checkGradients("silu wide", [wide]) { try silu($0[0]) }
        try checkGradients("exp wide", [wide]) { try exp($0[0]) }
        // The fused SwiGLU gate: finite differences, and equal to silu(gate) ⊙ up with its gradients.
        let up = random([3, 37], seed: 24)
        try checkGradients("swiglu", [wide, up]) { try swiGLU(gate: $0[0], up: $0[1]) }
        let (g1, u1, g2, u2) = (wide.copy(), up.copy(), wide.copy(), up.copy())
        for t in [g1, u1, g2, u2] { t.requiresGrad = true }
        let weights = random([3, 37], seed: 25)
        let fused = try swiGLU(gate: g1, up: u1), composed = try silu(g2) * u2
        try sum(fused * weights).backward()
        try sum(composed * weights).backward()
        for (a, b) in [(fused, composed), (try #require(g1.grad), try #require(g2.grad)), (try #require(u1.grad), try #require(u2.grad))] {
            #expect(zip(a.scalars, b.scalars).allSatisfy { abs($0 - $1) <= 1e-6 * max(1, abs($1)) })
        }
        #expect(throws: TensorError.self) { try swiGLU(gate: wide, up: x) }
    }

    @Test func reductionsAndSoftmax() throws {
        let x = random([2, 3, 4], seed: 8)
        try checkGradients("sum axis", [x]) { try sum($0[0], axes: [1]) }
        try checkGradients("sum all", [x]) { try sum($0[0]) }
        try checkGradients("mean keepdims", [x]) { try mean($0[0], axes: [0, 2], keepDims: true) }
        try checkGradients("softmax", [x]) { try softmax($0[0]) }
        try checkGradients("softmax axis 1", [x]) { try softmax($0[0], axis: 1) }
        try checkGradients("logSoftmax", [x]) { try logSoftmax($0[0]) }
        try checkGradients("max", [x]) { try max($0[0], axis: 1) }
        let long = random([2, 40], seed: 24)
        try checkGradients("softmax wide", [long]) { try softmax($0[0]) }
        try checkGradients("logSoftmax wide", [long]) { try logSoftmax($0[0]) }
        try checkGradients("sum wide axis 0", [long]) { try sum($0[0], axes: [0]) }
    }

    @Test func matrixProducts() throws {
        try checkGradients("matmul", [random([3, 4], seed: 1), random([4, 5], seed: 2)]) { try matmul($0[0], $0[1]) }
        try checkGradients("matmul batched broadcast", [random([2, 3, 4], seed: 1), random([4, 2], seed: 2)]) { try matmul($0[0], $0[1]) }
        try checkGradients("matmul transposed", [random([2, 4, 3], seed: 1), random([2, 5, 4], seed: 2)]) {
            try matmul($0[0], $0[1], transposeA: true, transposeB: true)
        }
        try checkGradients("matmul of transposed views", [random([2, 3, 4], seed: 1), random([2, 4, 5], seed: 2)]) {
            try matmul(transpose($0[0], 1, 2), transpose($0[1], 1, 2), transposeA: true, transposeB: true)
        }
        try checkGradients("matmul of a transposed view, flag on b", [random([2, 4, 3], seed: 1), random([2, 5, 4], seed: 2)]) {
            try matmul(transpose($0[0], 1, 2), $0[1], transposeB: true)
        }
        try checkGradients("linear", [random([2, 3, 4], seed: 1), random([5, 4], seed: 2), random([5], seed: 3)]) {
            try linear($0[0], weight: $0[1], bias: $0[2])
        }
        // Summed into a fresh projection output (its memory reused), and into a held tensor (copied).
        try checkGradients("linear adding to a fresh output", [random([2, 3, 4], seed: 1), random([5, 4], seed: 2), random([2, 3, 6], seed: 4), random([5, 6], seed: 5)]) {
            var base = try linear($0[2], weight: $0[3])
            return try linear($0[0], weight: $0[1], addingTo: &base)
        }
        // A LoRA update fused into the projection, reading the layer input or its own input.
        try checkGradients("linear with a low-rank update", [random([2, 3, 4], seed: 1), random([5, 4], seed: 2), random([5], seed: 3),
                                                              random([2, 4], seed: 7), random([5, 2], seed: 8)]) {
            try linear($0[0], weight: $0[1], bias: $0[2], lowRank: LowRankUpdate(a: $0[3], b: $0[4], scale: 1.5))
        }
        try checkGradients("linear with a low-rank update on its own input", [random([2, 3, 4], seed: 1), random([5, 4], seed: 2),
                                                                               random([2, 4], seed: 7), random([5, 2], seed: 8), random([2, 3, 4], seed: 9)]) {
            try linear($0[0], weight: $0[1], lowRank: LowRankUpdate(a: $0[2], b: $0[3], scale: 0.5, input: $0[4]))
        }
        try checkGradients("linear adding to a leaf", [random([2, 3, 4], seed: 1), random([5, 4], seed: 2), random([2, 3, 5], seed: 6)]) {
            var base = $0[2]
            return try linear($0[0], weight: $0[1], addingTo: &base)
        }
    }

    /// `linear(_:weight:addingTo:)` writes into its base only when nothing else can see it.
    @Test func linearAddingReusesOnlyUnsharedMemory() throws {
        let (x, w, v, u) = (random([2, 3, 4], seed: 1), random([5, 4], seed: 2), random([2, 3, 6], seed: 4), random([5, 6], seed: 5))
        let expected = try add(linear(v, weight: u), linear(x, weight: w)).scalars
        var fresh = try linear(v, weight: u)
        let freshStorage = ObjectIdentifier(fresh.storage)
        let summed = try linear(x, weight: w, addingTo: &fresh)
        #expect(ObjectIdentifier(summed.storage) == freshStorage)
        #expect(zip(summed.scalars, expected).allSatisfy { abs($0 - $1) < 1e-5 })
        var held = try linear(v, weight: u)
        let before = held.scalars, alias = held
        let copied = try linear(x, weight: w, addingTo: &held)
        #expect(ObjectIdentifier(copied.storage) != ObjectIdentifier(alias.storage) && alias.scalars == before)
        #expect(zip(copied.scalars, expected).allSatisfy { abs($0 - $1) < 1e-5 })
        var wrong = Tensor.zeros([2, 3, 4])
        #expect(throws: TensorError.self) { try linear(x, weight: w, addingTo: &wrong) }
    }

    /// Hidden keys over several 64-row blocks (the span starts inside one), with grouped heads,
    /// padding, and keys/values read through strides (permuted [B, S, H, D] projections): output
    /// and gradients equal the same attention composed of plain attentions over sliced and joined
    /// keys — rows before the span over every key, the span's rows over the kept keys.
    private func hiddenKeysAtBlockScale() throws {
        let (t, d) = (150, 8)
        let leaves = [random([2, 4, t, d], seed: 51), random([2, t, 2, d], seed: 52), random([2, t, 2, d], seed: 53)]
        let padding = [[Bool](repeating: true, count: t), (0..<t).map { $0 != 3 }]
        let (queries, cut) = (70..<t, 5..<70)
        let weights = random([2, 4, t, d], seed: 54)
        func run(fused: Bool) throws -> ([Float], [[Float]]) {
            let xs = leaves.map { $0.detached() }
            for x in xs { x.requiresGrad = true }
            let (q, k, v) = (xs[0], try permute(xs[1], [0, 2, 1, 3]), try permute(xs[2], [0, 2, 1, 3]))
            let out: Tensor
            if fused {
                out = try scaledDotProductAttention(query: q, key: k, value: v, causal: true, keyPadding: padding,
                                                    hiddenKeys: [HiddenKeys(batchRow: 0, queries: queries, keys: cut)])
            } else {
                func row(_ x: Tensor, _ bi: Int) throws -> Tensor { try slice(x, axis: 0, range: bi..<(bi + 1)).contiguous() }
                let (q0, k0, v0) = (try row(q, 0), try row(k, 0), try row(v, 0))
                let before = try scaledDotProductAttention(query: slice(q0, axis: 2, range: 0..<queries.lowerBound), key: k0, value: v0, causal: true)
                let kept = [0..<cut.lowerBound, cut.upperBound..<t]
                let span = try scaledDotProductAttention(
                    query: slice(q0, axis: 2, range: queries),
                    key: concat(kept.map { try slice(k0, axis: 2, range: $0) }, axis: 2),
                    value: concat(kept.map { try slice(v0, axis: 2, range: $0) }, axis: 2),
                    causal: true, queryOffset: queries.lowerBound - cut.count)
                let other = try scaledDotProductAttention(query: row(q, 1), key: row(k, 1), value: row(v, 1), causal: true, keyPadding: [padding[1]])
                out = try concat([concat([before, span], axis: 2), other], axis: 0)
            }
            try sum(mul(out, weights)).backward()
            return (out.scalars, try xs.map { try #require($0.grad).scalars })
        }
        let (fused, composed) = (try run(fused: true), try run(fused: false))
        #expect(zip(fused.0, composed.0).allSatisfy { abs($0 - $1) <= 1e-5 })
        for (i, (f, c)) in zip(fused.1, composed.1).enumerated() {
            let worst = zip(f, c).map { abs($0 - $1) }.max() ?? 0
            #expect(worst <= 1e-4, "hidden keys at block scale: gradient \(i) differs by \(worst)")
        }
    }

    @Test func normsAndEmbedding() throws {
        let x = random([3, 8], seed: 9), w = random([8], seed: 10), b = random([8], seed: 11)
        try checkGradients("rmsNorm", [x, w]) { try rmsNorm($0[0], weight: $0[1], eps: 1e-5) }
        try checkGradients("layerNorm", [x, w, b]) { try layerNorm($0[0], weight: $0[1], bias: $0[2], eps: 1e-5) }
        let wideX = random([3, 37], seed: 25), wideW = random([37], seed: 26), wideB = random([37], seed: 27)   // SIMD bodies plus tails
        try checkGradients("rmsNorm wide", [wideX, wideW]) { try rmsNorm($0[0], weight: $0[1], eps: 1e-5) }
        try checkGradients("layerNorm wide", [wideX, wideW, wideB]) { try layerNorm($0[0], weight: $0[1], bias: $0[2], eps: 1e-5) }
        try checkGradients("embedding", [random([5, 3], seed: 12)]) { try embedding($0[0], ids: [4, 0, 4, 2], shape: [2, 2]) }
    }

    @Test func viewsAndJoins() throws {
        let x = random([2, 3, 4], seed: 13)
        try checkGradients("reshape", [x]) { try mul(reshape($0[0], [6, -1]), random([6, 4], seed: 1)) }
        try checkGradients("permute", [x]) { try permute($0[0], [2, 0, 1]).contiguous() }
        try checkGradients("slice", [x]) { try slice($0[0], axis: 2, range: 1..<3) }
        try checkGradients("concat", [x, random([2, 1, 4], seed: 14)]) { try concat([$0[0], $0[1]], axis: 1) }
        try checkGradients("stack", [random([3], seed: 15), random([3], seed: 16)]) { try stack([$0[0], $0[1]], axis: 1) }
    }

    @Test func rotaryEmbeddingBothLayouts() throws {
        let x = random([2, 2, 3, 8], seed: 17), wide = random([1, 2, 2, 40], seed: 28)
        for layout in [RopeLayout.rotateHalf, .interleaved] {
            let rope = try RotaryEmbedding(headDim: 8, theta: 10000, layout: layout)
            try checkGradients("rope \(layout)", [x]) { try rope.apply($0[0], positions: [0, 5, 9]) }
            try checkGradients("rope per-row positions \(layout)", [x]) { try rope.apply($0[0], positions: [0, 1, 2, 3, 4, 5]) }
            try checkGradients("rope negative positions \(layout)", [x]) { try rope.apply($0[0], positions: [-2, 1, 3]) }
            let wideRope = try RotaryEmbedding(headDim: 40, theta: 10000, layout: layout)   // 20 pairs: SIMD body plus tail
            try checkGradients("rope wide \(layout)", [wide]) { try wideRope.apply($0[0], positions: [3, 70]) }
        }
    }

    @Test func fusedAttention() throws {
        let q = random([2, 4, 3, 8], seed: 18), k = random([2, 2, 5, 8], seed: 19), v = random([2, 2, 5, 8], seed: 20)
        let padding = [[true, true, true, true, true], [false, true, true, true, true]]
        try checkGradients("attention", [q, k, v]) {
            try scaledDotProductAttention(query: $0[0], key: $0[1], value: $0[2], causal: true, queryOffset: 2, keyPadding: padding)
        }
        try checkGradients("attention non-causal", [q, k, v]) {
            try scaledDotProductAttention(query: $0[0], key: $0[1], value: $0[2], causal: false)
        }
        // Hidden keys (rows 5..<7 of batch row 1 do not see keys 2..<5; row 7 does): the gradient check, and
        // the same attention written out with those keys left out.
        let (qh, kh, vh) = (random([2, 2, 8, 4], seed: 41), random([2, 1, 8, 4], seed: 42), random([2, 1, 8, 4], seed: 43))
        let hidden = [HiddenKeys(batchRow: 1, queries: 5..<7, keys: 2..<5)]
        try checkGradients("attention hidden keys", [qh, kh, vh]) {
            try scaledDotProductAttention(query: $0[0], key: $0[1], value: $0[2], causal: true, hiddenKeys: hidden)
        }
        let fused = try scaledDotProductAttention(query: qh, key: kh, value: vh, causal: true, hiddenKeys: hidden)
        // The same attention written out in Double: query head h reads the one KV head.
        let (qs, ks, vs, out) = (qh.scalars.map(Double.init), kh.scalars.map(Double.init), vh.scalars.map(Double.init), fused.scalars)
        for bi in 0..<2 {
            for h in 0..<2 {
                for i in 0..<8 {
                    let visible = (0...i).filter { !(bi == 1 && (5..<7).contains(i) && (2..<5).contains($0)) }
                    var scores: [Double] = []
                    for j in visible {
                        var dot = 0.0
                        for c in 0..<4 { dot += qs[((bi * 2 + h) * 8 + i) * 4 + c] * ks[(bi * 8 + j) * 4 + c] }
                        scores.append(0.5 * dot)
                    }
                    let top = scores.max()!
                    let weights = scores.map { exp($0 - top) }
                    let total = weights.reduce(0, +)
                    for c in 0..<4 {
                        var expected = 0.0
                        for (j, w) in zip(visible, weights) { expected += w / total * vs[(bi * 8 + j) * 4 + c] }
                        #expect(abs(Double(out[((bi * 2 + h) * 8 + i) * 4 + c]) - expected) <= 1e-5, "b\(bi) h\(h) row \(i)")
                    }
                }
            }
        }
        #expect(throws: TensorError.self) {
            try scaledDotProductAttention(query: qh, key: kh, value: vh, causal: true, hiddenKeys: [HiddenKeys(batchRow: 2, queries: 0..<1, keys: 0..<1)])
        }
        #expect(throws: TensorError.self) {   // queries that come before keys they should not see
            try scaledDotProductAttention(query: qh, key: kh, value: vh, causal: true, hiddenKeys: [HiddenKeys(batchRow: 0, queries: 3..<7, keys: 2..<5)])
        }
        try hiddenKeysAtBlockScale()
        // More than one 64-row block, with a padded key and a custom scale.
        let q2 = random([1, 2, 70, 4], seed: 29), k2 = random([1, 1, 70, 4], seed: 30), v2 = random([1, 1, 70, 4], seed: 31)
        let pad2 = [(0..<70).map { $0 != 3 }]
        try checkGradients("attention two blocks", [q2, k2, v2]) {
            try scaledDotProductAttention(query: $0[0], key: $0[1], value: $0[2], causal: true, keyPadding: pad2, scale: 0.3)
        }
    }

    @Test func tokenLogProbsAndDropout() throws {
        let logits = random([2, 3, 7], seed: 21)
        try checkGradients("tokenLogProbs", [logits]) { try tokenLogProbs(logits: $0[0], targets: [[1, 6, -100], [0, 3, 3]]) }
        // The fused linear + log-prob op, in chunks of 2 rows (so chunks split the batch), with a
        // trainable weight: finite differences, and the unfused ops' values and gradients.
        // Every variant: unscored positions gathered away (a −100 in the middle) or every row
        // scored; logits kept for backward or recomputed there (no byte budget).
        let (hidden, weight) = (random([2, 3, 5], seed: 23), random([7, 5], seed: 24))
        for targets in [[[1, -100, 6], [0, 3, -100]], [[1, 6, 2], [0, 3, 3]]] {
            for storedBytes in [0, 1 << 20] {
                let name = "linearTokenLogProbs \(targets) stored \(storedBytes)"
                try checkGradients(name, [hidden, weight]) {
                    try linearTokenLogProbs(hidden: $0[0], weight: $0[1], targets: targets, rowsPerChunk: 2, storedLogitsBytes: storedBytes)
                }
                let (h1, w1, h2, w2) = (hidden.copy(), weight.copy(), hidden.copy(), weight.copy())
                for x in [h1, w1, h2, w2] { x.requiresGrad = true }
                let fused = try linearTokenLogProbs(hidden: h1, weight: w1, targets: targets, rowsPerChunk: 4, storedLogitsBytes: storedBytes)
                let plain = try tokenLogProbs(logits: linear(h2, weight: w2), targets: targets)
                // Different weights per position, so a gradient scattered to the wrong row shows.
                let g = try Tensor((0..<6).map { Float($0 + 1) }, shape: [2, 3])
                try sum(mul(fused, g)).backward()
                try sum(mul(plain, g)).backward()
                for (a, b) in [(fused, plain), (try #require(h1.grad), try #require(h2.grad)), (try #require(w1.grad), try #require(w2.grad))] {
                    #expect(zip(a.scalars, b.scalars).allSatisfy { abs($0 - $1) <= 1e-5 * max(1, abs($1)) }, "\(name)")
                }
            }
        }
        try checkGradients("dropout", [random([10], seed: 22)]) { x in
            var rng = SeededGenerator(seed: 3)
            return try dropout(x[0], p: 0.3, training: true, using: &rng)
        }
    }
}
