import Evaluation

/// A statistic with its bootstrap 95% interval, as `summary.json` writes it.
public struct IntervalValue: Codable, Sendable, Equatable {
    public var value: Double
    public var lower: Double
    public var upper: Double

    public init(_ ci: ConfidenceInterval) {
        value = ci.mean
        lower = ci.lower
        upper = ci.upper
    }
}

/// Agreement of a judge's predictions with the expert's labels over items (docs/creative.md §4):
/// accuracy, Cohen's κ and, given scores, ROC-AUC, each with a percentile-bootstrap 95% interval
/// over the items (`Bootstrap`, seeded). A statistic undefined on the data (κ or AUC with one
/// class) is nil.
public struct AgreementSummary: Codable, Sendable, Equatable {
    public var items: Int
    public var accuracy: IntervalValue?
    public var kappa: IntervalValue?
    public var rocAUC: IntervalValue?

    enum CodingKeys: String, CodingKey { case items, accuracy, kappa, rocAUC = "roc_auc" }

    public init(predictions: [String], labels: [String], scores: [Double]? = nil, positives: [Bool]? = nil,
                resamples: Int = 1000, seed: UInt64 = 0) throws {
        items = labels.count
        let correct = zip(predictions, labels).map { $0 == $1 ? 1.0 : 0.0 }
        accuracy = try Bootstrap.confidenceInterval(correct, resamples: resamples, seed: seed).map(IntervalValue.init)
        kappa = try Bootstrap.confidenceInterval(items: labels.count, resamples: resamples, seed: seed) { idx in
            try CohenKappa.value(idx.map { predictions[$0] }, idx.map { labels[$0] })
        }.map(IntervalValue.init)
        if let scores, let positives {
            rocAUC = try Bootstrap.confidenceInterval(items: labels.count, resamples: resamples, seed: seed) { idx in
                try ROCAUC.value(scores: idx.map { scores[$0] }, positives: idx.map { positives[$0] })
            }.map(IntervalValue.init)
        }
    }
}
