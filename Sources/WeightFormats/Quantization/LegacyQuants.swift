/// The 32-weight block formats (ggml `block_q4_0`, `block_q4_1`, `block_q5_0`, `block_q5_1`,
/// `block_q8_0`). Each function dequantizes one block at `b` into `y[0 ..< 32]`; the nibble
/// formats store weight j in the low nibble of `qs[j]` and weight j + 16 in its high nibble.
enum LegacyQuants {
    /// Q4_0 (18 bytes): f16 d · qs[16]. y = (q − 8)·d
    @inline(__always)
    static func q4_0(_ b: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = Dequantizer.half(b, 0)
        let qs = (b + 2).assumingMemoryBound(to: UInt8.self)
        for j in 0..<16 {   // plain loops: LLVM vectorizes them (the generic SIMD conversions are calls)
            y[j] = Float(Int32(qs[j] & 0x0F) - 8) * d
            y[j + 16] = Float(Int32(qs[j] >> 4) - 8) * d
        }
    }

    /// Q4_1 (20 bytes): f16 d · f16 m · qs[16]. y = q·d + m
    @inline(__always)
    static func q4_1(_ b: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = Dequantizer.half(b, 0), m = Dequantizer.half(b, 2)
        let qs = (b + 4).assumingMemoryBound(to: UInt8.self)
        for j in 0..<16 {
            y[j] = Float(Int32(qs[j] & 0x0F)) * d + m
            y[j + 16] = Float(Int32(qs[j] >> 4)) * d + m
        }
    }

    /// Q5_0 (22 bytes): f16 d · u32 qh (bit j = fifth bit of weight j) · qs[16]. y = (q − 16)·d
    @inline(__always)
    static func q5_0(_ b: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = Dequantizer.half(b, 0)
        let qh = UInt32(littleEndian: b.loadUnaligned(fromByteOffset: 2, as: UInt32.self))
        let qs = (b + 6).assumingMemoryBound(to: UInt8.self)
        for j in 0..<16 {
            let h0 = Int32((qh >> UInt32(j)) & 1) << 4, h1 = Int32((qh >> UInt32(j + 16)) & 1) << 4
            y[j] = Float((Int32(qs[j] & 0x0F) | h0) - 16) * d
            y[j + 16] = Float((Int32(qs[j] >> 4) | h1) - 16) * d
        }
    }

    /// Q5_1 (24 bytes): f16 d · f16 m · u32 qh · qs[16]. y = q·d + m
    @inline(__always)
    static func q5_1(_ b: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = Dequantizer.half(b, 0), m = Dequantizer.half(b, 2)
        let qh = UInt32(littleEndian: b.loadUnaligned(fromByteOffset: 4, as: UInt32.self))
        let qs = (b + 8).assumingMemoryBound(to: UInt8.self)
        for j in 0..<16 {
            let h0 = Int32((qh >> UInt32(j)) & 1) << 4, h1 = Int32((qh >> UInt32(j + 16)) & 1) << 4
            y[j] = Float(Int32(qs[j] & 0x0F) | h0) * d + m
            y[j + 16] = Float(Int32(qs[j] >> 4) | h1) * d + m
        }
    }

    /// Q8_0 (34 bytes): f16 d · int8 qs[32]. y = q·d
    @inline(__always)
    static func q8_0(_ b: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = Dequantizer.half(b, 0)
        let qs = (b + 2).assumingMemoryBound(to: Int8.self)
        for j in 0..<32 { y[j] = Float(Int32(qs[j])) * d }
    }

}
