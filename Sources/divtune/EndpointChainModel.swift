import ChatTemplates
import Creative
import EvaluationRuns
import Foundation
import Sampling

/// The co-pilot chain's model behind an OpenAI-compatible chat endpoint (`divtune create
/// --openai-base-url`, docs/creative.md §8): each reply is one chat completion of the whole
/// conversation (reply i with seed + i), and the judge's P(positive) is the two-answer softmax of
/// the log-probs the server lists for the first token of its answer (`top_logprobs`), which equals
/// the local judge's e^{l₊}/(e^{l₊}+e^{l₋}) since log-probs differ from logits by one constant.
struct EndpointChainModel: ChainModel {
    let endpoint: ChatCompletionsEndpoint
    let template: JudgeTemplate

    func write(_ conversations: [[ChatMessage]], seeds: [UInt64], count: Int, maxTokens: Int,
               sampling: SamplingParameters) throws -> [[String]] {
        try zip(conversations, seeds).map { messages, seed in
            try (0..<count).map { i in
                try endpoint.complete(Self.messages(messages), maxTokens: maxTokens, sampling: sampling, seed: seed &+ UInt64(i)).text
            }
        }
    }

    func judge(_ messages: [ChatMessage]) throws -> Double {
        let (chosen, alternatives) = try endpoint.firstTokenLogprobs(Self.messages(messages))
        guard let positive = alternatives[template.positive], let negative = alternatives[template.negative] else {
            let missing = [template.positive, template.negative].filter { alternatives[$0] == nil }
            throw EndpointError(url: endpoint.url.absoluteString, reason: """
                the judge's answer word\(missing.count > 1 ? "s" : "") \(missing.map { "\"\($0)\"" }.joined(separator: " and ")) \
                not among the \(alternatives.count) top_logprobs of the first answer token (it chose \"\(chosen)\"): \
                the server's model must rank both answers, each one token, in its top 20
                """)
        }
        let m = max(positive, negative)
        return exp(positive - m) / (exp(positive - m) + exp(negative - m))
    }

    static func messages(_ messages: [ChatMessage]) -> [ChatCompletionsEndpoint.Message] {
        messages.map { .init(role: $0.role, content: $0.content) }
    }
}
