import ChatTemplates
import Sampling

/// What the co-pilot chain (``IdeaChain``) needs of a model, wherever it runs: replies to chat
/// conversations, and a judge's P(positive answer) after a conversation (docs/creative.md §8). A
/// local model (``LocalChainModel``) and an OpenAI-compatible server (`divtune create
/// --openai-base-url`) both provide it, so the chain's steps are the same on either.
public protocol ChainModel {
    /// The pointwise judge template the chain fills for each idea (`{brief}` and `{idea}`).
    var template: JudgeTemplate { get }

    /// `count` replies to each conversation; reply i of conversation c is drawn with `seeds[c] + i`.
    func write(_ conversations: [[ChatMessage]], seeds: [UInt64], count: Int, maxTokens: Int,
               sampling: SamplingParameters) throws -> [[String]]

    /// P(positive) over the template's two answer words for the token after `messages`.
    func judge(_ messages: [ChatMessage]) throws -> Double
}
