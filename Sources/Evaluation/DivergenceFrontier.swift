import Foundation

/// The histogram stage of MAUVE (Pillutla et al. 2021; docs/methods.md §13): from two histograms
/// P and Q over the same buckets, the divergence curve, MAUVE (the area under it) and the frontier
/// integral, computed exactly as the `mauve-text` package computes them from its histograms.
public struct DivergenceFrontier: Sendable, Equatable {
    /// The curve's points (x, y) = (exp(−c·KL(Q‖R)), exp(−c·KL(P‖R))) for R = w·P + (1 − w)·Q over
    /// the mixture weights, between the extreme points (1, 0) and (0, 1).
    public var curve: [(x: Double, y: Double)]
    /// Area under the divergence curve, in (0, 1]; higher = P closer to Q.
    public var mauve: Double
    /// The frontier integral (Pillutla et al. 2023), in [0, 1]; lower = P closer to Q.
    public var frontierIntegral: Double

    public static func == (a: Self, b: Self) -> Bool {
        a.mauve == b.mauve && a.frontierIntegral == b.frontierIntegral
            && a.curve.count == b.curve.count && zip(a.curve, b.curve).allSatisfy { $0.x == $1.x && $0.y == $1.y }
    }

    /// - Parameters:
    ///   - p, q: histograms over the same buckets (each normalized to sum 1 here).
    ///   - scaling: the constant c (mauve-text's `mauve_scaling_factor`, 5).
    ///   - points: mixture weights on the curve (`divergence_curve_discretization_size`, 25).
    public init(p: [Double], q: [Double], scaling: Double = 5, points: Int = 25) throws {
        guard p.count == q.count, !p.isEmpty else {
            throw EvaluationError.invalidArgument(name: "histograms", reason: "P has \(p.count) buckets and Q \(q.count)")
        }
        func normalized(_ h: [Double], _ name: String) throws -> [Double] {
            let total = h.reduce(0, +)
            guard h.allSatisfy({ $0 >= 0 && $0.isFinite }), total > 0 else {
                throw EvaluationError.invalidArgument(name: name, reason: "a histogram needs finite, non-negative counts with a positive total")
            }
            return h.map { $0 / total }
        }
        guard points >= 2 else { throw EvaluationError.invalidArgument(name: "points", reason: "\(points) < 2") }
        let p = try normalized(p, "P"), q = try normalized(q, "Q")
        // np.linspace(1e-6, 1 − 1e-6, points): the curve avoids the mixtures' endpoints, where a
        // KL divergence can be infinite.
        let (low, high) = (1e-6, 1 - 1e-6)
        var curve: [(x: Double, y: Double)] = [(1, 0)]
        for i in 0..<points {
            let w = i == points - 1 ? high : low + Double(i) * (high - low) / Double(points - 1)
            let r = zip(p, q).map { w * $0 + (1 - w) * $1 }
            curve.append((exp(-scaling * Self.kl(q, r)), exp(-scaling * Self.kl(p, r))))
        }
        curve.append((0, 1))
        self.curve = curve
        mauve = 0.5 * (Self.area(curve.map { ($0.x, $0.y) }) + Self.area(curve.map { ($0.y, $0.x) }))
        frontierIntegral = Self.frontierIntegral(p, q)
    }

    /// KL(a‖b) over the buckets where both are positive; +∞ when a has mass where b has none.
    static func kl(_ a: [Double], _ b: [Double]) -> Double {
        var total = 0.0
        for (x, y) in zip(a, b) where x != 0 {
            if y == 0 { return .infinity }
            total += x * log(x / y)
        }
        return total
    }

    /// Trapezoidal area under the points sorted by x (sklearn's `auc` after `np.argsort`); ties keep
    /// the curve's order, which only matters for P = Q (docs/methods.md §13).
    static func area(_ points: [(Double, Double)]) -> Double {
        let sorted = points.indices.sorted { (points[$0].0, $0) < (points[$1].0, $1) }.map { points[$0] }
        var total = 0.0
        for (a, b) in zip(sorted, sorted.dropFirst()) { total += (b.0 - a.0) * (a.1 + b.1) / 2 }
        return total
    }

    /// mauve-text's `get_fronter_integral` with its scaling 2.
    static func frontierIntegral(_ p: [Double], _ q: [Double]) -> Double {
        var total = 0.0
        for (a, b) in zip(p, q) {
            if a == 0 && b == 0 { continue }
            if a == 0 { total += b / 4 } else if b == 0 { total += a / 4 } else if abs(a - b) > 1e-8 {
                total += 0.25 * (a + b) - 0.5 * a * b * (log(a) - log(b)) / (a - b)
            }
        }
        return 2 * total
    }
}
