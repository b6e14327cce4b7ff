import Base
import Foundation
import Models
import Training

/// The resolved run a `--backend torch` launch executes (docs/scale-out.md §2): the method, every
/// setting decoded by ``TrainingConfiguration`` with its defaults filled in, the launch, and the
/// command that starts one machine's share. Written to `OUTPUT/run_spec.json` before launching, so
/// a scheduler (Slurm) can start the same run on every node with `python -m divtune_torch.train`.
public struct TorchRunSpec {
    public static let fileName = "run_spec.json"
    public static let format = "divtune-torch-run/1"

    public var configuration: TrainingConfiguration
    public var data: String
    public var output: URL
    public var overwrite: Bool
    public var resume: String?
    public var launch: TorchLaunch
    /// A multi-task run's resolved draw, written next to the spec (`task_plan.json`, docs/scale-out.md §3.1).
    public var taskPlan: TaskMixturePlan?
    /// A reward model's run (`train reward`): its settings and data replace `configuration`'s, which
    /// then only sizes the memory estimate (the per-device batch, length and LoRA shape).
    public var reward: TorchRewardRun?

    public init(configuration: TrainingConfiguration, data: String, output: URL, overwrite: Bool, resume: String?, launch: TorchLaunch,
                taskPlan: TaskMixturePlan? = nil, reward: TorchRewardRun? = nil) {
        self.taskPlan = taskPlan
        self.reward = reward
        self.configuration = configuration
        self.data = data
        self.output = output
        self.overwrite = overwrite
        self.resume = resume
        self.launch = launch
        self.taskPlan = taskPlan
    }

    public var url: URL { output.appendingPathComponent(Self.fileName) }
    public var taskPlanURL: URL { output.appendingPathComponent(TaskMixturePlan.fileName) }
    /// The method the Python side runs: the configuration's, or `reward`.
    public var method: String { reward == nil ? configuration.method.rawValue : "reward" }
    var rewardDataURL: URL { output.appendingPathComponent(TorchRewardRun.dataFile) }

    /// The settings as the Python side reads them: the configuration's snake_case keys with each
    /// default made explicit (β, the DORPO weighting, ORPO's length, the LoRA shape).
    public func settings() throws -> [String: Any] {
        if let reward {
            var values = reward.settings.merging(reward.specValues(dataURL: rewardDataURL)) { _, new in new }
            values["data"] = URL(fileURLWithPath: data).standardizedFileURL.path
            values["output"] = output.standardizedFileURL.path
            values["overwrite"] = overwrite
            return values
        }
        let c = configuration
        var values = try JSONSerialization.jsonObject(with: JSONEncoder().encode(c)) as? [String: Any] ?? [:]
        let lora = c.lora(over: LoRAConfiguration())
        values["lora_rank"] = lora.rank
        values["lora_alpha"] = Double(lora.alpha)
        values["lora_dropout"] = Double(lora.dropout)
        values["lora_targets"] = lora.targetModules
        values["beta"] = Double(c.effectiveBeta)
        if c.method == .dorpo { values["orpo_weighting"] = (c.orpoWeighting ?? .reference).rawValue }
        if let length = c.effectiveMaxLength { values["max_length"] = length }
        values["prompt_style"] = c.effectivePromptStyle.rawValue
        values["data"] = URL(fileURLWithPath: data).standardizedFileURL.path
        values["output"] = output.standardizedFileURL.path
        values["overwrite"] = overwrite
        // Float32 settings read back as the decimal the user wrote (1e-4, not 9.99999974737875e-05).
        for key in ["learning_rate", "max_grad_norm", "weight_decay", "beta", "lora_alpha", "lora_dropout"] {
            if let number = values[key] as? Double { values[key] = Double(String(Float(number)))! }
        }
        return values
    }

    /// The spec's JSON with the launch command of this machine (`python` then `launch.arguments`).
    public func json(command: [String]) throws -> Data {
        var launchValues = try JSONSerialization.jsonObject(with: JSONEncoder().encode(launch)) as? [String: Any] ?? [:]
        launchValues["launcher"] = launch.effectiveLauncher?.rawValue ?? NSNull()
        let object: [String: Any] = [
            "format": Self.format, "method": method, "configuration": try settings(),
            "resume": resume.map { URL(fileURLWithPath: $0).standardizedFileURL.path } ?? NSNull(),
            "launch": launchValues, "command": command,
            "task_plan": taskPlan == nil ? NSNull() : taskPlanURL.standardizedFileURL.path,
        ]
        return try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
    }

    /// Writes the spec atomically into the output folder (created if needed), after the files it
    /// names: a multi-task run's task plan, a reward run's data.
    public func write(command: [String]) throws {
        try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        if let taskPlan {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            try AtomicFile.write(try encoder.encode(taskPlan), to: taskPlanURL)
        }
        try reward?.writeData(to: rewardDataURL)
        try AtomicFile.write(try json(command: command), to: url)
    }
}
