import ArgumentParser
import Base
import Console
import Creative
import Evaluation
import Foundation
import Models
import TensorEngine

/// `divtune judge pointwise|pairwise`: the model as an idea judge, against labelled ideas (docs/creative.md §3).
struct JudgeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "judge", abstract: "Judge labelled ideas with a model and measure its agreement with the labels.",
        subcommands: [Pointwise.self, Pairwise.self, Responses.self])

    /// Options both judges share.
    struct Common: ParsableArguments {
        @OptionGroup var model: ModelOptions
        @Option(help: "Labelled ideas: JSON Lines with \"idea\", \"label\" (good|bad) and the fields the template names.") var input: String
        @Option(help: "A template file: first line `answers: POSITIVE / NEGATIVE`, then the prompt with {field} placeholders (default: the built-in one).") var template: String?
        @Option(help: "The folder for judgements.jsonl and summary.json.") var output: String
        @Option(help: "Bootstrap resamples for the 95% intervals.") var resamples = 1000
        @Option(help: "Seed of the bootstrap (and of the pairs' shown order).") var seed: UInt64 = 0
        @Option(help: "Judge only the first N ideas of --input (and of --validation).") var limit: Int?
        @Option(help: "Threads for the engine.") var threads = ProcessInfo.processInfo.activeProcessorCount

        func validate() throws {
            guard resamples >= 1 else { throw ValidationError("--resamples must be ≥ 1") }
            if let limit, limit < 1 { throw ValidationError("--limit must be ≥ 1") }
        }

        /// The labelled ideas of `file`, the first `--limit` of them when given.
        func ideas(_ file: String, template: JudgeTemplate) throws -> [LabelledIdea] {
            let all = try LabelledIdea.read(file: URL(fileURLWithPath: file), template: template)
            return limit.map { Array(all.prefix($0)) } ?? all
        }

        func scorer(_ mode: JudgeTemplate.Mode) throws -> AnswerScorer {
            EngineThreads.configure(threads)
            let template = try self.template.map { try JudgeTemplate.load(file: URL(fileURLWithPath: $0), mode: mode) } ?? .builtIn(mode)
            return try AnswerScorer(model: LanguageModel.load(path: model.model, adapter: model.adapter), template: template)
        }
    }

    struct Pointwise: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Score each idea by P(positive answer) over the template's two answer words; predict good above a threshold.")
        @OptionGroup var common: Common
        @Option(help: "Labelled ideas to choose the threshold on (the one that agrees with most of their labels).") var validation: String?
        @Option(help: "A fixed threshold instead of --validation.") var threshold: Double?

        func validate() throws {
            if validation != nil && threshold != nil { throw ValidationError("give --validation or --threshold, not both") }
            if let threshold, !(threshold >= 0 && threshold <= 1) { throw ValidationError("--threshold must lie in [0, 1]") }
        }

        func run() throws {
            let judge = try PointwiseJudge(scorer: common.scorer(.pointwise))
            let ideas = try common.ideas(common.input, template: judge.scorer.template)
            var chosen = threshold ?? 0.5
            var validationItems = 0
            if let validation {
                let held = try common.ideas(validation, template: judge.scorer.template)
                let answers = try Self.answers(judge, held, label: "judge validation")
                chosen = ThresholdCalibration.threshold(scores: answers.map(\.probability), positives: held.map(\.isGood))
                validationItems = held.count
            }
            let judgements = PointwiseJudge.judge(ideas, answers: try Self.answers(judge, ideas, label: "judge"), threshold: chosen)
            let summary = try PointwiseJudge.summary(judgements, threshold: chosen, thresholdSource: validation == nil ? "fixed" : "validation",
                                                     validationItems: validationItems, resamples: common.resamples, seed: common.seed)
            try JudgeOutput.write(judgements: judgements, summary: summary, to: URL(fileURLWithPath: common.output))
            let a = summary.agreement
            print("pointwise judge on \(a.items) ideas (\(summary.good) good), threshold \(String(format: "%.4f", chosen)) (\(summary.thresholdSource))")
            print("  accuracy \(JudgeCommand.format(a.accuracy))  kappa \(JudgeCommand.format(a.kappa))  ROC-AUC \(JudgeCommand.format(a.rocAUC))")
            print("  mean answer mass \(String(format: "%.3f", summary.meanAnswerMass)); wrote \(common.output)/\(JudgeOutput.summaryFile)")
        }

        static func answers(_ judge: PointwiseJudge, _ ideas: [LabelledIdea], label: String) throws -> [AnswerScorer.Answer] {
            let bar = ProgressBar(label, total: ideas.count, unit: "ideas")
            defer { bar.finish() }
            return try judge.answers(ideas) { _ in bar.advance() }
        }
    }

    struct Pairwise: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Ask which of two ideas of a brief is better, in both orders, for every good × bad pair of each brief.")
        @OptionGroup var common: Common

        func run() throws {
            let judge = try PairwiseJudge(scorer: common.scorer(.pairwise))
            let ideas = try common.ideas(common.input, template: judge.scorer.template)
            let pairs = judge.pairs(ideas, seed: common.seed)
            guard !pairs.isEmpty else {
                throw CreativeError.insufficientData(path: common.input, reason: "no brief has both a good and a bad idea to pair")
            }
            let bar = ProgressBar("judge pairs", total: pairs.count, unit: "pairs")
            let judgements = try pairs.map { pair in
                defer { bar.advance() }
                return try judge.judge(pair)
            }
            bar.finish()
            let summary = try PairwiseJudge.summary(judgements, resamples: common.resamples, seed: common.seed)
            try JudgeOutput.write(judgements: judgements, summary: summary, to: URL(fileURLWithPath: common.output))
            let a = summary.agreement
            print("pairwise judge on \(summary.pairs) good-vs-bad pairs, both orders")
            print("  accuracy \(JudgeCommand.format(a.accuracy))  kappa \(JudgeCommand.format(a.kappa))")
            print("  orders disagree \(JudgeCommand.format(summary.ordersDisagree)); first shown chosen \(String(format: "%.3f", summary.firstShownChosen)); wrote \(common.output)/\(JudgeOutput.summaryFile)")
        }
    }

    /// Scores an evaluation run's responses (headlines, art directions) by the judge's P(Yes).
    struct Responses: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Score each response of an evaluation run (samples.jsonl) by the model's P(Yes) that it is strong for its request.")
        @OptionGroup var model: ModelOptions
        @Option(name: .customLong("run"), help: "An evaluation run's folder (its samples.jsonl) or a samples.jsonl file.") var runFolder: String
        @Option(help: "The task, for the built-in template: headline or art_direction.") var task: ResponseJudge.Task
        @Option(help: "A template file with {response} (and {context}: the request without its instruction line; first line `answers: Yes / No`).") var template: String?
        @Option(help: "The folder for judgements.jsonl and summary.json.") var output: String
        @Option(help: "Bootstrap resamples for the 95% interval (over prompts).") var resamples = 1000
        @Option(help: "Seed of the bootstrap.") var seed: UInt64 = 0
        @Option(help: "Threads for the engine.") var threads = ProcessInfo.processInfo.activeProcessorCount

        func validate() throws {
            guard resamples >= 1 else { throw ValidationError("--resamples must be ≥ 1") }
        }

        func run() throws {
            EngineThreads.configure(threads)
            var file = URL(fileURLWithPath: runFolder)
            if (try? file.resourceValues(forKeys: [.isDirectoryKey]).isDirectory) == true { file.appendPathComponent(SampleRecord.fileName) }
            let records = try JSONLines.read(SampleRecord.self, from: file)
            let template = try self.template.map { try JudgeTemplate.load(file: URL(fileURLWithPath: $0), mode: .response) } ?? task.template
            let judge = try ResponseJudge(scorer: AnswerScorer(model: LanguageModel.load(path: model.model, adapter: model.adapter), template: template))
            let bar = ProgressBar("judge \(task.rawValue)", total: records.reduce(0) { $0 + $1.samples.count }, unit: "responses")
            let judgements = try judge.judge(records, source: file.path) { bar.advance() }
            bar.finish()
            let who = URL(fileURLWithPath: model.model).lastPathComponent + (model.adapter.map { " + adapter \(URL(fileURLWithPath: $0).lastPathComponent)" } ?? "")
            let summary = try ResponseJudge.summary(judgements, task: task.rawValue, judge: who, resamples: resamples, seed: seed)
            try JudgeOutput.write(judgements: judgements, summary: summary, to: URL(fileURLWithPath: output))
            print("\(task.rawValue) quality (judge \(who): P(Yes), not a human) over \(summary.prompts) prompts, \(summary.responses) responses")
            print("  mean P(Yes) \(JudgeCommand.format(summary.meanScore)); mean answer mass \(String(format: "%.3f", summary.meanAnswerMass)); wrote \(output)/\(JudgeOutput.summaryFile)")
        }
    }

    static func format(_ v: IntervalValue?) -> String {
        guard let v else { return "undefined" }
        return String(format: "%.3f [%.3f, %.3f]", v.value, v.lower, v.upper)
    }
}

extension ResponseJudge.Task: ExpressibleByArgument {}
