import TensorEngine

/// How a micro-batch's sequences become the model's token rows (docs/methods.md §6.4):
///
/// - padded (TRL's default): one sequence a row, right-padded to the longest, padding keys masked;
/// - padding-free (TRL's `padding_free`): the sequences concatenated into one row, each one's
///   positions restarting at 0 and the sequences before it hidden from it (``HiddenKeys``), so
///   attention stays within each sequence and no product is spent on padding. A row is closed
///   when the next sequence would take it past `maxRowLength` (the model's context); those
///   extra rows are counted in ``contextSplits`` (they are padded to the longest row).
///
/// Either way each sequence sees exactly what it sees alone, so log-probs, losses and gradients
/// are the same up to Float32 summation order. A sequence may carry its own hidden span (a
/// preference pair packed as prompt, chosen, rejected); it moves with the sequence.
public struct BatchLayout {
    /// One sequence to place: its tokens, their positions (RoPE), and keys hidden from some of its
    /// own queries, both ranges relative to the sequence's first token.
    public struct Segment {
        public var tokens: [Int]
        public var positions: [Int]
        public var hidden: (queries: Range<Int>, keys: Range<Int>)?

        public init(tokens: [Int], positions: [Int]? = nil, hidden: (queries: Range<Int>, keys: Range<Int>)? = nil) {
            self.tokens = tokens
            self.positions = positions ?? Array(0..<tokens.count)
            self.hidden = hidden
        }
    }

    /// Token rows, all `width` long (pad id 0 after a row's tokens).
    public let ids: [[Int]]
    public let positions: [[Int]]
    /// Real-token flags per row; nil when no row is padded.
    public let keyPadding: [[Bool]]?
    public let hiddenKeys: [HiddenKeys]
    /// Where each segment lies: its row and the index of its first token there.
    public let origins: [(row: Int, offset: Int)]
    public let width: Int
    /// Rows beyond the first that padding-free packing had to start because the context was full
    /// (0 for padded batches).
    public let contextSplits: Int

    public init(_ segments: [Segment], paddingFree: Bool, maxRowLength: Int) {
        var rows: [[Int]] = [], positions: [[Int]] = [], hidden: [HiddenKeys] = []
        var origins: [(row: Int, offset: Int)] = []
        for s in segments {
            let length = s.tokens.count
            if !paddingFree || rows.isEmpty || (rows[rows.count - 1].count + length > maxRowLength && !rows[rows.count - 1].isEmpty) {
                rows.append([])
                positions.append([])
            }
            let (row, offset) = (rows.count - 1, rows[rows.count - 1].count)
            rows[row] += s.tokens
            positions[row] += s.positions
            origins.append((row, offset))
            // The sequences before this one in its row, then its own span (both before the queries).
            if offset > 0 { hidden.append(HiddenKeys(batchRow: row, queries: offset..<(offset + length), keys: 0..<offset)) }
            if let h = s.hidden {
                hidden.append(HiddenKeys(batchRow: row, queries: (offset + h.queries.lowerBound)..<(offset + h.queries.upperBound),
                                         keys: (offset + h.keys.lowerBound)..<(offset + h.keys.upperBound)))
            }
        }
        let width = rows.map(\.count).max() ?? 0
        ids = rows.map { $0 + [Int](repeating: 0, count: width - $0.count) }
        self.positions = positions.map { $0 + [Int](repeating: 0, count: width - $0.count) }
        keyPadding = rows.allSatisfy { $0.count == width } ? nil : rows.map { r in (0..<width).map { $0 < r.count } }
        hiddenKeys = hidden
        self.origins = origins
        self.width = width
        contextSplits = paddingFree ? max(0, rows.count - 1) : 0
    }

    /// The flat row-major index (into [rows, width]) of token `index` of segment `segment`.
    public func flatIndex(segment: Int, token index: Int) -> Int {
        origins[segment].row * width + origins[segment].offset + index
    }
}
