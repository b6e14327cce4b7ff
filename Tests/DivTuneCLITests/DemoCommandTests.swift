import Foundation
import Testing
@testable import divtune

/// `divtune demo --quick` is the smoke test of the whole pipeline: every stage runs for real
/// (tiny sizes) and the report holds real numbers.
@Suite(.serialized) struct DemoCommandTests {
    @Test func quickDemoRunsEveryStageAndWritesAReport() throws {
        _ = try DivTuneProcess.smolLM2
        let out = try DivTuneProcess.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: out) }
        let result = try DivTuneProcess.run(["demo", "--quick", "--output", out.path], in: DivTuneProcess.repositoryRoot)
        #expect(result.status == 0, "\(result.stderr.suffix(2000))")

        let stages = try String(contentsOf: out.appendingPathComponent("demo.jsonl"), encoding: .utf8)
            .split(separator: "\n").map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        let names = stages.compactMap { $0["stage"] as? String }
        #expect(names == ["prepare", "reward", "sft", "dpo", "ddpo", "evaluate base", "evaluate sft", "evaluate dpo",
                          "evaluate ddpo", "evaluate dpo+conformative", "report"])

        // Pairs carry finite, non-negative deviation weights that differ between pairs
        // (u / mean(u) is normalised per prompt over its paired responses, not over all pairs).
        let pairs = try String(contentsOf: out.appendingPathComponent("pairs.jsonl"), encoding: .utf8)
            .split(separator: "\n").map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        let weights = pairs.compactMap { $0["weight"] as? Double }
        #expect(weights.count == pairs.count && pairs.count > 40)
        #expect(weights.allSatisfy { $0.isFinite && $0 >= 0 })
        #expect(Set(weights.map { ($0 * 1e6).rounded() }).count > 10)

        // Every adapter was written in PEFT form and every run has real metrics.
        for adapter in ["sft", "dpo", "ddpo"] {
            #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("\(adapter)/adapter_model.safetensors").path))
        }
        for run in ["base", "sft", "dpo", "ddpo", "dpo+conformative"] {
            let data = try Data(contentsOf: out.appendingPathComponent("runs/\(run)/metrics.json"))
            let metrics = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            let semantic = try #require(metrics["semantic_diversity"] as? [String: Any], "\(run): \(metrics.keys)")
            let mean = try #require(semantic["mean"] as? Double)
            #expect(mean.isFinite && mean >= 0 && mean <= 2, "\(run)")
            // Quality is the demo's reward model's score; the log-prob stays as the secondary measure.
            #expect(metrics["quality_measure"] as? String == "reward", "\(run)")
            #expect(((metrics["quality"] as? [String: Any])?["mean"] as? Double)?.isFinite == true, "\(run)")
            #expect(((metrics["mean_logprob_per_token"] as? [String: Any])?["mean"] as? Double).map { $0 < 0 } == true, "\(run)")
        }
        let report = try String(contentsOf: out.appendingPathComponent("report.html"), encoding: .utf8)
        #expect(report.contains("<svg") && report.contains("dpo+conformative"))
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("reward/reward_head.safetensors").path))
        // The table shows the adapters relative to the report's folder, not as absolute paths.
        #expect(report.contains("<td>ddpo</td><td>—</td>"))
        #expect(!report.contains(out.appendingPathComponent("ddpo").path) && report.contains("Mean log-prob/token (secondary)"))
    }

    /// `--resume` skips the stages demo.jsonl records with the same arguments and runs the others;
    /// a run without it starts demo.jsonl afresh. (Cheap stages: `import best`.)
    @Test func resumeSkipsTheStagesDemoJSONLRecords() throws {
        let out = try DivTuneProcess.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: out) }
        let raw = out.appendingPathComponent("raw.jsonl")
        try Data(#"{"prompt": "p", "responses": [{"text": "a", "score": 1}, {"text": "b", "score": 2}]}"#.utf8 + [0x0A]).write(to: raw)
        func stage(_ name: String) -> (name: String, arguments: [String]) {
            (name, ["import", "best", "--input", raw.path, "--output", out.appendingPathComponent("\(name).jsonl").path])
        }
        func exists(_ name: String) -> Bool { FileManager.default.fileExists(atPath: out.appendingPathComponent("\(name).jsonl").path) }
        func records() throws -> [String] {
            try String(contentsOf: out.appendingPathComponent("demo.jsonl"), encoding: .utf8).split(separator: "\n").map {
                try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])["stage"] as? String ?? ""
            }
        }
        _ = try DemoCommand.run([stage("a"), stage("b")], title: "t", out: out)
        let first = try records()
        #expect(exists("a") && exists("b") && first == ["a", "b"])
        for name in ["a", "b"] { try FileManager.default.removeItem(at: out.appendingPathComponent("\(name).jsonl")) }
        let commands = try DemoCommand.run([stage("a"), stage("c")], title: "t", out: out, resume: true)
        let resumed = try records()
        #expect(!exists("a") && exists("c") && resumed == ["a", "b", "c"])
        #expect(commands.count == 2 && commands[0].hasPrefix("divtune import best --input "))
        // Once a stage runs, the later ones run too though demo.jsonl records them: their inputs may have changed.
        let rerun = try DemoCommand.run([stage("a"), stage("d"), stage("b")], title: "t", out: out, resume: true)
        #expect(try records() == ["a", "b", "c", "d", "b"] && rerun.count == 3 && exists("b"))
        _ = try DemoCommand.run([stage("a")], title: "t", out: out)
        let fresh = try records()
        #expect(exists("a") && fresh == ["a"])
    }

    /// `divtune demo --pipeline creative --quick`: both tunings train with art direction held out,
    /// the three models judge and write ideas, and the report states its claims.
    @Test func quickCreativeDemoRunsEveryStageAndWritesAReport() throws {
        _ = try DivTuneProcess.smolLM2
        let out = try DivTuneProcess.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: out) }
        let result = try DivTuneProcess.run(["demo", "--pipeline", "creative", "--quick", "--output", out.path], in: DivTuneProcess.repositoryRoot)
        #expect(result.status == 0, "\(result.stderr.suffix(2000))")
        let stages = try String(contentsOf: out.appendingPathComponent("demo.jsonl"), encoding: .utf8)
            .split(separator: "\n").map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        let runs = ["base", "sft-idea", "sft-multitask"]
        let quality = ["headline", "art_direction"].flatMap { task in runs.flatMap { ["\(task) \($0)", "score \(task) \($0)"] } }
        #expect(stages.compactMap { $0["stage"] as? String } == ["train sft-idea", "train sft-multitask"] + runs.map { "judge \($0)" }
                + runs.map { "pairwise \($0)" } + runs.map { "ideas \($0)" } + quality)
        // Every run's responses are scored by the base model, with no adapter.
        #expect(result.stdout.contains("divtune judge responses --model ") && !result.stdout.contains("--adapter \(out.path)/sft-idea --task"))
        #expect(result.stdout.contains("divtune train sft --model ") && result.stdout.contains("--task-mixture idea=0.5,headline=0.2,naming=0.2,insight=0.1"))
        for run in ["sft-idea", "sft-multitask"] {
            #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("\(run)/adapter_model.safetensors").path))
            let records = try String(contentsOf: out.appendingPathComponent("\(run)/metrics.jsonl"), encoding: .utf8)
                .split(separator: "\n").map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
            #expect(records.contains { ($0["eval_loss/art_direction"] as? Double).map { $0.isFinite && $0 > 0 } == true }, "\(run)")
            #expect(records.contains { $0["loss/idea"] != nil } && !records.contains { $0["loss/art_direction"] != nil })
        }
        for run in ["base", "sft-idea", "sft-multitask"] {
            let summary = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("judge/\(run)/summary.json"))) as? [String: Any])
            #expect((summary["agreement"] as? [String: Any])?["items"] as? Int == 10, "\(run)")
            #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("runs/\(run)/metrics.json").path))
        }
        for task in ["headline", "art_direction"] {
            for run in runs {
                let summary = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("quality/\(task)/\(run)/summary.json"))) as? [String: Any])
                #expect(summary["prompts"] as? Int == 2 && summary["responses"] as? Int == 4 && summary["mean_score"] != nil, "\(task) \(run): \(summary)")
            }
        }
        let report = try String(contentsOf: out.appendingPathComponent("report.html"), encoding: .utf8)
        #expect(report.contains("What holds and what does not") && report.contains("sft-multitask") && report.contains("<svg"))
        #expect(report.contains("no claim (intervals overlap)") || report.contains("holds (intervals do not overlap)"))
        #expect(report.contains("(held out)") && report.contains("divtune judge pointwise --model"))
        #expect(report.contains("the tuned model handles the held-out task (art_direction) better than the base")
                && report.contains("multi-task SFT helps headlines") && report.contains("base-model judge P(Yes), not a human"))
    }
}
