import Foundation

/// A PEFT `LoraConfig` as stored in `adapter_config.json` (snake_case keys as PEFT writes them).
public struct LoRAConfiguration: Codable, Equatable, Sendable {
    /// PEFT's "all-linear": every projection (`HFModuleNames.projectionNames`).
    public static let allLinearTargets = HFModuleNames.projectionNames

    public var rank: Int
    public var alpha: Float
    public var dropout: Float
    /// Module-name suffixes (`q_proj`) or full module paths, each naming projections of the one
    /// list (`HFModuleNames.isProjectionTarget`).
    public var targetModules: [String]
    public var baseModelNameOrPath: String?
    public var peftType = "LORA"
    public var taskType = "CAUSAL_LM"
    public var bias = "none"
    public var fanInFanOut = false
    public var useRSLoRA = false
    public var useDoRA = false
    public var inferenceMode = true
    public var initLoRAWeights = true

    public init(rank: Int = 16, alpha: Float = 32, dropout: Float = 0.05, targetModules: [String] = allLinearTargets,
                baseModelNameOrPath: String? = nil) {
        self.rank = rank
        self.alpha = alpha
        self.dropout = dropout
        self.targetModules = targetModules
        self.baseModelNameOrPath = baseModelNameOrPath
    }

    enum CodingKeys: String, CodingKey {
        case rank = "r", alpha = "lora_alpha", dropout = "lora_dropout", targetModules = "target_modules"
        case baseModelNameOrPath = "base_model_name_or_path", peftType = "peft_type", taskType = "task_type", bias
        case fanInFanOut = "fan_in_fan_out", useRSLoRA = "use_rslora", useDoRA = "use_dora"
        case inferenceMode = "inference_mode", initLoRAWeights = "init_lora_weights"
        case modulesToSave = "modules_to_save", rankPattern = "rank_pattern", alphaPattern = "alpha_pattern"
        case layersToTransform = "layers_to_transform", layersPattern = "layers_pattern", revision
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        rank = try c.decode(Int.self, forKey: .rank)
        alpha = try c.decodeIfPresent(Float.self, forKey: .alpha) ?? 8
        dropout = try c.decodeIfPresent(Float.self, forKey: .dropout) ?? 0
        if let list = try? c.decode([String].self, forKey: .targetModules) {
            targetModules = list
        } else if let one = try? c.decode(String.self, forKey: .targetModules), one == "all-linear" {
            targetModules = Self.allLinearTargets
        } else {
            throw DecodingError.dataCorruptedError(forKey: .targetModules, in: c,
                debugDescription: "target_modules must be a list of module names or \"all-linear\" (regular expressions are not supported)")
        }
        baseModelNameOrPath = try c.decodeIfPresent(String.self, forKey: .baseModelNameOrPath)
        peftType = try c.decodeIfPresent(String.self, forKey: .peftType) ?? "LORA"
        taskType = try c.decodeIfPresent(String.self, forKey: .taskType) ?? "CAUSAL_LM"
        bias = try c.decodeIfPresent(String.self, forKey: .bias) ?? "none"
        fanInFanOut = try c.decodeIfPresent(Bool.self, forKey: .fanInFanOut) ?? false
        useRSLoRA = try c.decodeIfPresent(Bool.self, forKey: .useRSLoRA) ?? false
        useDoRA = try c.decodeIfPresent(Bool.self, forKey: .useDoRA) ?? false
        inferenceMode = try c.decodeIfPresent(Bool.self, forKey: .inferenceMode) ?? true
        initLoRAWeights = (try? c.decodeIfPresent(Bool.self, forKey: .initLoRAWeights)) ?? true
        if let pattern = try? c.decodeIfPresent([String: Int].self, forKey: .rankPattern), !pattern.isEmpty {
            throw DecodingError.dataCorruptedError(forKey: .rankPattern, in: c, debugDescription: "per-module rank_pattern is not supported")
        }
        if let modules = try? c.decodeIfPresent([String].self, forKey: .modulesToSave), !modules.isEmpty {
            throw DecodingError.dataCorruptedError(forKey: .modulesToSave, in: c, debugDescription: "modules_to_save is not supported")
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(rank, forKey: .rank)
        try c.encode(alpha, forKey: .alpha)
        try c.encode(dropout, forKey: .dropout)
        try c.encode(targetModules, forKey: .targetModules)
        try c.encode(baseModelNameOrPath, forKey: .baseModelNameOrPath)
        try c.encode(peftType, forKey: .peftType)
        try c.encode(taskType, forKey: .taskType)
        try c.encode(bias, forKey: .bias)
        try c.encode(fanInFanOut, forKey: .fanInFanOut)
        try c.encode(useRSLoRA, forKey: .useRSLoRA)
        try c.encode(useDoRA, forKey: .useDoRA)
        try c.encode(inferenceMode, forKey: .inferenceMode)
        try c.encode(initLoRAWeights, forKey: .initLoRAWeights)
        try c.encodeNil(forKey: .modulesToSave)
        try c.encode([String: Int](), forKey: .rankPattern)
        try c.encode([String: Float](), forKey: .alphaPattern)
        try c.encodeNil(forKey: .layersToTransform)
        try c.encodeNil(forKey: .layersPattern)
        try c.encodeNil(forKey: .revision)
    }

    /// A positive rank, a finite alpha, a dropout probability in [0, 1) and target modules that
    /// name projections: what command-line flags and `adapter_config.json` files must give before
    /// any layer is built.
    public func validate() throws {
        for target in targetModules where !HFModuleNames.isProjectionTarget(target) {
            throw ModelError.invalidConfiguration(key: "target_modules", reason: HFModuleNames.notAProjection(target))
        }
        guard rank >= 1 else { throw ModelError.invalidConfiguration(key: "r", reason: "LoRA rank must be at least 1, got \(rank)") }
        guard alpha.isFinite else { throw ModelError.invalidConfiguration(key: "lora_alpha", reason: "must be a finite number, got \(alpha)") }
        guard dropout >= 0, dropout < 1 else {
            throw ModelError.invalidConfiguration(key: "lora_dropout", reason: "must be in [0, 1), got \(dropout)")
        }
    }

    /// Whether the module at `path` (`model.layers.0.self_attn.q_proj`) is a target.
    public func targets(_ path: String) -> Bool {
        targetModules.contains { path == $0 || path.hasSuffix("." + $0) }
    }
}
