import CBlockDot
import Foundation

/// A Q4_0, Q4_1 or Q8_0 matrix copied into CBlockDot's row-group layout (16 rows' blocks
/// interleaved, see RowGroups.c), the decode layout on AVX-512 CPUs.
///
/// In the file's layout every block of every row ends in a horizontal sum, a scalar scale and a
/// dependency chain through one accumulator; in groups of 16 rows each vector instruction works on
/// 16 rows at once, so a product costs ~3 instructions per 16 weights (Float32) or per 64 (int8)
/// and decode is bound by memory traffic instead. The copy takes as many bytes as the blocks (f16
/// scales kept) and is made once, on the first product, in huge pages (``HugePageArena``).
final class RowGroupedMatrix: @unchecked Sendable {
    /// 2: Float32 and int8 kernels, 1: Float32 only, 0: none on this CPU.
    static let level = Int(divtune_group_level())

    /// Whether a `rowCount`-row matrix of `type` can take this layout on this CPU.
    static func covers(_ type: GGMLType, rowCount: Int) -> Bool {
        level > 0 && rowCount > 0 && rowCount % 16 == 0 && divtune_group_block_bytes(Int32(type.rawValue)) > 0
    }

    let type: GGMLType
    let rowCount: Int
    let blocks: Int
    private let memory: HugePageArena.Block
    private var groups: UnsafeMutableRawPointer { memory.pointer }

    /// The rows of `bytes` (`rowCount` rows of `columns` weights) regrouped, output row i being
    /// stored row `order[i]` (`order` nil: the stored order).
    /// - Precondition: ``covers(_:rowCount:)``, `columns % 32 == 0`, `bytes` holds the rows,
    ///   `order` is a permutation of the rows.
    init(type: GGMLType, bytes: UnsafeRawPointer, rowCount: Int, columns: Int, order: [Int]? = nil) {
        precondition(Self.covers(type, rowCount: rowCount) && columns % 32 == 0, "no row-group layout for \(type.name) \(rowCount)×\(columns)")
        self.type = type
        self.rowCount = rowCount
        blocks = columns / 32
        let groupCount = rowCount / 16, groupBytes = blocks * divtune_group_block_bytes(Int32(type.rawValue))
        memory = HugePageArena.shared.allocate(groupCount * groupBytes)
        let (rowBytes, blocks, out) = (type.rowBytes(columns), blocks, memory.pointer)
        Dequantizer.parallelRows(groupCount, work: rowCount * columns) { range in
            if let order {
                order.withUnsafeBufferPointer {
                    divtune_group_rows(Int32(type.rawValue), bytes, rowBytes, $0.baseAddress, range.lowerBound, range.upperBound, Int32(blocks), out)
                }
            } else {
                divtune_group_rows(Int32(type.rawValue), bytes, rowBytes, nil, range.lowerBound, range.upperBound, Int32(blocks), out)
            }
        }
    }

    /// y = W·x (`columns` inputs, `rowCount` outputs): Float32, or with x rounded to int8 per group
    /// of 32 (``Int8Activations``) where the CPU has AVX512-VNNI.
    func multiply(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, int8Activations: Bool) {
        Self.multiply([self], x, into: [y], int8Activations: int8Activations)
    }

    /// ys[i] = matrices[i]·x for matrices with the same number of columns, in one parallel run
    /// (x summed or quantized once): a decode step's q/k/v or gate/up products wait for the
    /// cores once instead of once per matrix. With `rows` > 1, x holds that many activation rows
    /// (`columns` apart) and ys[i] as many output rows (`rowCount` apart), all multiplied in one
    /// pass over the weights (batched decoding, docs/methods.md §12); each row's outputs are
    /// exactly those of the row alone.
    ///
    /// `after`, for matrices of one row count, runs in the same parallel run on each range of
    /// output rows as soon as every matrix has written it (for every activation row): the
    /// elementwise step that follows the products (SwiGLU of gate and up, a residual sum) then
    /// costs no pass of its own on one core. (Int8 activations with several rows multiply row by
    /// row; `after` then runs once, on all outputs, at the end.)
    static func multiply(_ matrices: [RowGroupedMatrix], _ x: UnsafePointer<Float>, rows: Int = 1,
                         into ys: [UnsafeMutablePointer<Float>], int8Activations: Bool, after: ((Range<Int>) -> Void)? = nil) {
        guard let blocks = matrices.first?.blocks, rows > 0 else { return }
        precondition(matrices.allSatisfy { $0.blocks == blocks } && ys.count == matrices.count, "row groups: matrices must share x")
        precondition(after == nil || matrices.allSatisfy { $0.rowCount == matrices[0].rowCount }, "row groups: `after` needs one row count")
        let columns = 32 * blocks, b32 = Int32(blocks)
        if int8Activations && level >= 2 && rows > 1 {
            // The int8 kernels take one row: each row is quantized and multiplied on its own.
            for i in 0..<rows {
                multiply(matrices, x + i * columns, into: zip(matrices, ys).map { $1 + i * $0.rowCount }, int8Activations: true)
            }
            after?(0..<matrices[0].rowCount)
            return
        }
        // Group ranges of all matrices laid end to end: operand i covers `span` of them — or, with
        // `after`, all operands cover the same groups side by side. Plain values, so that the
        // chunks (a few microseconds each, on both cores at once) touch no reference count.
        struct Operand { let type: Int32; let groups: UnsafeRawPointer; let rowCount: Int; let span: Range<Int>; let y: UnsafeMutablePointer<Float> }
        var operands: [Operand] = []
        for (m, y) in zip(matrices, ys) {
            let first = after != nil ? 0 : operands.last?.span.upperBound ?? 0
            operands.append(Operand(type: Int32(m.type.rawValue), groups: UnsafeRawPointer(m.groups), rowCount: m.rowCount,
                                    span: first..<(first + m.rowCount / 16), y: y))
        }
        let groupCount = operands.map(\.span.upperBound).max() ?? 0
        let work = matrices.reduce(0) { $0 + $1.rowCount } * columns * rows
        func run(_ kernel: (Operand, Range<Int>) -> Int32) {
            operands.withUnsafeBufferPointer { operands in
                Dequantizer.parallelRows(groupCount, work: work) { range in
                    for m in operands {
                        let own = range.clamped(to: m.span)
                        guard !own.isEmpty else { continue }
                        precondition(kernel(m, (own.lowerBound - m.span.lowerBound)..<(own.upperBound - m.span.lowerBound)) == 0,
                                     "CBlockDot has no row-group kernel for type \(m.type) on this CPU")
                    }
                    after?((16 * range.lowerBound)..<(16 * range.upperBound))
                }
            }
        }
        if int8Activations && level >= 2 {
            Int8Activations.withQuantized(x, blocks: blocks) { q, d, sums, qsum in
                run { m, r in
                    divtune_group_int8_matvec(m.type, m.groups, r.lowerBound, r.upperBound, b32, q, d, sums, qsum, m.y)
                }
            }
        } else {
            withUnsafeTemporaryAllocation(of: Float.self, capacity: rows * blocks) { sums in
                let sums = sums.baseAddress!
                for i in 0..<rows { sumGroupsOf32(x + i * columns, columns: columns, into: sums + i * blocks) }
                run { m, r in
                    divtune_group_float_matmat(m.type, m.groups, r.lowerBound, r.upperBound, b32, Int32(rows),
                                               x, columns, sums, blocks, m.y, m.rowCount)
                }
            }
        }
    }
}

/// sums[g] = Σ x[32g ..< 32g + 32] for each whole group of 32 in `columns`: the factor of the Q4
/// offset and min terms, which come out of each block's dot product as (constant)·Σx.
func sumGroupsOf32(_ x: UnsafePointer<Float>, columns: Int, into sums: UnsafeMutablePointer<Float>) {
    let raw = UnsafeRawPointer(x)
    for g in 0..<columns / 32 {
        let halves = raw.loadUnaligned(fromByteOffset: 128 * g, as: SIMD16<Float>.self)
            + raw.loadUnaligned(fromByteOffset: 128 * g + 64, as: SIMD16<Float>.self)
        sums[g] = halves.sum()
    }
}
