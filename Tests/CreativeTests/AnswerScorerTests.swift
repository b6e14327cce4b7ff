import Base
import Foundation
import Models
import TensorEngine
import Testing
@testable import Creative

/// The judges on the real SmolLM2 (`make models`): the pointwise score is the two-answer softmax of
/// the model's own logits, and the pairwise verdict does not depend on which idea is shown first.
@Suite(.serialized) struct AnswerScorerTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func model() throws -> LanguageModel {
        try LanguageModel.load(path: ModelCache.forRepository(containing: #filePath).require(ModelCache.smolLM2).path)
    }

    static func heldOutIdeas(_ template: JudgeTemplate) throws -> [LabelledIdea] {
        try LabelledIdea.read(file: root.appendingPathComponent("data/creative/ideas_heldout.jsonl"), template: template)
    }

    @Test func twoAnswerSoftmaxOfGivenLogits() {
        let a = AnswerScorer.answer(logits: [1, 3, 0.5, -2], positive: 1, negative: 2)
        #expect(abs(a.probability - exp(3) / (exp(3) + exp(0.5))) < 1e-15)
        let total = exp(1.0) + exp(3.0) + exp(0.5) + exp(-2.0)
        #expect(abs(a.answerMass - (exp(3) + exp(0.5)) / total) < 1e-15)
        // Far-apart logits stay finite (no overflow of e^l).
        #expect(AnswerScorer.answer(logits: [900, -900], positive: 0, negative: 1).probability == 1)
    }

    @Test func pointwiseScoreIsTheSoftmaxOfTheModelsLogitsByHand() throws {
        let lm = try Self.model()
        let scorer = try AnswerScorer(model: lm, template: .builtIn(.pointwise))
        #expect(scorer.positiveToken == lm.tokenizer.encode("Yes", addSpecialTokens: false)[0])
        #expect(scorer.negativeToken == lm.tokenizer.encode("No", addSpecialTokens: false)[0])
        let idea = try Self.heldOutIdeas(scorer.template)[0]
        // The prompt the model reads: the filled template as one user turn, ending at the assistant header.
        let text = try PromptRenderer(model: lm).render([.user(scorer.template.render(idea.fields))])
        #expect(text.contains("Idea: \(idea.idea)\n") && text.hasSuffix("<|im_start|>assistant\n"))
        let ids = lm.tokenizer.encode(text, addSpecialTokens: false)
        #expect(try scorer.promptIds(idea.fields) == ids)
        let logits = try Tensor.withNoGrad { try lm.model([ids], logits: .all) }
        let vocab = logits.shape[2]
        let last = Array(logits.scalars[(ids.count - 1) * vocab..<ids.count * vocab])
        let (yes, no) = (Double(last[scorer.positiveToken]), Double(last[scorer.negativeToken]))
        let byHand = exp(yes) / (exp(yes) + exp(no))
        let answer = try scorer.answer(idea.fields)
        #expect(abs(answer.probability - byHand) < 1e-5, "\(answer.probability) vs \(byHand)")
        #expect(answer.answerMass > 0 && answer.answerMass <= 1)
    }

    @Test func pairwiseVerdictIsSymmetricInTheShownOrder() throws {
        let judge = try PairwiseJudge(scorer: AnswerScorer(model: Self.model(), template: .builtIn(.pairwise)))
        let ideas = try Self.heldOutIdeas(judge.scorer.template)
        let pairs = judge.pairs(ideas, seed: 0)
        // Every good × bad pair within each brief: 8 briefs of 2×3 or 3×2.
        #expect(pairs.count == 48)
        #expect(pairs.allSatisfy { $0.a.isGood != $0.b.isGood && $0.a.fields["brief_id"] == $0.b.fields["brief_id"] })
        let shownFirstGood = pairs.filter { $0.a.isGood }.count
        #expect(shownFirstGood > 14 && shownFirstGood < 34, "the seeded coin puts the good idea first about half the time")
        #expect(judge.pairs(ideas, seed: 0) == pairs)
        let pair = pairs[0]
        let forward = try judge.judge(pair)
        let swapped = try judge.judge(.init(a: pair.b, b: pair.a))
        #expect(abs(forward.score + swapped.score - 1) < 1e-12)
        #expect(abs(forward.aShownFirst - (1 - swapped.aShownSecond)) < 1e-12)
        #expect(forward.prediction != swapped.prediction || forward.score == 0.5)
        #expect(forward.label != swapped.label)
        #expect(forward.ordersDisagree == swapped.ordersDisagree)
    }
}
