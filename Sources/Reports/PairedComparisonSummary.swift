import Evaluation

/// Paired comparisons in a table and in words (docs/methods.md §9): what the report may claim.
public struct PairedComparisonSummary: Sendable {
    public var result: PairedComparisons.Result
    public var alpha: Double

    public init(_ result: PairedComparisons.Result, alpha: Double = 0.05) {
        self.result = result
        self.alpha = alpha
    }

    public static let tableHeaders = ["Runs", "Metric", "Difference [95% CI]", "p", "p (Holm)", "Holds"]

    public var tableRows: [[String]] {
        result.comparisons.map { c in
            let d = c.difference
            return ["\(c.run) − \(c.reference)", Self.title(c.metric),
                    Self.signed(d.difference) + " [" + Self.signed(d.lower) + ", " + Self.signed(d.upper) + "] (n=\(d.pairs))",
                    Self.p(d.pValue), Self.p(c.adjustedPValue), c.holds(alpha: alpha) ? "yes" : "no"]
        }
    }

    /// One sentence per difference that holds, then what the rest means.
    public var sentences: [String] {
        let holding = result.comparisons.filter { $0.holds(alpha: alpha) }
        let level = Markup.number(alpha * 100, decimals: 0) + "%"
        var out: [String] = []
        if result.comparisons.isEmpty {
            out.append("No two runs could be compared on the same prompts.")
        } else if holding.isEmpty {
            out.append("None of the \(result.comparisons.count) paired differences holds at \(level) after Holm's adjustment: "
                       + "with these prompts and samples the runs cannot be told apart on any metric.")
        } else {
            out.append("\(holding.count) of \(result.comparisons.count) paired differences hold at \(level) after Holm's adjustment:")
            for c in holding {
                let d = c.difference
                out.append("\(c.run) has \(d.difference > 0 ? "higher" : "lower") \(Self.name(c.metric)) than \(c.reference) "
                           + "(\(Self.signed(d.difference)) [\(Self.signed(d.lower)), \(Self.signed(d.upper))], p (Holm) \(Self.p(c.adjustedPValue))).")
            }
            out.append("The other differences are within what the prompts' variation can produce by chance; the report claims none of them.")
        }
        out += result.notCompared.map { "Not compared — \($0)." }
        return out
    }

    static func title(_ metric: String) -> String {
        metric == "quality" ? "Quality" : DiversityMetric(rawValue: metric)?.columnTitle ?? metric
    }

    /// The metric as a sentence names it: the title without its direction arrow, lower case.
    static func name(_ metric: String) -> String {
        var title = title(metric)
        if title.hasSuffix(" ↑") || title.hasSuffix(" ↓") { title.removeLast(2) }
        return title.lowercased()
    }

    static func signed(_ value: Double) -> String { (value >= 0 ? "+" : "−") + Markup.number(abs(value), decimals: 4) }

    static func p(_ value: Double) -> String { value < 0.001 ? "< 0.001" : Markup.number(value, decimals: 3) }
}
