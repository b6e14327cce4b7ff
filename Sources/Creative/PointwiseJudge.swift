import Base
import Foundation

/// Judges ideas one at a time: score = P(positive answer) over the template's two answer words;
/// an idea is predicted good when its score passes the threshold (docs/creative.md §3).
public struct PointwiseJudge {
    /// One idea's verdict, as a line of `judgements.jsonl`.
    public struct Judgement: Codable, Sendable, Equatable {
        public var line: Int
        public var idea: String
        public var label: String
        public var score: Double
        public var prediction: String
        public var answerMass: Double
        public var positiveLogit: Float
        public var negativeLogit: Float

        enum CodingKeys: String, CodingKey {
            case line, idea, label, score, prediction
            case answerMass = "answer_mass", positiveLogit = "positive_logit", negativeLogit = "negative_logit"
        }
    }

    /// `summary.json` of a pointwise run.
    public struct Summary: Codable, Sendable, Equatable {
        public var mode = "pointwise"
        public var threshold: Double
        /// "validation" (chosen on `validationItems` labelled ideas) or "fixed" (given).
        public var thresholdSource: String
        public var validationItems: Int
        public var good: Int
        public var meanAnswerMass: Double
        public var agreement: AgreementSummary

        enum CodingKeys: String, CodingKey {
            case mode, threshold, good, agreement
            case thresholdSource = "threshold_source", validationItems = "validation_items", meanAnswerMass = "mean_answer_mass"
        }
    }

    public let scorer: AnswerScorer

    public init(scorer: AnswerScorer) throws {
        guard scorer.template.mode == .pointwise else {
            throw CreativeError.invalidOption(name: "template", reason: "\(scorer.template.source) is a pairwise template")
        }
        self.scorer = scorer
    }

    /// The model's answer for each idea (`progress` after each).
    public func answers(_ ideas: [LabelledIdea], progress: (Int) -> Void = { _ in }) throws -> [AnswerScorer.Answer] {
        try ideas.enumerated().map { i, idea in
            let a: AnswerScorer.Answer
            do { a = try scorer.answer(idea.fields) } catch {
                throw FileError(path: idea.path, line: idea.line, reason: "\(error)")
            }
            progress(i + 1)
            return a
        }
    }

    /// Judges `ideas` with `threshold` (a calibrated one from ``ThresholdCalibration``, or fixed).
    public static func judge(_ ideas: [LabelledIdea], answers: [AnswerScorer.Answer], threshold: Double) -> [Judgement] {
        zip(ideas, answers).map { idea, a in
            Judgement(line: idea.line, idea: idea.idea, label: idea.label, score: a.probability,
                      prediction: a.probability > threshold ? "good" : "bad", answerMass: a.answerMass,
                      positiveLogit: a.positiveLogit, negativeLogit: a.negativeLogit)
        }
    }

    public static func summary(_ judgements: [Judgement], threshold: Double, thresholdSource: String, validationItems: Int,
                               resamples: Int, seed: UInt64) throws -> Summary {
        let agreement = try AgreementSummary(predictions: judgements.map(\.prediction), labels: judgements.map(\.label),
                                             scores: judgements.map(\.score), positives: judgements.map { $0.label == "good" },
                                             resamples: resamples, seed: seed)
        return Summary(threshold: threshold, thresholdSource: thresholdSource, validationItems: validationItems,
                       good: judgements.filter { $0.label == "good" }.count,
                       meanAnswerMass: judgements.map(\.answerMass).reduce(0, +) / Double(max(judgements.count, 1)),
                       agreement: agreement)
    }
}
