/// A self-contained HTML page (inline CSS, inline SVG, no external resources) built from
/// sections. Every piece of text that is not explicitly raw markup is escaped.
public struct HTMLPage: Sendable {
    public var title: String
    private var body: [String] = []

    public init(title: String) {
        self.title = title
        body.append("<h1>\(Markup.escape(title))</h1>")
    }

    public mutating func heading(_ text: String) { body.append("<h2>\(Markup.escape(text))</h2>") }
    public mutating func paragraph(_ text: String) { body.append("<p>\(Markup.escape(text))</p>") }

    /// Trusted markup we generated ourselves (an SVG figure).
    public mutating func raw(_ markup: String) { body.append("<div class=\"figure\">\(markup)</div>") }

    /// A table of text cells; `headers` label the columns.
    public mutating func table(headers: [String], rows: [[String]]) {
        var out = "<table><thead><tr>" + headers.map { "<th>\(Markup.escape($0))</th>" }.joined() + "</tr></thead><tbody>\n"
        for row in rows { out += "<tr>" + row.map { "<td>\(Markup.escape($0))</td>" }.joined() + "</tr>\n" }
        body.append(out + "</tbody></table>")
    }

    /// Texts side by side: one column per `columns` entry, each cell a list of texts.
    public mutating func sideBySide(rowTitle: String, columns: [String], cells: [[String]]) {
        var out = "<div class=\"prompt\"><h3>\(Markup.escape(rowTitle))</h3><div class=\"columns\">"
        for (name, texts) in zip(columns, cells) {
            out += "<div class=\"column\"><h4>\(Markup.escape(name))</h4>"
                + texts.map { "<div class=\"sample\">\(Markup.escape($0))</div>" }.joined() + "</div>"
        }
        body.append(out + "</div></div>")
    }

    static let css = """
    body{font-family:Helvetica,Arial,sans-serif;margin:2em;color:#222;max-width:1400px}
    table{border-collapse:collapse;margin:1em 0;font-size:14px}
    th,td{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}
    th{background:#f4f4f4}
    .columns{display:flex;gap:1em;align-items:flex-start}
    .column{flex:1;min-width:0}
    .sample{white-space:pre-wrap;border:1px solid #ddd;background:#fafafa;padding:6px;margin:0 0 .6em;font-size:13px;max-height:24em;overflow:auto}
    .figure svg{max-width:100%;height:auto}
    .panels{display:flex;flex-wrap:wrap;gap:.5em}
    .panels svg{width:420px;max-width:100%;height:auto}
    """

    /// The sections so far, as markup (what a live page swaps in, docs/formats.md §4.5.3).
    public var sections: String { body.joined(separator: "\n") }

    public func render() -> String {
        document(body: sections)
    }

    /// The page with its sections inside `<div id=container>` and a script after them: a page that
    /// replaces the container's content as updates arrive.
    public func render(liveIn container: String, script: String) -> String {
        document(body: "<div id=\"\(Markup.escape(container))\">\n\(sections)\n</div>\n<script>\n\(script)\n</script>")
    }

    private func document(body: String) -> String {
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            + "<title>\(Markup.escape(title))</title>\n<style>\n\(Self.css)\n</style>\n</head>\n<body>\n" + body + "\n</body>\n</html>\n"
    }
}
