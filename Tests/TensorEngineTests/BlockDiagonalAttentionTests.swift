import Testing
@testable import TensorEngine

/// Several hidden spans in one batch row: a padding-free row of sequences, each hiding the ones
/// before it (docs/methods.md §6.4), one of them also hiding a span of its own keys (a packed
/// preference pair). Output and gradients equal each sequence's attention computed alone.
@Suite struct BlockDiagonalAttentionTests {
    @Test func sequencesInOneRowAttendAsIfAlone() throws {
        let lengths = [40, 90, 37], starts = [0, 40, 130], t = 167, d = 8
        // Inside the second sequence, queries 60..<90 do not see its keys 20..<60.
        let inner = (queries: 60..<90, keys: 20..<60)
        let leaves = [random([1, 4, t, d], seed: 61), random([1, t, 2, d], seed: 62), random([1, t, 2, d], seed: 63)]
        let weights = random([1, 4, t, d], seed: 64)
        var hidden = (1..<3).map { HiddenKeys(batchRow: 0, queries: starts[$0]..<(starts[$0] + lengths[$0]), keys: 0..<starts[$0]) }
        hidden.append(HiddenKeys(batchRow: 0, queries: (40 + inner.queries.lowerBound)..<(40 + inner.queries.upperBound),
                                 keys: (40 + inner.keys.lowerBound)..<(40 + inner.keys.upperBound)))
        func run(fused: Bool) throws -> ([Float], [[Float]]) {
            let xs = leaves.map { $0.detached() }
            for x in xs { x.requiresGrad = true }
            let (q, k, v) = (xs[0], try permute(xs[1], [0, 2, 1, 3]), try permute(xs[2], [0, 2, 1, 3]))
            let out: Tensor
            if fused {
                out = try scaledDotProductAttention(query: q, key: k, value: v, causal: true, hiddenKeys: hidden)
            } else {
                var parts: [Tensor] = []
                for (start, length) in zip(starts, lengths) {
                    let range = start..<(start + length)
                    let (qs, ks, vs) = (try slice(q, axis: 2, range: range), try slice(k, axis: 2, range: range), try slice(v, axis: 2, range: range))
                    if start == 40 {   // the sequence with its own span, as in GradientCheck's block-scale test
                        let before = try scaledDotProductAttention(query: slice(qs, axis: 2, range: 0..<inner.queries.lowerBound), key: ks, value: vs, causal: true)
                        let kept = [0..<inner.keys.lowerBound, inner.keys.upperBound..<length]
                        let span = try scaledDotProductAttention(
                            query: slice(qs, axis: 2, range: inner.queries),
                            key: concat(kept.map { try slice(ks, axis: 2, range: $0) }, axis: 2),
                            value: concat(kept.map { try slice(vs, axis: 2, range: $0) }, axis: 2),
                            causal: true, queryOffset: inner.queries.lowerBound - inner.keys.count)
                        parts.append(try concat([before, span], axis: 2))
                    } else {
                        parts.append(try scaledDotProductAttention(query: qs, key: ks, value: vs, causal: true))
                    }
                }
                out = try concat(parts, axis: 2)
            }
            try sum(mul(out, weights)).backward()
            return (out.scalars, try xs.map { try #require($0.grad).scalars })
        }
        let (fused, alone) = (try run(fused: true), try run(fused: false))
        let worstOutput = zip(fused.0, alone.0).map { abs($0 - $1) }.max() ?? 0
        #expect(worstOutput <= 1e-5, "output differs by \(worstOutput)")
        for (i, (f, a)) in zip(fused.1, alone.1).enumerated() {
            let worst = zip(f, a).map { abs($0 - $1) }.max() ?? 0
            #expect(worst <= 1e-4, "gradient \(i) differs by \(worst)")
        }
        // Spans that overlap in their queries hide the union of their keys: a gradient check.
        let (qh, kh, vh) = (random([1, 2, 9, 4], seed: 65), random([1, 1, 9, 4], seed: 66), random([1, 1, 9, 4], seed: 67))
        let overlapping = [HiddenKeys(batchRow: 0, queries: 4..<9, keys: 0..<3), HiddenKeys(batchRow: 0, queries: 6..<9, keys: 2..<5)]
        try checkGradients("attention overlapping hidden spans", [qh, kh, vh]) {
            try scaledDotProductAttention(query: $0[0], key: $0[1], value: $0[2], causal: true, hiddenKeys: overlapping)
        }
    }
}
