import CBlockDot
import Foundation

/// A Q4_0, Q4_1 or Q8_0 matrix copied into CBlockDot's row-group layout (16 rows' blocks
/// interleaved, see RowGroups.c), the decode layout on AVX-512 CPUs.
///
/// In the file's layout every block of every row ends in a horizontal sum, a scalar scale and a
/// dependency chain through one accumulator; in groups of 16 rows each vector instruction works on
/// 16 rows at once, so a product costs ~3 instructions per 16 weights (Float32) or per 64 (int8)
/// and decode is bound by memory traffic instead. The copy takes as many bytes as the blocks (f16
/// scales kept) and is made once, on the first product.
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
    private let groups: UnsafeMutableRawPointer

    /// The rows of `bytes` (`rowCount` rows of `columns` weights) regrouped.
    /// - Precondition: ``covers(_:rowCount:)``, `columns % 32 == 0`, `bytes` holds the rows.
    init(type: GGMLType, bytes: UnsafeRawPointer, rowCount: Int, columns: Int) {
        precondition(Self.covers(type, rowCount: rowCount) && columns % 32 == 0, "no row-group layout for \(type.name) \(rowCount)×\(columns)")
        self.type = type
        self.rowCount = rowCount
        blocks = columns / 32
        let groupCount = rowCount / 16, groupBytes = blocks * divtune_group_block_bytes(Int32(type.rawValue))
        groups = .allocate(byteCount: max(1, groupCount * groupBytes), alignment: 64)
        let (rowBytes, blocks, out) = (type.rowBytes(columns), blocks, groups)
        Dequantizer.parallelRows(groupCount, work: rowCount * columns) { range in
            divtune_group_rows(Int32(type.rawValue), bytes, rowBytes, range.lowerBound, range.upperBound, Int32(blocks), out)
        }
    }

    deinit { groups.deallocate() }

    /// y = W·x (`columns` inputs, `rowCount` outputs): Float32, or with x rounded to int8 per group
    /// of 32 (``Int8Activations``) where the CPU has AVX512-VNNI.
    func multiply(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, int8Activations: Bool) {
        let (type, blocks, packed) = (Int32(type.rawValue), Int32(blocks), UnsafeRawPointer(groups))
        let columns = 32 * self.blocks
        if int8Activations && Self.level >= 2 {
            withUnsafeTemporaryAllocation(of: Int8.self, capacity: columns) { q in
                withUnsafeTemporaryAllocation(of: Float.self, capacity: 2 * self.blocks) { scales in
                    withUnsafeTemporaryAllocation(of: Int32.self, capacity: self.blocks) { codeSums in
                        let (q, d, qsum) = (q.baseAddress!, scales.baseAddress!, codeSums.baseAddress!)
                        let sums = d + self.blocks
                        divtune_quantize_q8(x, blocks, q, d, sums, qsum)
                        onAllCores { divtune_group_int8_matvec(type, packed, $0.lowerBound, $0.upperBound, blocks, q, d, sums, qsum, y) }
                    }
                }
            }
        } else {
            withUnsafeTemporaryAllocation(of: Float.self, capacity: self.blocks) { sums in
                let sums = sums.baseAddress!
                sumGroupsOf32(x, columns: columns, into: sums)
                onAllCores { divtune_group_float_matvec(type, packed, $0.lowerBound, $0.upperBound, blocks, x, sums, y) }
            }
        }
    }

    /// Runs a group kernel over ranges of groups on all cores (it returns 0: `covers` held).
    private func onAllCores(_ kernel: (Range<Int>) -> Int32) {
        Dequantizer.parallelRows(rowCount / 16, work: rowCount * blocks * 32) { range in
            precondition(kernel(range) == 0, "CBlockDot has no \(type.name) row-group kernel on this CPU")
        }
    }
}

/// sums[g] = Σ x[32g ..< 32g + 32] for each whole group of 32 in `columns`: the factor of the Q4
/// offset and min terms, which come out of each block's dot product as (constant)·Σx.
func sumGroupsOf32(_ x: UnsafePointer<Float>, columns: Int, into sums: UnsafeMutablePointer<Float>) {
    for g in 0..<columns / 32 {
        var s: Float = 0
        for i in 0..<32 { s += x[32 * g + i] }
        sums[g] = s
    }
}
