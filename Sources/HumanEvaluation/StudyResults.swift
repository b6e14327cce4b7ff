import Evaluation
import Foundation

/// The numbers of `divtune humaneval results` (docs/human-evaluation.md §4): per question, the
/// share of answers favouring each run and "hard to decide" with Wilson 95% intervals, the exact
/// sign test of the two runs (ties left out), and inter-annotator agreement; per annotator, answers
/// and median seconds per item.
public struct StudyResults: Codable, Hashable, Sendable {
    public struct Share: Codable, Hashable, Sendable {
        public var count: Int
        public var total: Int
        public var share: Double
        public var lower: Double
        public var upper: Double
    }

    public struct SignTestResult: Codable, Hashable, Sendable {
        /// Answers favouring the first and the second run (ties excluded).
        public var first: Int
        public var second: Int
        public var pValue: Double
        enum CodingKeys: String, CodingKey { case first, second, pValue = "p_value" }
    }

    public struct QuestionResult: Codable, Hashable, Sendable {
        public var id: String
        public var text: String
        public var answers: Int
        /// Answers per option id, as shown.
        public var options: [String: Int]
        /// Per run label: answers whose option favours the set that run was shown as.
        public var runs: [String: Share]
        /// Answers with an option of no side ("hard to decide").
        public var undecided: Share?
        public var signTest: SignTestResult?
        /// Over the items with exactly `labels_per_item` answers (`fleiss_items` of them); nil when undefined.
        public var fleissKappa: Double?
        public var fleissItems: Int
        /// Over every item with at least two answers; nil when undefined.
        public var krippendorffAlpha: Double?
        enum CodingKeys: String, CodingKey {
            case id, text, answers, options, runs, undecided
            case signTest = "sign_test", fleissKappa = "fleiss_kappa", fleissItems = "fleiss_items", krippendorffAlpha = "krippendorff_alpha"
        }
    }

    public struct AnnotatorResult: Codable, Hashable, Sendable {
        public var name: String
        public var answers: Int
        public var medianSeconds: Double?
        enum CodingKeys: String, CodingKey { case name, answers, medianSeconds = "median_seconds" }
    }

    public var runs: [String]
    public var items: Int
    public var itemsComplete: Int
    public var labelsPerItem: Int
    public var questions: [QuestionResult]
    public var annotators: [AnnotatorResult]
    enum CodingKeys: String, CodingKey {
        case runs, items, questions, annotators
        case itemsComplete = "items_complete", labelsPerItem = "labels_per_item"
    }

    public init(design: StudyDesign, runs: [String], items: [StoredItem], annotators: [String], answers: [StoredAnswer]) throws {
        self.runs = runs
        self.items = items.count
        self.labelsPerItem = design.labelsPerItem
        let itemsByID = Dictionary(uniqueKeysWithValues: items.map { ($0.id, $0) })
        let answersByItem = Dictionary(grouping: answers, by: \.item)
        itemsComplete = answersByItem.values.filter { $0.count >= design.labelsPerItem }.count
        questions = try design.questions.map { question in
            var options: [String: Int] = [:]
            var byRun = Dictionary(uniqueKeysWithValues: runs.map { ($0, 0) })
            var undecided = 0, total = 0
            var units: [[String]] = []
            var fleissRows: [[Int]] = []
            for item in items {
                let choices = (answersByItem[item.id] ?? []).compactMap { $0.choices[question.id] }
                if choices.count >= 2 { units.append(choices) }
                if choices.count == design.labelsPerItem, choices.count >= 2 {
                    fleissRows.append(question.options.map { option in choices.filter { $0 == option.id }.count })
                }
                for choice in choices {
                    options[choice, default: 0] += 1
                    total += 1
                    guard let option = question.options.first(where: { $0.id == choice }) else { continue }
                    if let side = option.side, let run = itemsByID[item.id]?.runs[side] { byRun[run, default: 0] += 1 } else { undecided += 1 }
                }
            }
            let sided = question.options.contains { $0.side != nil }
            func share(_ count: Int) throws -> Share? {
                guard total > 0 else { return nil }
                let w = try WilsonInterval(successes: count, trials: total)
                return Share(count: count, total: total, share: w.proportion, lower: w.lower, upper: w.upper)
            }
            var runShares: [String: Share] = [:]
            var sign: SignTestResult?
            if sided {
                for (run, count) in byRun { runShares[run] = try share(count) }
                if runs.count == 2 {
                    let test = try SignTest(a: byRun[runs[0]] ?? 0, b: byRun[runs[1]] ?? 0)
                    sign = SignTestResult(first: test.a, second: test.b, pValue: test.pValue)
                }
            }
            return QuestionResult(id: question.id, text: question.text, answers: total, options: options, runs: runShares,
                                  undecided: sided ? try share(undecided) : nil, signTest: sign,
                                  fleissKappa: fleissRows.isEmpty ? nil : try FleissKappa.kappa(counts: fleissRows),
                                  fleissItems: fleissRows.count, krippendorffAlpha: KrippendorffAlpha.nominal(units: units))
        }
        let answersByAnnotator = Dictionary(grouping: answers, by: \.annotator)
        self.annotators = annotators.map { name in
            let mine = answersByAnnotator[name] ?? []
            return AnnotatorResult(name: name, answers: mine.count, medianSeconds: Self.median(mine.compactMap(\.seconds)))
        }
    }

    /// Loads everything the results need from a study.
    public init(study: StudyStore) throws {
        try self.init(design: study.design, runs: try study.runs().map(\.label), items: try study.items(),
                      annotators: try study.annotators().map(\.name), answers: try study.answers())
    }

    static func median(_ values: [Double]) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted(), middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }

    /// The plain-text report.
    public func text() -> String {
        var out = "\(items) items, \(itemsComplete) with \(labelsPerItem) or more answers; runs \(runs.joined(separator: " vs "))\n"
        func percent(_ s: Share?) -> String {
            guard let s else { return "—" }
            return String(format: "%.1f%% [%.1f, %.1f] (%d/%d)", 100 * s.share, 100 * s.lower, 100 * s.upper, s.count, s.total)
        }
        func number(_ v: Double?) -> String { v.map { String(format: "%.3f", $0) } ?? "undefined" }
        for q in questions {
            out += "\n\(q.text) [\(q.id)] — \(q.answers) answers\n"
            if q.runs.isEmpty {
                for (option, count) in q.options.sorted(by: { $0.key < $1.key }) { out += "  \(option): \(count)\n" }
            } else {
                for run in runs { out += "  \(run): \(percent(q.runs[run]))\n" }
                out += "  hard to decide: \(percent(q.undecided))\n"
            }
            if let s = q.signTest {
                out += String(format: "  sign test %@ vs %@: %d vs %d, two-sided p = %.4g\n", runs[0], runs[1], s.first, s.second, s.pValue)
            }
            out += "  agreement: Fleiss' κ \(number(q.fleissKappa)) (\(q.fleissItems) items), Krippendorff's α \(number(q.krippendorffAlpha))\n"
        }
        out += "\nannotators:\n"
        for a in annotators {
            out += "  \(a.name): \(a.answers) answers, median \(a.medianSeconds.map { String(format: "%.1f s", $0) } ?? "—") per item\n"
        }
        return out
    }
}
