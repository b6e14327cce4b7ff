import Base
import Foundation
import Generation
import Models
import Sampling

/// The co-pilot chain of `divtune create` (docs/creative.md §7): one model generates ideas for a
/// brief, judges them itself (pointwise, ``AnswerScorer``), keeps the best and asks for improved
/// variants of the kept ones, round after round. Every idea carries the judge's score, the round
/// it was written in and the idea it varies, so the chain can be followed step by step.
public struct IdeaChain {
    public struct Options: Sendable {
        /// Ideas written in round 0.
        public var ideas: Int
        /// Rounds of variants after round 0.
        public var rounds: Int
        /// Ideas kept after each round (the best by score).
        public var keep: Int
        /// Variants asked of each kept idea per round.
        public var variants: Int
        public var maxTokens: Int
        public var sampling: SamplingParameters
        public var seed: UInt64
        public var maxBatch: Int

        public init(ideas: Int = 6, rounds: Int = 1, keep: Int = 2, variants: Int = 2, maxTokens: Int = 96,
                    sampling: SamplingParameters = SamplingParameters(temperature: 1, topK: 50, topP: 0.95, repetitionPenalty: 1.1),
                    seed: UInt64 = 0, maxBatch: Int = Generator.defaultMaxBatch) {
            (self.ideas, self.rounds, self.keep, self.variants, self.maxTokens) = (ideas, rounds, keep, variants, maxTokens)
            (self.sampling, self.seed, self.maxBatch) = (sampling, seed, maxBatch)
        }

        /// Refuses sizes no chain can use, naming the flag.
        public func validate() throws {
            for (name, value, least) in [("ideas", ideas, 1), ("rounds", rounds, 0), ("keep", keep, 1), ("variants", variants, 1),
                                         ("max-tokens", maxTokens, 1), ("max-batch", maxBatch, 1)] where value < least {
                throw CreativeError.invalidOption(name: name, reason: "must be ≥ \(least), got \(value)")
            }
        }
    }

    /// One idea of the chain.
    public struct Idea: Codable, Sendable, Equatable {
        /// Its number in the chain (0, 1, … in the order written).
        public var id: Int
        public var text: String
        /// P(positive answer) of the judge over its two answer words.
        public var score: Double
        public var round: Int
        /// The kept idea it is a variant of (nil in round 0).
        public var parent: Int?
    }

    /// What one round wrote and which ideas it kept (the best `keep` of the round's pool: the
    /// ideas kept before and the new ones).
    public struct Round: Codable, Sendable, Equatable {
        public var round: Int
        public var written: [Idea]
        public var kept: [Int]
    }

    public struct Result: Codable, Sendable, Equatable {
        public var brief: String
        public var rounds: [Round]
        /// The last round's pool, best first.
        public var ranked: [Idea]
    }

    /// The request for a new idea: the training rows' (data/creative) when the brief is written as
    /// `Brand: …\nProblem: …`.
    public static func ideaRequest(brief: String) -> String { "\(brief)\nWrite one creative idea for this brief." }

    /// The request for a variant of a kept idea.
    public static func variantRequest(brief: String, idea: String) -> String {
        "\(brief)\nIdea: \(idea)\nWrite one improved variant of this idea: more specific and more surprising, still on-brief and feasible."
    }
    /// The judge's built-in template with the brief in one field: for a brief written as
    /// `Brand: …\nProblem: …` the model reads exactly what `divtune judge pointwise` shows it.
    public static let defaultTemplate = """
        answers: Yes / No
        You are an experienced advertising creative director judging ideas for a brief.
        {brief}
        Idea: {idea}
        Is this a good idea for the brief — specific, surprising, on-brief and feasible? Answer Yes or No.
        """

    public let scorer: AnswerScorer
    let generator: Generator

    /// `scorer` judges with the model that writes (`scorer.model`), as the seed's co-pilot does.
    public init(scorer: AnswerScorer) throws {
        guard scorer.template.mode == .pointwise, scorer.template.fields.contains("brief") else {
            throw FileError(path: scorer.template.source, reason: "the co-pilot's judge template must be pointwise with {brief} and {idea}")
        }
        self.scorer = scorer
        generator = Generator(model: scorer.model)
    }

    /// The brief of a brand and its problem, as the training rows write it.
    public static func brief(brand: String, problem: String) -> String { "Brand: \(brand)\nProblem: \(problem)" }

    /// Runs round 0 and `options.rounds` rounds of variants; `onRound` sees each round as it ends.
    public func run(brief: String, options: Options, onRound: (Round) -> Void = { _ in }) throws -> Result {
        try options.validate()
        guard !brief.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw CreativeError.invalidOption(name: "brief", reason: "is empty")
        }
        var all: [Idea] = []
        var rounds: [Round] = []
        var kept: [Idea] = []
        for round in 0...options.rounds {
            // Round 0 asks for ideas; later rounds for variants of each kept idea, one prompt each.
            let sources: [(parent: Idea?, request: String)] = round == 0
                ? [(nil, Self.ideaRequest(brief: brief))]
                : kept.map { ($0, Self.variantRequest(brief: brief, idea: $0.text)) }
            // Each prompt has its own seed (sample i: seed + i), so a round does not repeat another's draws.
            let prompts = try sources.enumerated().map { index, source in
                Generator.Prompt(ids: try scorer.renderer.ids(messages: [.user(source.request)]),
                                 seed: options.seed &+ UInt64(round) &* 1_000_003 &+ UInt64(index) &* 1009)
            }
            let parameters = GenerationParameters(maxTokens: options.maxTokens, sampling: options.sampling, seed: options.seed)
            let samples = try generator.generate(prompts: prompts, count: round == 0 ? options.ideas : options.variants,
                                                 parameters: parameters, maxBatch: options.maxBatch)
            var written: [Idea] = []
            for (source, texts) in zip(sources, samples) {
                for sample in texts {
                    let text = sample.text.trimmingCharacters(in: .whitespacesAndNewlines)
                    guard !text.isEmpty else { continue }
                    let score = try scorer.answer(["brief": brief, "idea": text]).probability
                    written.append(Idea(id: all.count + written.count, text: text, score: score, round: round, parent: source.parent?.id))
                }
            }
            all += written
            let pool = Self.ranked(kept + written)
            kept = Array(pool.prefix(options.keep))
            let finished = Round(round: round, written: written, kept: kept.map(\.id))
            rounds.append(finished)
            onRound(finished)
            if round == options.rounds { return Result(brief: brief, rounds: rounds, ranked: pool) }
        }
        preconditionFailure("the last round returns")
    }

    /// Best first; equal scores keep the order written (earlier first).
    public static func ranked(_ ideas: [Idea]) -> [Idea] {
        ideas.enumerated().sorted { ($0.element.score, -$0.offset) > ($1.element.score, -$1.offset) }.map(\.element)
    }
}
