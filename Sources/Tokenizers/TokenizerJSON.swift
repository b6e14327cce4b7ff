import Foundation

/// The Codable schema of a Hugging Face `tokenizer.json` (docs/formats.md §2.4): every stage is an
/// object with a `"type"` discriminator, or null. Unknown keys are ignored; unknown types and
/// mistyped fields throw `TokenizerError` naming the JSON path. `padding` is not read (batching is
/// the caller's business).
struct TokenizerJSON: Decodable, Sendable {
    var addedTokens: [AddedToken]
    var normalizer: NormalizerConfig?
    var preTokenizer: PreTokenizerConfig?
    var model: ModelConfig
    var postProcessor: PostProcessorConfig?
    var decoder: DecoderConfig?
    var truncation: Truncation?

    enum CodingKeys: String, CodingKey {
        case addedTokens = "added_tokens", normalizer, preTokenizer = "pre_tokenizer", model
        case postProcessor = "post_processor", decoder, truncation
    }

    init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        addedTokens = try c.decodeIfPresent([AddedToken].self, forKey: .addedTokens) ?? []
        normalizer = try c.decodeIfPresent(NormalizerConfig.self, forKey: .normalizer)
        preTokenizer = try c.decodeIfPresent(PreTokenizerConfig.self, forKey: .preTokenizer)
        model = try c.decode(ModelConfig.self, forKey: .model)
        postProcessor = try c.decodeIfPresent(PostProcessorConfig.self, forKey: .postProcessor)
        self.decoder = try c.decodeIfPresent(DecoderConfig.self, forKey: .decoder)
        truncation = try c.decodeIfPresent(Truncation.self, forKey: .truncation)
    }

    init(addedTokens: [AddedToken], normalizer: NormalizerConfig?, preTokenizer: PreTokenizerConfig?, model: ModelConfig,
         postProcessor: PostProcessorConfig?, decoder: DecoderConfig?) {
        self.addedTokens = addedTokens
        self.normalizer = normalizer
        self.preTokenizer = preTokenizer
        self.model = model
        self.postProcessor = postProcessor
        self.decoder = decoder
        truncation = nil
    }
}

/// `tokenizer.json` `"truncation"` (single sequences: keep the first `maxLength` ids, or the last
/// ones when `direction` is `Left`).
public struct Truncation: Decodable, Sendable, Equatable {
    public var maxLength: Int
    public var fromLeft: Bool

    public init(maxLength: Int, fromLeft: Bool = false) {
        self.maxLength = maxLength
        self.fromLeft = fromLeft
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: JSONKey.self)
        maxLength = try c.value("max_length")
        fromLeft = try c.value("direction", default: "Right") == "Left"
    }
}
