import CBlockDot

/// The row-at-a-time decode kernels for Q4_0, Q4_1 and Q8_0 on x86 (AVX-512 or AVX2), for matrices
/// that ``RowGroupedMatrix`` does not take (row counts not a multiple of 16, CPUs without
/// AVX-512BW) and for ``quantizedMatVec`` on raw blocks: each block's bytes
/// are widened to 32-bit lanes, converted and multiplied with x in Float32 (CBlockDot), so results
/// equal dequantize-then-dot up to summation order, like the Swift ``BlockDot`` kernels — which
/// stay the path on other CPUs and for the other types. Measured 2× the Swift kernels per token.
enum NativeFloatKernels {
    static let level = Int(divtune_float_dot_level())

    static func covers(_ type: GGMLType) -> Bool { level > 0 && hasCKernel(type) }

    /// The block types CBlockDot has kernels for (Float32 and int8 alike).
    static func hasCKernel(_ type: GGMLType) -> Bool { type == .q4_0 || type == .q4_1 || type == .q8_0 }

    /// y[r] = row r · x for `rowCount` rows of `blocks` 32-weight blocks (`rowBytes` apart), on all
    /// cores; `groupSums[g]` = Σ x over group g.
    static func multiply(type: GGMLType, rows: UnsafeRawPointer, rowBytes: Int, rowCount: Int, blocks: Int,
                         x: UnsafePointer<Float>, groupSums: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>) {
        onAllCores(type, rowCount: rowCount, blocks: blocks) { range in
            divtune_float_matvec(Int32(type.rawValue), rows, rowBytes, range.lowerBound, range.upperBound,
                                 Int32(blocks), x, groupSums, y)
        }
    }

    /// Runs a CBlockDot kernel over ranges of `rowCount` rows on all cores; `kernel` returns the C
    /// status (0: done, -1: no kernel for the type on this CPU, which callers rule out first).
    static func onAllCores(_ type: GGMLType, rowCount: Int, blocks: Int, _ kernel: (Range<Int>) -> Int32) {
        Dequantizer.parallelRows(rowCount, work: rowCount * blocks * 32) { range in
            precondition(kernel(range) == 0, "CBlockDot has no \(type.name) kernel on this CPU")
        }
    }
}
