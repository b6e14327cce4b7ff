import Base
import Foundation
import Testing
@testable import TensorEngine

/// The decode-step attention kernel against plain Double arithmetic and against the fused
/// attention op (itself checked against PyTorch), over caches read in place through their strides.
@Suite struct DecodeAttentionTests {
    /// A sequence's cache as a KV cache holds it: the first `length` positions of a buffer with
    /// room for more ([1, H, allocated, D] sliced along the positions).
    static func cacheView(_ rng: inout SeededGenerator, heads: Int, length: Int, width: Int) throws -> Tensor {
        let allocated = length + 5
        let buffer = try Tensor((0..<(heads * allocated * width)).map { _ in Float(rng.next() % 2001) / 1000 - 1 },
                            shape: [1, heads, allocated, width])
        return try slice(buffer, axis: 2, range: 0..<length)
    }

    struct Case {
        let queryHeads: Int, keyHeads: Int, width: Int, lengths: [Int]
    }
    // SmolLM2's heads (9 over 3, width 64), a width of 128 without grouping, and a width the
    // kernel takes without a specialised loop (48).
    static let cases = [Case(queryHeads: 9, keyHeads: 3, width: 64, lengths: [1, 37, 200]),
                        Case(queryHeads: 4, keyHeads: 4, width: 128, lengths: [5, 70]),
                        Case(queryHeads: 6, keyHeads: 2, width: 48, lengths: [17])]

    @Test func matchesNaiveArithmeticAndTheFusedAttention() throws {
        var rng = SeededGenerator(seed: 21)
        for c in Self.cases {
            let b = c.lengths.count
            let query = try Tensor((0..<(b * c.queryHeads * c.width)).map { _ in Float(rng.next() % 2001) / 1000 - 1 },
                               shape: [b, c.queryHeads, 1, c.width])
            let keys = try c.lengths.map { try Self.cacheView(&rng, heads: c.keyHeads, length: $0, width: c.width) }
            let values = try c.lengths.map { try Self.cacheView(&rng, heads: c.keyHeads, length: $0, width: c.width) }
            let runs = decodeAttentionRuns(headDim: c.width, groupSize: c.queryHeads / c.keyHeads)
            guard let out = try decodeAttention(query: query, keys: keys, values: values) else {
                #expect(!runs, "the kernel runs here but gave no result")
                continue
            }
            #expect(runs)
            #expect(out.shape == [b, 1, c.queryHeads * c.width])
            let (o, q) = (out.scalars, query.scalars)
            let group = c.queryHeads / c.keyHeads
            var worst = 0.0, worstFused: Float = 0
            for (i, n) in c.lengths.enumerated() {
                let (k, v) = (keys[i].contiguous().scalars, values[i].contiguous().scalars)
                for h in 0..<c.queryHeads {
                    let kv = h / group
                    let qh = (0..<c.width).map { Double(q[(i * c.queryHeads + h) * c.width + $0]) }
                    let scores = (0..<n).map { s in
                        (0..<c.width).reduce(0.0) { $0 + qh[$1] * Double(k[(kv * n + s) * c.width + $1]) } / Double(c.width).squareRoot()
                    }
                    let top = scores.max()!
                    let weights = scores.map { Foundation.exp($0 - top) }
                    let total = weights.reduce(0, +)
                    for j in 0..<c.width {
                        let expected = (0..<n).reduce(0.0) { $0 + weights[$1] / total * Double(v[(kv * n + $1) * c.width + j]) }
                        worst = max(worst, abs(Double(o[(i * c.queryHeads + h) * c.width + j]) - expected))
                    }
                }
                // The fused op with the query as the last of the cached positions.
                let fused = try scaledDotProductAttention(query: slice(query, axis: 0, range: i..<(i + 1)), key: keys[i], value: values[i],
                                                          causal: true, queryOffset: n - 1)
                let merged = try reshape(permute(fused, [0, 2, 1, 3]), [1, 1, c.queryHeads * c.width]).scalars
                let row = Array(o[(i * c.queryHeads * c.width)..<((i + 1) * c.queryHeads * c.width)])
                worstFused = max(worstFused, zip(merged, row).map { abs($0 - $1) }.max()!)
            }
            #expect(worst < 1e-5, "\(c): \(worst) from Double arithmetic")
            #expect(worstFused < 1e-5, "\(c): \(worstFused) from the fused attention")
        }
    }

    /// A sequence's numbers do not depend on the other sequences of the call.
    @Test func aSequenceGetsTheSameNumbersAloneAsBesideOthers() throws {
        var rng = SeededGenerator(seed: 22)
        let (hq, hkv, d, lengths) = (9, 3, 64, [3, 64, 129])
        let query = try Tensor((0..<(lengths.count * hq * d)).map { _ in Float(rng.next() % 2001) / 1000 - 1 }, shape: [lengths.count, hq, 1, d])
        let keys = try lengths.map { try Self.cacheView(&rng, heads: hkv, length: $0, width: d) }
        let values = try lengths.map { try Self.cacheView(&rng, heads: hkv, length: $0, width: d) }
        guard let together = try decodeAttention(query: query, keys: keys, values: values) else {
            #expect(!decodeAttentionRuns(headDim: d, groupSize: hq / hkv))
            return
        }
        for i in lengths.indices {
            let alone = try #require(try decodeAttention(query: slice(query, axis: 0, range: i..<(i + 1)), keys: [keys[i]], values: [values[i]]))
            #expect(alone.scalars == (try slice(together, axis: 0, range: i..<(i + 1))).scalars, "sequence \(i)")
        }
    }

    @Test func refusesMismatchedShapesAndInputsThatNeedAGradient() throws {
        let query = Tensor.zeros([2, 4, 1, 16])
        let key = Tensor.zeros([1, 2, 5, 16])
        #expect(throws: TensorError.self) { try decodeAttention(query: query, keys: [key], values: [key]) }   // 1 row for 2 queries
        #expect(throws: TensorError.self) { try decodeAttention(query: query, keys: [key, Tensor.zeros([1, 3, 5, 16])], values: [key, key]) }
        let needsGradient = Tensor.zeros([1, 4, 1, 16])
        needsGradient.requiresGrad = true
        #expect(throws: TensorError.self) { try decodeAttention(query: needsGradient, keys: [key], values: [key]) }
    }

    /// Straight from the projections: each sequence's key and value rows land in its buffers,
    /// rotated as `RotaryEmbedding.apply` rotates them, and the output is bit for bit that of
    /// rotating, appending and calling the kernel on the cache views — at positions on both sides
    /// of a block of 16 keys, for SmolLM2's grouping and for heads of their own.
    @Test func fromProjectionsEqualsRotatingAppendingThenAttending() throws {
        var rng = SeededGenerator(seed: 23)
        for (hq, hkv, d, positions) in [(9, 3, 64, [0, 15, 16, 130]), (4, 4, 32, [7, 33])] {
            let rope = try RotaryEmbedding(headDim: d, theta: 10000)
            let b = positions.count
            func random(_ count: Int) -> [Float] { (0..<count).map { _ in Float(rng.next() % 2001) / 1000 - 1 } }
            let (q, k, v) = try (Tensor(random(b * hq * d), shape: [b, 1, hq * d]), Tensor(random(b * hkv * d), shape: [b, 1, hkv * d]),
                                 Tensor(random(b * hkv * d), shape: [b, 1, hkv * d]))
            // Buffers with the earlier positions filled and room beyond the new one.
            let keyBuffers = try positions.map { try Tensor(random(hkv * ($0 + 3) * d), shape: [1, hkv, $0 + 3, d]) }
            let valueBuffers = try positions.map { try Tensor(random(hkv * ($0 + 3) * d), shape: [1, hkv, $0 + 3, d]) }
            // The steps apart, on copies of the buffers.
            func heads(_ x: Tensor, _ n: Int) throws -> Tensor { try permute(reshape(x, [b, 1, n, d]), [0, 2, 1, 3]) }
            let rotatedQuery = try rope.apply(heads(q, hq), positions: positions)
            let rotatedKey = try rope.apply(heads(k, hkv), positions: positions)
            let valueHeads = try heads(v, hkv).contiguous()
            var keyViews: [Tensor] = [], valueViews: [Tensor] = []
            for (i, p) in positions.enumerated() {
                let (kb, vb) = (keyBuffers[i].copy(), valueBuffers[i].copy())
                let (kr, vr) = (try slice(rotatedKey, axis: 0, range: i..<(i + 1)).scalars, try slice(valueHeads, axis: 0, range: i..<(i + 1)).scalars)
                kb.withUnsafeMutableBufferPointer { kp in
                    vb.withUnsafeMutableBufferPointer { vp in
                        for h in 0..<hkv {
                            for j in 0..<d {
                                kp[(h * (p + 3) + p) * d + j] = kr[h * d + j]
                                vp[(h * (p + 3) + p) * d + j] = vr[h * d + j]
                            }
                        }
                    }
                }
                keyViews.append(try slice(kb, axis: 2, range: 0..<(p + 1)))
                valueViews.append(try slice(vb, axis: 2, range: 0..<(p + 1)))
            }
            guard let apart = try decodeAttention(query: rotatedQuery, keys: keyViews, values: valueViews) else {
                #expect(!decodeAttentionRuns(headDim: d, groupSize: hq / hkv))
                continue
            }
            let fused = try #require(try decodeAttention(query: q, key: k, value: v, rope: rope, positions: positions,
                                                        keyBuffers: keyBuffers, valueBuffers: valueBuffers))
            #expect(fused.scalars == apart.scalars, "\(hq)/\(hkv) heads of \(d)")
            for i in positions.indices {
                let p = positions[i]
                #expect(try slice(keyBuffers[i], axis: 2, range: 0..<(p + 1)).scalars == keyViews[i].scalars, "keys of sequence \(i)")
                #expect(try slice(valueBuffers[i], axis: 2, range: 0..<(p + 1)).scalars == valueViews[i].scalars, "values of sequence \(i)")
            }
        }
    }

    @Test func fromProjectionsRefusesBuffersWithoutRoom() throws {
        let rope = try RotaryEmbedding(headDim: 16, theta: 10000)
        let (q, kv) = (Tensor.zeros([1, 1, 64]), Tensor.zeros([1, 1, 32]))
        let full = Tensor.zeros([1, 2, 5, 16])
        #expect(throws: TensorError.self) {
            try decodeAttention(query: q, key: kv, value: kv, rope: rope, positions: [5], keyBuffers: [full], valueBuffers: [full])
        }
        #expect(throws: TensorError.self) {   // no sequences
            try decodeAttention(query: Tensor.zeros([0, 1, 64]), key: Tensor.zeros([0, 1, 32]), value: Tensor.zeros([0, 1, 32]), rope: rope,
                                positions: [], keyBuffers: [], valueBuffers: [])
        }
        #expect(throws: TensorError.self) {   // keys of rank 2
            try decodeAttention(query: q, key: Tensor.zeros([1, 1]), value: Tensor.zeros([1, 1]), rope: rope, positions: [1],
                                keyBuffers: [full], valueBuffers: [Tensor.zeros([1, 2, 5, 16])])
        }
        #expect(throws: TensorError.self) {   // two sequences writing into one buffer
            let shared = Tensor.zeros([1, 2, 5, 16])
            try decodeAttention(query: Tensor.zeros([2, 1, 64]), key: Tensor.zeros([2, 1, 32]), value: Tensor.zeros([2, 1, 32]), rope: rope,
                                positions: [1, 2], keyBuffers: [shared, shared], valueBuffers: [full, Tensor.zeros([1, 2, 5, 16])])
        }
        #expect(throws: TensorError.self) {   // 3 KV heads of 16 in a buffer of 2
            try decodeAttention(query: Tensor.zeros([1, 1, 48]), key: Tensor.zeros([1, 1, 48]), value: Tensor.zeros([1, 1, 48]), rope: rope,
                                positions: [1], keyBuffers: [full], valueBuffers: [full])
        }
    }
}
