import Foundation

/// Byte-pair encoding (Sennrich et al. 2016) as HF `tokenizers` runs it (`models/bpe/model.rs`,
/// `word.rs`): a word starts as one symbol per Unicode scalar (looked up in the vocabulary, with
/// `continuing_subword_prefix` on non-initial and `end_of_word_suffix` on the final symbol; unknown
/// scalars become `<0xXX>` byte tokens under `byte_fallback`, else `unk_token`, fused when
/// `fuse_unk`), then the adjacent pair with the lowest merge rank — leftmost on ties — is merged
/// until no ranked pair remains. With `ignore_merges` (Llama 3) a word that is itself in the
/// vocabulary is emitted whole. Byte-level models see words already respelled by `ByteLevelAlphabet`.
///
/// Results are cached per word (words under 256 bytes, like HF), guarded by a lock.
final class BPEModel: TokenizerModel, @unchecked Sendable {
    /// `tokenizer.json` `"model"` with `"type": "BPE"`.
    struct Configuration: Decodable, Sendable {
        var vocab: [String: Int]
        var merges: MergeList
        var unkToken: String?
        var continuingSubwordPrefix: String?
        var endOfWordSuffix: String?
        var fuseUnk: Bool
        var byteFallback: Bool
        var ignoreMerges: Bool
        /// Whether a merge naming a token outside the vocabulary is an error (HF, `tokenizer.json`)
        /// or skipped (llama.cpp, GGUF).
        var strictMerges: Bool

        /// From GGUF metadata: merges that cannot apply are skipped, as llama.cpp does.
        init(vocab: [String: Int], merges: [(String, String)], ignoreMerges: Bool = false) {
            self.vocab = vocab
            self.merges = MergeList(pairs: merges)
            self.ignoreMerges = ignoreMerges
            fuseUnk = false
            byteFallback = false
            strictMerges = false
        }

        init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: JSONKey.self)
            vocab = try c.value("vocab")
            merges = try c.value("merges", default: MergeList(pairs: []))
            unkToken = try c.value("unk_token", default: nil)
            continuingSubwordPrefix = try c.value("continuing_subword_prefix", default: nil)
            endOfWordSuffix = try c.value("end_of_word_suffix", default: nil)
            fuseUnk = try c.value("fuse_unk", default: false)
            byteFallback = try c.value("byte_fallback", default: false)
            ignoreMerges = try c.value("ignore_merges", default: false)
            strictMerges = true
            if let dropout = try c.value("dropout", default: Float?.none), dropout > 0 {
                throw TokenizerError.unsupported(source: "", field: TokenizerError.jsonPath(c.codingPath) + ".dropout",
                                                 what: "BPE dropout \(dropout) (a training-time augmentation)")
            }
        }
    }

    let vocabulary: [String: Int]
    private let tokens: [String?]
    private let merges: BPEMerges
    /// Ids of single-scalar tokens, used for a word's first symbols when no prefix/suffix applies.
    private let scalarIds: [UInt32: Int32]
    private let unkId: Int32?
    private let prefix: String
    private let suffix: String
    private let fuseUnk: Bool
    private let byteFallback: Bool
    let ignoreMerges: Bool

    private var cache: [String: [Int]] = [:]
    private let lock = NSLock()
    private static let cacheCapacity = 50_000

    init(_ config: Configuration) throws {
        vocabulary = config.vocab
        tokens = try VocabularyTable.tokens(config.vocab)
        var scalarIds: [UInt32: Int32] = [:]
        for (token, id) in config.vocab {
            let scalars = token.unicodeScalars
            if scalars.count == 1, let s = scalars.first { scalarIds[s.value] = Int32(id) }
        }
        self.scalarIds = scalarIds
        prefix = config.continuingSubwordPrefix ?? ""
        suffix = config.endOfWordSuffix ?? ""
        merges = try BPEMerges(config.merges.pairs, vocabulary: config.vocab, continuingSubwordPrefix: prefix, strict: config.strictMerges)
        if let unk = config.unkToken {
            guard let id = config.vocab[unk] else {
                throw TokenizerError.invalid(source: "", field: "model.unk_token", reason: "'\(unk)' is not in the vocabulary")
            }
            unkId = Int32(id)
        } else {
            unkId = nil
        }
        fuseUnk = config.fuseUnk
        byteFallback = config.byteFallback
        ignoreMerges = config.ignoreMerges
    }

    var vocabularySize: Int { tokens.count }
    func tokenToId(_ token: String) -> Int? { vocabulary[token] }
    func idToToken(_ id: Int) -> String? { id >= 0 && id < tokens.count ? tokens[id] : nil }

    func tokenize(_ word: String) -> [Int] {
        if word.isEmpty { return [] }
        if ignoreMerges, let id = vocabulary[word] { return [id] }
        let cacheable = word.utf8.count < 256
        if cacheable {
            lock.lock()
            let hit = cache[word]
            lock.unlock()
            if let hit { return hit }
        }
        let ids = merge(initialSymbols(word))
        if cacheable {
            lock.lock()
            if cache.count >= Self.cacheCapacity { cache.removeAll(keepingCapacity: true) }
            cache[word] = ids
            lock.unlock()
        }
        return ids
    }

    /// One id per scalar (HF `merge_word` before `merge_all`).
    private func initialSymbols(_ word: String) -> [Int32] {
        var symbols: [Int32] = []
        symbols.reserveCapacity(word.utf8.count)
        var pendingUnk: Int32?
        let plain = prefix.isEmpty && suffix.isEmpty
        let scalars = word.unicodeScalars
        let last = scalars.index(before: scalars.endIndex)
        var i = scalars.startIndex
        while i < scalars.endIndex {
            let scalar = scalars[i]
            let piece: String
            let id: Int32?
            if plain {
                id = scalarIds[scalar.value]
                piece = ""
            } else {
                piece = (i == scalars.startIndex ? "" : prefix) + String(scalar) + (i == last ? suffix : "")
                id = vocabulary[piece].map(Int32.init)
            }
            i = scalars.index(after: i)
            if let id {
                if let unk = pendingUnk { symbols.append(unk); pendingUnk = nil }
                symbols.append(id)
                continue
            }
            if byteFallback {
                let bytes = plain ? Array(String(scalar).utf8) : Array(piece.utf8)
                let ids = bytes.compactMap { vocabulary[String(format: "<0x%02X>", $0)] }
                if ids.count == bytes.count {
                    if let unk = pendingUnk { symbols.append(unk); pendingUnk = nil }
                    symbols.append(contentsOf: ids.map(Int32.init))
                    continue
                }
            }
            if let unkId {
                if let unk = pendingUnk, !fuseUnk { symbols.append(unk) }
                pendingUnk = unkId
            }
        }
        if let unk = pendingUnk { symbols.append(unk) }
        return symbols
    }

    /// HF `Word::merge_all`: symbols in a doubly linked list, candidate pairs in a min-heap keyed by
    /// (rank, position); stale entries (a side already merged away) are skipped when popped.
    private func merge(_ initial: [Int32]) -> [Int] {
        let n = initial.count
        if n < 2 { return initial.map(Int.init) }
        var ids = initial
        var prev = [Int32](unsafeUninitializedCapacity: n) { buf, count in
            for i in 0..<n { buf[i] = Int32(i - 1) }
            count = n
        }
        var next = [Int32](unsafeUninitializedCapacity: n) { buf, count in
            for i in 0..<n { buf[i] = i == n - 1 ? -1 : Int32(i + 1) }
            count = n
        }
        var alive = [Bool](repeating: true, count: n)
        var queue = MergeQueue(capacity: 2 * n)
        for i in 0..<(n - 1) {
            if let m = merges.merge(ids[i], ids[i + 1]) { queue.push(rank: m.rank, position: i, id: m.id) }
        }
        while let (pos, newId) = queue.pop() {
            guard alive[pos], next[pos] >= 0 else { continue }
            let right = Int(next[pos])
            guard let m = merges.merge(ids[pos], ids[right]), m.id == newId else { continue }
            ids[pos] = newId
            alive[right] = false
            next[pos] = next[right]
            if next[right] >= 0 { prev[Int(next[right])] = Int32(pos) }
            if prev[pos] >= 0, let m = merges.merge(ids[Int(prev[pos])], newId) {
                queue.push(rank: m.rank, position: Int(prev[pos]), id: m.id)
            }
            if next[pos] >= 0, let m = merges.merge(newId, ids[Int(next[pos])]) {
                queue.push(rank: m.rank, position: pos, id: m.id)
            }
        }
        var out: [Int] = []
        var i = 0
        while i >= 0 {
            out.append(Int(ids[i]))
            i = Int(next[i])
        }
        return out
    }
}

/// `model.merges`: `["a b", …]` (older files, GGUF) or `[["a", "b"], …]` (tokenizers ≥ 0.20).
struct MergeList: Decodable, Sendable {
    var pairs: [(String, String)]

    init(pairs: [(String, String)]) { self.pairs = pairs }

    init(from decoder: Decoder) throws {
        var c = try decoder.unkeyedContainer()
        var pairs: [(String, String)] = []
        pairs.reserveCapacity(c.count ?? 0)
        while !c.isAtEnd {
            let index = c.currentIndex
            if let line = try? c.decode(String.self) {
                guard let pair = Self.split(line) else {
                    throw TokenizerError.invalid(source: "", field: TokenizerError.jsonPath(c.codingPath) + "[\(index)]",
                                                 reason: "'\(line)' is not two tokens separated by a space")
                }
                pairs.append(pair)
            } else if let pair = try? c.decode([String].self), pair.count == 2 {
                pairs.append((pair[0], pair[1]))
            } else {
                throw TokenizerError.invalid(source: "", field: TokenizerError.jsonPath(c.codingPath) + "[\(index)]",
                                             reason: "expected \"a b\" or [\"a\", \"b\"]")
            }
        }
        self.pairs = pairs
    }

    /// "a b" → ("a", "b"), splitting at the first space after the first character (llama.cpp's rule).
    static func split(_ line: String) -> (String, String)? {
        guard let first = line.unicodeScalars.first else { return nil }
        let rest = line.unicodeScalars.dropFirst()
        guard let space = rest.firstIndex(of: " ") else { return nil }
        let left = String(first) + String(rest[rest.startIndex..<space])
        let right = String(rest[rest.index(after: space)...])
        return right.isEmpty ? nil : (left, right)
    }
}
