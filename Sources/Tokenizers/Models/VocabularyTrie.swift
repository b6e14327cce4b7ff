/// A byte trie over a vocabulary, for the Unigram lattice: every entry that is a prefix of the
/// bytes from a position, shortest first (HF `models/unigram/trie.rs` `common_prefix_search`).
struct VocabularyTrie: Sendable {
    /// Child of node n on byte b, keyed by n·256 + b. Node 0 is the root.
    private var children: [Int: Int32] = [:]
    /// The vocabulary id ending at each node, or -1.
    private var ids: [Int32] = [-1]

    /// `tokens[id]` (nil entries are skipped); a repeated token keeps its last id, as HF's map does.
    init(_ tokens: [String?]) {
        for (id, token) in tokens.enumerated() {
            guard let token, !token.isEmpty else { continue }
            var node = 0
            for byte in token.utf8 {
                let key = node << 8 | Int(byte)
                if let child = children[key] {
                    node = Int(child)
                } else {
                    ids.append(-1)
                    children[key] = Int32(ids.count - 1)
                    node = ids.count - 1
                }
            }
            ids[node] = Int32(id)
        }
    }

    /// Calls `visit(id, end)` for each entry equal to `bytes[start..<end]`, in increasing `end`.
    func prefixes(of bytes: UnsafeBufferPointer<UInt8>, from start: Int, _ visit: (Int, Int) -> Void) {
        var node = 0
        var i = start
        while i < bytes.count, let child = children[node << 8 | Int(bytes[i])] {
            node = Int(child)
            i += 1
            if ids[node] >= 0 { visit(Int(ids[node]), i) }
        }
    }
}
