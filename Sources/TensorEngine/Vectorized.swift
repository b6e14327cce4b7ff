import CSmallGEMM
import Foundation

/// SIMD kernels for the transcendental functions of hot loops (softmax, attention, SiLU, log-probs).
/// Scalar `Foundation.exp` costs ~4 ns; these run 16 lanes at a time.
enum Vectorized {
    typealias V = SIMD16<Float>

    /// eˣ with Cephes' expf polynomial (max relative error ≈ 1.2e-7 on the normal range); exactly 0
    /// below −87.3 (so masked −∞ scores vanish). Rounding uses the 1.5·2²³ trick and the exponent
    /// is built from bits. Every constant is a full vector and the exponent shift is a multiply:
    /// Swift's generic SIMD paths for scalar shifts, `pointwiseMin` and mask casts are scalarised
    /// (this form runs at ~1 ns per element on SSE, the bit-shift form at ~15 ns).
    @inline(__always)
    static func exp(_ x: V) -> V {
        let low = V(repeating: -87.3), high = V(repeating: 88.7)
        let c = x.replacing(with: low, where: x .< low).replacing(with: high, where: x .> high)
        let magic = V(repeating: 12_582_912)   // 1.5·2²³: adding it rounds to an integer in the low bits
        let t = c * V(repeating: 1.442_695_04) + magic
        let n = t - magic
        var r = c - n * V(repeating: 0.693_359_375)
        r = r - n * V(repeating: -2.121_944_4e-4)
        var p = V(repeating: 1.987_569_15e-4)
        p = p * r + V(repeating: 1.398_199_95e-3)
        p = p * r + V(repeating: 8.333_451_9e-3)
        p = p * r + V(repeating: 4.166_579_59e-2)
        p = p * r + V(repeating: 1.666_666_55e-1)
        p = p * r + V(repeating: 5.000_000_12e-1)
        let e = p * r * r + r + V(repeating: 1)
        // 2ⁿ: n sits in the low mantissa bits of t; (n + 127) << 23 as a multiply by 2²³.
        let ti = unsafeBitCast(t, to: SIMD16<Int32>.self)
        let bits = (ti &- SIMD16<Int32>(repeating: 0x4B40_0000 - 127)) &* SIMD16<Int32>(repeating: 1 << 23)
        return (e * unsafeBitCast(bits, to: V.self)).replacing(with: 0, where: x .< low)
    }

    @inline(__always)
    static func load(_ p: UnsafePointer<Float>) -> V { UnsafeRawPointer(p).loadUnaligned(as: V.self) }

    @inline(__always)
    static func store(_ v: V, _ p: UnsafeMutablePointer<Float>) { UnsafeMutableRawPointer(p).storeBytes(of: v, as: V.self) }

    /// The first `count` (< 16) floats at p, zero-padded: the tail of a lane loop.
    @inline(__always)
    static func load(_ p: UnsafePointer<Float>, count: Int) -> V {
        var v = V(repeating: 0)
        for j in 0..<count { v[j] = p[j] }
        return v
    }

    /// Stores the first `count` (< 16) lanes of v at p.
    @inline(__always)
    static func store(_ v: V, _ p: UnsafeMutablePointer<Float>, count: Int) {
        for j in 0..<count { p[j] = v[j] }
    }

    /// dst[i] = exp(src[i] − shift) for i < n; returns Σ dst (src and dst may alias).
    static func expSubtract(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, _ n: Int, shift: Float) -> Float {
        var acc = V(repeating: 0)
        var i = 0
        let s = V(repeating: shift)
        while i + 16 <= n {
            let e = exp(load(src + i) - s)
            store(e, dst + i)
            acc += e
            i += 16
        }
        var total = acc.sum()
        while i < n {
            var tail = V(repeating: -.infinity)
            let count = min(16, n - i)
            for j in 0..<count { tail[j] = src[i + j] - shift }
            let e = exp(tail)
            for j in 0..<count { dst[i + j] = e[j]; total += e[j] }
            i += count
        }
        return total
    }

    /// Softmax in place over row[0..<n], then zeros in row[n..<width]; a row of −∞ (nothing
    /// visible) becomes all zeros. On AVX-512 CPUs one C kernel does it with fused multiply-adds,
    /// which Swift's SIMD types cannot express (`addingProduct` on SIMD16 is scalarised).
    static func softmaxRow(_ row: UnsafeMutablePointer<Float>, _ n: Int, width: Int) {
        if divtune_softmax_row(row, n, width) == 1 { return }
        let m = max(row, n)
        if m == -.infinity {
            for j in 0..<width { row[j] = 0 }
            return
        }
        let total = expSubtract(row, row, n, shift: m)
        scale(row, row, n, by: 1 / total)
        for j in n..<width { row[j] = 0 }
    }

    /// Σ exp(src[i] − shift) without writing anything.
    static func sumExp(_ src: UnsafePointer<Float>, _ n: Int, shift: Float) -> Float {
        var acc = V(repeating: 0)
        var i = 0
        let s = V(repeating: shift)
        while i + 16 <= n { acc += exp(load(src + i) - s); i += 16 }
        var total = acc.sum()
        while i < n { total += Foundation.exp(src[i] - shift); i += 1 }
        return total
    }

    /// Σ a[i]·b[i].
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc = V(repeating: 0)
        var i = 0
        while i + 16 <= n { acc += load(a + i) * load(b + i); i += 16 }
        var total = acc.sum()
        while i < n { total += a[i] * b[i]; i += 1 }
        return total
    }

    /// Largest of n values.
    static func max(_ src: UnsafePointer<Float>, _ n: Int) -> Float {
        var m = V(repeating: -.infinity)
        var i = 0
        while i + 16 <= n {   // `replacing(with:where:)` vectorises; `pointwiseMax` is scalarised (~8 ns/element)
            let v = load(src + i)
            m = m.replacing(with: v, where: v .> m)
            i += 16
        }
        var result = m.max()
        while i < n { result = Swift.max(result, src[i]); i += 1 }
        return result
    }

    /// dst[i] = src[i] · scale.
    static func scale(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, _ n: Int, by factor: Float) {
        var i = 0
        while i + 16 <= n { store(load(src + i) * factor, dst + i); i += 16 }
        while i < n { dst[i] = src[i] * factor; i += 1 }
    }

    /// Applies a lane-wise function over n elements (the tail is padded with zeros).
    @inline(__always)
    static func map(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, _ n: Int, _ f: (V) -> V) {
        var i = 0
        while i + 16 <= n { store(f(load(src + i)), dst + i); i += 16 }
        if i < n { store(f(load(src + i, count: n - i)), dst + i, count: n - i) }
    }

    /// Lane-wise binary map: dst[i] = f(a[i], b[i]).
    @inline(__always)
    static func map2(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, _ n: Int, _ f: (V, V) -> V) {
        var i = 0
        while i + 16 <= n { store(f(load(a + i), load(b + i)), dst + i); i += 16 }
        if i < n { store(f(load(a + i, count: n - i), load(b + i, count: n - i)), dst + i, count: n - i) }
    }

    @inline(__always)
    static func sigmoid(_ x: V) -> V { V(repeating: 1) / (V(repeating: 1) + exp(-x)) }
}
