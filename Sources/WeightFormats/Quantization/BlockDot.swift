/// Dot products of one row of GGML blocks with a Float32 vector — the inner kernels of
/// ``quantizedMatVec(type:rows:rowCount:columns:x:y:)``.
///
/// Register-only unpacking, 8 lanes wide (two SSE registers, or one AVX register with
/// `-target-cpu native`): 32 quant bytes are loaded as eight u32 words `w`, and
/// `(w >> 8k) & mask` yields bytes (k, 4+k, …, 28+k) of the group in eight lanes. Rather than
/// shuffle bytes back into order, x is permuted once per call to the same order
/// (``permute(_:into:count:)``: `xp[32g + 8k + j] = x[32g + 4j + k]`), so every kernel reads `xp`
/// contiguously. Small integers become floats exactly with `float(0x4B000000 | v) − 2²³` (v < 2²³).
/// Per-block scales multiply the partial sums; offset terms use `xsum[g]` = Σ x over the
/// 32-weight group g (a permutation does not change the sums).
enum BlockDot {
    typealias V = SIMD8<Float>
    typealias W = SIMD8<UInt32>

    /// `xp[32g + 8k + j] = x[32g + 4j + k]` (k < 4, j < 8) for every complete group of 32.
    static func permute(_ x: UnsafePointer<Float>, into xp: UnsafeMutablePointer<Float>, count: Int) {
        var g = 0
        while g + 32 <= count {
            for k in 0..<4 { for j in 0..<8 { xp[g + 8 * k + j] = x[g + 4 * j + k] } }
            g += 32
        }
        while g < count { xp[g] = x[g]; g += 1 }
    }

    /// Lanes `(w >> shift) & mask` as exact floats.
    @inline(__always)
    static func lanes(_ w: W, _ shift: UInt32, _ mask: UInt32) -> V {
        unsafeBitCast(((w &>> shift) & mask) | 0x4B00_0000, to: V.self) - 8_388_608
    }

    @inline(__always)
    static func load(_ p: UnsafePointer<Float>) -> V { UnsafeRawPointer(p).loadUnaligned(as: V.self) }

    @inline(__always)
    static func words(_ p: UnsafeRawPointer) -> W { p.loadUnaligned(as: W.self) }

    /// The 16 nibble bytes of a Q4_0/Q4_1 block as 8 lanes: words 0–3 for the low nibbles
    /// (weights 0–15) and the same words shifted by 4 for the high nibbles (weights 16–31) — in
    /// the permuted order, weight 4j + k sits in lane j of step k for both halves.
    @inline(__always)
    static func nibbleWords(_ p: UnsafeRawPointer) -> W {
        let w = p.loadUnaligned(as: SIMD4<UInt32>.self)
        return W(lowHalf: w, highHalf: w &>> 4)
    }

    /// Σ_k lanes(w, 8k + shift, 0xF) · xp[8k ..< 8k + 8]
    @inline(__always)
    static func nibbleDot(_ w: W, _ xp: UnsafePointer<Float>, shift: UInt32 = 0) -> V {
        var s = V()
        for k in 0..<4 { s += lanes(w, UInt32(8 * k) + shift, 0x0F) * load(xp + 8 * k) }
        return s
    }

    static func row(_ type: GGMLType, _ w: UnsafeRawPointer, _ x: UnsafePointer<Float>, _ xp: UnsafePointer<Float>,
                    _ xsum: UnsafePointer<Float>, blocks: Int) -> Float {
        switch type {
        case .f32: return f32(w, x, count: blocks)
        case .q4_0: return q4_0(w, xp, xsum, blocks: blocks)
        case .q4_1: return q4_1(w, xp, xsum, blocks: blocks)
        case .q8_0: return q8_0(w, xp, blocks: blocks)
        case .q4_K: return q4_K(w, xp, xsum, blocks: blocks)
        case .q6_K: return q6_K(w, xp, blocks: blocks)
        default: preconditionFailure("no fused kernel for \(type.name)")
        }
    }

    /// Weights per scratch chunk of ``viaScratch(_:_:_:blocks:_:)``.
    static let scratchSize = 256

    /// Any dequantizable type: 256 weights at a time are dequantized into `scratch` (L1-resident,
    /// ``scratchSize`` floats) and dotted with the unpermuted x.
    static func viaScratch(_ type: GGMLType, _ w: UnsafeRawPointer, _ x: UnsafePointer<Float>, blocks: Int,
                           _ scratch: UnsafeMutablePointer<Float>) -> Float {
        let perChunk = max(1, scratchSize / type.blockSize)
        var acc = V(), tail: Float = 0, b = 0
        while b < blocks {
            let n = min(perChunk, blocks - b), count = n * type.blockSize, xb = x + b * type.blockSize
            Dequantizer.row(type, w + b * type.typeSize, blocks: n, scratch)
            var i = 0
            while i + 8 <= count { acc += load(scratch + i) * load(xb + i); i += 8 }
            while i < count { tail += scratch[i] * xb[i]; i += 1 }
            b += n
        }
        return acc.sum() + tail
    }

    static func f32(_ w: UnsafeRawPointer, _ x: UnsafePointer<Float>, count: Int) -> Float {
        var a0 = V(), a1 = V(), i = 0, tail: Float = 0
        while i + 16 <= count {
            a0 += w.loadUnaligned(fromByteOffset: 4 * i, as: V.self) * load(x + i)
            a1 += w.loadUnaligned(fromByteOffset: 4 * i + 32, as: V.self) * load(x + i + 8)
            i += 16
        }
        while i < count { tail += w.loadUnaligned(fromByteOffset: 4 * i, as: Float.self) * x[i]; i += 1 }
        return (a0 + a1).sum() + tail
    }

    /// Q4_0: Σ_b d_b·(Σ q·x) − 8·d_b·xsum_b
    static func q4_0(_ w: UnsafeRawPointer, _ xp: UnsafePointer<Float>, _ xsum: UnsafePointer<Float>, blocks: Int) -> Float {
        var acc = V(), offset: Float = 0
        for b in 0..<blocks {
            let block = w + 18 * b
            let d = Dequantizer.half(block, 0)
            acc += d * nibbleDot(nibbleWords(block + 2), xp + 32 * b)
            offset += d * xsum[b]
        }
        return acc.sum() - 8 * offset
    }

    /// Q4_1: Σ_b d_b·(Σ q·x) + m_b·xsum_b
    static func q4_1(_ w: UnsafeRawPointer, _ xp: UnsafePointer<Float>, _ xsum: UnsafePointer<Float>, blocks: Int) -> Float {
        var acc = V(), offset: Float = 0
        for b in 0..<blocks {
            let block = w + 20 * b
            acc += Dequantizer.half(block, 0) * nibbleDot(nibbleWords(block + 4), xp + 32 * b)
            offset += Dequantizer.half(block, 2) * xsum[b]
        }
        return acc.sum() + offset
    }

    /// Q8_0: Σ_b d_b·(Σ q·x); signed bytes via `float(0x4B000000 | (v ^ 0x80)) − (2²³ + 128)`.
    static func q8_0(_ w: UnsafeRawPointer, _ xp: UnsafePointer<Float>, blocks: Int) -> Float {
        var acc = V()
        for b in 0..<blocks {
            let block = w + 34 * b
            let v = words(block + 2) ^ 0x8080_8080, xb = xp + 32 * b
            var s = V()
            for k in 0..<4 {
                s += (unsafeBitCast(((v &>> UInt32(8 * k)) & 0xFF) | 0x4B00_0000, to: V.self) - 8_388_736) * load(xb + 8 * k)
            }
            acc += Dequantizer.half(block, 0) * s
        }
        return acc.sum()
    }

    /// Q4_K: Σ over sub-blocks j of d·sc_j·(Σ q·x) − dmin·m_j·xsum_j (layout: ``KQuants/q4_K(_:_:)``).
    /// Chunk c's 32 bytes hold sub-block 2c (low nibbles, x[64c ..< 64c+32]) and 2c+1 (high nibbles).
    static func q4_K(_ w: UnsafeRawPointer, _ xp: UnsafePointer<Float>, _ xsum: UnsafePointer<Float>, blocks: Int) -> Float {
        var acc = V(), offset: Float = 0
        for b in 0..<blocks {
            let block = w + 144 * b
            let d = Dequantizer.half(block, 0), dmin = Dequantizer.half(block, 2)
            for c in 0..<4 {
                let (sc1, m1) = KQuants.scaleMin(2 * c, block + 4), (sc2, m2) = KQuants.scaleMin(2 * c + 1, block + 4)
                let v = words(block + 16 + 32 * c), xc = xp + 256 * b + 64 * c
                acc += (d * sc1) * nibbleDot(v, xc) + (d * sc2) * nibbleDot(v, xc + 32, shift: 4)
                offset += dmin * (m1 * xsum[8 * b + 2 * c] + m2 * xsum[8 * b + 2 * c + 1])
            }
        }
        return acc.sum() - offset
    }

    /// Q6_K: Σ over 16-weight sub-blocks of d·sc·(Σ (q − 32)·x) (layout: ``KQuants/q6_K(_:_:)``).
    /// Half h's 32 bytes of ql[l], ql[l+32], qh[l] give outputs 128h + l + {0, 32, 64, 96}; lanes
    /// 0–3 (l < 16) use scale sc[is], lanes 4–7 (l ≥ 16) sc[is + 1].
    static func q6_K(_ w: UnsafeRawPointer, _ xp: UnsafePointer<Float>, blocks: Int) -> Float {
        var acc = V()
        for b in 0..<blocks {
            let block = w + 210 * b
            let d = Dequantizer.half(block, 208)
            let scales = (block + 192).assumingMemoryBound(to: Int8.self)
            for h in 0..<2 {
                let a = words(block + 64 * h), c = words(block + 64 * h + 32), hi = words(block + 128 + 32 * h)
                let xh = xp + 256 * b + 128 * h
                var s1 = V(), s2 = V(), s3 = V(), s4 = V()
                for k in 0..<4 {
                    let t = UInt32(8 * k)
                    @inline(__always) func q(_ lo: W, _ loShift: UInt32, _ hiShift: UInt32) -> V {
                        let v = ((lo &>> (t + loShift)) & 0x0F) | (((hi &>> (t + hiShift)) & 3) &<< 4)
                        return unsafeBitCast(v | 0x4B00_0000, to: V.self) - 8_388_640   // 2²³ + 32
                    }
                    s1 += q(a, 0, 0) * load(xh + 8 * k)
                    s2 += q(c, 0, 2) * load(xh + 32 + 8 * k)
                    s3 += q(a, 4, 4) * load(xh + 64 + 8 * k)
                    s4 += q(c, 4, 6) * load(xh + 96 + 8 * k)
                }
                let sc = scales + 8 * h
                @inline(__always) func scale(_ i: Int) -> V {
                    V(lowHalf: SIMD4(repeating: d * Float(sc[i])), highHalf: SIMD4(repeating: d * Float(sc[i + 1])))
                }
                acc += scale(0) * s1 + scale(2) * s2 + scale(4) * s3 + scale(6) * s4
            }
        }
        return acc.sum()
    }
}
