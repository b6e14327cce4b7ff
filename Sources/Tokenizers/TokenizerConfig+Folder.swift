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

    /// The folder's template files, as paths relative to it paired with the template's name
    /// (`chat_template.jinja` is "default").
    public static func chatTemplatePaths(in folder: URL) -> [(path: String, name: String)] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent(chatTemplateFolder).path)) ?? []
        var paths = names.filter { $0.hasSuffix(".jinja") }.sorted()
            .map { (path: "\(chatTemplateFolder)/\($0)", name: String($0.dropLast(".jinja".count))) }
        if FileManager.default.fileExists(atPath: folder.appendingPathComponent(chatTemplateFile).path) {
            paths.append((chatTemplateFile, NamedChatTemplates.defaultName))
        }
        return paths
    }

    /// The folder's template files by name.
    static func chatTemplateFiles(in folder: URL) throws -> [String: String] {
        var templates: [String: String] = [:]
        for (path, name) in chatTemplatePaths(in: folder) { templates[name] = try read(folder.appendingPathComponent(path)) }
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
