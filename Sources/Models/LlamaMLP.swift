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

    func callAsFunction(_ x: Tensor) throws -> Tensor {
        let gateAndUp = try Linear.project(x, through: [gateProj, upProj])
        switch activation {
        case .silu: return try downProj(swiGLU(gate: gateAndUp[0], up: gateAndUp[1]))
        case .geluTanh: return try downProj(mul(gelu(gateAndUp[0], approximation: .tanh), gateAndUp[1]))
        }
    }
}
