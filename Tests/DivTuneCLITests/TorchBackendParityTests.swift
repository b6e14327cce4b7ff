import Foundation
import Testing

/// The two implementations of the objectives checked against each other on SmolLM2-135M
/// (docs/scale-out.md §3): the first step of DDPO and DORPO from the Swift trainer and from the torch
/// backend — same model folder (made from the GGUF by scripts/reference/torch_backend_parity.py),
/// same data, same start adapter — log the same loss, log-probs and rewards within 1e-4 relative;
/// and an adapter the torch backend trained continues a prompt greedily in the Swift runtime as
/// transformers + peft do.
@Suite(.serialized) struct TorchBackendParityTests {
    static let script = DivTuneProcess.repositoryRoot.appendingPathComponent("scripts/reference/torch_backend_parity.py").path

    static func model() throws -> String {
        let folder = DivTuneProcess.repositoryRoot.appendingPathComponent(".cache/models/SmolLM2-135M-Instruct-hf")
        try TorchPython.run([script, "folder", try DivTuneProcess.smolLM2, folder.path])
        return folder.path
    }

    /// Two pairs of different weights: one micro-batch, so both backends see the same first step.
    static func pairs(in dir: URL) throws -> String {
        let rows: [[String: Any]] = [
            ["prompt": "Write a one-line story about a lighthouse.", "chosen": " The keeper lit the lamp for a ship that never came.",
             "rejected": " It was a lighthouse.", "weight": 1.7],
            ["prompt": "Name a colour for a quiet morning.", "chosen": " Pale heron grey.", "rejected": " Blue.", "weight": 0.4],
        ]
        let url = dir.appendingPathComponent("pairs.jsonl")
        try rows.map { String(decoding: try JSONSerialization.data(withJSONObject: $0, options: .sortedKeys), as: UTF8.self) }
            .joined(separator: "\n").write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    func train(_ arguments: [String], torch: Bool) throws {
        let backend = torch ? ["--backend", "torch", "--python", try TorchPython.executable] : []
        let result = try DivTuneProcess.run(["train"] + arguments + backend)
        #expect(result.status == 0, "\(torch ? "torch" : "swift"): \(result.stderr.suffix(3000))")
    }

    @Test(arguments: ["ddpo", "dorpo"])
    func theFirstStepMatchesTheSwiftTrainer(method: String) throws {
        let dir = try DivTuneProcess.temporaryDirectory()
        let model = try Self.model(), data = try Self.pairs(in: dir)
        try TorchPython.run([Self.script, "adapters", model, dir.path])
        var common = ["--model", model, "--data", data, "--adapter", dir.appendingPathComponent("start").path, "--batch-size", "2",
                      "--max-steps", "1", "--logging-steps", "1", "--learning-rate", "1e-3", "--threads", "2"]
        common += method == "ddpo" ? ["--reference-adapter", dir.appendingPathComponent("reference").path] : ["--beta", "0.25"]
        try train([method] + common + ["--output", dir.appendingPathComponent("swift").path], torch: false)
        try train([method] + common + ["--output", dir.appendingPathComponent("torch").path], torch: true)
        let swift = try #require(try TorchBackendCommandTests.metrics(dir.appendingPathComponent("swift")).first)
        let torch = try #require(try TorchBackendCommandTests.metrics(dir.appendingPathComponent("torch")).first)
        var keys = ["loss", "logps/chosen", "logps/rejected", "rewards/chosen", "rewards/rejected", "rewards/margins"]
        if method == "dorpo" { keys += ["nll_loss", "log_odds_ratio", "log_odds_chosen"] }
        for key in keys {
            let s = try #require(swift[key] as? Double, "\(key)"), t = try #require(torch[key] as? Double, "\(key)")
            #expect(abs(s - t) <= 1e-4 * max(abs(s), abs(t)), "\(method) \(key): swift \(s), torch \(t)")
        }
        #expect(abs((swift["rewards/margins"] as? Double) ?? 0) > 1e-3)   // the reference differs: not a trivial step
    }

    /// Task-tagged rows: two trained tasks of three rows (at most two go to validation) and one to hold out.
    static func tasks(in dir: URL) throws -> String {
        let rows: [(String, String, String)] = [
            ("idea", "An idea for a cafe:", " tables that are also chess boards."), ("headline", "A headline about rain:", " City Learns to Dance in Puddles"),
            ("idea", "An idea for a park:", " benches that hum at dusk."), ("art_direction", "Art direction for a poster:", " cold blues, one red kite."),
            ("headline", "A headline about bread:", " Sourdough Starter Turns Ten"), ("idea", "An idea for a shop:", " a door that rings in chords."),
            ("art_direction", "Art direction for a cover:", " grainy film, warm dusk light."), ("headline", "A headline about kites:", " Town Sky Fills With Paper Birds"),
        ]
        let url = dir.appendingPathComponent("tasks.jsonl")
        try rows.map { String(decoding: try JSONSerialization.data(withJSONObject: ["task": $0.0, "prompt": $0.1, "completion": $0.2], options: .sortedKeys), as: UTF8.self) }
            .joined(separator: "\n").write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    /// The same task draw on both backends (the plan divtune resolves for the torch one): per-task
    /// losses of both updates and the per-task validation and held-out losses agree within 1e-4
    /// relative, with the same keys.
    @Test func aTaskMixtureLogsTheSamePerTaskLossesAsTheSwiftTrainer() throws {
        let dir = try DivTuneProcess.temporaryDirectory()
        let model = try Self.model(), data = try Self.tasks(in: dir)
        try TorchPython.run([Self.script, "adapters", model, dir.path])
        let common = ["sft", "--model", model, "--data", data, "--adapter", dir.appendingPathComponent("start").path, "--batch-size", "2",
                      "--grad-accum", "2", "--max-steps", "2", "--logging-steps", "1", "--learning-rate", "1e-3", "--threads", "2",
                      "--task-mixture", "idea=0.6,headline=0.4", "--holdout-task", "art_direction", "--validation-split", "0.34"]
        try train(common + ["--output", dir.appendingPathComponent("swift").path], torch: false)
        try train(common + ["--output", dir.appendingPathComponent("torch").path], torch: true)
        let swift = try TorchBackendCommandTests.metrics(dir.appendingPathComponent("swift"))
        let torch = try TorchBackendCommandTests.metrics(dir.appendingPathComponent("torch"))
        func losses(_ record: [String: Any]) -> [String: Double] {
            record.filter { $0.key.hasPrefix("loss") || $0.key.hasPrefix("eval_loss") }.compactMapValues { $0 as? Double }
        }
        #expect(swift.map { $0["step"] as? Int } == torch.map { $0["step"] as? Int })
        #expect(swift.contains { $0["eval_loss/art_direction"] != nil } && swift.contains { $0["loss/idea"] != nil })
        for (s, t) in zip(swift, torch) {
            let a = losses(s), b = losses(t)
            #expect(a.keys.sorted() == b.keys.sorted(), "step \(s["step"] ?? ""): swift \(a.keys.sorted()), torch \(b.keys.sorted())")
            for (key, value) in a {
                let other = try #require(b[key], "\(key)")
                #expect(abs(value - other) <= 1e-4 * max(abs(value), abs(other)), "step \(s["step"] ?? "") \(key): swift \(value), torch \(other)")
            }
        }
    }

    @Test func aTorchTrainedAdapterContinuesGreedilyInSwiftAsInTransformers() throws {
        let dir = try DivTuneProcess.temporaryDirectory()
        let model = try Self.model(), data = try Self.pairs(in: dir), out = dir.appendingPathComponent("torch")
        try train(["ddpo", "--model", model, "--data", data, "--output", out.path, "--batch-size", "2", "--max-steps", "2",
                   "--learning-rate", "5e-3", "--lora-dropout", "0", "--threads", "2"], torch: true)
        let prompt = "The lighthouse keeper opened the letter and"
        let expected = try #require(try JSONSerialization.jsonObject(with: Data(TorchPython.run([Self.script, "greedy", model, out.path, prompt, "16"]).utf8)) as? [String: Any])
        let result = try DivTuneProcess.run(["generate", "--model", model, "--adapter", out.path, "--prompt", prompt, "--max-tokens", "16",
                                             "--temperature", "0", "--ignore-eos", "--json"])
        #expect(result.status == 0, "\(result.stderr.suffix(2000))")
        let line = try #require(result.stdout.split(separator: "\n").first)
        let got = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(got["prompt_ids"] as? [Int] == expected["prompt_ids"] as? [Int])
        #expect(got["ids"] as? [Int] == expected["ids"] as? [Int])
    }

    /// Scored responses (raw upvotes) for the reward model: 4 train and 2 validation examples.
    static func scores(in dir: URL) throws -> String {
        let rows: [(String, String, Int)] = [
            ("Write a one-line story about a lighthouse.", "The keeper lit the lamp for a ship that never came.", 41),
            ("Write a one-line story about a lighthouse.", "It was a lighthouse.", 2),
            ("Name a colour for a quiet morning.", "Pale heron grey.", 17),
            ("Name a colour for a quiet morning.", "Blue.", 1),
            ("Describe the sea at night.", "Ink that breathes against the harbour wall.", 23),
            ("Describe the sea at night.", "Dark and wet.", 5),
        ]
        let url = dir.appendingPathComponent("scores.jsonl")
        try rows.map { row in
            String(decoding: try JSONSerialization.data(withJSONObject: ["prompt": row.0, "response": row.1, "score": row.2], options: .sortedKeys), as: UTF8.self)
        }.joined(separator: "\n").write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    /// The reward model (docs/scale-out.md §8): both backends start from the same head (the torch
    /// backend is handed the Swift draw) and PEFT's B = 0, so the first step's loss — over the same
    /// two examples of the same shuffled order — agrees within 1e-4, and so do the validation
    /// metrics after that step (a learning rate of 1e-8 leaves the weights where they were: these
    /// compare the two engines' predictions on the held-out split).
    @Test(arguments: ["l1", "mse"])
    func theRewardModelsFirstStepAndPredictionsMatchTheSwiftTrainer(loss: String) throws {
        let dir = try DivTuneProcess.temporaryDirectory()
        let model = try Self.model(), data = try Self.scores(in: dir)
        let common = ["reward", "--model", model, "--data", data, "--loss", loss, "--batch-size", "2", "--max-steps", "1",
                      "--validation-split", "0.34", "--learning-rate", "1e-8", "--seed", "3", "--threads", "2"]
        try train(common + ["--output", dir.appendingPathComponent("swift").path], torch: false)
        try train(common + ["--output", dir.appendingPathComponent("torch").path], torch: true)
        let swift = try TorchBackendCommandTests.metrics(dir.appendingPathComponent("swift"))
        let torch = try TorchBackendCommandTests.metrics(dir.appendingPathComponent("torch"))
        #expect(swift.count == 2 && torch.count == 2, "swift \(swift), torch \(torch)")
        for (key, record) in [("loss", 0), ("eval_mae", 1), ("eval_r2", 1), ("eval_spearman", 1)] {
            let s = try #require(swift[record][key] as? Double, "\(key)"), t = try #require(torch[record][key] as? Double, "\(key)")
            #expect(abs(s - t) <= 1e-4 * max(abs(s), abs(t)), "\(loss) \(key): swift \(s), torch \(t)")
        }
        #expect(torch[0]["step"] as? Int == 1 && torch[1]["step"] as? Int == 1 && torch[1]["epoch"] as? Double == 1)
        #expect(zip(swift, torch).allSatisfy { Set($0.keys) == Set($1.keys) }, "the same metrics.jsonl keys: swift \(swift), torch \(torch)")
        #expect(((swift[0]["loss"] as? Double) ?? 0) > 1e-3)   // the head does not start at the targets
    }

    /// A reward model the torch backend trained loads in Swift (`divtune reward score`) and scores a
    /// text as transformers + peft with its head do, within 1e-4.
    @Test func aTorchTrainedRewardModelScoresInSwiftAsInTorch() throws {
        let dir = try DivTuneProcess.temporaryDirectory()
        let model = try Self.model(), data = try Self.scores(in: dir), out = dir.appendingPathComponent("torch")
        try train(["reward", "--model", model, "--data", data, "--output", out.path, "--batch-size", "2", "--max-steps", "2",
                   "--learning-rate", "1e-2", "--threads", "2"], torch: true)
        let (prompt, response) = ("Write a haiku about rain.", "Grey threads on the glass, the street hums under them.")
        let expected = try #require(try JSONSerialization.jsonObject(with: Data(TorchPython.run([Self.script, "reward", model, out.path, prompt, response]).utf8)) as? [String: Any])
        let input = dir.appendingPathComponent("texts.jsonl")
        try String(decoding: try JSONSerialization.data(withJSONObject: ["prompt": prompt, "response": response]), as: UTF8.self)
            .write(to: input, atomically: true, encoding: .utf8)
        let result = try DivTuneProcess.run(["reward", "score", "--model", model, "--adapter", out.path, "--input", input.path, "--threads", "2"])
        #expect(result.status == 0, "\(result.stderr.suffix(2000))")
        let line = try #require(result.stdout.split(separator: "\n").first)
        let got = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        let s = try #require(got["reward"] as? Double), t = try #require(expected["reward"] as? Double)
        #expect(abs(s - t) <= 1e-4 * max(abs(s), abs(t)), "swift \(s), torch \(t)")
        let base = try #require(expected["without_adapter"] as? Double)
        #expect(abs(t - base) > 1e-4 * abs(t))   // the trained adapter changes the score: Swift read it
    }
}
