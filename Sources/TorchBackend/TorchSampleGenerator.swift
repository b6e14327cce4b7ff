import EvaluationRuns
import Foundation
import Sampling

/// `divtune evaluate run --backend torch` (docs/scale-out.md §5): samples through transformers in the
/// torch backend's Python — the same prompts, seeds, sampler chain and conformative formula as
/// ``ModelSampleGenerator`` — while embeddings, metrics and reports stay DivTune's, so the numbers of
/// both backends are comparable. Each call writes a ``TorchSampleSpec``, runs
/// `python -m divtune_torch.sample` on it and hands every prompt's samples on as the sampler prints
/// them (its standard error, the progress, goes to this terminal).
public final class TorchSampleGenerator: SampleGenerator {
    public struct Options {
        public var model: ModelSampleGenerator.Options
        public var stack: TorchStack
        public var precision: TorchLaunch.Precision
        /// Each sampler process's threads (--threads).
        public var threads: Int?
        /// The run folder: the spec and the sampler's record of finished prompts go there.
        public var output: URL

        public init(model: ModelSampleGenerator.Options, stack: TorchStack, precision: TorchLaunch.Precision = .fp32, threads: Int? = nil,
                    output: URL) {
            self.model = model
            self.stack = stack
            self.precision = precision
            self.threads = threads
            self.output = output
        }
    }

    public let options: Options

    public init(_ options: Options) throws {
        self.options = options
        // The Swift engine checks these as it decodes; the sampler would run with them unchecked
        // (a weight above 1 makes negative mixture probabilities, a zero base temperature divides by zero).
        try options.model.sampling.validate()
        try options.model.conformative?.validate()
        let paths: [(flag: String, path: String?)] = [("model", options.model.model), ("base-model", options.model.baseModel)]
        for (flag, path) in paths {
            guard let path else { continue }
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue else {
                throw TorchBackendError.invalidOption(name: flag, reason: "\(path): --backend torch samples with transformers, which reads "
                    + "Hugging Face model folders (config.json, *.safetensors, tokenizer.json), not GGUF files; make one with "
                    + "python -m divtune_torch.gguf_folder FILE.gguf FOLDER")
            }
        }
    }

    /// Prompts per `generate` call: as many whole prompts as `--max-batch` samples hold, at least one.
    public func promptsPerCall(samplesPerPrompt count: Int) -> Int { max(1, options.model.maxBatch / max(count, 1)) }

    public var sampledModel: SampledModel { ModelSampleGenerator(options.model).sampledModel }

    /// The Swift engine's settings, the backend and its precision, and `max_batch`: in a padded
    /// batch a row's logits can differ in their last bits with its neighbours, so the grouping
    /// is part of what the samples depend on.
    public var settings: [String: String] {
        ModelSampleGenerator(options.model).settings.merging(
            ["backend": "torch", "precision": options.precision.rawValue, "max_batch": String(options.model.maxBatch)]) { $1 }
    }

    /// One line of the sampler's standard output: a prompt's samples.
    struct SampledPrompt: Decodable {
        struct Sample: Decodable {
            var text: String
            var tokens: Int
            var logprobPerToken: Double?
            var finishReason: String
            enum CodingKeys: String, CodingKey {
                case text, tokens, logprobPerToken = "logprob_per_token", finishReason = "finish_reason"
            }
        }
        var index: Int
        var samples: [Sample]
    }

    public func sample(_ prompts: [PromptToSample], count: Int, finished: (Int, [SampledText]) throws -> Void) throws {
        try options.stack.check()
        let spec = TorchSampleSpec(options: options.model, prompts: prompts, samplesPerPrompt: count,
                                   promptsPerCall: promptsPerCall(samplesPerPrompt: count), precision: options.precision,
                                   threads: options.threads, settings: settings, output: options.output)
        try spec.write()
        let process = options.stack.process(["-m", "divtune_torch.sample", spec.url.path],
                                            environment: options.stack.environment(options.threads.map { ["OMP_NUM_THREADS": String($0)] } ?? [:]))
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        var handed = Set<Int>()
        do {
            var buffer = Data()
            while true {
                let chunk = pipe.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                buffer.append(chunk)
                while let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                    let line = buffer[buffer.startIndex..<newline]
                    buffer.removeSubrange(buffer.startIndex...newline)
                    let (k, samples) = try Self.decode(line, prompts: prompts.count, count: count)
                    guard handed.insert(k).inserted else { throw TorchBackendError.samplingFailed(reason: "it returned prompt \(k) twice") }
                    try finished(k, samples)
                }
            }
        } catch {
            process.terminate()
            process.waitUntilExit()
            throw error
        }
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw TorchBackendError.samplingFailed(reason: "exit status \(process.terminationStatus), see above")
        }
        guard handed.count == prompts.count else {
            throw TorchBackendError.samplingFailed(reason: "it returned \(handed.count) of \(prompts.count) prompts' samples")
        }
    }

    /// A prompt's index and samples from one output line; a line that is not one is an error quoting it.
    static func decode(_ line: Data, prompts: Int, count: Int) throws -> (Int, [SampledText]) {
        let shown = String(decoding: line.prefix(200), as: UTF8.self)
        guard let parsed = try? JSONDecoder().decode(SampledPrompt.self, from: line) else {
            throw TorchBackendError.samplingFailed(reason: "its output line is not a prompt's samples: \(shown)")
        }
        guard (0..<prompts).contains(parsed.index), parsed.samples.count == count else {
            throw TorchBackendError.samplingFailed(reason: "prompt \(parsed.index) with \(parsed.samples.count) samples, "
                                                   + "asked for \(count) samples of prompts 0..<\(prompts): \(shown)")
        }
        return (parsed.index, parsed.samples.map {
            SampledText(text: $0.text, tokens: $0.tokens, logprobPerToken: $0.logprobPerToken, finishReason: $0.finishReason)
        })
    }
}
