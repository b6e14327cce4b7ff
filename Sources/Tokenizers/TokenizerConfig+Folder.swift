import Foundation

extension TokenizerConfig {
    /// transformers 5 saves a single template as this file next to tokenizer_config.json…
    public static let chatTemplateFile = "chat_template.jinja"
    /// …and further named templates as `<name>.jinja` in this folder.
    public static let chatTemplateFolder = "additional_chat_templates"

    /// The configuration a model folder gives transformers 5 (`PreTrainedTokenizerBase._from_pretrained`):
    /// `tokenizer_config.json`, whose `chat_template` is replaced by the template files when there
    /// are any — `chat_template.jinja` as "default" and `additional_chat_templates/<name>.jinja`.
    /// Nil when the folder has neither.
    public init?(folder: URL) throws {
        let configURL = folder.appendingPathComponent("tokenizer_config.json")
        let hasConfig = FileManager.default.fileExists(atPath: configURL.path)
        var config = hasConfig ? try TokenizerConfig(url: configURL) : TokenizerConfig()
        let files = try Self.chatTemplateFiles(in: folder)
        guard hasConfig || !files.isEmpty else { return nil }
        if !files.isEmpty { config.chatTemplates = NamedChatTemplates(files) }
        self = config
    }

    /// The folder's template files by name.
    static func chatTemplateFiles(in folder: URL) throws -> [String: String] {
        var templates: [String: String] = [:]
        let named = folder.appendingPathComponent(chatTemplateFolder)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: named.path)) ?? []
        for file in names where file.hasSuffix(".jinja") {
            templates[String(file.dropLast(".jinja".count))] = try read(named.appendingPathComponent(file))
        }
        let single = folder.appendingPathComponent(chatTemplateFile)
        if FileManager.default.fileExists(atPath: single.path) { templates[NamedChatTemplates.defaultName] = try read(single) }
        return templates
    }

    private static func read(_ url: URL) throws -> String {
        guard let data = FileManager.default.contents(atPath: url.path) else { throw TokenizerError.missingFile(path: url.path) }
        guard let text = String(data: data, encoding: .utf8) else {
            throw TokenizerError.invalid(source: url.path, field: "(file)", reason: "not UTF-8 text")
        }
        return text
    }
}
