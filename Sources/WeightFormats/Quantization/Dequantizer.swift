import Base
import Foundation

/// Turns rows of GGML blocks into Float32 (block layouts: ggml `ggml-common.h`; reference loops:
/// `ggml-quants.c: dequantize_row_*`). The caller has bounds-checked the byte range once, so the
/// block loops run on raw pointers without per-element checks. Large ranges run on all cores.
public enum Dequantizer {
    /// Dequantizes rows `rows` of a tensor whose rows are `rowLength` weights of `type`
    /// (`bytes` starts at row 0) into `destination[0 ..< rows.count * rowLength]`.
    ///
    /// - Precondition: `type.isDequantizable`, `rowLength % type.blockSize == 0`, `bytes` holds at
    ///   least `rows.upperBound` rows and `destination` at least `rows.count * rowLength` floats.
    public static func rows(_ type: GGMLType, _ bytes: UnsafeRawBufferPointer, rows: Range<Int>, rowLength: Int,
                            into destination: UnsafeMutableBufferPointer<Float>) {
        precondition(type.isDequantizable && rowLength % type.blockSize == 0, "cannot dequantize \(type.name) rows of \(rowLength)")
        let rowBytes = type.rowBytes(rowLength)
        precondition(rows.lowerBound >= 0 && bytes.count >= rows.upperBound * rowBytes && destination.count >= rows.count * rowLength,
                     "row range \(rows) of \(rowLength) \(type.name) weights does not fit the buffers")
        guard !rows.isEmpty, rowLength > 0, let base = bytes.baseAddress, let dst = destination.baseAddress else { return }
        let blocks = rowLength / type.blockSize
        parallelRows(rows.count, work: rows.count * rowLength) { range in
            for i in range {
                row(type, base + (rows.lowerBound + i) * rowBytes, blocks: blocks, dst + i * rowLength)
            }
        }
    }

    /// One row of `blocks` blocks of `type` into `y[0 ..< blocks * blockSize]`.
    static func row(_ type: GGMLType, _ src: UnsafeRawPointer, blocks: Int, _ y: UnsafeMutablePointer<Float>) {
        let bs = type.typeSize, n = type.blockSize
        switch type {
        case .f32: UnsafeMutableRawPointer(y).copyMemory(from: src, byteCount: 4 * blocks)   // little-endian host
        case .f16: halfToFloat(src, y, count: blocks)
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
        default: preconditionFailure("\(type.name) is not dequantizable")   // callers check isDequantizable
        }
    }

    /// Active cores, read once (`ProcessInfo` is not free to query per call).
    static let cores = ProcessInfo.processInfo.activeProcessorCount

    /// Runs `body` over `count` items split into contiguous chunks: serially below ~64K weights of
    /// `work`, otherwise on all cores (``SpinningWorkers``; `concurrentPerform` before macOS 15).
    /// Chunks of ~32K weights (at least 4 per core, at most 256) are taken first come, first
    /// served, so the thread that finishes first waits at most one small chunk for the other.
    static func parallelRows(_ count: Int, work: Int, _ body: (Range<Int>) -> Void) {
        let chunks = work < 1 << 16 ? 1 : min(count, max(cores * 4, min(256, work >> 15)))
        if chunks <= 1 { body(0..<count); return }
        let per = (count + chunks - 1) / chunks
        let chunk: (Int) -> Void = { c in
            let lo = c * per, hi = min(count, lo + per)
            if lo < hi { body(lo..<hi) }
        }
        if #available(macOS 15, *) {
            SpinningWorkers.shared.run(chunks: chunks, chunk)
        } else {
            DispatchQueue.concurrentPerform(iterations: chunks, execute: chunk)
        }
    }

    /// IEEE binary16 at a byte offset, widened to Float32. Normal numbers (every sane block scale)
    /// take an inline bit-level path — rebias the exponent by 112, shift the mantissa by 13 — since
    /// without F16C `Float(Float16)` is a library call; zero, subnormals, ∞ and NaN use the library.
    @inline(__always)
    static func half(_ p: UnsafeRawPointer, _ offset: Int) -> Float {
        let h = UInt16(littleEndian: p.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
        let magnitude = UInt32(h & 0x7FFF)
        guard magnitude >= 0x0400, magnitude < 0x7C00 else { return Float(Float16(bitPattern: h)) }
        return Float(bitPattern: ((magnitude &<< 13) &+ (112 &<< 23)) | (UInt32(h & 0x8000) &<< 16))
    }

    /// `count` binary16 values at `src` widened into `y`, 8 at a time with integer SIMD (exact for
    /// normals, subnormals, ±0, ±∞ and NaN): the exponent is rebiased by 112 (127 − 15) and the
    /// mantissa shifted by 13; subnormals are renormalised by one float subtraction.
    static func halfToFloat(_ src: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>, count: Int) {
        var i = 0
        while i + 8 <= count {
            let h = SIMD8<UInt32>(truncatingIfNeeded: src.loadUnaligned(fromByteOffset: 2 * i, as: SIMD8<UInt16>.self))
            UnsafeMutableRawPointer(y + i).storeBytes(of: halfBitsToFloat(h), as: SIMD8<Float>.self)
            i += 8
        }
        while i < count { y[i] = half(src, 2 * i); i += 1 }
    }

    @inline(__always)
    static func halfBitsToFloat(_ h: SIMD8<UInt32>) -> SIMD8<Float> {
        let sign = (h & 0x8000) &<< 16
        let magnitude = h & 0x7FFF
        let exponent = magnitude & 0x7C00
        var bits = (magnitude &<< 13) &+ (112 &<< 23)                       // normal numbers
        bits.replace(with: bits &+ (112 &<< 23), where: exponent .== 0x7C00)  // Inf/NaN: exponent 255
        // Subnormals (exponent 0): value = mantissa · 2⁻²⁴ = float(bits of 2⁻¹⁴ + m·2⁻²⁴) − 2⁻¹⁴.
        let sub = unsafeBitCast((magnitude &<< 13) &+ (113 &<< 23), to: SIMD8<Float>.self) - SIMD8<Float>(repeating: 0x1p-14)
        bits.replace(with: unsafeBitCast(sub, to: SIMD8<UInt32>.self), where: exponent .== 0)
        return unsafeBitCast(bits | sign, to: SIMD8<Float>.self)
    }
}
