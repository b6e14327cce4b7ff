import Base
import Evaluation
import Foundation
import HumanEvaluation
import Testing

/// `divtune humaneval create|invite|results|export|import` as users run them (the built executable).
@Suite struct HumanEvalCommandsTests {
    /// Two runs of `prompts` prompts: `ddpo` as an `evaluate run` folder, `dpo` as a plain samples file.
    static func runs(in folder: URL, prompts: Int = 4, dpoSamples: Int = 4) throws -> (ddpo: String, dpo: String) {
        let runFolder = folder.appendingPathComponent("eval-ddpo")
        try FileManager.default.createDirectory(at: runFolder, withIntermediateDirectories: true)
        func lines(_ run: String, samples: Int) -> String {
            (0..<prompts).map { p in
                let stories = (0..<samples).map { "\"\(run) tale \($0), prompt \(p): " + String(repeating: "word ", count: 40) + "\"" }
                return "{\"prompt_index\": \(p), \"prompt\": \"Write about thing \(p).\", \"samples\": [\(stories.joined(separator: ","))]}\n"
            }.joined()
        }
        try Data(lines("ddpo", samples: 5).utf8).write(to: runFolder.appendingPathComponent("samples.jsonl"))
        let metrics = RunMetrics(run: "ddpo", model: "m.gguf", quality: Estimate(mean: -2.5, lower: -2.6, upper: -2.4),
                                 qualityMeasure: "mean_logprob_per_token", semanticDiversity: Estimate(mean: 0.6, lower: 0.5, upper: 0.7),
                                 styleDiversity: nil, compressionRatio: nil, homogenizationRougel: nil, ngramDiversity: nil,
                                 prompts: prompts, samplesPerPrompt: 5)
        try metrics.write(runDirectory: runFolder)
        let file = folder.appendingPathComponent("dpo.jsonl")
        try Data(lines("dpo", samples: dpoSamples).utf8).write(to: file)
        return (runFolder.path, file.path)
    }

    static func divtune(_ arguments: [String]) throws -> DivTuneProcess.Result { try DivTuneProcess.run(["humaneval"] + arguments) }

    @Test func createInviteAnswerResultsAndCSVRoundTrip() throws {
        let folder = try DivTuneProcess.temporaryDirectory()
        let (ddpo, dpo) = try Self.runs(in: folder)
        let study = folder.appendingPathComponent("study.sqlite").path
        let create = try Self.divtune(["create", "--run", "ddpo=\(ddpo)", "--run", "dpo=\(dpo)", "--labels-per-item", "2",
                                       "--items-per-annotator", "4", "--max-story-characters", "60", "--seed", "3",
                                       "--completion-code", "C0DE", "--output", study])
        #expect(create.status == 0, "\(create.stderr)")
        #expect(create.stdout.contains("wrote \(study): 4 items, runs ddpo and dpo"))
        var links: [String] = []
        for name in ["ann", "bob"] {
            let invite = try Self.divtune(["invite", "--study", study, "--name", name, "--base-url", "http://127.0.0.1:9/"])
            #expect(invite.status == 0, "\(invite.stderr)")
            links.append(invite.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        #expect(links.allSatisfy { $0.hasPrefix("http://127.0.0.1:9/a/") && $0.count == "http://127.0.0.1:9/a/".count + 32 })
        #expect(try Self.divtune(["invite", "--study", study, "--name", "ann"]).stderr.contains("an annotator named ann already exists"))

        // Both annotators answer every item: ann always favours ddpo's set, bob always dpo's.
        let store = try StudyStore(path: study)
        #expect(store.design.presentation == .full(maxCharacters: 60) && store.design.completionCode == "C0DE")
        let items = Dictionary(uniqueKeysWithValues: try store.items().map { ($0.id, $0) })
        #expect(items.values.allSatisfy { $0.stories.values.allSatisfy { $0.allSatisfy { $0.shown.count <= 62 && $0.shown.hasSuffix(" …") } } })
        for (link, favourite) in zip(links, ["ddpo", "dpo"]) {
            let annotator = try store.annotator(token: String(link.split(separator: "/").last!))
            while let id = try store.nextItem(for: annotator) {
                let side = items[id]!.runs.first { $0.value == favourite }!.key.rawValue
                try store.submit(annotator: annotator, item: id, choices: ["best_story": "\(side)-1", "diverse_set": side], comment: "ok")
            }
        }
        try store.close()

        let text = try Self.divtune(["results", "--study", study, "--html", folder.appendingPathComponent("results.html").path])
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.contains("4 items, 4 with 2 or more answers; runs ddpo vs dpo"))
        #expect(text.stdout.contains("  ddpo: 50.0% [") && text.stdout.contains("sign test ddpo vs dpo: 4 vs 4, two-sided p = 1"))
        // Two annotators who always disagree on sides: κ and α are negative.
        #expect(text.stdout.contains("Fleiss' κ -") && text.stdout.contains("Krippendorff's α -"))
        let html = try String(contentsOf: folder.appendingPathComponent("results.html"), encoding: .utf8)
        #expect(html.contains("Automatic metrics of the runs") && html.contains("0.600 [0.500, 0.700]"))
        let json = try Self.divtune(["results", "--study", study, "--json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(object["items_complete"] as? Int == 4)

        let csv = folder.appendingPathComponent("answers.csv").path
        #expect(try Self.divtune(["export", "--study", study, "--csv", csv]).stdout == "wrote \(csv): 8 answers\n")
        let copy = folder.appendingPathComponent("copy.sqlite").path
        #expect(try Self.divtune(["create", "--run", "ddpo=\(ddpo)", "--run", "dpo=\(dpo)", "--labels-per-item", "2",
                                  "--items-per-annotator", "4", "--max-story-characters", "60", "--seed", "3", "--output", copy]).status == 0)
        let imported = try Self.divtune(["import", "--study", copy, "--csv", csv])
        #expect(imported.stdout == "imported 8 answers (0 already in the study)\n", "\(imported.stderr)")
        #expect(try Self.divtune(["results", "--study", copy, "--json"]).stdout == json.stdout)
        // A study drawn with another seed shows the runs on other sides: the file is refused, nothing imported.
        let other = folder.appendingPathComponent("other.sqlite").path
        #expect(try Self.divtune(["create", "--run", "ddpo=\(ddpo)", "--run", "dpo=\(dpo)", "--seed", "4", "--output", other]).status == 0)
        let refused = try Self.divtune(["import", "--study", other, "--csv", csv])
        #expect(refused.status != 0 && refused.stderr.contains("(a file of another study?)"), "\(refused.stderr)")
        #expect(try StudyStore(path: other).answers().isEmpty)
    }

    @Test func badInputsAreClearErrors() throws {
        let folder = try DivTuneProcess.temporaryDirectory()
        let (ddpo, dpo) = try Self.runs(in: folder, dpoSamples: 3)
        let study = folder.appendingPathComponent("study.sqlite").path
        let few = try Self.divtune(["create", "--run", "ddpo=\(ddpo)", "--run", "dpo=\(dpo)", "--output", study])
        #expect(few.status != 0 && few.stderr.contains("\(dpo):1: field \"samples\": run dpo has 3 samples for this prompt, fewer than the set size 4"), "\(few.stderr)")
        #expect(!FileManager.default.fileExists(atPath: study))
        let one = try Self.divtune(["create", "--run", "ddpo=\(ddpo)", "--output", study])
        #expect(one.status != 0 && one.stderr.contains("give exactly two --run LABEL=PATH (got 1)"))
        let noLabel = try Self.divtune(["create", "--run", ddpo, "--run", "dpo=\(dpo)", "--set-size", "3", "--output", study])
        #expect(noLabel.status != 0 && noLabel.stderr.contains("expected LABEL=PATH"), "\(noLabel.stderr)")

        let mismatched = folder.appendingPathComponent("other.jsonl")
        try Data("{\"prompt\": \"Something else.\", \"samples\": [\"a\", \"b\", \"c\", \"d\"]}\n".utf8).write(to: mismatched)
        let unmatched = try Self.divtune(["create", "--run", "ddpo=\(ddpo)", "--run", "x=\(mismatched.path)", "--output", study])
        #expect(unmatched.status != 0 && unmatched.stderr.contains("both runs must sample the same prompts"), "\(unmatched.stderr)")

        let garbage = folder.appendingPathComponent("garbage.sqlite")
        try Data(repeating: 0x5A, count: 8192).write(to: garbage)
        let results = try Self.divtune(["results", "--study", garbage.path])
        #expect(results.status != 0 && results.stderr.contains("\(garbage.path): not a DivTune study"), "\(results.stderr)")
        #expect(try Data(contentsOf: garbage) == Data(repeating: 0x5A, count: 8192))
    }

    /// `--summarize-with`: each story is replaced by the local model's summary, and the model and
    /// prompt are recorded in the study (the real SmolLM2-135M-Instruct, a few greedy tokens).
    @Test func summariesComeFromTheLocalModel() throws {
        let folder = try DivTuneProcess.temporaryDirectory()
        let (ddpo, dpo) = try Self.runs(in: folder, prompts: 1)
        let study = folder.appendingPathComponent("study.sqlite").path
        let model = try DivTuneProcess.smolLM2
        let create = try Self.divtune(["create", "--run", "ddpo=\(ddpo)", "--run", "dpo=\(dpo)", "--set-size", "1",
                                       "--summarize-with", model, "--summary-max-tokens", "6", "--summary-prompt", "Summarize: {story}",
                                       "--output", study])
        #expect(create.status == 0, "\(create.stderr)")
        let store = try StudyStore(path: study)
        #expect(store.design.presentation == .summary(model: model, adapter: nil, prompt: "Summarize: {story}"))
        let item = try store.items()[0]
        #expect(item.stories.values.map(\.count) == [1, 1])
        // The summary is the model's greedy answer to the summary prompt, as `divtune generate` gives it.
        let story = try #require(item.stories[item.runs.first { $0.value == "ddpo" }!.key]?.first)
        let text = "ddpo tale \(story.sampleIndex), prompt 0: " + String(repeating: "word ", count: 40)
        let generated = try DivTuneProcess.run(["generate", "--model", model, "--chat", "--prompt", "Summarize: \(text)",
                                                "--max-tokens", "6", "--temperature", "0"])
        #expect(generated.status == 0, "\(generated.stderr)")
        #expect(!story.shown.isEmpty && story.shown == generated.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
