/// The 32-weight block formats. Each function dequantizes one block into y[0..<32].
enum LegacyQuants {
    /// Q4_0 (18 bytes): f16 d, 16 bytes of nibbles; low nibbles are weights 0–15, high 16–31.
    /// y = (q − 8)·d
    @inline(__always)
    static func q4_0(_ b: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = Dequantizer.half(b, 0)
        let qs = (b + 2).assumingMemoryBound(to: UInt8.self)
        for j in 0..<16 {
            y[j] = Float(Int(qs[j] & 0x0F) - 8) * d
            y[j + 16] = Float(Int(qs[j] >> 4) - 8) * d
        }
    }

    /// Q4_1 (20 bytes): f16 d, f16 m, nibbles. y = q·d + m
    @inline(__always)
    static func q4_1(_ b: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = Dequantizer.half(b, 0), m = Dequantizer.half(b, 2)
        let qs = (b + 4).assumingMemoryBound(to: UInt8.self)
        for j in 0..<16 {
            y[j] = Float(qs[j] & 0x0F) * d + m
            y[j + 16] = Float(qs[j] >> 4) * d + m
        }
    }

    /// Q5_0 (22 bytes): f16 d, u32 of fifth bits, nibbles. y = (q − 16)·d
    @inline(__always)
    static func q5_0(_ b: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = Dequantizer.half(b, 0)
        let qh = UInt32(littleEndian: b.loadUnaligned(fromByteOffset: 2, as: UInt32.self))
        let qs = (b + 6).assumingMemoryBound(to: UInt8.self)
        for j in 0..<16 {
            let h0 = UInt8(truncatingIfNeeded: ((qh >> UInt32(j)) << 4) & 0x10)
            let h1 = UInt8(truncatingIfNeeded: (qh >> UInt32(j + 12)) & 0x10)
            y[j] = Float(Int((qs[j] & 0x0F) | h0) - 16) * d
            y[j + 16] = Float(Int((qs[j] >> 4) | h1) - 16) * d
        }
    }

    /// Q5_1 (24 bytes): f16 d, f16 m, u32 of fifth bits, nibbles. y = q·d + m
    @inline(__always)
    static func q5_1(_ b: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = Dequantizer.half(b, 0), m = Dequantizer.half(b, 2)
        let qh = UInt32(littleEndian: b.loadUnaligned(fromByteOffset: 4, as: UInt32.self))
        let qs = (b + 8).assumingMemoryBound(to: UInt8.self)
        for j in 0..<16 {
            let h0 = UInt8(truncatingIfNeeded: ((qh >> UInt32(j)) << 4) & 0x10)
            let h1 = UInt8(truncatingIfNeeded: (qh >> UInt32(j + 12)) & 0x10)
            y[j] = Float((qs[j] & 0x0F) | h0) * d + m
            y[j + 16] = Float((qs[j] >> 4) | h1) * d + m
        }
    }

    /// Q8_0 (34 bytes): f16 d, 32 signed bytes. y = q·d
    @inline(__always)
    static func q8_0(_ b: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = Dequantizer.half(b, 0)
        let qs = (b + 2).assumingMemoryBound(to: Int8.self)
        for j in 0..<32 { y[j] = Float(qs[j]) * d }
    }
}
