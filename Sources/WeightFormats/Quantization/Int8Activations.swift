import CBlockDot
import Foundation

/// The fast decode path for Q4_0, Q4_1 and Q8_0 weights: x is quantized once per product to int8
/// in groups of 32 (scale max|x|/127, as llama.cpp's Q8 activations) and each block's dot product
/// runs on 8-bit integer instructions (AVX512-VNNI `vpdpbusd`, or AVX2 `vpmaddubsw`) in the C
/// target CBlockDot; scales and the Q4 offset terms stay Float32 (offsets use the exact Σx).
///
/// It is opt-in. It makes decode ~1.25× faster end to end (with the row-group layout,
/// ``RowGroupedMatrix``, the int8 products read memory at ~1.7× the rate of the Float32 ones; the
/// rest of a step is attention, norms and waiting), but rounding x to 8 bits
/// per group is coarse next to SmolLM2's outlier channels: a decode step's logits move by up to
/// ~8% of the largest logit and greedy continuations leave transformers' after a few tokens.
/// Set `DIVTUNE_INT8_DECODE=1` in the environment, or ``isEnabled`` = true, to use it.
public enum Int8Activations {
    /// Whether decode uses int8 activations (default: no, unless `DIVTUNE_INT8_DECODE=1`).
    nonisolated(unsafe) public static var isEnabled = ProcessInfo.processInfo.environment["DIVTUNE_INT8_DECODE"] == "1"

    /// The CPU's kernel level: 2 AVX512-VNNI, 1 AVX2, 0 none (Float32 kernels only).
    public static let level = Int(divtune_int8_dot_level())

    /// Whether this CPU has an int8 kernel for `type`.
    public static func covers(_ type: GGMLType) -> Bool {
        level > 0 && NativeFloatKernels.hasCKernel(type)
    }

    /// y[r] = row r · x for `rowCount` rows of `blocks` blocks (`rowBytes` apart) on all cores.
    static func multiply(type: GGMLType, rows: UnsafeRawPointer, rowBytes: Int, rowCount: Int, blocks: Int,
                         x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>) {
        withQuantized(x, blocks: blocks) { q, d, sums, _ in
            NativeFloatKernels.onAllCores(type, rowCount: rowCount, blocks: blocks) { range in
                divtune_int8_matvec(Int32(type.rawValue), rows, rowBytes, range.lowerBound, range.upperBound,
                                    Int32(blocks), q, d, sums, y)
            }
        }
    }

    /// Runs `body(q, d, sums, codeSums)` with x's `blocks` groups of 32 quantized in scratch as
    /// divtune_quantize_q8 writes them: codes, scales, exact group sums and sums of codes.
    static func withQuantized<R>(_ x: UnsafePointer<Float>, blocks: Int,
                                 _ body: (UnsafePointer<Int8>, UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Int32>) -> R) -> R {
        withUnsafeTemporaryAllocation(of: Int8.self, capacity: 32 * blocks) { q in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: 2 * blocks) { scales in
                withUnsafeTemporaryAllocation(of: Int32.self, capacity: blocks) { codeSums in
                    let (q, d, qsum) = (q.baseAddress!, scales.baseAddress!, codeSums.baseAddress!)
                    divtune_quantize_q8(x, Int32(blocks), q, d, d + blocks, qsum)
                    return body(q, d, d + blocks, qsum)
                }
            }
        }
    }

    /// x quantized as the kernels see it: int8 values, per-group scales and exact group sums.
    public static func quantize(_ x: [Float]) -> (q: [Int8], scales: [Float], sums: [Float]) {
        precondition(x.count % 32 == 0, "int8 activations come in groups of 32")
        let blocks = x.count / 32
        var q = [Int8](repeating: 0, count: x.count), d = [Float](repeating: 0, count: blocks), s = d
        x.withUnsafeBufferPointer { xp in
            q.withUnsafeMutableBufferPointer { qp in
                d.withUnsafeMutableBufferPointer { dp in
                    s.withUnsafeMutableBufferPointer { sp in
                        divtune_quantize_q8(xp.baseAddress!, Int32(blocks), qp.baseAddress!, dp.baseAddress!, sp.baseAddress!, nil)
                    }
                }
            }
        }
        return (q, d, s)
    }
}
