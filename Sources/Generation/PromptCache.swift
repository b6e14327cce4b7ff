import Models

/// Prefilled prompts kept for reuse (docs/methods.md §12): a request whose prompt token ids equal
/// a kept one's starts from that prompt's keys, values and next-token logits instead of running
/// the prompt again — the same numbers bit for bit, so its samples are unchanged. It helps where
/// prompts repeat: retries, several requests for one prompt, a judge's template over few items.
/// Where the model's passes are row-exact, a prompt that only begins like a kept one (a chat
/// template's system prompt, a shared instruction) continues from the kept keys and values of
/// that beginning (``longestPrefix(of:upTo:atLeast:)``).
/// The most recently used prompts are kept while their caches fit in `maxBytes`; the least
/// recently used leaves first.
///
/// Not thread-safe: the thread that owns the ``DecodeBatch`` uses it.
final class PromptCache {
    struct Entry {
        /// The prompt's keys and values; never written to (each sample decodes on a copy).
        let cache: KVCache
        let logits: [Float]
        /// Memory the entry holds (its keys, values and logits).
        let bytes: Int
    }

    let maxBytes: Int
    private(set) var bytes = 0
    private var entries: [[Int]: Entry] = [:]
    /// Prompts from least to most recently used.
    private var order: [[Int]] = []

    init(maxBytes: Int) { self.maxBytes = maxBytes }

    /// The kept prefill of `ids`, now the most recently used.
    func lookup(_ ids: [Int]) -> Entry? {
        guard let entry = entries[ids] else { return nil }
        order.removeAll { $0 == ids }
        order.append(ids)
        return entry
    }

    /// The kept prompt sharing the longest beginning with `ids` — at most `limit` tokens of it —
    /// and the length shared, the prompt now the most recently used; nil when none shares
    /// `minimum` tokens. (A prompt's first positions are the same whatever follows them,
    /// docs/methods.md §12.)
    func longestPrefix(of ids: [Int], upTo limit: Int, atLeast minimum: Int) -> (entry: Entry, length: Int)? {
        var best: (prompt: [Int], length: Int)?
        guard minimum >= 1, limit >= minimum else { return nil }
        for prompt in order.reversed() {
            let length = zip(prompt.prefix(limit), ids).prefix { $0 == $1 }.count
            if length > (best?.length ?? 0) { best = (prompt, length) }
        }
        guard let best, best.length >= minimum, let entry = lookup(best.prompt) else { return nil }
        return (entry, best.length)
    }

    /// Keeps `entry` as the most recently used, dropping the least recently used ones it does not fit beside.
    func insert(_ ids: [Int], _ entry: Entry) {
        guard entry.bytes <= maxBytes, entries[ids] == nil else { return }
        while bytes + entry.bytes > maxBytes, !order.isEmpty {
            bytes -= entries.removeValue(forKey: order.removeFirst())!.bytes
        }
        entries[ids] = entry
        order.append(ids)
        bytes += entry.bytes
    }
}
