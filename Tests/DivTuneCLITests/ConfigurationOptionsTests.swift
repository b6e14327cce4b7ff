import ArgumentParser
import Base
import Foundation
import Models
import Sampling
import Testing
import Training
@testable import divtune

/// One configuration path (issue 17): `train`'s config file and flags decode through
/// `TrainingConfiguration` with one set of defaults, and the option groups give a flag one name
/// and one type in every command. Parsing only; nothing is loaded or run.
@Suite struct ConfigurationOptionsTests {
    func parse<C: ParsableCommand>(_ arguments: [String], as _: C.Type) throws -> C {
        try #require(try DivTune.parseAsRoot(arguments) as? C, "\(arguments) did not parse as \(C.self)")
    }

    func parseError(_ arguments: [String]) -> String {
        do { _ = try DivTune.parseAsRoot(arguments); return "no error" } catch { return DivTune.message(for: error) }
    }

    /// The configuration `divtune train <method> arguments` would train with.
    func configuration(_ method: TrainingConfiguration.Method, _ arguments: [String]) throws -> TrainingConfiguration {
        let options: TrainOptions
        switch method {
        case .dpo: options = try parse(["train", "dpo"] + arguments, as: TrainCommand.DPO.self).options
        case .orpo: options = try parse(["train", "orpo"] + arguments, as: TrainCommand.ORPO.self).options
        default: options = try parse(["train", "sft"] + arguments, as: TrainCommand.SFT.self).options
        }
        return try TrainingConfiguration.forRun(method, settings: try options.settings())
    }

    func temporaryFile(_ text: String) throws -> String {
        let url = try DivTuneProcess.temporaryDirectory().appendingPathComponent("config.yaml")
        try Data(text.utf8).write(to: url)
        return url.path
    }

    @Test func aConfigFileAndTheEquivalentFlagsGiveTheSameConfiguration() throws {
        let yaml = try temporaryFile("""
            # every setting of the configuration, as the flags below give them
            model: /models/m.gguf
            adapter: "/runs/sft"
            reference_adapter: /runs/ref
            lora_rank: 8
            lora_alpha: 16
            lora_dropout: 0.1
            lora_targets: [q_proj, v_proj]
            beta: 0.25
            loss_type: ipo
            learning_rate: 5e-5
            lr_scheduler: cosine
            warmup_steps: 3
            epochs: 2
            max_steps: 7
            batch_size: 2
            grad_accum: 4
            max_grad_norm: 0.5
            weight_decay: 0.01
            max_length: 300
            max_prompt_length: 100
            validation_split: 0.25
            steps_per_eval: 5
            logging_steps: 2
            save_every: 3
            seed: 7
            train_on_prompt: true
            prompt_style: chat
            """)
        let flags = ["--model", "/models/m.gguf", "--adapter", "/runs/sft", "--reference-adapter", "/runs/ref",
                     "--lora-rank", "8", "--lora-alpha", "16", "--lora-dropout", "0.1", "--lora-targets", "q_proj,v_proj",
                     "--beta", "0.25", "--loss-type", "ipo", "--learning-rate", "5e-5", "--lr-scheduler", "cosine",
                     "--warmup-steps", "3", "--epochs", "2", "--max-steps", "7", "--batch-size", "2", "--grad-accum", "4",
                     "--max-grad-norm", "0.5", "--weight-decay", "0.01", "--max-length", "300", "--max-prompt-length", "100",
                     "--validation-split", "0.25", "--steps-per-eval", "5", "--logging-steps", "2", "--save-every", "3",
                     "--seed", "7", "--train-on-prompt", "--prompt-style", "chat"]
        let fromFile = try configuration(.dpo, ["--config", yaml])
        #expect(fromFile == (try configuration(.dpo, flags)))
        // Not the defaults: every value arrived.
        #expect(fromFile.loraTargets == ["q_proj", "v_proj"] && fromFile.lossType == .ipo && fromFile.seed == 7)
        #expect(fromFile.learningRate == 5e-5 && fromFile.maxLength == 300 && fromFile.trainOnPrompt && fromFile.promptStyle == .chat)
        #expect(fromFile.referenceAdapter == "/runs/ref" && fromFile.effectiveReferenceAdapter == "/runs/ref")

        // Flags override the file, each on its own.
        let mixed = try configuration(.dpo, ["--config", yaml, "--lora-rank", "4", "--learning-rate", "1e-3"])
        var expected = fromFile
        (expected.loraRank, expected.learningRate) = (4, 1e-3)
        #expect(mixed == expected)
    }

    @Test func anEmptyConfigFileAndNoFlagsGiveTheOneSetOfDefaults() throws {
        let empty = try temporaryFile("# nothing set\n---\n")
        for method in [TrainingConfiguration.Method.sft, .dpo, .orpo] {
            let fromFile = try configuration(method, ["--config", empty, "--model", "/m.gguf"])
            #expect(fromFile == (try configuration(method, ["--model", "/m.gguf"])))
            var defaults = TrainingConfiguration()
            (defaults.method, defaults.model, defaults.promptStyle) = (method, "/m.gguf", .completion)
            #expect(fromFile == defaults)
        }
        // The defaults that used to live in the command: ORPO's length limit, the LoRA, the DPO reference.
        let orpo = try configuration(.orpo, ["--config", empty, "--model", "/m.gguf"])
        let dpo = try configuration(.dpo, ["--model", "/m.gguf", "--adapter", "/runs/sft"])
        #expect(orpo.effectiveMaxLength == 1024 && dpo.effectiveMaxLength == nil)
        #expect(orpo.lora(over: LoRAConfiguration()) == LoRAConfiguration())
        #expect(dpo.effectiveReferenceAdapter == "/runs/sft" && orpo.effectiveReferenceAdapter == nil)
    }

    @Test func aBadValueNamesTheFileLineOrFlag() throws {
        let yaml = try temporaryFile("model: /m.gguf\n\nlearning_rate: fast\n")
        #expect(throws: FileError(path: yaml, line: 3, reason: "'learning_rate' must be a number, got 'fast'")) {
            try configuration(.sft, ["--config", yaml])
        }
        // A flag given takes the file's place, bad value and all.
        #expect(try configuration(.sft, ["--config", yaml, "--learning-rate", "0.01"]).learningRate == 0.01)
        let weighting = try temporaryFile("orpo_weighting: none\n")
        #expect(throws: FileError(path: weighting, line: 1, reason: "'orpo_weighting' must be reference or per-example, got 'none'")) {
            try configuration(.sft, ["--config", weighting])
        }
        do {
            _ = try configuration(.sft, ["--orpo-weighting", "none"])
            Issue.record("--orpo-weighting none was accepted")
        } catch {
            #expect("\(error)" == "invalid option 'orpo-weighting': must be reference or per-example, got 'none'")
        }
        let unknown = try temporaryFile("learning_rat: 1\n")
        #expect(throws: FileError(path: unknown, line: 1, reason: "unknown key 'learning_rat' (keys are the flags in snake_case, e.g. learning_rate)")) {
            try configuration(.sft, ["--config", unknown])
        }
        #expect(parseError(["train", "sft", "--lr-scheduler", "steep"]).contains("steep"))
    }

    @Test func temperatureAndTempAreOneOption() throws {
        let short = try parse(["generate", "--model", "m", "--prompt", "p", "--temp", "0.7"], as: GenerateCommand.self)
        let long = try parse(["generate", "--model", "m", "--prompt", "p", "--temperature", "0.7"], as: GenerateCommand.self)
        #expect(short.sampling.parameters == long.sampling.parameters && long.sampling.parameters.temperature == 0.7)
        let evaluate = ["evaluate", "run", "--model", "m", "--prompts", "p.jsonl", "--output", "o"]
        let shortRun = try parse(evaluate + ["--temp", "0.7"], as: EvaluateRunCommand.self)
        let longRun = try parse(evaluate + ["--temperature", "0.7"], as: EvaluateRunCommand.self)
        #expect(shortRun.options.sampling == longRun.options.sampling && longRun.options.sampling.temperature == 0.7)
        // Each command keeps its own defaults: plain sampling, and the evaluation protocol's.
        let plain = try parse(["generate", "--model", "m", "--prompt", "p"], as: GenerateCommand.self).sampling.parameters
        #expect(plain == SamplingParameters())
        let protocolRun = try parse(evaluate, as: EvaluateRunCommand.self).options.sampling
        #expect(protocolRun == SamplingParameters(temperature: 1, topK: 50, topP: 0.95, repetitionPenalty: 1.1))
    }

    @Test func evaluateRunTakesMinPAndEveryConformativeOption() throws {
        let run = try parse(["evaluate", "run", "--model", "m", "--adapter", "a", "--prompts", "p.jsonl", "--output", "o",
                             "--min-p", "0.05", "--base-model", "b", "--base-adapter", "ba", "--conformative-weight", "0.3",
                             "--conformative-space", "log", "--truncate-on", "mixture", "--base-prompt-style", "chat",
                             "--base-temperature", "0.7"], as: EvaluateRunCommand.self)
        let options = run.options
        #expect(options.sampling.minP == 0.05)
        #expect(options.conformative == ConformativeDecoding(weight: 0.3, space: .logarithmic, truncateOn: .mixture, baseTemperature: 0.7))
        #expect(options.model == "m" && options.adapter == "a" && options.baseModel == "b" && options.baseAdapter == "ba")
        #expect(options.basePromptStyle == .chat)
        // generate reads the same options into the same mix.
        let generate = try parse(["generate", "--model", "m", "--prompt", "p", "--base-model", "b", "--conformative-weight", "0.3",
                                  "--conformative-space", "log", "--truncate-on", "mixture", "--base-temperature", "0.7"],
                                 as: GenerateCommand.self)
        #expect(generate.conformative.decoding == options.conformative)
        #expect(try parse(["generate", "--model", "m", "--prompt", "p", "--base-model", "b"], as: GenerateCommand.self)
            .conformative.decoding == ConformativeDecoding(weight: 0))
        #expect(try parse(["evaluate", "run", "--model", "m", "--prompts", "p", "--output", "o"], as: EvaluateRunCommand.self)
            .options.conformative == nil)
        #expect(parseError(["evaluate", "run", "--model", "m", "--prompts", "p", "--output", "o", "--base-model", "b"])
            .contains("--base-model needs --conformative-weight"))
    }

    @Test func aBogusBasePromptStyleIsRefusedInEveryCommandThatHasIt() throws {
        let commands = [["generate", "--model", "m", "--prompt", "p", "--base-model", "b"],
                        ["evaluate", "run", "--model", "m", "--prompts", "p", "--output", "o", "--base-model", "b", "--conformative-weight", "0.5"]]
        for command in commands {
            let message = parseError(command + ["--base-prompt-style", "bogus"])
            #expect(message.contains("'bogus'") && message.contains("--base-prompt-style") && message.contains("'completion'")
                    && message.contains("'chat'"), "\(command[0]): \(message)")
        }
        // The base adapter needs its base model wherever it is given.
        for command in [["generate", "--model", "m", "--prompt", "p"], ["serve", "--model", "m"],
                        ["evaluate", "run", "--model", "m", "--prompts", "p", "--output", "o"]] {
            #expect(parseError(command + ["--base-adapter", "x"]).contains("--base-adapter needs --base-model"), "\(command[0])")
        }
    }

    @Test func trainRewardTakesTheSharedLoRAOptionsOverThePapersDefaults() throws {
        let arguments = ["train", "reward", "--model", "m", "--data", "d", "--output", "o"]
        let paper = try parse(arguments, as: TrainRewardCommand.self)
        var expected = LoRAConfiguration(rank: 16, alpha: 32, dropout: 0, targetModules: ["q_proj", "v_proj"])
        #expect(try paper.lora.configuration(over: RewardRunSettings.paperLoRA) == expected)
        let given = try parse(arguments + ["--lora-rank", "4", "--lora-targets", "q_proj"], as: TrainRewardCommand.self)
        (expected.rank, expected.targetModules) = (4, ["q_proj"])
        #expect(try given.lora.configuration(over: RewardRunSettings.paperLoRA) == expected)
        #expect(parseError(arguments + ["--lora-alpha", "nan"]).contains("'lora-alpha'"))
    }

    /// `train reward --config` (docs/formats.md §3.6): the shared keys and the reward model's own,
    /// flags over the file, the paper's defaults for what neither gives; a key it does not read is
    /// refused naming its line, and the other train commands refuse the reward model's keys.
    @Test func trainRewardReadsAConfigFileWithFlagsOverIt() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("divtune-reward-config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let file = dir.appendingPathComponent("reward.yaml")
        try "learning_rate: 1e-4\nepochs: 2\nloss: mse\nlora_rank: 8\nvalidation_split: 0.2\nscore_transform: reference\n"
            .write(to: file, atomically: true, encoding: .utf8)
        let arguments = ["train", "reward", "--config", file.path, "--model", "m", "--data", "d", "--output", "o"]
        let s = try parse(arguments + ["--epochs", "5"], as: TrainRewardCommand.self).settings()
        #expect(s.learningRate == 1e-4 && s.epochs == 5 && s.loss == .mse && s.lora.rank == 8 && s.lora.alpha == 32)
        #expect(s.validationSplit == 0.2 && s.scoreTransform == .reference && s.targets == .raw)
        #expect(s.batchSize == 4 && s.maxLength == 2048 && s.seed == 0 && s.maxSteps == nil)
        #expect(try parse(arguments + ["--validation-fraction", "0.3"], as: TrainRewardCommand.self).settings().validationSplit == 0.3)

        try "epochs: 2\nbeta: 0.1\n".write(to: file, atomically: true, encoding: .utf8)
        do { _ = try parse(arguments, as: TrainRewardCommand.self).settings(); Issue.record("beta was accepted") } catch {
            #expect("\(error)".contains("\(file.path):2") && "\(error)".contains("'beta' is not a setting of train reward"), "\(error)")
        }
        try "loss: l1\n".write(to: file, atomically: true, encoding: .utf8)
        let dpo = try parse(["train", "dpo", "--config", file.path, "--model", "m", "--data", "d", "--output", "o"], as: TrainCommand.DPO.self)
        do { try dpo.options.train(.dpo); Issue.record("loss was accepted by train dpo") } catch {
            #expect("\(error)".contains("\(file.path):1") && "\(error)".contains("'loss' is not a setting of train dpo"), "\(error)")
        }
    }
}
