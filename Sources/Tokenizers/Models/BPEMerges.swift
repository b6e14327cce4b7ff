/// The merge table of a BPE model: for each adjacent id pair, its rank (the merge's index in
/// `merges`; lower merges first) and the id of the merged token. Keys pack both ids in one `UInt64`.
struct BPEMerges: Sendable {
    struct Merge: Sendable { let rank: Int32; let id: Int32 }
    private(set) var table: [UInt64: Merge] = [:]

    @inline(__always) static func key(_ a: Int32, _ b: Int32) -> UInt64 { UInt64(UInt32(bitPattern: a)) << 32 | UInt64(UInt32(bitPattern: b)) }

    /// From `(left, right)` token pairs in rank order. A pair whose parts or concatenation are not
    /// in the vocabulary can never apply and is skipped (HF refuses such a file; llama.cpp ignores
    /// them). A repeated pair keeps its last rank, as HF's `HashMap` collection does.
    init(_ pairs: [(String, String)], vocabulary: [String: Int], continuingSubwordPrefix: String) {
        table.reserveCapacity(pairs.count)
        for (rank, (a, b)) in pairs.enumerated() {
            let joined = !continuingSubwordPrefix.isEmpty && b.hasBytePrefix(continuingSubwordPrefix)
                ? a + b.droppingBytePrefix(continuingSubwordPrefix) : a + b
            guard let ia = vocabulary[a], let ib = vocabulary[b], let merged = vocabulary[joined] else { continue }
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
        heap.append(Entry(key: UInt64(UInt32(bitPattern: rank)) << 32 | UInt64(position), id: id))
        var i = heap.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            if heap[parent].key <= heap[i].key { break }
            heap.swapAt(parent, i)
            i = parent
        }
    }

    mutating func pop() -> (position: Int, id: Int32)? {
        guard let top = heap.first else { return nil }
        let last = heap.removeLast()
        if !heap.isEmpty {
            heap[0] = last
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var smallest = i
                if l < heap.count && heap[l].key < heap[smallest].key { smallest = l }
                if r < heap.count && heap[r].key < heap[smallest].key { smallest = r }
                if smallest == i { break }
                heap.swapAt(i, smallest)
                i = smallest
            }
        }
        return (Int(top.key & 0xFFFF_FFFF), top.id)
    }
}
