/// The 256-weight "k-quant" super-block formats. Each function dequantizes one super-block into y[0..<256].
enum KQuants {
    /// The 6-bit scale and min of sub-block j (0..<8) packed in 12 bytes (ggml `get_scale_min_k4`).
    @inline(__always)
    static func scaleMin(_ j: Int, _ q: UnsafePointer<UInt8>) -> (Float, Float) {
        if j < 4 { return (Float(q[j] & 63), Float(q[j + 4] & 63)) }
        let sc = (q[j + 4] & 0x0F) | ((q[j - 4] >> 6) << 4)
        let m = (q[j + 4] >> 4) | ((q[j] >> 6) << 4)
        return (Float(sc), Float(m))
    }

    /// Q4_K (144 bytes): f16 d, f16 dmin, 12 bytes of scales/mins, 128 bytes of nibbles.
    /// Chunk c of 64 outputs: y = d·sc·q − dmin·m, low nibbles for the first 32, high for the next.
    @inline(__always)
    static func q4_K(_ b: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = Dequantizer.half(b, 0), dmin = Dequantizer.half(b, 2)
        let scales = (b + 4).assumingMemoryBound(to: UInt8.self)
        let qs = (b + 16).assumingMemoryBound(to: UInt8.self)
        for c in 0..<4 {
            let (sc1, m1) = scaleMin(2 * c, scales), (sc2, m2) = scaleMin(2 * c + 1, scales)
            let d1 = d * sc1, o1 = dmin * m1, d2 = d * sc2, o2 = dmin * m2
            let q = qs + 32 * c, out = y + 64 * c
            for l in 0..<32 {
                out[l] = d1 * Float(q[l] & 0x0F) - o1
                out[l + 32] = d2 * Float(q[l] >> 4) - o2
            }
        }
    }

    /// Q5_K (176 bytes): f16 d, f16 dmin, 12 bytes of scales/mins, 32 bytes of fifth bits, 128 bytes of nibbles.
    @inline(__always)
    static func q5_K(_ b: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = Dequantizer.half(b, 0), dmin = Dequantizer.half(b, 2)
        let scales = (b + 4).assumingMemoryBound(to: UInt8.self)
        let qh = (b + 16).assumingMemoryBound(to: UInt8.self)
        let qs = (b + 48).assumingMemoryBound(to: UInt8.self)
        var u1: UInt8 = 1, u2: UInt8 = 2
        for c in 0..<4 {
            let (sc1, m1) = scaleMin(2 * c, scales), (sc2, m2) = scaleMin(2 * c + 1, scales)
            let d1 = d * sc1, o1 = dmin * m1, d2 = d * sc2, o2 = dmin * m2
            let q = qs + 32 * c, out = y + 64 * c
            for l in 0..<32 {
                out[l] = d1 * Float((q[l] & 0x0F) + (qh[l] & u1 != 0 ? 16 : 0)) - o1
                out[l + 32] = d2 * Float((q[l] >> 4) + (qh[l] & u2 != 0 ? 16 : 0)) - o2
            }
            u1 <<= 2
            u2 <<= 2
        }
    }

    /// Q6_K (210 bytes): 128 bytes low nibbles, 64 bytes of 2-bit highs, 16 signed 8-bit scales, f16 d.
    @inline(__always)
    static func q6_K(_ b: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = Dequantizer.half(b, 208)
        for half in 0..<2 {
            let ql = (b + 64 * half).assumingMemoryBound(to: UInt8.self)
            let qh = (b + 128 + 32 * half).assumingMemoryBound(to: UInt8.self)
            let sc = (b + 192 + 8 * half).assumingMemoryBound(to: Int8.self)
            let out = y + 128 * half
            for l in 0..<32 {
                let s = l / 16
                let q1 = Int((ql[l] & 0x0F) | (((qh[l] >> 0) & 3) << 4)) - 32
                let q2 = Int((ql[l + 32] & 0x0F) | (((qh[l] >> 2) & 3) << 4)) - 32
                let q3 = Int((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32
                let q4 = Int((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32
                out[l] = d * Float(sc[s]) * Float(q1)
                out[l + 32] = d * Float(sc[s + 2]) * Float(q2)
                out[l + 64] = d * Float(sc[s + 4]) * Float(q3)
                out[l + 96] = d * Float(sc[s + 6]) * Float(q4)
            }
        }
    }
}
