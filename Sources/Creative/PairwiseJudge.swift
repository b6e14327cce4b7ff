import Base
import Evaluation
import Foundation

/// Judges ideas two at a time (docs/creative.md §3): every good idea against every bad idea of
/// the same brief (rows whose template fields other than the ideas are equal), asked in both
/// orders. P(a better) = ½·(P(first | a, b) + P(second | b, a)), so a preference for a position
/// cancels; how often the two orders pick different ideas is reported.
public struct PairwiseJudge {
    /// Two ideas of one brief; `a` is shown first in the first order. Which of the two is the good
    /// one is drawn by a seeded coin, so the truth is "a" or "b" in about equal numbers.
    public struct Pair: Sendable, Equatable {
        public var a: LabelledIdea
        public var b: LabelledIdea
        public var better: String { a.isGood ? "a" : "b" }
    }

    /// One pair's verdict, as a line of `judgements.jsonl`.
    public struct Judgement: Codable, Sendable, Equatable {
        public var lineA: Int
        public var lineB: Int
        public var label: String
        /// P(first) with a shown first, and P(second) with b shown first: each P(a better).
        public var aShownFirst: Double
        public var aShownSecond: Double
        public var score: Double
        public var prediction: String
        public var ordersDisagree: Bool

        enum CodingKeys: String, CodingKey {
            case label, score, prediction
            case lineA = "line_a", lineB = "line_b", aShownFirst = "a_shown_first", aShownSecond = "a_shown_second"
            case ordersDisagree = "orders_disagree"
        }
    }

    /// `summary.json` of a pairwise run.
    public struct Summary: Codable, Sendable, Equatable {
        public var mode = "pairwise"
        public var pairs: Int
        /// Share of pairs whose two orders picked different ideas, with its bootstrap interval.
        public var ordersDisagree: IntervalValue?
        /// Share of the single-order answers that picked the idea shown first (0.5: no position bias).
        public var firstShownChosen: Double
        public var agreement: AgreementSummary

        enum CodingKeys: String, CodingKey {
            case mode, pairs, agreement
            case ordersDisagree = "orders_disagree", firstShownChosen = "first_shown_chosen"
        }
    }

    public let scorer: AnswerScorer

    public init(scorer: AnswerScorer) throws {
        guard scorer.template.mode == .pairwise else {
            throw CreativeError.invalidOption(name: "template", reason: "\(scorer.template.source) is a pointwise template")
        }
        self.scorer = scorer
    }

    /// The good × bad pairs within each brief, in file order, the shown order drawn with `seed`.
    public func pairs(_ ideas: [LabelledIdea], seed: UInt64) -> [Pair] {
        let shared = scorer.template.fields.filter { $0 != "idea_a" && $0 != "idea_b" }
        var groups: [[String]: [LabelledIdea]] = [:]
        var order: [[String]] = []
        for idea in ideas {
            let key = shared.map { idea.fields[$0] ?? "" }
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(idea)
        }
        var rng = SeededGenerator(seed: seed)
        var pairs: [Pair] = []
        for key in order {
            let members = groups[key]!
            for good in members where good.isGood {
                for bad in members where !bad.isGood {
                    pairs.append(rng.next(below: 2) == 0 ? Pair(a: good, b: bad) : Pair(a: bad, b: good))
                }
            }
        }
        return pairs
    }

    /// The template's values with `first` and `second` as the two ideas.
    func values(first: LabelledIdea, second: LabelledIdea) -> [String: String] {
        var v = first.fields
        v["idea_a"] = first.idea
        v["idea_b"] = second.idea
        return v
    }

    /// Judges one pair in both orders.
    public func judge(_ pair: Pair) throws -> Judgement {
        let first: Double, second: Double
        do {
            first = try scorer.answer(values(first: pair.a, second: pair.b)).probability
            second = 1 - (try scorer.answer(values(first: pair.b, second: pair.a)).probability)
        } catch {
            throw FileError(path: pair.a.path, line: pair.a.line, reason: "pair with line \(pair.b.line): \(error)")
        }
        let score = (first + second) / 2
        return Judgement(lineA: pair.a.line, lineB: pair.b.line, label: pair.better, aShownFirst: first, aShownSecond: second,
                         score: score, prediction: score > 0.5 ? "a" : "b", ordersDisagree: (first > 0.5) != (second > 0.5))
    }

    public static func summary(_ judgements: [Judgement], resamples: Int, seed: UInt64) throws -> Summary {
        let agreement = try AgreementSummary(predictions: judgements.map(\.prediction), labels: judgements.map(\.label),
                                             resamples: resamples, seed: seed)
        let disagree = try Evaluation.Bootstrap.confidenceInterval(judgements.map { $0.ordersDisagree ? 1.0 : 0.0 },
                                                                    resamples: resamples, seed: seed)
        // P(first shown chosen): a shown first picks a when aShownFirst > 0.5; b shown first picks b when aShownSecond ≤ 0.5.
        let firstChosen = judgements.reduce(0) { $0 + ($1.aShownFirst > 0.5 ? 1 : 0) + ($1.aShownSecond <= 0.5 ? 1 : 0) }
        return Summary(pairs: judgements.count, ordersDisagree: disagree.map(IntervalValue.init),
                       firstShownChosen: Double(firstChosen) / Double(max(2 * judgements.count, 1)), agreement: agreement)
    }
}
