/// The largest request the server accepts, per field (docs/formats.md §5.4). A request over a
/// limit is answered 400 naming the field, the limit and the `serve` option that sets it, instead
/// of tying up the single worker (a 16-choice, 8k-token request takes minutes on a CPU).
public struct RequestLimits: Sendable, Equatable {
    /// Most choices (`n`) per request (`--max-n`); each is a full generation.
    public var maxChoices: Int
    /// Most new tokens per choice (`max_tokens` / `max_completion_tokens`, `--max-tokens`); nil: the
    /// model's context length.
    public var maxTokens: Int?
    /// Most prompt tokens after the chat template (`--max-prompt-tokens`); nil: the context length − 1
    /// (one position is left for the first new token).
    public var maxPromptTokens: Int?
    /// Most `stop` strings (`--max-stop`; OpenAI's limit is 4).
    public var maxStopStrings: Int
    /// Longest `stop` string in characters (`--max-stop-length`); the generator matches every stop
    /// string against the text's tail after each token.
    public var maxStopLength: Int

    public init(maxChoices: Int = 16, maxTokens: Int? = nil, maxPromptTokens: Int? = nil, maxStopStrings: Int = 4,
                maxStopLength: Int = 256) {
        self.maxChoices = maxChoices
        self.maxTokens = maxTokens
        self.maxPromptTokens = maxPromptTokens
        self.maxStopStrings = maxStopStrings
        self.maxStopLength = maxStopLength
    }

    /// The new-token limit for a model with `contextLength` positions.
    func tokenLimit(contextLength: Int) -> Int { maxTokens ?? contextLength }

    /// The prompt-token limit for a model with `contextLength` positions.
    func promptLimit(contextLength: Int) -> Int { maxPromptTokens ?? contextLength - 1 }

    /// Refuses limits below 1, and a prompt limit the model cannot honour (at or over its context).
    func validate(contextLength: Int) throws {
        let options = [("--max-n", maxChoices), ("--max-tokens", tokenLimit(contextLength: contextLength)),
                       ("--max-prompt-tokens", promptLimit(contextLength: contextLength)),
                       ("--max-stop", maxStopStrings), ("--max-stop-length", maxStopLength)]
        for (option, value) in options where value < 1 {
            throw APIError(status: .badRequest, message: "\(option) must be ≥ 1, got \(value)")
        }
        guard promptLimit(contextLength: contextLength) < contextLength else {
            throw APIError(status: .badRequest, message: "--max-prompt-tokens must be below the model's context length "
                           + "\(contextLength), got \(promptLimit(contextLength: contextLength))")
        }
    }

    /// 400 for `field` over `limit` (set by `option`).
    static func exceeded(_ field: String, _ value: Int, limit: Int, option: String, unit: String = "") -> APIError {
        APIError.invalid(field, "must be at most \(limit)\(unit) on this server (serve \(option)), got \(value)")
    }
}
