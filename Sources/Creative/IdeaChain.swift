import Base
import ChatTemplates
import Foundation
import Generation
import Models
import Sampling

/// The co-pilot chain of `divtune create` (docs/creative.md §8): one model generates ideas for a
/// brief, judges them itself (pointwise P(Yes)), keeps the best and asks for improved variants of
/// the kept ones, round after round, then writes a headline and an art direction for the best idea
/// in one growing conversation. Every idea carries the judge's score, the round it was written in
/// and the idea it varies, so the chain can be followed step by step. Without the judge
/// (`rankWithJudge` false) the ideas stay in the order written, unscored, and the copy is written
/// for the first one. The model is a ``ChainModel``: local, or an OpenAI-compatible server.
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
        /// Whether the model judges its ideas and the chain ranks them by the judge's score. Without
        /// it nothing is judged: the ideas keep the order written and the copy is for the first.
        public var rankWithJudge: Bool

        public init(ideas: Int = 6, rounds: Int = 1, keep: Int = 2, variants: Int = 2, maxTokens: Int = 96,
                    sampling: SamplingParameters = SamplingParameters(temperature: 1, topK: 50, topP: 0.95, repetitionPenalty: 1.1),
                    seed: UInt64 = 0, rankWithJudge: Bool = true) {
            (self.ideas, self.rounds, self.keep, self.variants, self.maxTokens) = (ideas, rounds, keep, variants, maxTokens)
            (self.sampling, self.seed, self.rankWithJudge) = (sampling, seed, rankWithJudge)
        }

        /// Refuses sizes no chain can use, naming the flag.
        public func validate() throws {
            for (name, value, least) in [("ideas", ideas, 1), ("rounds", rounds, 0), ("keep", keep, 1), ("variants", variants, 1),
                                         ("max-tokens", maxTokens, 1)] where value < least {
                throw CreativeError.invalidOption(name: name, reason: "must be ≥ \(least), got \(value)")
            }
            // A round varies the ideas the judge ranked best; without the judge there is no best to vary.
            if !rankWithJudge, rounds > 0 {
                throw CreativeError.invalidOption(name: "rounds", reason: "rounds of variants improve the ideas the judge ranks best: add --rank-with-judge, or use --rounds 0")
            }
        }
    }

    /// One idea of the chain.
    public struct Idea: Codable, Sendable, Equatable {
        /// Its number in the chain (0, 1, … in the order written).
        public var id: Int
        public var text: String
        /// P(positive answer) of the judge over its two answer words; nil when the chain does not judge.
        public var score: Double?
        public var round: Int
        /// The kept idea it is a variant of (nil in round 0).
        public var parent: Int?
    }

    /// What one round wrote and which ideas it kept (the best `keep` of the round's pool: the
    /// ideas kept before and the new ones; without the judge, the first idea, which the copy is for).
    public struct Round: Codable, Sendable, Equatable {
        public var round: Int
        public var written: [Idea]
        public var kept: [Int]
    }

    public struct Result: Codable, Sendable, Equatable {
        public var brief: String
        public var rounds: [Round]
        /// Whether `ranked` is the judge's order; when false the ideas are in the order written.
        public var rankedByJudge: Bool
        /// The last round's pool, best first (in the order written without the judge).
        public var ranked: [Idea]
        /// The headline the model wrote for the first idea of `ranked` (the best, or the first written
        /// without the judge), and the billboard's art direction for both.
        public var headline: String
        public var artDirection: String
        /// The conversation that wrote them, one turn after another: the idea request and the best
        /// idea as the model's answer, the headline request and the headline, the art-direction
        /// request and the art direction.
        public var conversation: [ChatMessage]

        enum CodingKeys: String, CodingKey {
            case brief, rounds, ranked, headline, conversation
            case rankedByJudge = "ranked_by_judge"
            case artDirection = "art_direction"
        }
    }

    /// The request for a new idea: the training rows' (data/creative) when the brief is written as
    /// `Brand: …\nProblem: …`.
    public static func ideaRequest(brief: String) -> String { "\(brief)\nWrite one creative idea for this brief." }

    /// The request for a variant of a kept idea.
    public static func variantRequest(brief: String, idea: String) -> String {
        "\(brief)\nIdea: \(idea)\nWrite one improved variant of this idea: more specific and more surprising, still on-brief and feasible."
    }

    /// The request for a headline: the training rows' headline request with the brief in place of the brand.
    public static func headlineRequest(brief: String, idea: String) -> String {
        "\(brief)\nIdea: \(idea)\nWrite a headline for this idea."
    }

    /// The request for a billboard's art direction (the task the demo holds out of training).
    public static func artDirectionRequest(brief: String, idea: String, headline: String) -> String {
        "\(brief)\nIdea: \(idea)\nHeadline: \(headline)\nWrite the art direction for a billboard."
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

    public let model: ChainModel

    /// `model` writes and judges, as the seed's co-pilot does.
    public init(model: ChainModel) throws {
        guard model.template.mode == .pointwise, model.template.fields.contains("brief") else {
            throw FileError(path: model.template.source, reason: "the co-pilot's judge template must be pointwise with {brief} and {idea}")
        }
        self.model = model
    }

    /// The chain on a local model that judges with `scorer`.
    public init(scorer: AnswerScorer, maxBatch: Int = Generator.defaultMaxBatch) throws {
        try self.init(model: LocalChainModel(scorer: scorer, maxBatch: maxBatch))
    }

    /// The brief of a brand and its problem, as the training rows write it.
    public static func brief(brand: String, problem: String) -> String { "Brand: \(brand)\nProblem: \(problem)" }

    /// The judge's question about one idea: the filled template as a user turn of its own, so the
    /// score is the one `divtune judge pointwise` gives (not coloured by the conversation).
    public func judgePrompt(brief: String, idea: String) -> [ChatMessage] {
        [.user(model.template.render(["brief": brief, "idea": idea]))]
    }

    /// Runs round 0, `options.rounds` rounds of variants, then the headline and art direction of
    /// the best idea (the first written when `options.rankWithJudge` is false); `onRound` sees each
    /// round as it ends.
    public func run(brief: String, options: Options, onRound: (Round) -> Void = { _ in }) throws -> Result {
        try options.validate()
        guard !brief.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw CreativeError.invalidOption(name: "brief", reason: "is empty")
        }
        var all: [Idea] = []
        var rounds: [Round] = []
        var kept: [Idea] = []
        var pool: [Idea] = []
        for round in 0...options.rounds {
            // Round 0 asks for ideas; later rounds for variants of each kept idea, one prompt each.
            let sources: [(parent: Idea?, request: String)] = round == 0
                ? [(nil, Self.ideaRequest(brief: brief))]
                : kept.map { ($0, Self.variantRequest(brief: brief, idea: $0.text)) }
            // Each prompt has its own seed (sample i: seed + i), so a round does not repeat another's draws.
            let seeds = sources.indices.map { options.seed &+ UInt64(round) &* 1_000_003 &+ UInt64($0) &* 1009 }
            let samples = try model.write(sources.map { [.user($0.request)] }, seeds: seeds,
                                          count: round == 0 ? options.ideas : options.variants,
                                          maxTokens: options.maxTokens, sampling: options.sampling)
            var written: [Idea] = []
            for (source, texts) in zip(sources, samples) {
                for sample in texts {
                    let text = sample.trimmingCharacters(in: .whitespacesAndNewlines)
                    guard !text.isEmpty else { continue }
                    let score: Double? = try options.rankWithJudge ? model.judge(judgePrompt(brief: brief, idea: text)) : nil
                    written.append(Idea(id: all.count + written.count, text: text, score: score, round: round, parent: source.parent?.id))
                }
            }
            all += written
            pool = options.rankWithJudge ? Self.ranked(kept + written) : written
            kept = Array(pool.prefix(options.rankWithJudge ? options.keep : 1))
            let finished = Round(round: round, written: written, kept: kept.map(\.id))
            rounds.append(finished)
            onRound(finished)
        }
        guard let best = pool.first else {
            throw CreativeError.insufficientData(path: "the chain", reason: "the model wrote only empty ideas; try more --ideas or --max-tokens")
        }
        // One growing conversation: the best idea stands as the model's answer to the idea request,
        // and each next request sees every turn before it.
        let seed = options.seed &+ UInt64(options.rounds + 1) &* 1_000_003
        var conversation: [ChatMessage] = [.user(Self.ideaRequest(brief: brief)), .assistant(best.text),
                                           .user(Self.headlineRequest(brief: brief, idea: best.text))]
        let headline = try reply(to: conversation, seed: seed, options: options)
        conversation += [.assistant(headline), .user(Self.artDirectionRequest(brief: brief, idea: best.text, headline: headline))]
        let artDirection = try reply(to: conversation, seed: seed &+ 1009, options: options)
        conversation.append(.assistant(artDirection))
        return Result(brief: brief, rounds: rounds, rankedByJudge: options.rankWithJudge, ranked: pool, headline: headline,
                      artDirection: artDirection, conversation: conversation)
    }

    /// One reply to the conversation, trimmed.
    func reply(to conversation: [ChatMessage], seed: UInt64, options: Options) throws -> String {
        let text = try model.write([conversation], seeds: [seed], count: 1, maxTokens: options.maxTokens, sampling: options.sampling)
        return (text.first?.first ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Best first; equal scores keep the order written (earlier first), unscored ideas last.
    public static func ranked(_ ideas: [Idea]) -> [Idea] {
        ideas.enumerated().sorted { ($0.element.score ?? -.infinity, -$0.offset) > ($1.element.score ?? -.infinity, -$1.offset) }.map(\.element)
    }
}
