/// The merge table of a BPE model: for each adjacent id pair, its rank (the merge's index in
/// `merges`; lower merges first) and the id of the merged token. Keys pack both ids in one `UInt64`.
struct BPEMerges: Sendable {
    struct Merge: Sendable { let rank: Int32; let id: Int32 }
    private(set) var table: [UInt64: Merge] = [:]

    @inline(__always) static func key(_ a: Int32, _ b: Int32) -> UInt64 { UInt64(UInt32(bitPattern: a)) << 32 | UInt64(UInt32(bitPattern: b)) }

    /// From `(left, right)` token pairs in rank order. A pair whose parts or concatenation are not
    /// in the vocabulary can never apply: `strict` makes it an error naming the merge (HF's
    /// `MergeTokenOutOfVocabulary`), otherwise it is skipped (llama.cpp). A repeated pair keeps its
    /// last rank, as HF's `HashMap` collection does.
    init(_ pairs: [(String, String)], vocabulary: [String: Int], continuingSubwordPrefix: String, strict: Bool = false) throws {
        table.reserveCapacity(pairs.count)
        for (rank, (a, b)) in pairs.enumerated() {
            let joined = !continuingSubwordPrefix.isEmpty && b.hasBytePrefix(continuingSubwordPrefix)
                ? a + b.droppingBytePrefix(continuingSubwordPrefix) : a + b
            guard let ia = vocabulary[a], let ib = vocabulary[b], let merged = vocabulary[joined] else {
                guard strict else { continue }
                let missing = vocabulary[a] == nil ? a : vocabulary[b] == nil ? b : joined
                throw TokenizerError.invalid(source: "", field: "model.merges[\(rank)]",
                                             reason: "'\(missing)' of the merge '\(a) \(b)' is not in the vocabulary")
            }
            table[Self.key(Int32(ia), Int32(ib))] = Merge(rank: Int32(rank), id: Int32(merged))
        }
    }

    @inline(__always) func merge(_ a: Int32, _ b: Int32) -> Merge? { table[Self.key(a, b)] }
}

/// A binary min-heap of candidate merges keyed by `(rank, position)`: lower rank first, ties to
/// the leftmost position — the order of HF `tokenizers` `models/bpe/word.rs` (`merge_all`) and
/// llama.cpp's `llm_bigram_bpe` comparator.
struct MergeQueue {
    struct Entry { let key: UInt64; let id: Int32 }   // key = rank << 32 | position
    private var heap: [Entry] = []

    init(capacity: Int) { heap.reserveCapacity(capacity) }

    var isEmpty: Bool { heap.isEmpty }

    mutating func push(rank: Int32, position: Int, id: Int32) {
        let entry = Entry(key: UInt64(UInt32(bitPattern: rank)) << 32 | UInt64(position), id: id)
        heap.append(entry)
        // Sift up by moving parents into the hole rather than swapping (half the copies).
        heap.withUnsafeMutableBufferPointer { h in
            var i = h.count - 1
            while i > 0 {
                let parent = (i - 1) / 2
                if h[parent].key <= entry.key { break }
                h[i] = h[parent]
                i = parent
            }
            h[i] = entry
        }
    }

    mutating func pop() -> (position: Int, id: Int32)? {
        guard let top = heap.first else { return nil }
        let last = heap.removeLast()
        if !heap.isEmpty {
            heap.withUnsafeMutableBufferPointer { h in
                var i = 0
                while true {
                    let l = 2 * i + 1
                    if l >= h.count { break }
                    let child = l + 1 < h.count && h[l + 1].key < h[l].key ? l + 1 : l
                    if h[child].key >= last.key { break }
                    h[i] = h[child]
                    i = child
                }
                h[i] = last
            }
        }
        return (Int(top.key & 0xFFFF_FFFF), top.id)
    }
}
