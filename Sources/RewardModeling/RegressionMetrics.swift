import Foundation

/// How well predicted scores match targets: what the paper's `reward_model_perf_analysis.py`
/// reports (scipy's `spearmanr`, sklearn's `r2_score` and `mean_absolute_error`).
public struct RegressionMetrics: Codable, Hashable, Sendable {
    public var spearman: Double
    public var r2: Double
    public var mae: Double
    public var count: Int

    public init(predictions: [Double], targets: [Double]) throws {
        guard predictions.count == targets.count, !targets.isEmpty else {
            throw RewardError.invalidOption(name: "predictions", reason: "\(predictions.count) predictions for \(targets.count) targets")
        }
        spearman = Self.spearman(predictions, targets)
        r2 = Self.rSquared(predictions: predictions, targets: targets)
        mae = zip(predictions, targets).reduce(0) { $0 + abs($1.0 - $1.1) } / Double(targets.count)
        count = targets.count
    }

    // An undefined metric (NaN: a validation split of one example, or constant predictions) is
    // written as null, which JSON can hold, and read back as NaN.
    enum CodingKeys: String, CodingKey { case spearman, r2, mae, count }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        spearman = try c.decodeIfPresent(Double.self, forKey: .spearman) ?? .nan
        r2 = try c.decodeIfPresent(Double.self, forKey: .r2) ?? .nan
        mae = try c.decodeIfPresent(Double.self, forKey: .mae) ?? .nan
        count = try c.decode(Int.self, forKey: .count)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        for (key, value) in [(CodingKeys.spearman, spearman), (.r2, r2), (.mae, mae)] {
            if value.isFinite { try c.encode(value, forKey: key) } else { try c.encodeNil(forKey: key) }
        }
        try c.encode(count, forKey: .count)
    }

    /// Ranks 1…n with ties given their average rank (scipy `rankdata(method="average")`).
    public static func ranks(_ values: [Double]) -> [Double] {
        let order = values.indices.sorted { values[$0] < values[$1] }
        var ranks = [Double](repeating: 0, count: values.count)
        var i = 0
        while i < order.count {
            var j = i
            while j + 1 < order.count && values[order[j + 1]] == values[order[i]] { j += 1 }
            let average = Double(i + j) / 2 + 1
            for k in i...j { ranks[order[k]] = average }
            i = j + 1
        }
        return ranks
    }

    /// Spearman's ρ: Pearson correlation of the average ranks; NaN when either side is constant
    /// (as scipy).
    public static func spearman(_ a: [Double], _ b: [Double]) -> Double {
        pearson(ranks(a), ranks(b))
    }

    public static func pearson(_ a: [Double], _ b: [Double]) -> Double {
        let n = Double(a.count)
        let ma = a.reduce(0, +) / n, mb = b.reduce(0, +) / n
        var sab = 0.0, saa = 0.0, sbb = 0.0
        for (x, y) in zip(a, b) { sab += (x - ma) * (y - mb); saa += (x - ma) * (x - ma); sbb += (y - mb) * (y - mb) }
        return saa > 0 && sbb > 0 ? sab / (saa * sbb).squareRoot() : .nan
    }

    /// sklearn `r2_score(y_true, y_pred)`: 1 − SS_res/SS_tot; for constant targets 1 when the
    /// predictions are perfect and 0 otherwise (sklearn's convention).
    public static func rSquared(predictions: [Double], targets: [Double]) -> Double {
        let mean = targets.reduce(0, +) / Double(targets.count)
        let residual = zip(predictions, targets).reduce(0) { $0 + ($1.1 - $1.0) * ($1.1 - $1.0) }
        let total = targets.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
        if total == 0 { return residual == 0 ? 1 : 0 }
        return 1 - residual / total
    }
}
