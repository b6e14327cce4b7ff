import ArgumentParser
import EvaluationRuns
import Foundation
import Sampling

/// `evaluate run`'s options for sampling through an OpenAI-compatible server instead of a local
/// model (docs/methods.md §9): the server's (``ChatEndpointOptions``), the papers' iterative
/// prompting and how many prompts are requested at once.
struct OpenAIEndpointOptions: ParsableArguments {
    @OptionGroup var server: ChatEndpointOptions
    @Flag(help: "The paper's iterative prompting: sample j of a prompt sees the earlier ones and the instruction to write something far from them.")
    var iterative = false
    @Option(help: "Prompts requested from the server at the same time.") var openaiConcurrency = 4

    var openaiBaseUrl: String? { server.openaiBaseUrl }

    func validate() throws {
        if iterative && openaiBaseUrl == nil { throw ValidationError("--iterative needs --openai-base-url") }
        guard openaiConcurrency >= 1 else { throw ValidationError("--openai-concurrency must be ≥ 1") }
    }

    /// The generator for `--openai-base-url`; nil without it.
    func generator(system: String?, maxTokens: Int, sampling: SamplingParameters,
                   environment: [String: String] = ProcessInfo.processInfo.environment) throws -> OpenAISampleGenerator? {
        guard let endpoint = try server.endpoint(environment: environment) else { return nil }
        return OpenAISampleGenerator(.init(endpoint: endpoint, system: system, maxTokens: maxTokens, sampling: sampling,
                                           iterative: iterative, concurrency: openaiConcurrency))
    }
}
