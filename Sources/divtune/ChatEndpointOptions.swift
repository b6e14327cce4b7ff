import ArgumentParser
import EvaluationRuns
import Foundation

/// The options of running on an OpenAI-compatible server instead of a local model, for `create`
/// and (within ``OpenAIEndpointOptions``) `evaluate run`. The API key is read from the environment
/// variable the user names, so it never stands on a command line or in a run folder.
struct ChatEndpointOptions: ParsableArguments {
    @Option(help: "Use an OpenAI-compatible server (divtune serve, vLLM, llama-server, OpenAI) at this base URL, e.g. http://127.0.0.1:8000/v1, instead of --model.")
    var openaiBaseUrl: String?
    @Option(help: "The model name the server is asked for (default: the server's own).") var openaiModel: String?
    @Option(help: "The environment variable holding the server's API key (the key itself is never recorded).") var apiKeyEnv: String?
    @Option(help: "Retries of a request that failed by timeout, refused connection, HTTP 408, 429 or 5xx.") var openaiRetries = 3
    @Option(help: "Seconds one request may take.") var openaiTimeout: Double = 3600

    func validate() throws {
        let given = [openaiModel.map { _ in "--openai-model" }, apiKeyEnv.map { _ in "--api-key-env" }].compactMap { $0 }
        if openaiBaseUrl == nil, let flag = given.first { throw ValidationError("\(flag) needs --openai-base-url") }
        guard openaiRetries >= 0 else { throw ValidationError("--openai-retries must be ≥ 0") }
        guard openaiTimeout > 0 else { throw ValidationError("--openai-timeout must be > 0") }
    }

    /// The endpoint for `--openai-base-url`; nil without it.
    func endpoint(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> ChatCompletionsEndpoint? {
        guard let openaiBaseUrl else { return nil }
        return try Self.endpoint(baseURL: openaiBaseUrl, model: openaiModel, apiKeyEnv: apiKeyEnv, retries: openaiRetries,
                                 timeout: openaiTimeout, environment: environment)
    }

    /// An endpoint with the key read from `apiKeyEnv`; errors name the flag.
    static func endpoint(baseURL: String, model: String?, apiKeyEnv: String?, retries: Int, timeout: Double,
                         environment: [String: String]) throws -> ChatCompletionsEndpoint {
        var apiKey: String?
        if let apiKeyEnv {
            guard let key = environment[apiKeyEnv], !key.isEmpty else {
                throw ValidationError("--api-key-env \(apiKeyEnv): the environment variable \(apiKeyEnv) is not set or empty")
            }
            apiKey = key
        }
        do {
            return try ChatCompletionsEndpoint(baseURL: baseURL, model: model, apiKey: apiKey, retries: retries, timeout: timeout)
        } catch let error as InvalidEndpointURL {
            throw ValidationError("--openai-base-url \(error)")
        }
    }
}
