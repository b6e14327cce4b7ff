import Foundation
import Reports

/// The study's progress for whoever runs it (docs/human-evaluation.md §7): per annotator and per item.
enum AdminPage {
    static func render(_ progress: StudyProgress, design: StudyDesign) -> String {
        let answers = progress.items.reduce(0) { $0 + $1.answers }
        let complete = progress.items.filter { $0.answers >= design.labelsPerItem }.count
        var body = "<h1>Study progress</h1>\n<p>\(answers) answers of \(progress.items.count * design.labelsPerItem) wanted; "
            + "\(complete) of \(progress.items.count) items have their \(design.labelsPerItem) labels.</p>\n"
        body += "<h2>Annotators</h2>\n<table><tr><th>Annotator</th><th>Answered</th><th>Open</th><th>Last answer (UTC)</th></tr>\n"
        let format = ISO8601DateFormatter()
        for a in progress.annotators {
            let last = a.lastAnswerAt.map { format.string(from: Date(timeIntervalSince1970: $0)) } ?? "—"
            body += "<tr><td>\(Markup.escape(a.name))</td><td>\(a.answered) / \(design.itemsPerAnnotator)</td><td>\(a.open)</td><td>\(last)</td></tr>\n"
        }
        body += "</table>\n<h2>Items</h2>\n<table><tr><th>Item</th><th>Prompt</th><th>Answers</th><th>Open</th></tr>\n"
        for item in progress.items {
            let prompt = item.prompt.count > 80 ? String(item.prompt.prefix(80)) + "…" : item.prompt
            body += "<tr><td>\(item.id)</td><td>\(Markup.escape(prompt))</td><td>\(item.answers) / \(design.labelsPerItem)</td><td>\(item.open)</td></tr>\n"
        }
        body += "</table>\n"
        return AnnotatorPages.document(title: "Study progress", body: body)
    }
}
