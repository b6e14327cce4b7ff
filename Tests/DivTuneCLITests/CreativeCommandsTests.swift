import Base
import ChatTemplates
import Creative
import Foundation
import Models
import Testing

/// Multi-task `train sft` and `divtune create` as the CLI runs them.
@Suite(.serialized) struct CreativeCommandsTests {
    /// Task-tagged rows the tiny model can spell: three tasks, four rows each.
    static func taggedData(in directory: URL) throws -> String {
        var lines: [String] = []
        for (task, completion) in [("story", "once upon a time."), ("poem", "roses are red."), ("art", "a red sky, a cat.")] {
            for (i, prompt) in TinyTrainingRun.prompts.prefix(4).enumerated() {
                let row = ["task": task, "prompt": prompt, "completion": completion + String(repeating: " a", count: i)]
                lines.append(String(decoding: try JSONSerialization.data(withJSONObject: row, options: .sortedKeys), as: UTF8.self))
            }
        }
        let url = directory.appendingPathComponent("tagged.jsonl")
        try (lines.joined(separator: "\n") + "\n").write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    @Test func trainSFTWithATaskMixtureLogsPerTaskLossesAndRefusesBadMixtures() throws {
        let dir = try DivTuneProcess.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = try TinyTrainingRun.model(in: dir), data = try Self.taggedData(in: dir)
        try "task_mixture: story=0.7,poem=0.3\nholdout_task: art\n".write(to: dir.appendingPathComponent("mix.yaml"), atomically: true, encoding: .utf8)
        let base = ["train", "sft", "--model", model, "--data", data, "--max-steps", "4", "--batch-size", "2", "--logging-steps", "1",
                    "--steps-per-eval", "2"]
        let result = try DivTuneProcess.run(base + ["--output", "mixed", "--config", "mix.yaml"], in: dir)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("task mixture: poem 0.300 (4 rows), story 0.700 (4 rows); held out (evaluated only): art, 4 rows"),
                "\(result.stdout)")
        let records = try EmbeddingCommandsTests.lines(dir.appendingPathComponent("mixed/metrics.jsonl"))
        let steps = records.filter { $0["loss"] != nil }
        #expect(steps.count == 4)
        // Each step drew its tasks: every step logs the loss of at least one of them, never of art.
        #expect(steps.allSatisfy { $0["loss/story"] != nil || $0["loss/poem"] != nil })
        #expect(!records.contains { $0["loss/art"] != nil })
        let evaluations = records.filter { $0["eval_loss/art"] != nil }
        #expect(evaluations.map { $0["step"] as? Int } == [2, 4])
        let state = try String(contentsOf: dir.appendingPathComponent("mixed/checkpoint-4/trainer_state.json"), encoding: .utf8)
        #expect(state.contains("\"task_mixture\" : \"story=0.7,poem=0.3\"") && state.contains("\"mixture\""), "\(state)")

        for (extra, message) in [
            (["--task-mixture", "slogan=1"], "invalid option 'task-mixture': no training rows have task 'slogan' (the data's trainable tasks: art, poem, story)"),
            (["--task-mixture", "story=0,poem=0"], "invalid option 'task-mixture': the weights must sum to a positive number, got 'story=0,poem=0'"),
            (["--task-mixture", "story=1,art=1", "--holdout-task", "art"], "invalid option 'holdout-task': task 'art' is also in --task-mixture"),
            (["--holdout-task", "sketch"], "invalid option 'holdout-task': no rows have task 'sketch'"),
        ] {
            let refused = try DivTuneProcess.run(base + ["--output", "bad", "--overwrite"] + extra, in: dir)
            #expect(refused.status != 0 && refused.stderr.contains(message), "\(extra): \(refused.stderr)")
        }
        // Resuming with another mixture would train something else.
        let conflict = try DivTuneProcess.run(base + ["--output", "mixed", "--config", "mix.yaml", "--task-mixture", "story=1",
                                                      "--resume", "mixed/checkpoint-4", "--max-steps", "6"], in: dir)
        #expect(conflict.status != 0 && conflict.stderr.contains("--task-mixture story=1.0 conflicts with the checkpoint"), "\(conflict.stderr)")
    }

    /// The co-pilot chain on the real SmolLM2 with tiny sizes: round 0 writes ideas, round 1 writes
    /// variants of the kept one, every score is the judge's P(Yes) for that idea (the built-in
    /// `judge pointwise` template reads the same prompt), and the ranking is sorted. Without
    /// `--rank-with-judge` the same seed writes the same ideas, unscored, in the order written, and
    /// the copy is for the first.
    @Test func createRunsTheChainAndRanksByTheJudgesScores() throws {
        let model = try DivTuneProcess.smolLM2
        let brand = "Tidewell, a refillable glass water bottle"
        let problem = "Office workers leave the bottle in a drawer within a month."
        let result = try DivTuneProcess.run(["create", "--model", model, "--brand", brand, "--problem", problem, "--ideas", "3",
                                             "--rank-with-judge", "--rounds", "1", "--keep", "1", "--variants", "2", "--max-tokens", "16",
                                             "--json", "--threads", "2"])
        #expect(result.status == 0, "\(result.stderr)")
        let chain = try JSONDecoder().decode(IdeaChain.Result.self, from: Data(result.stdout.utf8))
        #expect(chain.brief == "Brand: \(brand)\nProblem: \(problem)" && chain.rankedByJudge)
        #expect(chain.rounds.map(\.round) == [0, 1])
        let first = chain.rounds[0], second = chain.rounds[1]
        #expect(first.written.count == 3 && first.written.allSatisfy { $0.round == 0 && $0.parent == nil })
        let scores = (first.written + second.written).compactMap(\.score)
        #expect(scores.count == 5)
        #expect(first.kept.count == 1 && first.kept[0] == first.written.max { $0.score! < $1.score! }?.id)
        #expect(second.written.count == 2 && second.written.allSatisfy { $0.round == 1 && $0.parent == first.kept[0] })
        #expect(chain.ranked.count == 3)   // the kept idea and its two variants
        #expect(zip(chain.ranked, chain.ranked.dropFirst()).allSatisfy { $0.score! >= $1.score! })
        #expect(second.kept == [chain.ranked[0].id])

        let scorer = try AnswerScorer(model: LanguageModel.load(path: model), template: .builtIn(.pointwise))
        for idea in first.written + second.written {
            let answer = try scorer.answer(["brand": brand, "problem": problem, "idea": idea.text])
            let score = try #require(idea.score)
            #expect(abs(answer.probability - score) < 1e-6, "#\(idea.id): \(score) vs the judge's \(answer.probability)")
        }

        // The best idea's headline and art direction, written as one growing conversation.
        let best = chain.ranked[0].text
        #expect(chain.conversation.map(\.role) == ["user", "assistant", "user", "assistant", "user", "assistant"])
        #expect(chain.conversation.map(\.content) == [IdeaChain.ideaRequest(brief: chain.brief), best,
                                                      IdeaChain.headlineRequest(brief: chain.brief, idea: best), chain.headline,
                                                      IdeaChain.artDirectionRequest(brief: chain.brief, idea: best, headline: chain.headline),
                                                      chain.artDirection])

        // Without the judge: round 0 alone, the same ideas (same seed and sizes) in the order written,
        // no scores, and the headline and art direction for the first idea.
        let unjudged = try DivTuneProcess.run(["create", "--model", model, "--brand", brand, "--problem", problem, "--ideas", "3",
                                               "--max-tokens", "16", "--json", "--threads", "2"])
        #expect(unjudged.status == 0, "\(unjudged.stderr)")
        let plain = try JSONDecoder().decode(IdeaChain.Result.self, from: Data(unjudged.stdout.utf8))
        #expect(!plain.rankedByJudge && plain.rounds.count == 1)
        #expect(plain.rounds[0].written.map(\.text) == first.written.map(\.text))
        #expect(plain.ranked == plain.rounds[0].written && plain.ranked.allSatisfy { $0.score == nil })
        #expect(plain.rounds[0].kept == [plain.ranked[0].id])
        #expect(plain.conversation.map(\.content) == [IdeaChain.ideaRequest(brief: plain.brief), plain.ranked[0].text,
                                                      IdeaChain.headlineRequest(brief: plain.brief, idea: plain.ranked[0].text), plain.headline,
                                                      IdeaChain.artDirectionRequest(brief: plain.brief, idea: plain.ranked[0].text, headline: plain.headline),
                                                      plain.artDirection])

        let refused = try DivTuneProcess.run(["create", "--model", model, "--brief", "Brand: x", "--rank-with-judge", "--keep", "0"])
        #expect(refused.status != 0 && refused.stderr.contains("--keep: must be ≥ 1, got 0"), "\(refused.stderr)")
        for (arguments, message) in [
            (["--brief", "Brand: x", "--model", model, "--rounds", "1"],
             "--rounds: rounds of variants improve the ideas the judge ranks best: add --rank-with-judge, or use --rounds 0"),
            (["--brief", "Brand: x", "--model", model, "--keep", "2"], "--keep belongs to the judged chain: add --rank-with-judge"),
            (["--brief", "Brand: x", "--model", model, "--template", "t.txt"], "--template belongs to the judged chain: add --rank-with-judge"),
            (["--brief", "Brand: x"], "give --model (a local model) or --openai-base-url (a server)"),
            (["--brief", "Brand: x", "--model", model, "--openai-base-url", "http://127.0.0.1:1"], "--model and --openai-base-url exclude each other"),
            (["--brief", "Brand: x", "--model", model, "--openai-model", "smol"], "--openai-model needs --openai-base-url"),
        ] {
            let wrong = try DivTuneProcess.run(["create"] + arguments)
            #expect(wrong.status != 0 && wrong.stderr.contains(message), "\(arguments): \(wrong.stderr)")
        }
    }

    /// The same chain through a real `divtune serve` (SmolLM2, request log): it completes, the server
    /// saw exactly the chain's message lists — the idea requests, one judge prompt per idea, then
    /// the conversation growing by a turn pair for the headline and again for the art direction —
    /// and each score read from the server's top_logprobs equals the local judge's for that idea.
    /// Without `--rank-with-judge` the server sees no judge request.
    @Test func createThroughDivtuneServeGrowsOneConversationAndScoresAsTheLocalJudge() throws {
        let model = try DivTuneProcess.smolLM2
        let folder = try DivTuneProcess.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let log = folder.appendingPathComponent("requests.jsonl")
        let server = Process()
        let port = try DivTuneProcess.startServer(server, ["serve", "--model", model, "--model-name", "smol", "--port", "0",
                                                           "--threads", "2", "--log", log.path])
        defer { server.terminate(); server.waitUntilExit() }
        let brief = "Brand: Tidewell, a refillable glass water bottle\nProblem: Office workers leave the bottle in a drawer within a month."
        let result = try DivTuneProcess.run(["create", "--openai-base-url", "http://127.0.0.1:\(port)/v1", "--openai-model", "smol",
                                             "--brief", brief, "--ideas", "2", "--rank-with-judge", "--rounds", "0", "--keep", "1",
                                             "--max-tokens", "12", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let chain = try JSONDecoder().decode(IdeaChain.Result.self, from: Data(result.stdout.utf8))
        #expect(chain.brief == brief && chain.ranked.count == 2 && chain.conversation.count == 6)
        #expect(chain.conversation[1].content == chain.ranked[0].text && chain.conversation[3].content == chain.headline
                && chain.conversation[5].content == chain.artDirection)

        let lm = try LanguageModel.load(path: model)
        let scorer = try AnswerScorer(model: lm, template: JudgeTemplate.parse(IdeaChain.defaultTemplate, mode: .pointwise, source: "t"))
        for idea in chain.ranked {
            let local = try scorer.answer(["brief": brief, "idea": idea.text]).probability, score = try #require(idea.score)
            #expect(abs(local - score) < 1e-4, "#\(idea.id): the server's \(score) vs the local judge's \(local)")
        }
        // What the server was sent, by its prompt-token counts in request order.
        func logged() throws -> [Int?] {
            try String(contentsOf: log, encoding: .utf8).split(separator: "\n").map { line in
                try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])["prompt_tokens"] as? Int
            }
        }
        let renderer = try PromptRenderer(model: lm)
        func tokens(_ messages: [ChatMessage]) throws -> Int { try renderer.ids(messages: messages).count }
        let request = try tokens([.user(IdeaChain.ideaRequest(brief: brief))])
        let judged = try chain.rounds[0].written.map { idea in
            try tokens([.user(scorer.template.render(["brief": brief, "idea": idea.text]))])
        }
        let expected = [request, request] + judged + [try tokens(Array(chain.conversation.prefix(3))), try tokens(Array(chain.conversation.prefix(5)))]
        let judgedLog = try logged()
        #expect(judgedLog == expected.map { Optional($0) }, "\(judgedLog) vs \(expected)")
        #expect(expected[5] > expected[4] && expected[4] > request)

        // Without the judge, as text: the ideas as written, then the copy for the first; the server
        // got the two idea requests and the two copy turns, no judge prompt.
        let unjudged = try DivTuneProcess.run(["create", "--openai-base-url", "http://127.0.0.1:\(port)/v1", "--openai-model", "smol",
                                               "--brief", brief, "--ideas", "2", "--max-tokens", "12"])
        #expect(unjudged.status == 0, "\(unjudged.stderr)")
        #expect(unjudged.stdout.contains("round 0: 2 ideas, not judged (--rank-with-judge ranks them)")
                && unjudged.stdout.contains("headline for #0 (the first idea): ") && !unjudged.stdout.contains("ranked ("), "\(unjudged.stdout)")
        let plainLog = try logged().dropFirst(judgedLog.count).compactMap { $0 }
        #expect(plainLog.count == 4 && Array(plainLog.prefix(2)) == [request, request] && plainLog[3] > plainLog[2] && plainLog[2] > request,
                "\(plainLog)")

        // No server on the port: the error names the URL.
        let closed = try DivTuneProcess.run(["create", "--openai-base-url", "http://127.0.0.1:1", "--openai-retries", "0", "--brief", brief])
        #expect(closed.status != 0 && closed.stderr.contains("POST http://127.0.0.1:1/v1/chat/completions failed"), "\(closed.stderr)")
    }
}
