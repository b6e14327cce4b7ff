import ArgumentParser
import EvaluationRuns
import Foundation
import Sampling

/// `evaluate run`'s options for sampling through an OpenAI-compatible server instead of a local
/// model (docs/methods.md §9). The API key is read from the environment variable the user names,
/// so it never stands on a command line or in a run folder.
struct OpenAIEndpointOptions: ParsableArguments {
    @Option(help: "Sample from an OpenAI-compatible server (vLLM, llama-server, divtune serve) at this base URL, e.g. http://127.0.0.1:8000/v1, instead of --model.")
    var openaiBaseUrl: String?
    @Option(help: "The model name the server is asked for (default: the server's own).") var openaiModel: String?
    @Option(help: "The environment variable holding the server's API key (the key itself is never recorded).") var apiKeyEnv: String?
    @Flag(help: "The paper's iterative prompting: sample j of a prompt sees the earlier ones and the instruction to write something far from them.")
    var iterative = false
    @Option(help: "Prompts requested from the server at the same time.") var openaiConcurrency = 4
    @Option(help: "Retries of a request that failed by timeout, refused connection, HTTP 408, 429 or 5xx.") var openaiRetries = 3
    @Option(help: "Seconds one request may take.") var openaiTimeout: Double = 3600

    func validate() throws {
        let given = [openaiModel.map { _ in "--openai-model" }, apiKeyEnv.map { _ in "--api-key-env" }, iterative ? "--iterative" : nil].compactMap { $0 }
        if openaiBaseUrl == nil, let flag = given.first { throw ValidationError("\(flag) needs --openai-base-url") }
        guard openaiConcurrency >= 1 else { throw ValidationError("--openai-concurrency must be ≥ 1") }
        guard openaiRetries >= 0 else { throw ValidationError("--openai-retries must be ≥ 0") }
        guard openaiTimeout > 0 else { throw ValidationError("--openai-timeout must be > 0") }
    }

    /// The generator for `--openai-base-url`; nil without it.
    func generator(system: String?, maxTokens: Int, sampling: SamplingParameters,
                   environment: [String: String] = ProcessInfo.processInfo.environment) throws -> OpenAISampleGenerator? {
        guard let openaiBaseUrl else { return nil }
        let endpoint = try ChatEndpointOptions.endpoint(baseURL: openaiBaseUrl, model: openaiModel, apiKeyEnv: apiKeyEnv,
                                                        retries: openaiRetries, timeout: openaiTimeout, environment: environment)
        return OpenAISampleGenerator(.init(endpoint: endpoint, system: system, maxTokens: maxTokens, sampling: sampling,
                                           iterative: iterative, concurrency: openaiConcurrency))
    }
}
