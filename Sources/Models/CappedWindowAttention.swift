import TensorEngine

/// Causal grouped-query attention through composed engine ops, for what the fused kernel
/// (`scaledDotProductAttention`) does not do: Gemma 2's soft-capped scores, cap·tanh(s/cap) before
/// the mask, and sliding-window layers, where a query sees only the keys less than `window`
/// positions before it (docs/formats.md §2.6). Autograd runs through the ops, so LoRA training
/// works the same way.
///
/// The window is measured in token positions when the call holds all the keys (no cache): a
/// prompt shared by two packed completions, or sequences packed into one row, then see the same
/// keys as each sequence alone. With a cache it is measured in key slots, which is the same for
/// one sequence per row (left padding shifts queries and keys alike).
///
/// - query [B, Hq, T, D]; key, value [B, Hkv, S, D]; query row t sits at key index queryOffset + t;
///   `positions`: B·T positions of the queries (row-major).
/// - keyPadding / hiddenKeys as in `scaledDotProductAttention`. A query that sees no key at all (a
///   left-padding row) gets a uniform average instead of the fused kernel's zeros: it is padding
///   either way, and no real query attends to it.
/// - Returns [B, Hq, T, D].
func cappedWindowAttention(query: Tensor, key: Tensor, value: Tensor, positions: [Int], queryOffset: Int, keyPadding: [[Bool]]?,
                           hiddenKeys: [HiddenKeys], scale: Float, softCap: Float?, window: Int?) throws -> Tensor {
    let (b, hq, t, d) = (query.shape[0], query.shape[1], query.shape[2], query.shape[3])
    let (hkv, s) = (key.shape[1], key.shape[2])
    let group = hq / hkv
    // Query heads h = kv·group + g read KV head kv: group them under their KV head, rows (g, t).
    let q = try reshape(query, [b, hkv, group * t, d])
    var scores = try mul(matmul(q, key, transposeB: true), scale)
    if let softCap { scores = try mul(tanh(div(scores, softCap)), softCap) }
    let mask = try attentionMask(batch: b, queries: t, keys: s, positions: positions, queryOffset: queryOffset, keyPadding: keyPadding,
                                 hiddenKeys: hiddenKeys, window: window)
    scores = try add(reshape(scores, [b, hkv, group, t, s]), mask)
    let probabilities = try reshape(softmax(scores, axis: -1), [b, hkv, group * t, s])
    return try reshape(matmul(probabilities, value), [b, hq, t, d])
}

/// [B, 1, 1, T, S]: 0 where query t may see key s, else a large negative number (finite, so that a
/// row with nothing visible stays finite through softmax).
private func attentionMask(batch b: Int, queries t: Int, keys s: Int, positions: [Int], queryOffset: Int, keyPadding: [[Bool]]?,
                           hiddenKeys: [HiddenKeys], window: Int?) throws -> Tensor {
    let hidden: Float = -1e30
    var mask = [Float](repeating: hidden, count: b * t * s)
    let byPosition = queryOffset == 0 && s == t && positions.count == b * t
    for bi in 0..<b {
        for ti in 0..<t {
            let slot = queryOffset + ti
            for j in 0..<min(s, slot + 1) where keyPadding?[bi][j] ?? true {
                if let window {
                    let distance = byPosition ? positions[bi * t + ti] - positions[bi * t + j] : slot - j
                    guard distance < window else { continue }
                }
                mask[(bi * t + ti) * s + j] = 0
            }
        }
    }
    for span in hiddenKeys {
        guard (0..<b).contains(span.batchRow), span.queries.lowerBound >= 0, span.queries.upperBound <= t,
              span.keys.lowerBound >= 0, span.keys.upperBound <= s else {
            throw ModelError.invalidInput("hidden keys \(span) lie outside the \(b)×\(t) queries and \(s) keys")
        }
        for ti in span.queries {
            for j in span.keys { mask[(span.batchRow * t + ti) * s + j] = hidden }
        }
    }
    return try Tensor(mask, shape: [b, 1, 1, t, s])
}
