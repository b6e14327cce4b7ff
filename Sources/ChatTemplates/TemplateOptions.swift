/// Whitespace handling of the Jinja lexer (jinja2 `Environment` options of the same names).
///
/// Jinja's own defaults are all `false`; transformers compiles chat templates with
/// `trim_blocks=True, lstrip_blocks=True` (`transformers/utils/chat_template_utils.py`,
/// `_compile_jinja_template`), which is `TemplateOptions.chatTemplate`, the default of `ChatTemplate`.
public struct TemplateOptions: Sendable, Equatable {
    /// Remove the first newline after a block or comment tag (`%}` / `#}`).
    public var trimBlocks: Bool
    /// Remove spaces and tabs from the start of a line up to a block or comment tag.
    public var lstripBlocks: Bool
    /// Keep a single trailing newline of the source (jinja2 drops it by default).
    public var keepTrailingNewline: Bool

    public init(trimBlocks: Bool = false, lstripBlocks: Bool = false, keepTrailingNewline: Bool = false) {
        self.trimBlocks = trimBlocks
        self.lstripBlocks = lstripBlocks
        self.keepTrailingNewline = keepTrailingNewline
    }

    /// Plain Jinja2 defaults.
    public static let jinja = TemplateOptions()
    /// What transformers' `apply_chat_template` uses.
    public static let chatTemplate = TemplateOptions(trimBlocks: true, lstripBlocks: true)
}
