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
    }

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
        // cos/sin table per (batch row, t): [rows, half]
        let perBatch = positions.count == b * t
        let table = positions.flatMap { p in inverseFrequencies.map { Float(p) * $0 } }
        let cosines = table.map { Foundation.cos($0) }, sines = table.map { Foundation.sin($0) }
        let rotate = { (input: Tensor, sign: Float) -> Tensor in
            let src = input.rank == 4 && input.strides[3] == 1 ? input : input.contiguous()
            let ps = src.storage.pointer + src.offset
            let (sb, sh, st) = (src.strides[0], src.strides[1], src.strides[2])
            return Tensor.make(input.shape) { o in
                let po = o.baseAddress!
                EngineThreads.parallelRanges(b * h, work: input.count * 4) { range in
                    for bh in range {
                        let bi = bh / h, hi = bh % h
                        for ti in 0..<t {
                            let row = (perBatch ? bi * t + ti : ti) * half
                            let s = ps + bi * sb + hi * sh + ti * st
                            let d = po + ((bi * h + hi) * t + ti) * headDim
                            for i in 0..<half {
                                let c = cosines[row + i], sn = sines[row + i] * sign
                                let (j1, j2) = layout == .rotateHalf ? (i, i + half) : (2 * i, 2 * i + 1)
                                let x1 = s[j1], x2 = s[j2]
                                d[j1] = x1 * c - x2 * sn
                                d[j2] = x2 * c + x1 * sn
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
