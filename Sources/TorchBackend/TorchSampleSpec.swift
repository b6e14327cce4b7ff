import Base
import EvaluationRuns
import Foundation
import Sampling

/// What `python -m divtune_torch.sample` samples (docs/scale-out.md §5): the prompts with the seed
/// of their sample 0 (from the run's ``SeedScheme``), the sampler chain, the chat rendering, the
/// model, adapter and conformative base, and where the sampler keeps finished prompts for a rerun.
/// Written as `OUTPUT/sample_spec.json` before each launch.
public struct TorchSampleSpec {
    public static let fileName = "sample_spec.json"
    public static let format = "divtune-torch-sample/1"
    /// The sampler's own record of finished prompts (read back by a rerun with the same settings).
    public static let cacheFileName = "torch_samples.jsonl"

    public var options: ModelSampleGenerator.Options
    public var prompts: [PromptToSample]
    public var samplesPerPrompt: Int
    /// Prompts whose samples decode together in one `generate` call.
    public var promptsPerCall: Int
    public var precision: TorchLaunch.Precision
    public var threads: Int?
    /// The run's sample settings (``SampleSettings``): the sampler keys its record by them.
    public var settings: [String: String]
    public var output: URL

    public var url: URL { output.appendingPathComponent(Self.fileName) }

    /// The spec's JSON: paths absolute, Float settings as the decimals the user wrote.
    public func json() throws -> Data {
        func path(_ path: String?) -> Any { path.map { URL(fileURLWithPath: $0).standardizedFileURL.path } ?? NSNull() }
        func decimal(_ value: Float) -> Double { Double(String(value))! }
        let o = options, s = o.sampling
        let sampling: [String: Any] = [
            "temperature": decimal(s.temperature), "top_k": s.topK, "top_p": s.topP, "min_p": decimal(s.minP),
            "repetition_penalty": decimal(s.repetitionPenalty), "repetition_window": s.repetitionWindow.map { $0 as Any } ?? NSNull(),
            "order": s.order.map(\.rawValue),
        ]
        var conformative: Any = NSNull()
        if o.baseModel != nil, let c = o.conformative {
            conformative = ["weight": c.weight, "space": c.space.rawValue, "truncate_on": c.truncateOn.rawValue,
                            "base_temperature": c.baseTemperature.map { decimal($0) as Any } ?? NSNull()] as [String: Any]
        }
        let object: [String: Any] = [
            "format": Self.format, "model": path(o.model), "adapter": path(o.adapter),
            "base_model": o.conformative == nil ? NSNull() : path(o.baseModel),
            "base_adapter": o.conformative == nil ? NSNull() : path(o.baseAdapter),
            "prompt_style": o.promptStyle.rawValue, "base_prompt_style": o.basePromptStyle.rawValue, "conformative": conformative,
            "system": o.system.map { $0 as Any } ?? NSNull(), "max_tokens": o.maxTokens, "sampling": sampling,
            "samples_per_prompt": samplesPerPrompt, "prompts_per_call": promptsPerCall, "precision": precision.rawValue,
            "threads": threads.map { $0 as Any } ?? NSNull(), "settings": settings,
            "cache": output.appendingPathComponent(Self.cacheFileName).standardizedFileURL.path,
            "prompts": prompts.map { ["prompt": $0.prompt, "first_seed": $0.firstSeed] as [String: Any] },
        ]
        return try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
    }

    /// Writes the spec atomically into the output folder.
    public func write() throws {
        try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        try AtomicFile.write(try json(), to: url)
    }
}
