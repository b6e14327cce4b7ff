import Foundation

/// Turns rows of GGML blocks into Float32 (layouts: ggml `ggml-common.h`, loops:
/// `ggml-quants.c: dequantize_row_*`). Callers have bounds-checked the whole byte range, so the
/// block loops read without per-element checks. Large ranges run on all cores.
public enum Dequantizer {
    public static func rows(_ type: GGMLType, _ base: UnsafeRawPointer, rows: Range<Int>, rowLength: Int,
                            into dst: UnsafeMutablePointer<Float>) {
        let rowBytes = type.rowBytes(rowLength)
        let blocksPerRow = rowLength / type.blockSize
        let work = rows.count * rowLength
        let chunks = work < 1 << 16 ? 1 : min(rows.count, ProcessInfo.processInfo.activeProcessorCount * 4)
        let per = (rows.count + chunks - 1) / max(chunks, 1)
        DispatchQueue.concurrentPerform(iterations: chunks) { c in
            let lo = rows.lowerBound + c * per, hi = min(rows.upperBound, lo + per)
            guard lo < hi else { return }
            for r in lo..<hi {
                let src = base + r * rowBytes
                let out = dst + (r - rows.lowerBound) * rowLength
                row(type, src, blocks: blocksPerRow, out)
            }
        }
    }

    /// One row of `blocks` blocks.
    static func row(_ type: GGMLType, _ src: UnsafeRawPointer, blocks: Int, _ y: UnsafeMutablePointer<Float>) {
        let bs = type.typeSize, n = type.blockSize
        switch type {
        case .f32:
            for i in 0..<blocks { y[i] = Float(bitPattern: src.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)) }
        case .f16:
            for i in 0..<blocks { y[i] = half(src, 2 * i) }
        case .bf16:
            for i in 0..<blocks { y[i] = Float(bitPattern: UInt32(src.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)) << 16) }
        case .q4_0: for b in 0..<blocks { LegacyQuants.q4_0(src + b * bs, y + b * n) }
        case .q4_1: for b in 0..<blocks { LegacyQuants.q4_1(src + b * bs, y + b * n) }
        case .q5_0: for b in 0..<blocks { LegacyQuants.q5_0(src + b * bs, y + b * n) }
        case .q5_1: for b in 0..<blocks { LegacyQuants.q5_1(src + b * bs, y + b * n) }
        case .q8_0: for b in 0..<blocks { LegacyQuants.q8_0(src + b * bs, y + b * n) }
        case .q4_K: for b in 0..<blocks { KQuants.q4_K(src + b * bs, y + b * n) }
        case .q5_K: for b in 0..<blocks { KQuants.q5_K(src + b * bs, y + b * n) }
        case .q6_K: for b in 0..<blocks { KQuants.q6_K(src + b * bs, y + b * n) }
        default: for i in 0..<(blocks * n) { y[i] = .nan }   // unreachable: callers check isDequantizable
        }
    }

    /// IEEE binary16 at a byte offset, widened to Float32.
    @inline(__always)
    static func half(_ p: UnsafeRawPointer, _ offset: Int) -> Float {
        Float(Float16(bitPattern: p.loadUnaligned(fromByteOffset: offset, as: UInt16.self)))
    }
}
