import Base
import Foundation

/// One row of labelled ideas for `divtune judge` (docs/formats.md §3.9): an `idea`, its `label`
/// (`good` or `bad`, the expert's verdict) and the string fields a template may name (`brand`,
/// `problem`, …). Other keys (a reason, an id) are carried along and ignored.
public struct LabelledIdea: Sendable, Equatable {
    public var idea: String
    public var isGood: Bool
    /// Every string field of the row, `idea` included (a template fills its placeholders from these).
    public var fields: [String: String]
    /// The file and line it came from.
    public var path: String
    public var line: Int

    public var label: String { isGood ? "good" : "bad" }

    /// Reads a labelled file, checking that every row has the fields `template` names.
    public static func read(file: URL, template: JudgeTemplate) throws -> [LabelledIdea] {
        let needed = template.fields.filter { !["idea_a", "idea_b"].contains($0) } + (template.mode == .pairwise ? ["idea"] : [])
        let rows = try JSONLines.rows(of: file)
        guard !rows.isEmpty else { throw FileError(path: file.path, reason: "no labelled ideas") }
        return try rows.map { row in
            let label = try row.string("label")
            guard label == "good" || label == "bad" else {
                throw row.error("must be \"good\" or \"bad\", found \"\(label)\"", field: "label")
            }
            var fields: [String: String] = [:]
            for (key, value) in row.object { if case .string(let s) = value { fields[key] = s } }
            for name in needed where fields[name] == nil {
                _ = try row.string(name)  // names the field: missing, or not a string
            }
            return LabelledIdea(idea: fields["idea"]!, isGood: label == "good", fields: fields, path: row.path, line: row.line)
        }
    }
}
