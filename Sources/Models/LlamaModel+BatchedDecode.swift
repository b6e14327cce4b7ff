import TensorEngine

extension LlamaModel {
    /// One decode step of B sequences at once (batched decoding, docs/methods.md §12): token i is
    /// fed to the sequence whose keys and values `caches[i]` holds, at position `caches[i].length`.
    /// The projections and the MLP take all B rows in one pass over the weights (a decode step is
    /// bound by reading them); attention runs per sequence over its own cache, so the sequences
    /// may have different prompts and lengths. Each row of the result is the next-token logits of
    /// its sequence, exactly those of `self([[token]], cache: cache, logits: .last)` for it alone.
    public func decodeStep(tokens: [Int], caches: [KVCache]) throws -> [[Float]] {
        try checkSequences(tokens.map { [$0] }, caches: caches, what: "a decode step", unit: "token")
        return try Tensor.withNoGrad {
            var x = try embed(tokens, shape: [tokens.count, 1])
            for block in layers { x = try block.attendEach(x, axis: 0, lengths: Array(repeating: 1, count: tokens.count), caches: caches) }
            return try lastLogits(finalNorm(x))
        }
    }

    /// The prompts of several sequences in one forward pass (packed prefill, docs/methods.md §12):
    /// prompt i continues the sequence whose keys and values `caches[i]` holds. The prompts are
    /// laid end to end in one row, so the projections and the MLP run one product over all their
    /// tokens; attention runs per prompt over its own cache. Returns each prompt's next-token
    /// logits, those of `self([prompt], cache: cache, logits: .last)` for it alone.
    public func prefill(_ prompts: [[Int]], caches: [KVCache]) throws -> [[Float]] {
        try checkSequences(prompts, caches: caches, what: "a packed prefill", unit: "prompt")
        return try Tensor.withNoGrad {
            let lengths = prompts.map(\.count)
            var x = try embed(prompts.flatMap { $0 }, shape: [1, lengths.reduce(0, +)])
            for block in layers { x = try block.attendEach(x, axis: 1, lengths: lengths, caches: caches) }
            // Each prompt's last position as a row of its own, through the head as a decode step's rows.
            var end = 0
            let lastRows = try lengths.map { length in
                end += length
                return try slice(x, axis: 1, range: (end - 1)..<end)
            }
            return try lastLogits(finalNorm(lastRows.count == 1 ? lastRows[0] : concat(lastRows, axis: 0)))
        }
    }

    /// Whether a forward pass without gradients gives each position exactly the numbers it gets
    /// in any other grouping of positions into passes — prompts packed together or alone, a prompt
    /// run whole or continued from the cache of a shared beginning (docs/methods.md §12): every
    /// projection multiplies rows exactly (quantized row-group kernels, no adapter enabled) and
    /// attention runs on the fused kernel (Gemma 2's soft-capped, windowed scores go through BLAS).
    /// A continued prompt needs at least two new positions (one query row takes another kernel).
    public var passesAreRowExact: Bool {
        configuration.gemma == nil
            && layers.allSatisfy { block in DecoderLayerModule.projections.allSatisfy { block.linear($0)?.multipliesRowsExactly ?? true } }
    }

    /// Refuses sequences that are empty, share a cache, overflow their cache or hold a token
    /// outside the vocabulary.
    private func checkSequences(_ sequences: [[Int]], caches: [KVCache], what: String, unit: String) throws {
        guard !sequences.isEmpty, sequences.count == caches.count else {
            throw ModelError.invalidInput("\(what) needs one KV cache per \(unit) (got \(sequences.count) \(unit)s, \(caches.count) caches)")
        }
        guard sequences.allSatisfy({ !$0.isEmpty }) else { throw ModelError.invalidInput("\(what) got an empty \(unit)") }
        guard Set(caches.map(ObjectIdentifier.init)).count == caches.count else {
            throw ModelError.invalidInput("each sequence of \(what) needs its own KV cache")
        }
        for (sequence, cache) in zip(sequences, caches) where cache.length + sequence.count > cache.capacity {
            throw ModelError.contextOverflow(tokens: cache.length + sequence.count, limit: cache.capacity)
        }
        if let bad = sequences.lazy.flatMap({ $0 }).first(where: { !(0..<configuration.vocabSize).contains($0) }) {
            throw ModelError.invalidInput("token id \(bad) is outside the vocabulary 0..<\(configuration.vocabSize)")
        }
    }

    /// The next-token logits of final hidden states [B, 1, hidden], one array per row.
    private func lastLogits(_ h: Tensor) throws -> [[Float]] {
        let logits = try outputLogits(h).scalars
        let v = configuration.vocabSize
        return (0..<h.shape[0]).map { Array(logits[($0 * v)..<(($0 + 1) * v)]) }
    }
}
