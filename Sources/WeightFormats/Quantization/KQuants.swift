/// The 256-weight "k-quant" super-block formats (ggml `block_q4_K`, `block_q5_K`, `block_q6_K`;
/// `QK_K = 256`). Each function dequantizes one super-block at `b` into `y[0 ..< 256]`.
enum KQuants {
    /// The 6-bit scale and min of sub-block `j` (0..<8), packed in 12 bytes (ggml `get_scale_min_k4`):
    ///
    ///     j < 4:  sc = q[j] & 63;                         m = q[j+4] & 63
    ///     j ≥ 4:  sc = (q[j+4] & 0xF) | ((q[j-4] >> 6) << 4);  m = (q[j+4] >> 4) | ((q[j] >> 6) << 4)
    @inline(__always)
    static func scaleMin(_ j: Int, _ q: UnsafeRawPointer) -> (Float, Float) {
        let q = q.assumingMemoryBound(to: UInt8.self)
        if j < 4 { return (Float(q[j] & 63), Float(q[j + 4] & 63)) }
        let sc = (q[j + 4] & 0x0F) | ((q[j - 4] >> 6) << 4)
        let m = (q[j + 4] >> 4) | ((q[j] >> 6) << 4)
        return (Float(sc), Float(m))
    }

    /// Q4_K (144 bytes): f16 d · f16 dmin · scales[12] · qs[128]. For chunk c (0..<4) of 64
    /// outputs, reading qs[32c ..< 32c+32] with (sc1, m1) = scaleMin(2c), (sc2, m2) = scaleMin(2c+1):
    ///
    ///     y[64c + l]      = d·sc1·(qs[32c+l] & 0xF) − dmin·m1
    ///     y[64c + 32 + l] = d·sc2·(qs[32c+l] >> 4)  − dmin·m2      (l < 32)
    @inline(__always)
    static func q4_K(_ b: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = Dequantizer.half(b, 0), dmin = Dequantizer.half(b, 2)
        for c in 0..<4 {
            let (sc1, m1) = scaleMin(2 * c, b + 4), (sc2, m2) = scaleMin(2 * c + 1, b + 4)
            let d1 = d * sc1, o1 = dmin * m1, d2 = d * sc2, o2 = dmin * m2
            let q = (b + 16 + 32 * c).assumingMemoryBound(to: UInt8.self), out = y + 64 * c
            for l in 0..<32 {
                out[l] = d1 * Float(Int32(q[l] & 0x0F)) - o1
                out[l + 32] = d2 * Float(Int32(q[l] >> 4)) - o2
            }
        }
    }

    /// Q5_K (176 bytes): f16 d · f16 dmin · scales[12] · qh[32] · qs[128]. Like Q4_K, with a fifth
    /// bit: chunk c takes bit 2c of qh[l] for its low-nibble half and bit 2c+1 for the high half.
    @inline(__always)
    static func q5_K(_ b: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = Dequantizer.half(b, 0), dmin = Dequantizer.half(b, 2)
        let qh = (b + 16).assumingMemoryBound(to: UInt8.self)
        for c in 0..<4 {
            let (sc1, m1) = scaleMin(2 * c, b + 4), (sc2, m2) = scaleMin(2 * c + 1, b + 4)
            let d1 = d * sc1, o1 = dmin * m1, d2 = d * sc2, o2 = dmin * m2
            let q = (b + 48 + 32 * c).assumingMemoryBound(to: UInt8.self), out = y + 64 * c
            let s1 = UInt8(2 * c), s2 = UInt8(2 * c + 1)
            for l in 0..<32 {
                out[l] = d1 * Float(Int32((q[l] & 0x0F) | (((qh[l] >> s1) & 1) << 4))) - o1
                out[l + 32] = d2 * Float(Int32((q[l] >> 4) | (((qh[l] >> s2) & 1) << 4))) - o2
            }
        }
    }

    /// Q6_K (210 bytes): ql[128] (low 4 bits) · qh[64] (high 2 bits) · int8 scales[16] · f16 d.
    /// For half h (outputs 128h ..< 128h+128; ql += 64h, qh += 32h, sc += 8h), l < 32, is = l/16:
    ///
    ///     y[128h + l]      = d·sc[is+0]·(((ql[l]    & 0xF) | ((qh[l] >> 0 & 3) << 4)) − 32)
    ///     y[128h + l + 32] = d·sc[is+2]·(((ql[l+32] & 0xF) | ((qh[l] >> 2 & 3) << 4)) − 32)
    ///     y[128h + l + 64] = d·sc[is+4]·(((ql[l]    >> 4)  | ((qh[l] >> 4 & 3) << 4)) − 32)
    ///     y[128h + l + 96] = d·sc[is+6]·(((ql[l+32] >> 4)  | ((qh[l] >> 6 & 3) << 4)) − 32)
    @inline(__always)
    static func q6_K(_ b: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = Dequantizer.half(b, 208)
        for h in 0..<2 {
            let ql = (b + 64 * h).assumingMemoryBound(to: UInt8.self)
            let qh = (b + 128 + 32 * h).assumingMemoryBound(to: UInt8.self)
            let sc = (b + 192 + 8 * h).assumingMemoryBound(to: Int8.self)
            let out = y + 128 * h
            for g in 0..<2 {   // l = 16g ..< 16g + 16 share the scale index is = g
                let s1 = d * Float(sc[g]), s2 = d * Float(sc[g + 2]), s3 = d * Float(sc[g + 4]), s4 = d * Float(sc[g + 6])
                for l in (16 * g)..<(16 * g + 16) {
                    out[l] = s1 * Float(Int32((ql[l] & 0x0F) | ((qh[l] & 3) << 4)) - 32)
                    out[l + 32] = s2 * Float(Int32((ql[l + 32] & 0x0F) | (((qh[l] >> 2) & 3) << 4)) - 32)
                    out[l + 64] = s3 * Float(Int32((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32)
                    out[l + 96] = s4 * Float(Int32((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32)
                }
            }
        }
    }
}
