import TensorEngine

/// SwiGLU feed-forward: down(silu(gate(x)) ⊙ up(x)).
final class LlamaMLP {
    let gateProj: Linear, upProj: Linear, downProj: Linear

    init(gate: Linear, up: Linear, down: Linear) {
        self.gateProj = gate; self.upProj = up; self.downProj = down
    }

    func callAsFunction(_ x: Tensor) throws -> Tensor {
        let gateAndUp = try Linear.project(x, through: [gateProj, upProj])
        return try downProj(swiGLU(gate: gateAndUp[0], up: gateAndUp[1]))
    }
}
