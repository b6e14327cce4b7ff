import Base
import Foundation
import Models
import Testing
@testable import Training

/// `TrainingConfiguration` decodes the settings of a run (config file lines and flags) itself,
/// with its defaults stated once, and reads checkpoints written before it recorded LoRA and lengths.
@Suite struct TrainingSettingsTests {
    func file(_ text: String) throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("divtune-settings-\(UUID().uuidString).yaml")
        try Data(text.utf8).write(to: url)
        return url.path
    }

    @Test func aConfigFileDecodesIntoTheConfigurationAndFlagsTakeItsPlace() throws {
        let path = try file("""
            learning_rate: 2e-4   # a comment
            lr_scheduler: 'cosine'
            lora_targets: ["q_proj", v_proj]
            orpo_weighting: per-example
            train_on_prompt: yes
            max_length: 512
            data: train.jsonl
            """)
        let settings = try TrainingSettings(configFile: path)
        #expect(settings.string("data") == "train.jsonl")
        var flags = TrainingSettings()
        flags.setFlag("max_length", 128)
        flags.setFlag("seed", Optional<UInt64>.none)   // a flag not given changes nothing
        let c = try TrainingConfiguration.forRun(.dorpo, settings: settings.overridden(by: flags))
        var expected = TrainingConfiguration()
        expected.method = .dorpo
        (expected.learningRate, expected.lrScheduler, expected.loraTargets) = (2e-4, .cosine, ["q_proj", "v_proj"])
        (expected.orpoWeighting, expected.trainOnPrompt, expected.maxLength) = (.perExample, true, 128)
        expected.promptStyle = .chat   // no model recorded: the style of checkpoints from before styles were recorded
        #expect(c == expected)
    }

    @Test func valuesNoRunCanUseAreRefusedNamingWhereTheyWereSet() throws {
        let path = try file("seed: -1\n")
        #expect(throws: FileError(path: path, line: 1, reason: "'seed' must be a number, got '-1'")) {
            try TrainingConfiguration.forRun(.sft, settings: TrainingSettings(configFile: path))
        }
        #expect(throws: FileError(path: path + ".missing", reason: "cannot read the config file")) {
            try TrainingSettings(configFile: path + ".missing")
        }
        let noColon = try file("learning_rate 1\n")
        #expect(throws: FileError(path: noColon, line: 1, reason: "expected 'key: value'")) { try TrainingSettings(configFile: noColon) }
        for (key, value, name) in [("lora_rank", "0", "lora-rank"), ("lora_alpha", "nan", "lora-alpha"), ("lora_dropout", "1", "lora-dropout"),
                                   ("lora_targets", "", "lora-targets"), ("max_length", "0", "max-length")] {
            var flags = TrainingSettings()
            flags.setFlag(key, value)
            do {
                _ = try TrainingConfiguration.forRun(.sft, settings: flags)
                Issue.record("\(key) \(value) was accepted")
            } catch {
                #expect("\(error)".hasPrefix("invalid option '\(name)'"), "\(error)")
            }
        }
    }

    @Test func aCheckpointWrittenBeforeLoRAAndLengthsWereRecordedStillLoads() throws {
        let old = #"{"method": "orpo", "learning_rate": 0.0001, "lr_scheduler": "linear", "warmup_steps": 0, "epochs": 1,"#
            + #" "batch_size": 1, "grad_accum": 1, "max_grad_norm": 1, "weight_decay": 0, "loss_type": "sigmoid","#
            + #" "validation_split": 0, "steps_per_eval": 50, "logging_steps": 10, "save_every": 0, "seed": 42, "train_on_prompt": false}"#
        let c = try JSONDecoder().decode(TrainingConfiguration.self, from: Data(old.utf8))
        #expect(c.loraRank == nil && c.maxLength == nil && c.effectiveMaxLength == 1024)
        var recorded = c
        recorded.record(LoRAConfiguration(rank: 4, alpha: 8, dropout: 0, targetModules: ["q_proj"]))
        recorded.maxPromptLength = 64
        let again = try JSONDecoder().decode(TrainingConfiguration.self, from: JSONEncoder().encode(recorded))
        #expect(again == recorded && again.lora(over: LoRAConfiguration()) == LoRAConfiguration(rank: 4, alpha: 8, dropout: 0, targetModules: ["q_proj"]))
    }
}
