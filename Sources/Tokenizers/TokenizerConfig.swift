import Base
import Foundation

/// The parts of `tokenizer_config.json` DivTune uses: special-token strings, BOS/EOS policy and
/// the Jinja chat templates. Token fields may be a string or an added-token object
/// (`{"content": "<s>", …}`); `chat_template` may be a string (the "default" template) or a list
/// of `{name, template}`, as transformers reads them. A folder's `chat_template.jinja` replaces
/// this field: see `TokenizerConfig(folder:)`.
public struct TokenizerConfig: Decodable, Sendable, Equatable {
    public var bosToken: String?
    public var eosToken: String?
    public var padToken: String?
    public var unkToken: String?
    public var addBosToken: Bool?
    public var addEosToken: Bool?
    public var modelMaxLength: Int?
    public var chatTemplates: NamedChatTemplates?

    /// The "default" chat template (the only one, for most models).
    public var chatTemplate: String? { chatTemplates?.defaultTemplate }

    /// The special tokens transformers passes to chat templates (its `special_tokens_map`), as the
    /// configured strings: a template may write `bos_token` whether or not it is one token.
    public var templateSpecialTokens: [String: String] {
        ["bos_token": bosToken, "eos_token": eosToken, "unk_token": unkToken, "pad_token": padToken].compactMapValues { $0 }
    }

    public init(bosToken: String? = nil, eosToken: String? = nil, padToken: String? = nil, unkToken: String? = nil,
                addBosToken: Bool? = nil, addEosToken: Bool? = nil, modelMaxLength: Int? = nil, chatTemplate: String? = nil) {
        self.bosToken = bosToken
        self.eosToken = eosToken
        self.padToken = padToken
        self.unkToken = unkToken
        self.addBosToken = addBosToken
        self.addEosToken = addEosToken
        self.modelMaxLength = modelMaxLength
        self.chatTemplates = chatTemplate.map(NamedChatTemplates.init(single:))
    }

    /// Reads `tokenizer_config.json`.
    public init(url: URL) throws {
        guard let data = try? Data(contentsOf: url) else { throw TokenizerError.missingFile(path: url.path) }
        do { self = try JSONDecoder().decode(TokenizerConfig.self, from: data) } catch {
            throw TokenizerError.from(error, source: url.path)
        }
        if let key = JSONDuplicateKeys.first(in: data) { throw TokenizerError.invalid(source: url.path, field: key, reason: "appears twice in one object") }
    }

    private struct TokenObject: Decodable { let content: String }
    private struct NamedTemplate: Decodable { let name: String; let template: String }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: JSONKey.self)
        func token(_ key: String) throws -> String? {
            let k = JSONKey(key)
            guard c.contains(k), try !c.decodeNil(forKey: k) else { return nil }
            if let s = try? c.decode(String.self, forKey: k) { return s }
            return try c.decode(TokenObject.self, forKey: k).content
        }
        bosToken = try token("bos_token")
        eosToken = try token("eos_token")
        padToken = try token("pad_token")
        unkToken = try token("unk_token")
        addBosToken = try c.value("add_bos_token", default: nil)
        addEosToken = try c.value("add_eos_token", default: nil)
        // Some files store 1e30-like sentinels here; keep only representable lengths.
        modelMaxLength = (try? c.decodeIfPresent(Int.self, forKey: JSONKey("model_max_length"))) ?? nil
        let k = JSONKey("chat_template")
        if c.contains(k), try !c.decodeNil(forKey: k) {
            if let s = try? c.decode(String.self, forKey: k) {
                chatTemplates = NamedChatTemplates(single: s)
            } else {
                let list = try c.decode([NamedTemplate].self, forKey: k)
                chatTemplates = NamedChatTemplates(Dictionary(list.map { ($0.name, $0.template) }) { _, last in last })
            }
        }
    }
}
