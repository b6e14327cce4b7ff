import Base
import Foundation

/// What `prepare` did, for the CLI to print.
public struct PreparationSummary: Sendable, CustomStringConvertible {
    /// Distribution of the written weights (quantiles by linear interpolation, numpy's default).
    public struct WeightDistribution: Hashable, Sendable {
        public var min: Double, mean: Double, max: Double
        public var q25: Double, median: Double, q75: Double
        /// Pairs whose weight is exactly 0 (the chosen response is the prompt's least deviating one).
        public var zeros: Int

        init?(_ weights: [Double]) {
            guard let d = Distribution(weights) else { return nil }
            min = d.min; max = d.max; mean = d.mean
            q25 = d.q25; median = d.median; q75 = d.q75
            zeros = weights.filter { $0 == 0 }.count
        }
    }

    /// Prompts read (with ≥ 2 responses) and those that produced at least one pair.
    public var prompts = 0, promptsWithPairs = 0
    /// Responses read and responses that appear in a written pair.
    public var responses = 0, responsesUsed = 0
    public var pairs = 0
    /// Lines or prompts left out under `skipInvalid`.
    public var skipped: [SkippedLine] = []
    public var weights: WeightDistribution?

    public var description: String {
        var lines = [
            "prompts: \(prompts) (\(promptsWithPairs) with pairs)",
            "responses: \(responses) (\(responsesUsed) in pairs)",
            "pairs: \(pairs)",
        ]
        if let w = weights {
            func f(_ x: Double) -> String { String(format: "%.4f", x) }
            lines.append("weights: min \(f(w.min))  q25 \(f(w.q25))  median \(f(w.median))  mean \(f(w.mean))  q75 \(f(w.q75))  max \(f(w.max))  zero \(w.zeros)")
        }
        if !skipped.isEmpty {
            lines.append("skipped: \(skipped.count)")
            lines += skipped.prefix(20).map { "  \($0)" }
            if skipped.count > 20 { lines.append("  … \(skipped.count - 20) more") }
        }
        return lines.joined(separator: "\n")
    }
}
