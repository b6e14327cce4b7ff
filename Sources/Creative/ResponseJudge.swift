import Base
import Evaluation
import Foundation

/// Scores written responses — headlines, art directions — by a judge model's P(Yes) that each is
/// strong for its request (docs/creative.md §7). It reads an evaluation run's `samples.jsonl`:
/// each record's prompt is the writer's request (`Brand: …\nIdea: …\nWrite a headline for this
/// idea.`), which the template sees without its last line, the instruction, as `{context}`; the
/// response is `{response}`. A prompt's score is the mean over its responses, and the run's the
/// mean over prompts with a percentile-bootstrap 95% interval over prompts, as the diversity
/// metrics are. The numbers are the judge model's opinion, not a human's: the report labels them so.
public struct ResponseJudge {
    /// The creative tasks with a built-in response template.
    public enum Task: String, CaseIterable, Sendable, Codable {
        case headline
        case artDirection = "art_direction"

        /// What the template calls a response of the task.
        var responseName: String { self == .headline ? "Headline" : "Art direction" }

        public var templateText: String {
            switch self {
            case .headline:
                return """
                    answers: Yes / No
                    You are an experienced advertising creative director judging headlines written for ideas.
                    {context}
                    Headline: {response}
                    Is this a strong headline for the idea — short, specific, memorable and on-brief? Answer Yes or No.
                    """
            case .artDirection:
                return """
                    answers: Yes / No
                    You are an experienced advertising art director judging art directions for billboards.
                    {context}
                    Art direction: {response}
                    Is this a strong art direction for a billboard of this idea and headline — visual, specific, on-brief and makeable? Answer Yes or No.
                    """
            }
        }

        /// The built-in template (valid by construction: tested).
        public var template: JudgeTemplate {
            try! JudgeTemplate.parse(templateText, mode: .response, source: "the built-in \(rawValue) template")
        }
    }

    /// One response's verdict, as a line of `judgements.jsonl`.
    public struct Judgement: Codable, Sendable, Equatable {
        public var promptIndex: Int
        public var sample: Int
        public var response: String
        public var score: Double
        public var answerMass: Double

        enum CodingKeys: String, CodingKey {
            case sample, response, score
            case promptIndex = "prompt_index", answerMass = "answer_mass"
        }
    }

    /// `summary.json` of a response run.
    public struct Summary: Codable, Sendable, Equatable {
        public var mode = "response"
        public var task: String
        /// Who scored: the judge model (and adapter), so a report can say it is not a human.
        public var judge: String
        public var prompts: Int
        public var responses: Int
        /// Mean over prompts of each prompt's mean P(Yes), with its bootstrap interval over prompts.
        public var meanScore: IntervalValue?
        public var meanAnswerMass: Double

        enum CodingKeys: String, CodingKey {
            case mode, task, judge, prompts, responses
            case meanScore = "mean_score", meanAnswerMass = "mean_answer_mass"
        }
    }

    public let scorer: AnswerScorer

    public init(scorer: AnswerScorer) throws {
        guard scorer.template.mode == .response else {
            throw CreativeError.invalidOption(name: "template", reason: "\(scorer.template.source) is an idea template, not a response template with {response}")
        }
        // A response has no other fields: a placeholder outside these would be filled with nothing.
        if let unknown = scorer.template.fields.first(where: { !Self.fields.contains($0) }) {
            throw FileError(path: scorer.template.source, reason: "a response template knows {context}, {request} and {response}, not {\(unknown)}")
        }
        self.scorer = scorer
    }

    /// The placeholders a response template may use.
    public static let fields = ["context", "request", "response"]

    /// The request without its last non-empty line (the instruction to the writer).
    public static func context(ofRequest request: String) -> String {
        var lines = request.trimmingCharacters(in: .whitespacesAndNewlines).components(separatedBy: "\n")
        if lines.count > 1 { lines.removeLast() }
        return lines.joined(separator: "\n")
    }

    /// The template's values for one response.
    public static func values(request: String, response: String) -> [String: String] {
        ["context": context(ofRequest: request), "request": request,
         "response": response.trimmingCharacters(in: .whitespacesAndNewlines)]
    }

    /// Judges every sample of `records` (`progress` after each); errors name `source` and the record.
    public func judge(_ records: [SampleRecord], source: String, progress: () -> Void = {}) throws -> [Judgement] {
        var out: [Judgement] = []
        for (line, record) in records.enumerated() {
            for (i, sample) in record.samples.enumerated() {
                let answer: AnswerScorer.Answer
                do { answer = try scorer.answer(Self.values(request: record.prompt, response: sample)) } catch {
                    throw FileError(path: source, line: line + 1, reason: "sample \(i): \(error)")
                }
                out.append(Judgement(promptIndex: record.promptIndex, sample: i, response: sample, score: answer.probability,
                                     answerMass: answer.answerMass))
                progress()
            }
        }
        return out
    }

    /// The per-prompt means and their bootstrap mean over prompts.
    public static func summary(_ judgements: [Judgement], task: String, judge: String, resamples: Int, seed: UInt64) throws -> Summary {
        var byPrompt: [Int: [Double]] = [:]
        for j in judgements { byPrompt[j.promptIndex, default: []].append(j.score) }
        let means = byPrompt.keys.sorted().map { key -> Double? in
            let scores = byPrompt[key]!
            return scores.reduce(0, +) / Double(scores.count)
        }
        let interval = try Bootstrap.confidenceInterval(means, resamples: resamples, seed: seed)
        return Summary(task: task, judge: judge, prompts: means.count, responses: judgements.count,
                       meanScore: interval.map(IntervalValue.init),
                       meanAnswerMass: judgements.map(\.answerMass).reduce(0, +) / Double(max(judgements.count, 1)))
    }
}
