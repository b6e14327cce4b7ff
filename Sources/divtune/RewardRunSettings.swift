import Base
import Foundation
import Models
import Preference
import RewardModeling
import Tokenizers
import Training

/// The settings of `divtune train reward` (docs/formats.md §3.6): its flags over its `--config`
/// file, decoded with the shared keys (``TrainingSettings``) and the reward model's own defaults
/// (the paper's, docs/methods.md §6.3). Both engines train what these say.
struct RewardRunSettings {
    enum Targets: String, CaseIterable { case raw, transformed }

    /// The keys `train reward` reads; any other in the file or flags is refused.
    static let keys: Set<String> = ["model", "data", "output", "overwrite", "threads", "report_to", "loss", "targets", "score_transform",
                                    "epochs", "max_steps", "learning_rate", "batch_size", "lora_rank", "lora_alpha", "lora_dropout",
                                    "lora_targets", "padding_free", "max_length", "validation_split", "seed"]
    /// The paper's reward-model LoRA: rank 16, alpha 32 (LoRA's defaults), no dropout, on q_proj and v_proj.
    static let paperLoRA = LoRAConfiguration(dropout: 0, targetModules: HFModuleNames.peftDefaultTargets)

    var model: String, data: String, output: String
    var overwrite = false
    var loss = RewardTrainer.Loss.l1
    var targets = Targets.raw
    var scoreTransform = ScoreTransform.Variant.consistentShift
    var epochs = 3
    var maxSteps: Int?
    var learningRate: Float = 3e-5
    var batchSize = 4
    var lora: LoRAConfiguration
    var paddingFree = false
    var maxLength = 2048
    var validationSplit = 0.1
    var seed: UInt64 = 0
    var threads: Int?
    var reportTo = ReportTarget.none

    init(_ settings: TrainingSettings) throws {
        try settings.requireOnly(Self.keys, command: "train reward")
        func required(_ key: String) throws -> String {
            guard let value = settings.string(key) else { throw TrainingError.invalidOption(name: key, reason: "missing (give --\(key) or '\(key)' in the config file)") }
            return value
        }
        (model, data, output) = (try required("model"), try required("data"), try required("output"))
        // The shared keys decode and validate as every training run's do; those not given keep the reward model's defaults.
        let c = try TrainingConfiguration.forRun(.sft, settings: settings)
        let given = { (key: String) in settings.string(key) != nil }
        if given("epochs") { epochs = c.epochs }
        maxSteps = c.maxSteps
        if given("learning_rate") { learningRate = c.learningRate }
        if given("batch_size") { batchSize = c.batchSize }
        if given("max_length") { maxLength = c.effectiveMaxLength ?? maxLength }
        if given("validation_split") { validationSplit = c.validationSplit }
        if given("seed") { seed = c.seed }
        paddingFree = c.paddingFree ?? false
        lora = c.lora(over: Self.paperLoRA)
        lora.baseModelNameOrPath = model
        overwrite = try settings.bool("overwrite") ?? false
        threads = try settings.number("threads")
        if let value: RewardTrainer.Loss = try settings.choice("loss") { loss = value }
        if let value: Targets = try settings.choice("targets") { targets = value }
        if let value: ScoreTransform.Variant = try settings.choice("score_transform") { scoreTransform = value }
        if let value: ReportTarget = try settings.choice("report_to") { reportTo = value }
        guard maxLength >= 2 else { throw settings.error("max_length", "must be ≥ 2 for a reward model, got \(maxLength)") }
    }

    /// The examples of the data file: token ids of the paper's layout and targets (the score
    /// transform applied to raw scores), with the score bounds the transform used.
    struct Examples {
        var examples: [(ids: [Int], target: Double)]
        var scoreMinimum: Double?, scoreMaximum: Double?
    }

    func examples(tokenizer: any Tokenizer) throws -> Examples {
        let url = URL(fileURLWithPath: data)
        var rows: [(prompt: String, response: String, score: Double)] = []
        for row in try JSONLines.rows(of: url) {
            let prompt = try row.string("prompt")
            var scored: [(response: String, score: Double, field: String)] = []
            if let grouped = row.value("responses") {
                // The grouped layout of `prepare --input`: each response of the prompt is an example.
                guard case .array(let responses) = grouped else {
                    throw row.error("must be a list of {\"text\", \"score\"} objects, found \(grouped.typeName)", field: "responses")
                }
                for (i, item) in responses.enumerated() {
                    guard case .string(let text)? = item["text"] else { throw row.error("missing or not a string", field: "responses[\(i)].text") }
                    guard case .number(let score)? = item["score"], score.isFinite else {
                        throw row.error("missing or not a finite number", field: "responses[\(i)].score")
                    }
                    scored.append((text, score, "responses[\(i)].score"))
                }
            } else {
                guard let score = try row.finiteNumber("score") else { throw row.error("missing", field: "score") }
                scored.append((try row.string("response"), score, "score"))
            }
            for example in scored {
                if targets == .transformed && abs(example.score) > 1 {
                    throw row.error("\(example.score) is outside [-1, 1] (use --targets raw for upvotes)", field: example.field)
                }
                rows.append((prompt, example.response, example.score))
            }
        }
        guard rows.count >= 2 else { throw FileError(path: url.path, reason: "needs at least 2 examples") }
        let scores = rows.map(\.score)
        let transformed = targets == .raw ? try ScoreTransform.transform(scores, variant: scoreTransform) : scores
        let examples = zip(rows, transformed).map { row, target in
            (ids: RewardExample.ids(prompt: row.prompt, response: row.response, tokenizer: tokenizer, maxLength: maxLength), target: target)
        }
        return Examples(examples: examples, scoreMinimum: targets == .raw ? scores.min() : nil, scoreMaximum: targets == .raw ? scores.max() : nil)
    }

    /// reward_config.json as the trained model records it.
    func config(_ examples: Examples, validation: RegressionMetrics?, tokenizer: any Tokenizer) -> RewardConfig {
        RewardConfig(baseModel: model, maxLength: maxLength, loss: loss.rawValue, scoreMinimum: examples.scoreMinimum,
                     scoreMaximum: examples.scoreMaximum, scoreTransform: targets == .raw ? scoreTransform.rawValue : nil,
                     validation: validation, tokenizer: tokenizer)
    }

    var trainerOptions: RewardTrainer.Options {
        .init(epochs: epochs, learningRate: learningRate, batchSize: batchSize, loss: loss, seed: seed, paddingFree: paddingFree, maxSteps: maxSteps)
    }
}
