import Base
import Foundation
import Preference

/// Answers as CSV, one row per answer and question (docs/human-evaluation.md §5), so a study
/// run elsewhere (a spreadsheet, another tool) can be analysed here and ours elsewhere.
/// Columns: annotator, item, prompt_index, question, option, favours_run, comment, seconds,
/// submitted_at. Import needs annotator, item, question and option; the rest are optional.
public enum StudyCSV {
    static let columns = ["annotator", "item", "prompt_index", "question", "option", "favours_run", "comment", "seconds", "submitted_at"]

    /// The study's answers as CSV text.
    public static func export(_ study: StudyStore) throws -> String {
        let items = Dictionary(uniqueKeysWithValues: try study.items().map { ($0.id, $0) })
        var out = columns.joined(separator: ",") + "\r\n"
        for answer in try study.answers() {
            for question in study.design.questions {
                guard let choice = answer.choices[question.id], let item = items[answer.item] else { continue }
                let side = question.options.first { $0.id == choice }?.side
                let run = side.flatMap { item.runs[$0] } ?? ""
                let fields = [answer.annotator, String(answer.item), String(item.promptIndex), question.id, choice, run, answer.comment,
                              answer.seconds.map { String($0) } ?? "", String(answer.submittedAt)]
                out += fields.map(quoted).joined(separator: ",") + "\r\n"
            }
        }
        return out
    }

    /// A field quoted when it holds a comma, quote or line break (RFC 4180).
    static func quoted(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// Reads answers from a CSV file for `study`, checking every row against it: the item must
    /// exist, the question and option must be the study's, and a `favours_run` cell must name the
    /// run this study shows on that side (a file from another study's draw is refused). Errors name the line.
    public static func read(_ url: URL, for study: StudyStore) throws -> [StoredAnswer] {
        let items = Dictionary(uniqueKeysWithValues: try study.items().map { ($0.id, $0) })
        let runLabels = Set(try study.runs().map(\.label))
        var header: [String: Int]?
        var grouped: [String: StoredAnswer] = [:]
        var firstLine: [String: Int] = [:]
        var order: [String] = []
        try CSVReader.forEachRecord(of: url) { record in
            let fields: [CSVField], line: Int
            switch record {
            case let .invalid(line, column, reason): throw StudyError.invalidImport(path: url.path, line: line, reason: "column \(column): \(reason)")
            case let .fields(f, l): (fields, line) = (f, l)
            }
            guard let columns = header else {
                var names: [String: Int] = [:]
                for (i, f) in fields.enumerated() { names[f.text.trimmingCharacters(in: .whitespaces)] = i }
                for required in ["annotator", "item", "question", "option"] where names[required] == nil {
                    throw StudyError.invalidImport(path: url.path, line: line, reason: "the header has no \(required) column")
                }
                header = names
                return
            }
            func cell(_ name: String) -> String? {
                columns[name].flatMap { $0 < fields.count ? fields[$0].text : nil }
            }
            func fail(_ reason: String) -> StudyError { .invalidImport(path: url.path, line: line, reason: reason) }
            let annotator = cell("annotator") ?? ""
            guard !annotator.isEmpty else { throw fail("the annotator is empty") }
            guard let itemID = Int(cell("item") ?? ""), let item = items[itemID] else {
                throw fail("item \"\(cell("item") ?? "")\" is not an item of this study (1…\(items.count))")
            }
            let questionID = cell("question") ?? "", choice = cell("option") ?? ""
            guard let question = study.design.questions.first(where: { $0.id == questionID }) else {
                throw fail("the study has no question \"\(questionID)\"")
            }
            guard let option = question.options.first(where: { $0.id == choice }) else {
                throw fail("question \"\(questionID)\" has no option \"\(choice)\"")
            }
            if let run = cell("favours_run"), !run.isEmpty {
                guard runLabels.contains(run) else { throw fail("unknown run label \"\(run)\" (the study's runs: \(runLabels.sorted().joined(separator: ", ")))") }
                let shown = option.side.flatMap { item.runs[$0] } ?? ""
                guard shown == run else {
                    throw fail("option \(choice) of item \(itemID) favours run \"\(shown.isEmpty ? "none" : shown)\" in this study, the file says \"\(run)\" (a file of another study?)")
                }
            }
            var seconds: Double?
            if let text = cell("seconds"), !text.isEmpty {
                guard let value = Double(text), value.isFinite, value >= 0 else { throw fail("seconds \"\(text)\" is not a number ≥ 0") }
                seconds = value
            }
            var submitted = Date().timeIntervalSince1970
            if let text = cell("submitted_at"), !text.isEmpty {
                guard let value = Double(text), value.isFinite else { throw fail("submitted_at \"\(text)\" is not a number") }
                submitted = value
            }
            let key = "\(annotator)\u{0}\(itemID)"
            if grouped[key] == nil {
                order.append(key)
                firstLine[key] = line
                grouped[key] = StoredAnswer(annotator: annotator, item: itemID, choices: [:], comment: "", seconds: seconds, submittedAt: submitted)
            }
            if let previous = grouped[key]!.choices[questionID], previous != choice {
                throw fail("annotator \(annotator) answered question \"\(questionID)\" of item \(itemID) twice (\(previous), \(choice))")
            }
            grouped[key]!.choices[questionID] = choice
            if grouped[key]!.comment.isEmpty, let comment = cell("comment") { grouped[key]!.comment = comment }
        }
        guard header != nil else { throw StudyError.invalidImport(path: url.path, line: 1, reason: "the file is empty") }
        // Each answer whole: every required question answered, the comment within the limit.
        for key in order {
            let answer = grouped[key]!
            do { try study.validate(choices: answer.choices, comment: answer.comment) } catch let StudyError.invalidAnswer(reason) {
                throw StudyError.invalidImport(path: url.path, line: firstLine[key]!,
                                               reason: "the answer of \(answer.annotator) to item \(answer.item): \(reason)")
            }
        }
        return order.map { grouped[$0]! }
    }
}
