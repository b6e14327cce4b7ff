/// A model's chat templates by name, as transformers 5 holds them (`tokenizer.chat_template` as a
/// dict): a model with one template has it under "default"; models such as Command-R also ship
/// named ones (`tool_use`, `rag`).
public struct NamedChatTemplates: Sendable, Equatable {
    public static let defaultName = "default"

    /// Template source by name.
    public var byName: [String: String]

    public init(_ byName: [String: String]) { self.byName = byName }

    /// A model's only template.
    public init(single source: String) { byName = [Self.defaultName: source] }

    /// The "default" template, when there is one.
    public var defaultTemplate: String? { byName[Self.defaultName] }

    /// The template `apply_chat_template` uses (transformers' `get_chat_template`): the one named
    /// `name`, else "default". Where transformers fails (no such name, or several templates and
    /// none called "default") the error lists the names there are.
    public func template(named name: String? = nil) throws -> String {
        if let source = byName[name ?? Self.defaultName] { return source }
        throw SelectionError(requested: name, available: byName.keys.sorted())
    }

    public struct SelectionError: Error, CustomStringConvertible, Equatable {
        public let requested: String?
        public let available: [String]
        public init(requested: String?, available: [String]) {
            self.requested = requested
            self.available = available
        }
        public var description: String {
            let names = available.map { "'\($0)'" }.joined(separator: ", ")
            if let requested, available.isEmpty { return "the model ships no chat template, so none named '\(requested)'" }
            if let requested { return "the model has no chat template named '\(requested)' (it has \(names))" }
            return "the model has several chat templates and none named 'default' (it has \(names)); choose one by name"
        }
    }
}
