import Foundation
import TensorEngine

/// AdamW exactly as `torch.optim.AdamW` (decoupled weight decay, bias-corrected moments):
/// p ← p·(1 − lr·λ); m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g²;
/// p ← p − lr/(1−β₁ᵗ) · m / (√v/√(1−β₂ᵗ) + ε).
public final class AdamW {
    public struct Hyperparameters: Codable, Sendable, Equatable {
        public var beta1: Float = 0.9
        public var beta2: Float = 0.999
        public var eps: Float = 1e-8
        public var weightDecay: Float = 0.0
        public init(beta1: Float = 0.9, beta2: Float = 0.999, eps: Float = 1e-8, weightDecay: Float = 0.0) {
            self.beta1 = beta1; self.beta2 = beta2; self.eps = eps; self.weightDecay = weightDecay
        }
    }

    public let parameters: [Tensor]
    public let hyperparameters: Hyperparameters
    /// First and second moments, one buffer per parameter.
    public internal(set) var firstMoments: [[Float]]
    public internal(set) var secondMoments: [[Float]]
    /// Updates taken so far (torch's per-parameter `step`, equal for all here).
    public internal(set) var step: Int = 0

    public init(parameters: [Tensor], hyperparameters: Hyperparameters = Hyperparameters()) {
        self.parameters = parameters
        self.hyperparameters = hyperparameters
        firstMoments = parameters.map { [Float](repeating: 0, count: $0.count) }
        secondMoments = firstMoments
    }

    /// One update with learning rate `lr` from each parameter's `.grad` (parameters without a
    /// gradient are skipped, as torch does).
    public func update(learningRate lr: Float) {
        step += 1
        let h = hyperparameters
        let c1 = 1 - Foundation.pow(Double(h.beta1), Double(step))
        let c2 = 1 - Foundation.pow(Double(h.beta2), Double(step))
        let stepSize = Float(Double(lr) / c1)
        let c2Root = Float(c2.squareRoot())
        let decay = 1 - lr * h.weightDecay
        for (i, p) in parameters.enumerated() {
            guard let grad = p.grad else { continue }
            grad.withUnsafeBufferPointer { g in
                p.withUnsafeMutableBufferPointer { w in
                    firstMoments[i].withUnsafeMutableBufferPointer { m in
                        secondMoments[i].withUnsafeMutableBufferPointer { v in
                            for j in 0..<w.count {
                                w[j] *= decay
                                m[j] = h.beta1 * m[j] + (1 - h.beta1) * g[j]
                                v[j] = h.beta2 * v[j] + (1 - h.beta2) * g[j] * g[j]
                                let denom = v[j].squareRoot() / c2Root + h.eps
                                w[j] -= stepSize * m[j] / denom
                            }
                        }
                    }
                }
            }
        }
    }

    public func zeroGrad() { for p in parameters { p.zeroGrad() } }

    /// Restores moments and step from a checkpoint.
    public func restore(step: Int, firstMoments: [[Float]], secondMoments: [[Float]]) throws {
        guard firstMoments.count == parameters.count, secondMoments.count == parameters.count,
              zip(parameters, zip(firstMoments, secondMoments)).allSatisfy({ $0.count == $1.0.count && $0.count == $1.1.count }) else {
            throw TrainingError.checkpoint(path: "optimizer", reason: "optimizer state does not match the adapter's parameters")
        }
        self.step = step
        self.firstMoments = firstMoments
        self.secondMoments = secondMoments
    }
}
