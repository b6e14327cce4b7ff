import Base
import ChatTemplates
import Foundation
import Models
import TensorEngine

/// The model's next-token preference between a template's two answer words (docs/creative.md §3):
/// the filled template goes to the model as one user message through its chat template, and the
/// logits of the token after the assistant header give P(positive) = e^{l₊} / (e^{l₊} + e^{l₋}),
/// the softmax over the two answers' first tokens.
public struct AnswerScorer {
    /// One prompt's answer.
    public struct Answer: Sendable, Equatable {
        /// The logits of the positive and the negative answer's first token.
        public var positiveLogit: Float
        public var negativeLogit: Float
        /// P(positive) over the two answers.
        public var probability: Double
        /// P(positive) + P(negative) in the full next-token distribution: how much of the model's
        /// belief goes to answering in the template's words at all.
        public var answerMass: Double
    }

    public let model: LanguageModel
    public let renderer: PromptRenderer
    public let template: JudgeTemplate
    /// The answers' first token ids.
    public let positiveToken: Int
    public let negativeToken: Int

    public init(model: LanguageModel, template: JudgeTemplate) throws {
        self.model = model
        self.template = template
        renderer = try PromptRenderer(model: model)
        let tokenizer = model.tokenizer
        func first(_ word: String) throws -> Int {
            guard let id = tokenizer.encode(word, addSpecialTokens: false).first else {
                throw FileError(path: template.source, line: 1, reason: "the answer word \"\(word)\" encodes to no tokens")
            }
            return id
        }
        positiveToken = try first(template.positive)
        negativeToken = try first(template.negative)
        guard positiveToken != negativeToken else {
            throw FileError(path: template.source, line: 1,
                            reason: "the answers \"\(template.positive)\" and \"\(template.negative)\" start with the same token: choose words the model tells apart at the first token")
        }
    }

    /// The token ids the model reads for `values` (the template filled, through the chat template).
    public func promptIds(_ values: [String: String]) throws -> [Int] {
        try renderer.ids(messages: [.user(template.render(values))])
    }

    /// The answer to the template filled with `values`.
    public func answer(_ values: [String: String]) throws -> Answer {
        try answer(messages: [.user(template.render(values))])
    }

    /// The answer after a whole conversation (its last turn, typically, the filled template).
    public func answer(messages: [ChatMessage]) throws -> Answer {
        let ids = try renderer.ids(messages: messages)
        let logits = try Tensor.withNoGrad { try model.model([ids], logits: .last).scalars }
        return Self.answer(logits: logits, positive: positiveToken, negative: negativeToken)
    }

    /// The two-answer softmax and the answers' full-softmax mass from one position's logits.
    public static func answer(logits: [Float], positive: Int, negative: Int) -> Answer {
        let lp = Double(logits[positive]), ln = Double(logits[negative])
        let top = Double(logits.max() ?? 0)
        let total = logits.reduce(0.0) { $0 + exp(Double($1) - top) }
        let m = max(lp, ln)
        let probability = exp(lp - m) / (exp(lp - m) + exp(ln - m))
        return Answer(positiveLogit: logits[positive], negativeLogit: logits[negative], probability: probability,
                      answerMass: (exp(lp - top) + exp(ln - top)) / total)
    }
}
