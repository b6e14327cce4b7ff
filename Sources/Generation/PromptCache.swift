import Models

/// Prefilled prompts kept for reuse (docs/methods.md §12): a request whose prompt token ids equal
/// a kept one's starts from that prompt's keys, values and next-token logits instead of running
/// the prompt again — the same numbers bit for bit, so its samples are unchanged. It helps where
/// prompts repeat: retries, several requests for one prompt, a judge's template over few items.
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
