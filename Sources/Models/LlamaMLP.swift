import TensorEngine

/// Gated feed-forward: down(act(gate(x)) ⊙ up(x)) with SiLU (SwiGLU) or tanh-approximated GELU
/// (GeGLU, Gemma 2).
final class LlamaMLP {
    let gateProj: Linear, upProj: Linear, downProj: Linear
    let activation: ModelArchitecture.Activation

    init(gate: Linear, up: Linear, down: Linear, activation: ModelArchitecture.Activation = .silu) {
        self.gateProj = gate; self.upProj = up; self.downProj = down
        self.activation = activation
    }

    /// The feed-forward of x, plus `residual` when given (summed as the down projection comes out).
    func callAsFunction(_ x: Tensor, plus residual: Tensor? = nil) throws -> Tensor {
        let down = { (y: Tensor) in try residual.map { try self.downProj(y, plus: $0) } ?? self.downProj(y) }
        let hidden = gateProj.outFeatures
        if activation == .silu, let fused = Linear.fusedProducts(x, through: [gateProj, upProj], combine: { products, out, rows, range in
            for i in 0..<rows {
                let at = i * hidden + range.lowerBound
                swiGLU(gate: products[0] + at, up: products[1] + at, into: out + at, count: range.count)
            }
        }) {
            return try down(fused)
        }
        let gateAndUp = try Linear.project(x, through: [gateProj, upProj])
        switch activation {
        case .silu: return try down(swiGLU(gate: gateAndUp[0], up: gateAndUp[1]))
        case .geluTanh: return try down(mul(gelu(gateAndUp[0], approximation: .tanh), gateAndUp[1]))
        }
    }
}
