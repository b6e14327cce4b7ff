import Foundation
import Models

/// Everything a run is configured with; stored in every checkpoint (`training_config.json`,
/// snake_case keys as the CLI's config file and flags, which it decodes itself: `applying(_:)`).
/// Each default is stated here once (the LoRA ones are ``LoRAConfiguration``'s).
public struct TrainingConfiguration: Codable, Sendable, Equatable {
    public enum Method: String, Codable, Sendable, CaseIterable { case sft, dpo, orpo, ddpo, dorpo }

    public var method: Method = .sft
    public var learningRate: Float = 1e-4
    public var lrScheduler: LearningRateSchedule.Kind = .linear
    public var warmupSteps: Int = 0
    public var epochs: Int = 1
    public var maxSteps: Int?
    public var batchSize: Int = 1
    public var gradAccum: Int = 1
    public var maxGradNorm: Float = 1.0
    public var weightDecay: Float = 0.0
    public var beta: Float?
    public var lossType: DPOObjective.LossType = .sigmoid
    public var orpoWeighting: ORPOObjective.Weighting?
    public var validationSplit: Double = 0
    public var stepsPerEval: Int = 50
    public var loggingSteps: Int = 10
    public var saveEvery: Int = 0
    public var seed: UInt64 = 42
    public var trainOnPrompt: Bool = false
    /// How string prompts are tokenized: nil or `.completion` as raw text (TRL), `.chat` through the
    /// chat template as one user message (the papers' setting). Message lists always use the template.
    public var promptStyle: PromptStyle?
    /// Micro-batches concatenated into one row per context instead of right-padded (TRL's
    /// `padding_free`; nil: off, as TRL's default; docs/methods.md §6.4). Results are the same.
    public var paddingFree: Bool?

    /// The prompt style the run trains with. Checkpoints written before the style was recorded
    /// (they record no `model` either) put string prompts through the chat template.
    public var effectivePromptStyle: PromptStyle { promptStyle ?? (model == nil ? .chat : .completion) }
    /// What the run starts from (absolute paths), recorded so a resumed run cannot silently
    /// switch model, start adapter or DPO reference: the base model, the `--adapter` the LoRA
    /// starts from, and the `--reference-adapter` (nil: DPO's reference is the start adapter, else
    /// the base model).
    public var model: String?
    public var adapter: String?
    public var referenceAdapter: String?
    /// The LoRA of the run (nil: ``LoRAConfiguration``'s default); a run that starts from or resumes
    /// an adapter records that adapter's.
    public var loraRank: Int?
    public var loraAlpha: Float?
    public var loraDropout: Float?
    public var loraTargets: [String]?
    /// Longest prompt + completion and longest prompt in tokens (nil: whole sequences, but see
    /// `effectiveMaxLength`).
    public var maxLength: Int?
    public var maxPromptLength: Int?
    /// Multi-task training on task-tagged data (docs/methods.md §6.5): the task weights, the
    /// temperature and size cap of the mixing rates, and tasks left out of training and only
    /// evaluated. Any of them set makes the run draw one-task micro-batches (``TaskMixtureSampler``)
    /// and log per-task losses.
    public var taskMixture: TaskMixture?
    public var mixtureTemperature: Double?
    public var mixtureCap: Int?
    public var holdoutTasks: [String]?

    public var isMultiTask: Bool { taskMixture != nil || mixtureTemperature != nil || mixtureCap != nil || holdoutTasks != nil }

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case method, learningRate = "learning_rate", lrScheduler = "lr_scheduler", warmupSteps = "warmup_steps", epochs
        case maxSteps = "max_steps", batchSize = "batch_size", gradAccum = "grad_accum", maxGradNorm = "max_grad_norm"
        case weightDecay = "weight_decay", beta, lossType = "loss_type", orpoWeighting = "orpo_weighting"
        case validationSplit = "validation_split", stepsPerEval = "steps_per_eval", loggingSteps = "logging_steps"
        case saveEvery = "save_every", seed, trainOnPrompt = "train_on_prompt", promptStyle = "prompt_style"
        case model, adapter, referenceAdapter = "reference_adapter", paddingFree = "padding_free"
        case loraRank = "lora_rank", loraAlpha = "lora_alpha", loraDropout = "lora_dropout", loraTargets = "lora_targets"
        case maxLength = "max_length", maxPromptLength = "max_prompt_length"
        case taskMixture = "task_mixture", mixtureTemperature = "mixture_temperature", mixtureCap = "mixture_cap"
        case holdoutTasks = "holdout_task"
    }

    /// β of the method when not given: DPO 0.1 (TRL), ORPO 0.1 (TRL's λ; Chung et al. use 0.25).
    public static let defaultBeta: Float = 0.1
    public var effectiveBeta: Float { beta ?? Self.defaultBeta }

    /// ORPO and DORPO split and truncate rows as TRL's ORPOTrainer does.
    public var isOddsRatio: Bool { method == .orpo || method == .dorpo }

    /// ORPO's TRL default limit applies when none is given; DPO and SFT keep whole sequences.
    public static let orpoMaxLength = 1024
    public var effectiveMaxLength: Int? { maxLength ?? (isOddsRatio ? Self.orpoMaxLength : nil) }

    public var truncation: Truncation { Truncation(maxLength: effectiveMaxLength, maxPromptLength: maxPromptLength) }

    /// The adapter DPO and DDPO score the reference with: `referenceAdapter`, else the start
    /// `adapter`, else none (the base model). Other methods have no reference.
    public var effectiveReferenceAdapter: String? {
        method == .dpo || method == .ddpo ? referenceAdapter ?? adapter : nil
    }

    /// The LoRA a new adapter gets: the settings given over `defaults` (a training run's are
    /// ``LoRAConfiguration``'s own).
    public func lora(over defaults: LoRAConfiguration) -> LoRAConfiguration {
        var lora = defaults
        if let loraRank { lora.rank = loraRank }
        if let loraAlpha { lora.alpha = loraAlpha }
        if let loraDropout { lora.dropout = loraDropout }
        if let loraTargets { lora.targetModules = loraTargets }
        return lora
    }

    /// Records the LoRA the run trains (a start or resumed adapter keeps its own).
    public mutating func record(_ lora: LoRAConfiguration) {
        (loraRank, loraAlpha, loraDropout, loraTargets) = (lora.rank, lora.alpha, lora.dropout, lora.targetModules)
    }

    /// Refuses values no run can use, before any step (NaN and infinity fail every check here).
    public func validate() throws {
        func bad(_ name: String, _ reason: String) -> TrainingError { .invalidOption(name: name, reason: reason) }
        guard learningRate > 0, learningRate.isFinite else { throw bad("learning-rate", "must be a positive number, got \(learningRate)") }
        guard maxGradNorm >= 0, maxGradNorm.isFinite else { throw bad("max-grad-norm", "must be a number ≥ 0 (0 = no clipping), got \(maxGradNorm)") }
        guard weightDecay >= 0, weightDecay.isFinite else { throw bad("weight-decay", "must be a number ≥ 0, got \(weightDecay)") }
        guard batchSize > 0 else { throw bad("batch-size", "must be positive") }
        guard gradAccum > 0 else { throw bad("grad-accum", "must be positive") }
        guard epochs > 0 else { throw bad("epochs", "must be positive") }
        if let maxSteps, maxSteps <= 0 { throw bad("max-steps", "must be positive") }
        guard warmupSteps >= 0 else { throw bad("warmup-steps", "must be ≥ 0") }
        guard validationSplit >= 0, validationSplit < 1 else { throw bad("validation-split", "must be in [0, 1), got \(validationSplit)") }
        guard loggingSteps > 0 else { throw bad("logging-steps", "must be positive") }
        guard stepsPerEval > 0 else { throw bad("steps-per-eval", "must be positive") }
        guard saveEvery >= 0 else { throw bad("save-every", "must be ≥ 0") }
        if let beta, !(beta > 0 && beta.isFinite) { throw bad("beta", "must be a positive number, got \(beta)") }
        if let loraRank, loraRank < 1 { throw bad("lora-rank", "must be ≥ 1, got \(loraRank)") }
        if let loraAlpha, !(loraAlpha > 0 && loraAlpha.isFinite) { throw bad("lora-alpha", "must be a positive number, got \(loraAlpha)") }
        if let loraDropout, !(loraDropout >= 0 && loraDropout < 1) { throw bad("lora-dropout", "must be in [0, 1), got \(loraDropout)") }
        if let loraTargets, loraTargets.isEmpty || loraTargets.contains("") { throw bad("lora-targets", "must name modules, got '\(loraTargets.joined(separator: ","))'") }
        if let maxLength, maxLength < 1 { throw bad("max-length", "must be positive") }
        if let maxPromptLength, maxPromptLength < 1 { throw bad("max-prompt-length", "must be positive") }
        if let mixtureTemperature, !(mixtureTemperature > 0 && mixtureTemperature.isFinite) {
            throw bad("mixture-temperature", "must be a positive number, got \(mixtureTemperature)")
        }
        if let mixtureCap, mixtureCap < 1 { throw bad("mixture-cap", "must be ≥ 1, got \(mixtureCap)") }
        if let holdoutTasks {
            if holdoutTasks.isEmpty || holdoutTasks.contains("") { throw bad("holdout-task", "must name tasks, got '\(holdoutTasks.joined(separator: ","))'") }
            if let both = holdoutTasks.first(where: { taskMixture?.tasks.contains($0) == true }) {
                throw bad("holdout-task", "task '\(both)' is also in --task-mixture: a held-out task is only evaluated, never trained")
            }
        }
    }

    /// The objective this configuration trains.
    public func makeObjective(reference: ReferenceLogProbs = ReferenceLogProbs()) -> any TrainingObjective {
        let paddingFree = paddingFree ?? false
        switch method {
        case .sft: return SFTObjective(trainOnPrompt: trainOnPrompt, paddingFree: paddingFree)
        case .dpo: return DPOObjective(beta: effectiveBeta, lossType: lossType, weighted: false, reference: reference, paddingFree: paddingFree)
        case .ddpo: return DPOObjective(beta: effectiveBeta, lossType: lossType, weighted: true, reference: reference, paddingFree: paddingFree)
        case .orpo: return ORPOObjective(beta: effectiveBeta, weighting: .none, paddingFree: paddingFree)
        case .dorpo: return ORPOObjective(beta: effectiveBeta, weighting: orpoWeighting ?? .reference, paddingFree: paddingFree)
        }
    }
}

extension LearningRateSchedule.Kind: Codable {}
extension DPOObjective.LossType: Codable {}
extension ORPOObjective.Weighting: Codable {}
