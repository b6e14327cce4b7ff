import Foundation

/// One run's per-prompt values for a paired comparison: `prompt_metrics.jsonl`, and the prompt
/// texts from `samples.jsonl` where the run has it (to check two runs saw the same prompts).
public struct PairedRun: Sendable {
    public var name: String
    public var prompts: [PromptMetrics]
    public var promptTexts: [Int: String]?

    public init(name: String, prompts: [PromptMetrics], promptTexts: [Int: String]? = nil) {
        self.name = name
        self.prompts = prompts
        self.promptTexts = promptTexts
    }

    /// Quality per prompt: the mean reward when every prompt has rewards, else the mean log-prob
    /// per token, as ``RunSummary`` computes the run's quality.
    var quality: (measure: QualityMeasure, values: [Int: Double]) {
        let reward = !prompts.isEmpty && prompts.allSatisfy { $0.rewards != nil }
        var values: [Int: Double] = [:]
        for p in prompts {
            values[p.promptIndex] = RunSummary.mean(reward ? p.rewards ?? [] : p.logprobPerToken)
        }
        return (reward ? .reward : .meanLogprobPerToken, values)
    }
}

/// `run − reference` for one metric, with Holm's adjustment over every comparison made together.
public struct PairedComparison: Sendable {
    public var run: String
    public var reference: String
    /// `quality` or a ``DiversityMetric`` key.
    public var metric: String
    public var difference: PairedDifference
    public var adjustedPValue: Double

    /// Whether the difference holds at level `alpha` after the adjustment.
    public func holds(alpha: Double = 0.05) -> Bool { adjustedPValue < alpha }
}

/// Paired comparisons of runs on the same prompts (docs/methods.md §9): quality and the five
/// diversity metrics, each run against a reference run (or every pair), paired by prompt index.
public enum PairedComparisons {
    public struct Result: Sendable {
        public var comparisons: [PairedComparison]
        /// Pairs of runs that could not be compared, with the reason.
        public var notCompared: [String]
        public var resamples: Int
    }

    /// - Parameters:
    ///   - reference: index of the run the others are compared with; nil compares every pair.
    public static func compare(_ runs: [PairedRun], reference: Int? = 0, resamples: Int = 10_000,
                               confidence: Double = 0.95, seed: UInt64 = 0) throws -> Result {
        var pairs: [(run: Int, reference: Int)] = []
        if let reference {
            guard runs.indices.contains(reference) else {
                throw EvaluationError.invalidArgument(name: "reference", reason: "no run \(reference) among \(runs.count)")
            }
            pairs = runs.indices.filter { $0 != reference }.map { ($0, reference) }
        } else {
            for j in runs.indices { for i in runs.indices where i > j { pairs.append((i, j)) } }
        }
        var raw: [(run: String, reference: String, metric: String, difference: PairedDifference)] = []
        var notCompared: [String] = []
        for (i, j) in pairs {
            let a = runs[i], b = runs[j]
            let label = "\(a.name) vs \(b.name)"
            let shared = Set(a.prompts.map(\.promptIndex)).intersection(b.prompts.map(\.promptIndex)).sorted()
            if let different = shared.first(where: { index in
                guard let x = a.promptTexts?[index], let y = b.promptTexts?[index] else { return false }
                return x != y
            }) {
                notCompared.append("\(label): prompt \(different) differs, so the runs were not sampled on the same prompts")
                continue
            }
            guard shared.count >= 2 else {
                notCompared.append("\(label): \(shared.count) shared prompt\(shared.count == 1 ? "" : "s"), at least 2 needed")
                continue
            }
            let qa = a.quality, qb = b.quality
            if qa.measure == qb.measure,
               let d = try PairedBootstrap.compare(shared.map { qa.values[$0] }, shared.map { qb.values[$0] },
                                                   resamples: resamples, confidence: confidence, seed: seed) {
                raw.append((a.name, b.name, "quality", d))
            } else if qa.measure != qb.measure {
                notCompared.append("\(label): quality measured differently (\(qa.measure.rawValue) vs \(qb.measure.rawValue))")
            }
            let da = Dictionary(a.prompts.map { ($0.promptIndex, $0.diversity) }, uniquingKeysWith: { x, _ in x })
            let db = Dictionary(b.prompts.map { ($0.promptIndex, $0.diversity) }, uniquingKeysWith: { x, _ in x })
            for metric in DiversityMetric.allCases {
                if let d = try PairedBootstrap.compare(shared.map { da[$0]?[metric] }, shared.map { db[$0]?[metric] },
                                                       resamples: resamples, confidence: confidence, seed: seed) {
                    raw.append((a.name, b.name, metric.rawValue, d))
                }
            }
        }
        let adjusted = HolmAdjustment.adjust(raw.map(\.difference.pValue))
        return Result(comparisons: zip(raw, adjusted).map {
            PairedComparison(run: $0.run, reference: $0.reference, metric: $0.metric, difference: $0.difference, adjustedPValue: $1)
        }, notCompared: notCompared, resamples: resamples)
    }
}
