import Base
import Evaluation
import EvaluationRuns
import Foundation
import Generation
import Models
import Sampling
import Training

/// In-training probes (`--monitor-prompts`; docs/formats.md §4.5.2): at step 0, every `every`
/// steps and at the last step, the model as it is then samples each monitor prompt `samples`
/// times under the evaluation protocol's sampler, and the samples are measured by an
/// ``EvaluationRun`` (in `OUTPUT/monitor/step-N`) as `evaluate run` measures them. The metrics go
/// to `metrics.jsonl` under `monitor/…` keys (the caller logs ``Probe/record``), the samples to
/// `monitor_samples.jsonl` (one line per prompt: `step`, `prompt`, `samples`).
///
/// Probing leaves training as it was: LoRA dropout is off while sampling (its generators are the
/// trainer's), sampling draws from its own seeds, and no gradient is recorded.
public final class TrainingProbe {
    public struct Options {
        public static let defaultEvery = 50
        public static let defaultSamples = 4
        public static let defaultMaxTokens = 128

        public var prompts: [String]
        public var every: Int
        public var samples: Int
        public var maxTokens: Int
        public var sampling: SamplingParameters
        public var system: String?
        public var seed: UInt64

        /// Refuses no prompts and counts below 1, naming the option.
        public init(prompts: [String], every: Int, samples: Int, maxTokens: Int, sampling: SamplingParameters, system: String?,
                    seed: UInt64) throws {
            guard !prompts.isEmpty else { throw TrainingError.invalidOption(name: "monitor-prompts", reason: "holds no prompts") }
            for (name, value) in [("monitor-every", every), ("monitor-samples", samples), ("monitor-max-tokens", maxTokens)] where value < 1 {
                throw TrainingError.invalidOption(name: name, reason: "must be ≥ 1, got \(value)")
            }
            self.prompts = prompts
            self.every = every
            self.samples = samples
            self.maxTokens = maxTokens
            self.sampling = sampling
            self.system = system
            self.seed = seed
        }
    }

    /// What one probe found: the `monitor/…` record and each prompt's samples.
    public struct Probe {
        public var record: MetricsRecord
        public var samples: [SampleRecord]
    }

    /// The prefix of the probe's keys in `metrics.jsonl` and TensorBoard.
    public static let keyPrefix = "monitor/"

    public let options: Options
    private let samplesLog: JSONLinesLog
    private let model: LanguageModel
    private let modelName: String
    private let adapter: LoRAAdapter
    private let spaces: EmbeddingSpaces
    private let folder: TrainingRunFolder
    private var lastProbed: Int?

    private let scorer: (any SampleScorer)?

    /// `scorer` (a reward model) measures quality; without one it is the samples' mean log-prob per token.
    public init(options: Options, model: LanguageModel, modelName: String, adapter: LoRAAdapter, spaces: EmbeddingSpaces,
                scorer: (any SampleScorer)? = nil, folder: TrainingRunFolder) throws {
        self.scorer = scorer
        self.options = options
        samplesLog = try JSONLinesLog(url: folder.monitorSamplesURL)
        self.model = model
        self.modelName = modelName
        self.adapter = adapter
        self.spaces = spaces
        self.folder = folder
    }

    /// The probe `event` calls for, if any: at a new run's start, after every `every`-th step and
    /// after the last one (once per step).
    public func observe(_ event: TrainingEvent) throws -> Probe? {
        let step: Int
        switch event {
        case let .started(start) where start.step == 0: step = 0
        case let .step(metrics) where metrics.step % options.every == 0: step = metrics.step
        case let .finished(finished) where finished.completed: step = finished.step
        default: return nil
        }
        guard lastProbed != step else { return nil }
        lastProbed = step
        return try probe(atStep: step)
    }

    /// The key of a probe's wall time in seconds (what probing costs the run; `divtune bench monitor`).
    public static let secondsKey = keyPrefix + "seconds"

    /// Samples and measures the model as it is now.
    public func probe(atStep step: Int) throws -> Probe {
        let started = DispatchTime.now().uptimeNanoseconds
        let training = adapter.isTraining
        adapter.isTraining = false
        defer { adapter.isTraining = training }
        let output = folder.monitorURL.appendingPathComponent("step-\(step)")
        // A probe of this step left by a killed run is measured again from scratch.
        if FileManager.default.fileExists(atPath: output.path) { try FileManager.default.removeItem(at: output) }
        let generator = try ModelSampleGenerator(.init(model: modelName, system: options.system, maxTokens: options.maxTokens,
                                                       sampling: options.sampling, maxBatch: max(options.samples, Generator.defaultMaxBatch)), model: model)
        let run = EvaluationRun(prompts: options.prompts, samplesPerPrompt: options.samples, seeds: SeedScheme(base: options.seed),
                                name: "step-\(step)", output: output, generator: generator, scorer: scorer, spaces: spaces)
        let result = try run.run()
        var values: [String: Double] = [:]
        for metric in DiversityMetric.allCases {
            if let estimate = result.metrics.estimate(metric) { values[Self.keyPrefix + metric.rawValue] = estimate.mean }
        }
        if let quality = result.metrics.quality { values[Self.keyPrefix + "quality_" + result.metrics.qualityMeasure] = quality.mean }
        for record in result.records {
            try samplesLog.append(["step": step, "prompt": record.prompt, "samples": record.samples])
        }
        values[Self.secondsKey] = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        return Probe(record: MetricsRecord(step: step, values: values), samples: result.records)
    }

    /// The probe's samples as one Markdown text (TensorBoard's text plugin renders Markdown).
    public static func markdown(_ samples: [SampleRecord]) -> String {
        samples.map { record in
            "**\(record.prompt)**\n\n" + record.samples.enumerated().map { "\($0 + 1). \($1.replacingOccurrences(of: "\n", with: " "))" }.joined(separator: "\n")
        }.joined(separator: "\n\n")
    }
}
