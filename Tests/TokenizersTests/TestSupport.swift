import Base
import Foundation
import Tokenizers

/// The default models (docs/formats.md): a missing one fails with the command that fetches it.
let testModels = ModelCache.forRepository(containing: #filePath)

let smolLM2Path = testModels.url(ModelCache.smolLM2).path
let miniLMTokenizerURL = testModels.url("all-MiniLM-L6-v2/tokenizer.json")

func fixtureURL(_ name: String) -> URL? {
    Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Fixtures")
}

/// SmolLM2's GGUF tokenizer metadata, read once.
enum SmolLM2 {
    static let metadata: GGUFTestReader? = try? GGUFTestReader(path: smolLM2Path)

    /// The tokenizer as the Models target builds it from the GGUF (nil when the model is not fetched;
    /// a construction error is kept so the tests report it).
    static let built: Result<PreTrainedTokenizer, Error>? = {
        guard let m = metadata, let tokens = m.strings("tokenizer.ggml.tokens") else { return nil }
        return Result { try PreTrainedTokenizer.fromGGUF(
            model: m.string("tokenizer.ggml.model") ?? "?", tokens: tokens, merges: m.strings("tokenizer.ggml.merges") ?? [],
            tokenTypes: m.ints("tokenizer.ggml.token_type") ?? [], pre: m.string("tokenizer.ggml.pre"),
            bosTokenId: m.int("tokenizer.ggml.bos_token_id"), eosTokenId: m.int("tokenizer.ggml.eos_token_id"),
            unknownTokenId: m.int("tokenizer.ggml.unknown_token_id"), paddingTokenId: m.int("tokenizer.ggml.padding_token_id"),
            addBos: m.bool("tokenizer.ggml.add_bos_token"), chatTemplate: m.string("tokenizer.chat_template"), source: smolLM2Path) }
    }()

    static var tokenizer: PreTrainedTokenizer? { get throws { try built?.get() } }

    /// A `tokenizer.json` holding SmolLM2's vocabulary, merges and added tokens with the given
    /// pre-tokenizer (JSON object) — how the tests exercise the JSON path on a real vocabulary.
    static func tokenizerJSON(preTokenizer: Any, ignoreMerges: Bool, mergesAsPairs: Bool) throws -> Data? {
        guard let m = metadata, let tokens = m.strings("tokenizer.ggml.tokens"), let merges = m.strings("tokenizer.ggml.merges"),
              let types = m.ints("tokenizer.ggml.token_type") else { return nil }
        var vocab: [String: Int] = [:]
        for (i, t) in tokens.enumerated() { vocab[t] = i }
        let added: [[String: Any]] = types.enumerated().filter { $0.element == 3 }.map {
            ["id": $0.offset, "content": tokens[$0.offset], "special": true, "normalized": false,
             "lstrip": false, "rstrip": false, "single_word": false]
        }
        let mergeList: [Any] = mergesAsPairs ? merges.map { $0.split(separator: " ").map(String.init) } : merges
        let json: [String: Any] = [
            "version": "1.0", "truncation": NSNull(), "padding": NSNull(), "added_tokens": added, "normalizer": NSNull(),
            "pre_tokenizer": preTokenizer,
            "post_processor": ["type": "ByteLevel", "add_prefix_space": true, "trim_offsets": false, "use_regex": true],
            "decoder": ["type": "ByteLevel", "add_prefix_space": true, "trim_offsets": true, "use_regex": true],
            "model": ["type": "BPE", "dropout": NSNull(), "unk_token": NSNull(), "continuing_subword_prefix": "",
                      "end_of_word_suffix": "", "fuse_unk": false, "byte_fallback": false, "ignore_merges": ignoreMerges,
                      "vocab": vocab, "merges": mergeList],
        ]
        return try JSONSerialization.data(withJSONObject: json)
    }
}

/// `Tests/TokenizersTests/Fixtures/bpe_cases.json` (scripts/reference/tokenizers_reference.py).
struct BPEFixture: Decodable {
    struct Case: Decodable { let ids: [Int]; let decoded: String; let decoded_skip: String }
    struct Variant: Decodable { let ignore_merges: Bool; let cases: [Case] }
    let strings: [String]
    let added_tokens: [String]
    let variants: [String: Variant]
    let gguf_import_differs: [Int]

    static func load() throws -> BPEFixture? {
        guard let url = fixtureURL("bpe_cases") else { return nil }
        return try JSONDecoder().decode(BPEFixture.self, from: Data(contentsOf: url))
    }

    /// The variant's `pre_tokenizer` as a JSON object (kept untyped to re-serialize it).
    static func preTokenizerJSON(_ variant: String) throws -> Any? {
        guard let url = fixtureURL("bpe_cases"),
              let root = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any],
              let variants = root["variants"] as? [String: Any], let v = variants[variant] as? [String: Any] else { return nil }
        return v["pre_tokenizer"]
    }
}
