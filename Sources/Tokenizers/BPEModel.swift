import Foundation

/// Byte-pair encoding over byte-level symbols (Sennrich et al. 2016; GPT-2's byte-level variant).
///
/// A word's bytes become byte-level characters, then the adjacent pair with the lowest merge rank
/// is merged repeatedly until no ranked pair remains; the resulting symbols are looked up in the
/// vocabulary. Results are cached per word (thread-safe).
final class BPEModel: @unchecked Sendable {
    let vocabulary: [String: Int]
    private let ranks: [String: Int]
    private var cache: [String: [Int]] = [:]
    private let lock = NSLock()

    init(vocabulary: [String: Int], merges: [(String, String)]) {
        self.vocabulary = vocabulary
        var ranks: [String: Int] = [:]
        ranks.reserveCapacity(merges.count)
        for (rank, (a, b)) in merges.enumerated() where ranks[a + " " + b] == nil { ranks[a + " " + b] = rank }
        self.ranks = ranks
    }

    /// Ids of one pre-tokenized word given as raw bytes.
    func encode(word bytes: some Collection<UInt8>) -> [Int] {
        let key = ByteLevelAlphabet.encode(bytes)
        lock.lock()
        if let hit = cache[key] { lock.unlock(); return hit }
        lock.unlock()
        let ids = merge(key)
        lock.lock()
        if cache.count > 100_000 { cache.removeAll(keepingCapacity: true) }
        cache[key] = ids
        lock.unlock()
        return ids
    }

    private func merge(_ word: String) -> [Int] {
        if let whole = vocabulary[word] { return [whole] }
        var symbols = word.map { String($0) }
        while symbols.count > 1 {
            var best = Int.max, at = -1
            for i in 0..<(symbols.count - 1) {
                if let r = ranks[symbols[i] + " " + symbols[i + 1]], r < best { best = r; at = i }
            }
            if at < 0 { break }
            // Merge every occurrence of the best pair, left to right (as HF's word merge does).
            let (a, b) = (symbols[at], symbols[at + 1])
            var merged: [String] = []
            merged.reserveCapacity(symbols.count)
            var i = 0
            while i < symbols.count {
                if i < symbols.count - 1 && symbols[i] == a && symbols[i + 1] == b {
                    merged.append(a + b)
                    i += 2
                } else {
                    merged.append(symbols[i])
                    i += 1
                }
            }
            symbols = merged
        }
        var ids: [Int] = []
        for s in symbols {
            if let id = vocabulary[s] {
                ids.append(id)
            } else {
                // Unknown symbol (a vocabulary without some byte): fall back to its single bytes.
                for c in s { if let id = vocabulary[String(c)] { ids.append(id) } }
            }
        }
        return ids
    }
}
