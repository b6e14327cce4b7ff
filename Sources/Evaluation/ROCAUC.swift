/// The area under the ROC curve of scores against binary labels, as scikit-learn's `roc_auc_score`:
/// the probability that a random positive scores above a random negative, ties counting one half
/// (the Mann–Whitney U statistic over n₊·n₋, with mid-ranks for tied scores; docs/creative.md §4).
public enum ROCAUC {
    /// nil where it is undefined: the labels hold only one class.
    public static func value(scores: [Double], positives: [Bool]) throws -> Double? {
        guard scores.count == positives.count else {
            throw EvaluationError.invalidArgument(name: "scores", reason: "\(scores.count) scores for \(positives.count) labels")
        }
        if let bad = scores.first(where: { !$0.isFinite }) {
            throw EvaluationError.invalidArgument(name: "scores", reason: "non-finite score \(bad)")
        }
        let positiveCount = positives.filter { $0 }.count, negativeCount = positives.count - positiveCount
        guard positiveCount > 0, negativeCount > 0 else { return nil }
        let order = scores.indices.sorted { scores[$0] < scores[$1] }
        var positiveRankSum = 0.0
        var start = 0
        while start < order.count {
            var end = start
            while end + 1 < order.count, scores[order[end + 1]] == scores[order[start]] { end += 1 }
            let midRank = Double(start + end) / 2 + 1  // ranks are 1-based
            for k in start...end where positives[order[k]] { positiveRankSum += midRank }
            start = end + 1
        }
        let p = Double(positiveCount), q = Double(negativeCount)
        return (positiveRankSum - p * (p + 1) / 2) / (p * q)
    }
}
