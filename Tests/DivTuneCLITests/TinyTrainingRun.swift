import Base
import Foundation

/// A model small enough that `divtune train` takes a fraction of a second per run: the tiny Llama
/// of the TRL parity test (hidden size 16, 2 layers, 32 tokens) with a character-level tokenizer
/// and a chat template that only joins the messages, plus SFT and preference data it can spell.
enum TinyTrainingRun {
    /// Writes the model folder into `directory` and returns its path.
    static func model(in directory: URL) throws -> String {
        let fm = FileManager.default
        let source = DivTuneProcess.repositoryRoot.appendingPathComponent("Tests/TrainingTests/Fixtures/trl_parity_model")
        let folder = directory.appendingPathComponent("tiny-model")
        try fm.createDirectory(at: folder, withIntermediateDirectories: true)
        for name in ["config.json", "model.safetensors"] {
            try fm.copyItem(at: source.appendingPathComponent(name), to: folder.appendingPathComponent(name))
        }
        // 32 ids: 26 letters, space, full stop, comma, question mark, then two unused tokens.
        let symbols = "abcdefghijklmnopqrstuvwxyz .,?".map(String.init) + ["<unused0>", "<unused1>"]
        let vocab = Dictionary(uniqueKeysWithValues: symbols.enumerated().map { ($1, $0) })
        let tokenizer: [String: Any] = ["model": ["type": "BPE", "vocab": vocab, "merges": [String]()]]
        try JSONSerialization.data(withJSONObject: tokenizer, options: .sortedKeys).write(to: folder.appendingPathComponent("tokenizer.json"))
        let config = ["chat_template": "{% for message in messages %}{{ message['content'] }} {% endfor %}"]
        try JSONSerialization.data(withJSONObject: config).write(to: folder.appendingPathComponent("tokenizer_config.json"))
        return folder.path
    }

    static let prompts = ["tell a story", "write a poem", "describe the sea", "name a colour", "say hello", "count to three",
                          "what is rain?", "sing a song"]

    /// SFT rows (`prompt` + `completion`) in `directory`/sft.jsonl.
    static func sftData(in directory: URL) throws -> String {
        let rows = prompts.enumerated().map { i, p in ["prompt": p, "completion": "once upon a time, \(["a cat", "the moon", "we"][i % 3]) sat."] }
        return try write(rows, to: directory.appendingPathComponent("sft.jsonl"))
    }

    /// Preference rows (`prompt`, `chosen`, `rejected`) in `directory`/pairs.jsonl.
    static func pairData(in directory: URL) throws -> String {
        let rows = prompts.enumerated().map { i, p in
            ["prompt": p, "chosen": "a quiet \(["river", "hill", "garden"][i % 3]) at dusk.", "rejected": "it is it is it is."]
        }
        return try write(rows, to: directory.appendingPathComponent("pairs.jsonl"))
    }

    private static func write(_ rows: [[String: String]], to url: URL) throws -> String {
        let lines = try rows.map { String(decoding: try JSONSerialization.data(withJSONObject: $0, options: .sortedKeys), as: UTF8.self) }
        try (lines.joined(separator: "\n") + "\n").write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    /// A probed SFT run of the monitor tests: the tiny model and SFT data, `monitor.jsonl` with two
    /// prompts, all in one directory; `training` is `train sft` for 4 steps of batch 2 logged every
    /// step, `probing` the probe flags (MiniLM, 2 samples of 6 tokens per prompt, no system prompt;
    /// each test adds its --monitor-every).
    struct Monitored {
        let model: String, data: String
        let training: [String], probing: [String]
    }

    static func monitored(in directory: URL) throws -> Monitored {
        let model = try Self.model(in: directory), data = try sftData(in: directory)
        try "{\"prompt\": \"tell a story\"}\n{\"prompt\": \"name a colour\"}\n".write(to: directory.appendingPathComponent("monitor.jsonl"),
                                                                                   atomically: true, encoding: .utf8)
        let miniLM = try ModelCache(root: DivTuneProcess.repositoryRoot).require(ModelCache.miniLM).path
        return Monitored(model: model, data: data,
                         training: ["train", "sft", "--model", model, "--data", data, "--max-steps", "4", "--logging-steps", "1",
                                    "--batch-size", "2", "--learning-rate", "1e-2"],
                         probing: ["--monitor-prompts", "monitor.jsonl", "--monitor-samples", "2", "--monitor-max-tokens", "6",
                                   "--monitor-system", "", "--embedder", miniLM])
    }

    /// The `step` of every record of a run's metrics.jsonl, in order.
    static func loggedSteps(_ output: URL) throws -> [Int] {
        try String(contentsOf: output.appendingPathComponent("metrics.jsonl"), encoding: .utf8).split(separator: "\n").map { line in
            guard let record = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], let step = record["step"] as? Int else {
                throw CocoaError(.fileReadCorruptFile)
            }
            return step
        }
    }
}
