import Foundation

/// Precision and recall of a model's histogram Q against a reference histogram P over the same
/// buckets: the PRD curve (Sajjadi et al. 2018) on MAUVE's k-means histograms, exactly as Le Bronnec
/// et al. 2024 compute it next to MAUVE (docs/methods.md §13). For λ = tan(θ·π/2000), θ = 1…999,
/// α(λ) = Σ min(λ·p_i, q_i) and β(λ) = Σ min(p_i, q_i/λ) (clipped to [0, 1]); precision is the
/// largest F_{1/8}(α, β) and recall the largest F_8(α, β). Precision says how much of the model's
/// mass lies where the reference has mass; recall how much of the reference the model covers.
public struct PrecisionRecallDivergence: Sendable, Equatable {
    public var precision: Double
    public var recall: Double

    /// - Parameters:
    ///   - reference: P (mauve-text's `p`: human text, or the base model in a gap report).
    ///   - model: Q (the samples judged).
    public init(reference p: [Double], model q: [Double]) throws {
        guard p.count == q.count, !p.isEmpty else {
            throw EvaluationError.invalidArgument(name: "histograms", reason: "P has \(p.count) buckets and Q \(q.count)")
        }
        var (bestPrecision, bestRecall) = (0.0, 0.0)
        let bins = 1000
        for theta in 1..<bins {
            let slope = tan(Double(theta) * Double.pi / 2 / Double(bins))
            var alpha = 0.0, beta = 0.0
            for (a, b) in zip(p, q) {
                alpha += min(slope * a, b)
                beta += min(a, b / slope)
            }
            alpha = min(max(alpha, 0), 1)
            beta = min(max(beta, 0), 1)
            bestPrecision = max(bestPrecision, Self.f(1.0 / 8, alpha, beta))
            bestRecall = max(bestRecall, Self.f(8, alpha, beta))
        }
        precision = bestPrecision
        recall = bestRecall
    }

    /// F_β with the reference's 1e-10 in the denominator.
    static func f(_ beta: Double, _ precision: Double, _ recall: Double) -> Double {
        (1 + beta * beta) * precision * recall / (beta * beta * precision + recall + 1e-10)
    }
}
