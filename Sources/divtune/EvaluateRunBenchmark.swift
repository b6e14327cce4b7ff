import ArgumentParser
import EvaluationRuns
import Foundation
import TensorEngine

/// `divtune bench evaluate`: wall time of the demo's evaluation stage — `evaluate run` with the
/// demo's flags (``DemoCommand/evaluationArguments(_:prompts:embedder:)``: 10 test prompts × 4
/// samples × 128 tokens, MiniLM, the stylometric style space) on the base model, or its
/// conformative stage — sampled three ways in one run: one sample at a time (`--max-batch 1`, the
/// demo before batching), a prompt's samples together (batching within a prompt, what
/// `evaluate run` did before issue 24), and samples of several prompts together (`--max-batch N`).
/// Each run goes through the command's own construction in a fresh folder; the time is split into
/// loading (models, embedders), sampling, embedding, and metrics with the report. Modes are
/// interleaved within each repetition so load on a shared machine falls on all of them; medians
/// of `repeats`. The samples of every run are checked to be the same (they depend only on the seeds).
struct EvaluateRunBenchmark {
    var model: String
    var embedder: String
    var prompts: String
    var threads: Int
    var maxBatch: Int
    var repeats: Int
    /// Conformative decoding with the model as its own base (the demo's last stage); nil = plain.
    var conformativeWeight: Double?

    enum Mode: CaseIterable {
        case oneAtATime, withinPrompt, acrossPrompts

        func label(maxBatch: Int, samples: Int) -> String {
            switch self {
            case .oneAtATime: return "one sample at a time (`--max-batch 1`)"
            case .withinPrompt: return "a prompt's \(samples) samples together (before issue 24)"
            case .acrossPrompts: return "\(maxBatch) samples of several prompts together (`--max-batch \(maxBatch)`)"
            }
        }
    }

    /// Seconds of one run, by stage.
    struct Timing {
        var load = 0.0, sample = 0.0, embed = 0.0, metrics = 0.0, total = 0.0
        var tokens = 0
    }

    func arguments(mode: Mode, output: URL) -> [String] {
        let plan = DemoCommand.fullPlan
        return ["--model", model, "--name", "bench", "--threads", "\(threads)", "--output", output.path,
                "--max-batch", mode == .oneAtATime ? "1" : "\(maxBatch)"]
            + (conformativeWeight.map { ["--base-model", model, "--conformative-weight", "\($0)"] } ?? [])
            + DemoCommand.evaluationArguments(plan, prompts: prompts, embedder: embedder)
    }

    /// One `evaluate run` into `output`, timed by stage.
    func measure(_ mode: Mode, output: URL) throws -> Timing {
        let command = try EvaluateRunCommand.parse(arguments(mode: mode, output: output))
        var timing = Timing()
        let started = Date()
        var mark = started
        func lap() -> Double {
            defer { mark = Date() }
            return Date().timeIntervalSince(mark)
        }
        let model = ModelSampleGenerator(command.options)
        try model.loadModels()
        let generator: any SampleGenerator = mode == .withinPrompt ? PromptByPrompt(model) : model
        let evaluation = try command.evaluation(generator: generator)
        timing.load = lap()
        let result = try evaluation.run { event in
            switch event {
            case .started(.sample, _), .started(.embed, _): timing.metrics += lap()
            case .finished(.sample): timing.sample = lap()
            case .finished(.embed): timing.embed = lap()
            case let .sampled(_, tokens): timing.tokens = tokens
            default: break
            }
        }
        try EvaluationRunOptions.writeReport(result, of: evaluation)
        timing.metrics += lap()
        timing.total = Date().timeIntervalSince(started)
        return timing
    }

    func run() throws -> String {
        EngineThreads.configure(threads)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("divtune-bench-evaluate-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let loadBefore = Self.loadAverage()
        var timings: [Mode: [Timing]] = [:]
        var samples: Set<Data> = []
        for r in 0..<repeats {
            for mode in Mode.allCases {
                let output = folder.appendingPathComponent("\(r)-\(mode)")
                timings[mode, default: []].append(try measure(mode, output: output))
                samples.insert(try Data(contentsOf: output.appendingPathComponent("samples.jsonl")))
                try FileManager.default.removeItem(at: output)
            }
        }
        guard samples.count == 1 else {
            throw ValidationError("the modes drew different samples (\(samples.count) different samples.jsonl files); batching must not change them")
        }
        typealias R = RuntimeBenchmark
        let plan = DemoCommand.fullPlan
        func median(_ mode: Mode, _ value: KeyPath<Timing, Double>) -> Double { R.median(timings[mode, default: []].map { $0[keyPath: value] }) }
        let baseline = median(.oneAtATime, \.total)
        var lines = [
            "evaluate run benchmark: the demo's \(conformativeWeight.map { "conformative (w = \($0), the model as its own base)" } ?? "base-model")"
                + " evaluation stage, \(URL(fileURLWithPath: model).lastPathComponent), \(plan.prompts) prompts × \(plan.samples) samples"
                + " × ≤ \(plan.maxTokens) tokens, \(threads) threads, median of \(repeats) (modes interleaved); samples identical in every run",
            "load average before \(loadBefore), after \(Self.loadAverage())", "",
            "| sampling | wall s | vs one at a time | load s | sample s | embed s | metrics + report s | sampled tok/s |",
            "|---|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for mode in Mode.allCases {
            let total = median(mode, \.total)
            let rate = R.median(timings[mode, default: []].map { Double($0.tokens) / $0.sample })
            lines.append("| \(mode.label(maxBatch: maxBatch, samples: plan.samples)) | \(R.fmt(total, 2)) | \(R.fmt(total / baseline, 2))× | "
                         + [\Timing.load, \.sample, \.embed, \.metrics].map { R.fmt(median(mode, $0), 2) }.joined(separator: " | ")
                         + " | \(R.fmt(rate)) |")
        }
        return lines.joined(separator: "\n")
    }

    /// The 1-, 5- and 15-minute load averages (a shared machine's figures say how loaded it was).
    static func loadAverage() -> String {
        ((try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? "n/a").split(separator: " ").prefix(3).joined(separator: " ")
    }
}

/// Batching within a prompt only, as `evaluate run` sampled before issue 24: one generator call
/// per prompt, so a batch never holds more than one prompt's samples.
struct PromptByPrompt: SampleGenerator {
    let generator: any SampleGenerator
    init(_ generator: any SampleGenerator) { self.generator = generator }

    var sampledModel: SampledModel { generator.sampledModel }
    var settings: [String: String] { generator.settings }

    func sample(_ prompts: [PromptToSample], count: Int, finished: (Int, [SampledText]) throws -> Void) throws {
        for (k, prompt) in prompts.enumerated() {
            try generator.sample([prompt], count: count) { _, samples in try finished(k, samples) }
        }
    }
}
