import Base
import ArgumentParser
import ChatTemplates
import Foundation
import Generation
import Models
import Sampling

/// `divtune generate`: sample continuations from a GGUF file or an HF folder, optionally mixing in
/// a base model (conformative decoding). Text streams to stdout; `--json` prints one object per
/// sample with token ids and log-probs instead.
struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Generate text (plain or conformative decoding) from a .gguf file or an HF model folder.")

    @OptionGroup var models: ModelOptions
    @Option(help: "A single prompt.") var prompt: String?
    @Option(help: "JSONL file of prompts: {\"prompt\": str} or {\"messages\": [...]} per line.") var prompts: String?
    @Flag(help: "Render prompts through the model's chat template (default for --prompts with messages).") var chat = false
    @Option(help: "System prompt (with --chat).") var system: String?
    @Option(help: "Which of the model's named chat templates to use (e.g. tool_use); default: 'default'.") var chatTemplateName: String?
    @Option(help: "Maximum new tokens per sample.") var maxTokens = 256
    @OptionGroup var sampling: SamplingOptions<PlainSampling>
    @Option(help: "Random seed; sample i of a prompt uses seed + i.") var seed: UInt64 = 0
    @Option(help: "Samples per prompt.") var n = 1
    @Option(help: "Samples decoded together (of one prompt or several): each step reads the weights once for all of them.")
    var maxBatch = Generator.defaultMaxBatch
    @Option(help: "Stop string (repeatable); not included in the output.") var stop: [String] = []
    @Option(help: "Report the K most likely tokens per step (with --json).") var topLogprobs = 0
    @Flag(help: "Keep generating past end-of-sequence tokens until --max-tokens (stop strings still apply).") var ignoreEos = false
    @Flag(help: "Print one JSON object per sample: prompt_ids, ids, text, logprobs, top_logprobs, finish_reason.") var json = false

    @OptionGroup var conformative: ConformativeOptions

    func validate() throws {
        guard (prompt == nil) != (prompts == nil) else { throw ValidationError("give exactly one of --prompt and --prompts") }
        guard n >= 1 else { throw ValidationError("--n must be ≥ 1") }
        guard maxBatch >= 1 else { throw ValidationError("--max-batch must be ≥ 1") }
        guard maxTokens >= 0 else { throw ValidationError("--max-tokens must be ≥ 0") }
        guard topLogprobs >= 0 else { throw ValidationError("--top-logprobs must be ≥ 0") }
    }

    func run() throws {
        let instruct = try LanguageModel.load(path: models.model, adapter: models.adapter)
        // The same file without adapters on either side can share one instance; otherwise the base
        // gets its own copy, since adapters attach to a model's layers.
        let baseAdapter = conformative.base.baseAdapter
        let base = try conformative.base.baseModel.map { path -> LanguageModel in
            if path == models.model && models.adapter == nil && baseAdapter == nil { return instruct }
            return try LanguageModel.load(path: path, adapter: baseAdapter)
        }
        let renderer = try PromptRenderer(model: instruct, templateName: chatTemplateName)
        let baseRenderer = try base.map { try PromptRenderer(model: $0) }
        var parameters = GenerationParameters(maxTokens: maxTokens, sampling: sampling.parameters, seed: seed, stop: stop,
                                              topLogprobs: topLogprobs, ignoreEOS: ignoreEos)
        parameters.conformative = conformative.decoding
        let generator = Generator(model: instruct, base: base)
        let prompts = try requests().enumerated().map { index, request -> Generator.Prompt in
            let ids = try request.ids(renderer, style: chat || request.messages != nil ? .chat : .completion, system: system)
            // transformers gives no ids for such a prompt too, and cannot generate from it either.
            if ids.isEmpty { throw EmptyPromptError(index: index, chat: chat || request.messages != nil) }
            return Generator.Prompt(ids: ids, baseIds: try baseRenderer.map { try request.ids($0, style: conformative.basePromptStyle, system: system) })
        }
        // Text streams as it is generated for a single sample; several (decoded together, their
        // pieces interleaved) are each printed whole, separated, once all are done.
        let streaming = !json && prompts.count * n == 1
        let samples = try generator.generate(prompts: prompts, count: n, parameters: parameters, maxBatch: maxBatch,
                                             onPiece: !streaming ? nil : { piece in
                                                 // Pieces stop before a stop string and include the detokenizer's tail.
                                                 if !piece.text.isEmpty { FileHandle.standardOutput.write(Data(piece.text.utf8)) }
                                                 return true
                                             })
        for (index, promptSamples) in samples.enumerated() {
            for (i, sample) in promptSamples.enumerated() {
                if json {
                    print(try Self.json(sample, prompt: index))
                } else {
                    if !streaming { FileHandle.standardOutput.write(Data(sample.text.utf8)) }
                    // Separate samples so they can be told apart.
                    print(i + 1 < promptSamples.count || index + 1 < samples.count ? "\n---" : "")
                }
            }
        }
    }

    /// One prompt: a text, or a conversation from a `messages` line.
    struct Request {
        var text: String?
        var messages: [ChatMessage]?

        func ids(_ renderer: PromptRenderer, style: PromptStyle, system: String?) throws -> [Int] {
            if let messages { return try renderer.ids(messages: messages, style: style) }
            return try renderer.ids(prompt: text ?? "", style: style, system: system)
        }
    }

    func requests() throws -> [Request] {
        if let prompt { return [Request(text: prompt)] }
        guard let path = prompts else { return [] }
        let url = URL(fileURLWithPath: path)
        return try JSONLines.rows(of: url).map { row in
            if row.value("messages") != nil {
                return Request(messages: try row.messages("messages").map { ChatMessage(role: $0.role, content: $0.content) })
            }
            return Request(text: try row.string("prompt"))
        }
    }

    static func json(_ s: GeneratedSample, prompt: Int) throws -> String {
        var object: [String: Any] = [
            "prompt_index": prompt, "prompt_ids": s.promptIds, "ids": s.ids, "text": s.text,
            "logprobs": s.logprobs.map(Double.init), "finish_reason": s.finishReason.rawValue,
        ]
        if !s.topLogprobs.isEmpty {
            object["top_logprobs"] = s.topLogprobs.map { step in step.map { [$0.id, Double($0.logprob)] as [Any] } }
        }
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }
}
