import Base
import Evaluation
import Foundation
import Models
import Testing
@testable import Creative

/// Headline and art-direction quality: the template sees the request without its instruction, each
/// response's score is the judge's two-answer P(Yes), and the run's mean is over requests.
@Suite(.serialized) struct ResponseJudgeTests {
    @Test func contextDropsTheInstructionLine() {
        #expect(ResponseJudge.context(ofRequest: "Brand: B\nIdea: I\nWrite a headline for this idea.\n") == "Brand: B\nIdea: I")
        #expect(ResponseJudge.context(ofRequest: "one line only") == "one line only")
        let values = ResponseJudge.values(request: "Brand: B\nIdea: I\nHeadline: H\nWrite the art direction for a billboard.\n", response: "  A red wall.\n")
        #expect(values["context"] == "Brand: B\nIdea: I\nHeadline: H" && values["response"] == "A red wall.")
        #expect(ResponseJudge.Task.artDirection.template.render(values).contains("Headline: H\nArt direction: A red wall.\nIs this a strong art direction"))
    }

    @Test func summaryAveragesWithinThenAcrossRequests() throws {
        func j(_ prompt: Int, _ score: Double) -> ResponseJudge.Judgement {
            .init(promptIndex: prompt, sample: 0, response: "r", score: score, answerMass: 0.5)
        }
        // Request 0 has three responses (mean 0.2), request 1 one (0.8): the mean over requests is 0.5, not 0.35.
        let summary = try ResponseJudge.summary([j(0, 0.1), j(0, 0.2), j(0, 0.3), j(1, 0.8)], task: "headline", judge: "m",
                                                resamples: 200, seed: 1)
        #expect(summary.prompts == 2 && summary.responses == 4)
        let mean = try #require(summary.meanScore)
        #expect(abs(mean.value - 0.5) < 1e-12 && mean.lower >= 0.2 - 1e-12 && mean.upper <= 0.8 + 1e-12 && mean.lower < mean.upper)
    }

    @Test func scoresAreTheJudgesPYesOnTheRealModel() throws {
        let lm = try LanguageModel.load(path: ModelCache.forRepository(containing: #filePath).require(ModelCache.smolLM2).path)
        let judge = try ResponseJudge(scorer: AnswerScorer(model: lm, template: ResponseJudge.Task.headline.template))
        let request = "Brand: Tidewell, a refillable glass water bottle\nIdea: A desk stand that glows when you have not drunk for an hour.\nWrite a headline for this idea.\n"
        let records = [SampleRecord(promptIndex: 3, prompt: request, samples: ["Your desk is thirsty.", "Buy now"], tokens: [5, 2],
                                    logprobPerToken: [nil, nil], finishReasons: ["stop", "stop"])]
        let judgements = try judge.judge(records, source: "samples.jsonl")
        #expect(judgements.map(\.promptIndex) == [3, 3] && judgements.map(\.sample) == [0, 1])
        for judgement in judgements {
            let answer = try judge.scorer.answer(ResponseJudge.values(request: request, response: judgement.response))
            #expect(judgement.score == answer.probability && judgement.score > 0 && judgement.score < 1)
        }
        // An idea template is not a response judge.
        #expect(throws: CreativeError.self) { try ResponseJudge(scorer: AnswerScorer(model: lm, template: .builtIn(.pointwise))) }
        let stray = try JudgeTemplate.parse("answers: Yes / No\nFor {brand}: is {response} strong? Yes or No.", mode: .response, source: "T")
        #expect(throws: FileError(path: "T", reason: "a response template knows {context}, {request} and {response}, not {brand}")) {
            try ResponseJudge(scorer: AnswerScorer(model: lm, template: stray))
        }
    }
}
