import TensorEngine

extension LlamaModel {
    /// One decode step of B sequences at once (batched decoding, docs/methods.md §12): token i is
    /// fed to the sequence whose keys and values `caches[i]` holds, at position `caches[i].length`.
    /// The projections and the MLP take all B rows in one pass over the weights (a decode step is
    /// bound by reading them); attention runs per sequence over its own cache, so the sequences
    /// may have different prompts and lengths. Each row of the result is the next-token logits of
    /// its sequence, exactly those of `self([[token]], cache: cache, logits: .last)` for it alone.
    public func decodeStep(tokens: [Int], caches: [KVCache]) throws -> [[Float]] {
        guard !tokens.isEmpty, tokens.count == caches.count else {
            throw ModelError.invalidInput("a decode step needs one KV cache per token (got \(tokens.count) tokens, \(caches.count) caches)")
        }
        guard Set(caches.map(ObjectIdentifier.init)).count == caches.count else {
            throw ModelError.invalidInput("each sequence of a decode step needs its own KV cache")
        }
        if let full = caches.first(where: { $0.length + 1 > $0.capacity }) {
            throw ModelError.contextOverflow(tokens: full.length + 1, limit: full.capacity)
        }
        if let bad = tokens.first(where: { !(0..<configuration.vocabSize).contains($0) }) {
            throw ModelError.invalidInput("token id \(bad) is outside the vocabulary 0..<\(configuration.vocabSize)")
        }
        return try Tensor.withNoGrad {
            var x = try embed(tokens, shape: [tokens.count, 1])
            for block in layers { x = try block.decode(x, caches: caches) }
            let logits = try outputLogits(finalNorm(x)).scalars
            let v = configuration.vocabSize
            return (0..<tokens.count).map { Array(logits[($0 * v)..<(($0 + 1) * v)]) }
        }
    }
}
