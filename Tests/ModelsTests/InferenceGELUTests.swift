import Base
import Foundation
import Testing
@testable import Models
import TensorEngine

/// The vectorized erf/GELU of the encoder against Foundation's `erf` (float32 rounding level).
@Suite struct InferenceGELUTests {
    @Test func erfMatchesFoundation() {
        var worst: Float = 0
        var x: Float = -6
        while x <= 6 {
            var lanes = SIMD16<Float>(repeating: 0)
            for j in 0..<16 { lanes[j] = x + Float(j) * 0.0003 }
            let got = erfLanes(lanes)
            for j in 0..<16 { worst = max(worst, abs(got[j] - Foundation.erf(lanes[j]))) }
            x += 0.0048
        }
        #expect(worst < 5e-7, "max |erf error| \(worst)")
    }

    @Test func geluMatchesTheEngineAndKeepsAutogradPath() throws {
        var rng = SeededGenerator(seed: 3)
        let x = Tensor.randomNormal([3, 37], std: 3, using: &rng)
        let expected = try gelu(x.copy()).scalars
        let got = try Tensor.withNoGrad { try inferenceGELU(x.copy()).scalars }
        for (a, b) in zip(got, expected) { #expect(abs(a - b) < 1e-5 * max(1, abs(b))) }
        // With autograd on, the differentiable op is used (gradients flow).
        let leaf = x.copy()
        leaf.requiresGrad = true
        try sum(inferenceGELU(leaf)).backward()
        #expect(leaf.grad != nil)
    }
}
