import Foundation

/// How rotary pairs are laid out in a head: HF's "rotate half" pairs dimension i with i + D/2;
/// the interleaved (GPT-J / GGML) layout pairs 2i with 2i + 1.
public enum RopeLayout: Sendable { case rotateHalf, interleaved }

/// Frequency scaling for long contexts.
public enum RopeScaling: Sendable, Equatable {
    /// Position interpolation: every frequency divided by `factor`.
    case linear(factor: Float)
    /// Llama 3.1's band-wise scaling (transformers `_compute_llama3_parameters`).
    case llama3(factor: Float, lowFreqFactor: Float, highFreqFactor: Float, originalMaxPositionEmbeddings: Int)
}

/// Rotary position embedding (Su et al. 2021): each pair (x₁, x₂) of a head is rotated by the
/// angle p·θᵢ, θᵢ = base^(−2i/D). Angles are computed in Float32 as transformers does, so logits
/// match it closely.
public struct RotaryEmbedding: Sendable {
    public let headDim: Int
    public let layout: RopeLayout
    public let inverseFrequencies: [Float]

    public init(headDim: Int, theta: Float, scaling: RopeScaling? = nil, layout: RopeLayout = .rotateHalf) throws {
        guard headDim > 0, headDim % 2 == 0 else {
            throw TensorError.invalidArgument(op: "RotaryEmbedding", reason: "head dimension must be even, got \(headDim)")
        }
        self.headDim = headDim
        self.layout = layout
        var inv = (0..<(headDim / 2)).map { i in 1 / Float(pow(Double(theta), Double(2 * i) / Double(headDim))) }
        switch scaling {
        case .none: break
        case let .linear(factor)?: inv = inv.map { $0 / factor }
        case let .llama3(factor, low, high, original)?:
            let lowWavelength = Float(original) / low, highWavelength = Float(original) / high
            inv = inv.map { f in
                let wavelength = 2 * Float.pi / f
                if wavelength < highWavelength { return f }
                if wavelength > lowWavelength { return f / factor }
                let smooth = (Float(original) / wavelength - low) / (high - low)
                return (1 - smooth) * f / factor + smooth * f
            }
        }
        self.inverseFrequencies = inv
        self.cache = RopeCache(inverseFrequencies: inv)
    }

    /// cos/sin of p·θᵢ for positions 0..<n, computed once per embedding and extended on demand.
    let cache: RopeCache

    /// x [B, H, T, D] (any strides; the last axis is read contiguously when possible) with T
    /// positions shared by the batch or B·T positions (row-major). Returns a contiguous tensor.
    public func apply(_ x: Tensor, positions: [Int]) throws -> Tensor {
        guard x.rank == 4, x.shape[3] == headDim else {
            throw TensorError.shapeMismatch(op: "rope", shapes: [x.shape], reason: "expected [B, H, T, \(headDim)]")
        }
        let (b, h, t) = (x.shape[0], x.shape[1], x.shape[2])
        guard positions.count == t || positions.count == b * t else {
            throw TensorError.shapeMismatch(op: "rope", shapes: [x.shape, [positions.count]], reason: "positions must number T or B·T")
        }
        let half = headDim / 2
        let perBatch = positions.count == b * t
        // Row r of the cos/sin tables starts at rowStart[r]: the shared cache for non-negative
        // positions, a one-off table otherwise.
        let cosines: [Float], sines: [Float], rowStart: [Int]
        if let low = positions.min(), low >= 0, let high = positions.max(), high < RopeCache.maxPositions {
            (cosines, sines) = cache.tables(count: high + 1)
            rowStart = positions.map { $0 * half }
        } else {
            let angles = positions.flatMap { p in inverseFrequencies.map { Float(p) * $0 } }
            cosines = angles.map { Foundation.cos($0) }
            sines = angles.map { Foundation.sin($0) }
            rowStart = positions.indices.map { $0 * half }
        }
        let layout = self.layout, headDim = self.headDim
        let rotate = { (input: Tensor, sign: Float) -> Tensor in
            let src = input.rank == 4 && input.strides[3] == 1 ? input : input.contiguous()
            let ps = src.storage.pointer + src.offset
            let (sb, sh, st) = (src.strides[0], src.strides[1], src.strides[2])
            return Tensor.make(input.shape) { o in
                let po = o.baseAddress!
                cosines.withUnsafeBufferPointer { cosBuffer in
                    sines.withUnsafeBufferPointer { sinBuffer in
                        let pc = cosBuffer.baseAddress!, pn = sinBuffer.baseAddress!
                        EngineThreads.parallelRanges(b * h, work: input.count * 4) { range in
                            for bh in range {
                                let bi = bh / h, hi = bh % h
                                for ti in 0..<t {
                                    let row = rowStart[perBatch ? bi * t + ti : ti]
                                    let s = ps + bi * sb + hi * sh + ti * st
                                    let d = po + ((bi * h + hi) * t + ti) * headDim
                                    rotatePairs(s, d, cos: pc + row, sin: pn + row, half: half, sign: sign, layout: layout)
                                }
                            }
                        }
                    }
                }
            }
        }
        let out = rotate(x, 1)
        return Tensor.result(out, inputs: [x], name: "rope") { g in [rotate(g, -1)] }
    }
}

extension RotaryEmbedding {
    /// Runs `body(rotate)` where `rotate(src, dst, heads, position)` writes `heads` head vectors
    /// (contiguous, `headDim` apart) rotated to `position` — ``apply(_:positions:)``'s numbers,
    /// without tensors — for positions in `0...highest`. Nil (body not run) past the cached tables.
    func withRotation<R>(upTo highest: Int,
                         _ body: (_ rotate: (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int, Int) -> Void) throws -> R) rethrows -> R? {
        guard highest >= 0, highest < RopeCache.maxPositions else { return nil }
        let (cosines, sines) = cache.tables(count: highest + 1)
        let (half, headDim, layout) = (headDim / 2, headDim, layout)
        return try cosines.withUnsafeBufferPointer { c in
            try sines.withUnsafeBufferPointer { s in
                let (pc, ps) = (c.baseAddress!, s.baseAddress!)
                return try body { src, dst, heads, position in
                    for h in 0..<heads {
                        rotatePairs(src + h * headDim, dst + h * headDim, cos: pc + position * half, sin: ps + position * half,
                                    half: half, sign: 1, layout: layout)
                    }
                }
            }
        }
    }
}

/// Rotates one head vector: (x₁, x₂) → (x₁c − x₂s, x₂c + x₁s) for each pair (sign −1: the inverse
/// rotation, which is the backward pass). Rotate-half pairs are 16 lanes at a time.
@inline(__always)
private func rotatePairs(_ s: UnsafePointer<Float>, _ d: UnsafeMutablePointer<Float>, cos: UnsafePointer<Float>,
                         sin: UnsafePointer<Float>, half: Int, sign: Float, layout: RopeLayout) {
    var i = 0
    if layout == .rotateHalf {
        let vs = Vectorized.V(repeating: sign)
        while i + 16 <= half {
            let c = Vectorized.load(cos + i), sn = Vectorized.load(sin + i) * vs
            let x1 = Vectorized.load(s + i), x2 = Vectorized.load(s + i + half)
            Vectorized.store(x1 * c - x2 * sn, d + i)
            Vectorized.store(x2 * c + x1 * sn, d + i + half)
            i += 16
        }
    }
    while i < half {
        let c = cos[i], sn = sin[i] * sign
        let (j1, j2) = layout == .rotateHalf ? (i, i + half) : (2 * i, 2 * i + 1)
        let x1 = s[j1], x2 = s[j2]
        d[j1] = x1 * c - x2 * sn
        d[j2] = x2 * c + x1 * sn
        i += 1
    }
}

/// The cos/sin tables of a rotary embedding, [positions, D/2] row-major, grown to the next power
/// of two on demand and shared by every call (angles in Float32 as transformers computes them).
final class RopeCache: @unchecked Sendable {
    let inverseFrequencies: [Float]
    private let lock = NSLock()
    private var cosines: [Float] = [], sines: [Float] = []
    private var count = 0

    /// Positions beyond this (64 K: a 16 MiB table at head dimension 64) are computed per call.
    static let maxPositions = 1 << 16

    init(inverseFrequencies: [Float]) { self.inverseFrequencies = inverseFrequencies }

    func tables(count needed: Int) -> (cos: [Float], sin: [Float]) {
        lock.withLock {
            if needed > count {
                var n = max(64, count)
                while n < needed { n *= 2 }
                n = min(n, RopeCache.maxPositions)
                cosines.reserveCapacity(n * inverseFrequencies.count)
                sines.reserveCapacity(n * inverseFrequencies.count)
                for p in count..<n {
                    for f in inverseFrequencies {
                        let angle = Float(p) * f
                        cosines.append(Foundation.cos(angle))
                        sines.append(Foundation.sin(angle))
                    }
                }
                count = n
            }
            return (cosines, sines)
        }
    }
}
