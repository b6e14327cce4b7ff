import Models

/// A setting given to a resumed run that differs from the one its checkpoint was trained with.
/// A resumed run must keep what decides what is trained and in which order; it may change the
/// learning rate, schedule, length, clipping, weight decay and logging (as TRL's resume does).
public struct ResumeConflict: Equatable, Sendable {
    /// The flag's name without dashes (`lora-rank`).
    public var option: String
    public var checkpointValue: String
    public var givenValue: String

    public init(option: String, checkpointValue: String, givenValue: String) {
        self.option = option
        self.checkpointValue = checkpointValue
        self.givenValue = givenValue
    }

    /// The settings of `given` that differ from `saved`, the checkpoint's. The model and adapters
    /// are compared only when the checkpoint recorded them (checkpoints of earlier versions did not).
    public static func between(saved: TrainingConfiguration, given: TrainingConfiguration) -> [ResumeConflict] {
        var pairs: [(String, String, String)] = [
            ("method", saved.method.rawValue, given.method.rawValue),
            ("seed", "\(saved.seed)", "\(given.seed)"),
            ("batch-size", "\(saved.batchSize)", "\(given.batchSize)"),
            ("grad-accum", "\(saved.gradAccum)", "\(given.gradAccum)"),
            ("validation-split", "\(saved.validationSplit)", "\(given.validationSplit)"),
            ("beta", "\(saved.effectiveBeta)", "\(given.effectiveBeta)"),
            ("loss-type", saved.lossType.rawValue, given.lossType.rawValue),
            ("orpo-weighting", saved.orpoWeighting?.rawValue ?? "default", given.orpoWeighting?.rawValue ?? "default"),
            ("train-on-prompt", "\(saved.trainOnPrompt)", "\(given.trainOnPrompt)"),
            ("prompt-style", saved.effectivePromptStyle.rawValue, given.effectivePromptStyle.rawValue),
            ("task-mixture", saved.taskMixture?.description ?? "none", given.taskMixture?.description ?? "none"),
            ("mixture-temperature", saved.mixtureTemperature.map { "\($0)" } ?? "none", given.mixtureTemperature.map { "\($0)" } ?? "none"),
            ("mixture-cap", saved.mixtureCap.map { "\($0)" } ?? "none", given.mixtureCap.map { "\($0)" } ?? "none"),
            ("holdout-task", saved.holdoutTasks?.joined(separator: ",") ?? "none", given.holdoutTasks?.joined(separator: ",") ?? "none"),
        ]
        if saved.model != nil {
            pairs += [("model", saved.model ?? "none", given.model ?? "none"),
                      ("adapter", saved.adapter ?? "none", given.adapter ?? "none"),
                      ("reference-adapter", saved.referenceAdapter ?? "none", given.referenceAdapter ?? "none")]
        }
        return pairs.filter { $0.1 != $0.2 }.map { ResumeConflict(option: $0.0, checkpointValue: $0.1, givenValue: $0.2) }
    }

    /// The LoRA settings of `given` (nil: not set) that differ from the checkpoint adapter's `saved`.
    public static func between(saved: LoRAConfiguration, given: TrainingConfiguration) -> [ResumeConflict] {
        var pairs: [(String, String, String?)] = [
            ("lora-rank", "\(saved.rank)", given.loraRank.map { "\($0)" }),
            ("lora-alpha", "\(saved.alpha)", given.loraAlpha.map { "\($0)" }),
            ("lora-dropout", "\(saved.dropout)", given.loraDropout.map { "\($0)" }),
        ]
        // Targets are a set: the order they are named in does not matter.
        pairs.append(("lora-targets", saved.targetModules.sorted().joined(separator: ","), given.loraTargets?.sorted().joined(separator: ",")))
        return pairs.compactMap { option, savedValue, given in
            guard let given, given != savedValue else { return nil }
            return ResumeConflict(option: option, checkpointValue: savedValue, givenValue: given)
        }
    }
}
