import Foundation
import GRDB

/// One annotator's answer to one item.
public struct StoredAnswer: Hashable, Sendable {
    public var annotator: String
    public var item: Int
    /// Option id per question id, as the annotator chose them (sides as shown).
    public var choices: [String: String]
    public var comment: String
    /// From the item first being shown to the answer (nil for imported answers without it).
    public var seconds: Double?
    public var submittedAt: Double

    public init(annotator: String, item: Int, choices: [String: String], comment: String, seconds: Double?, submittedAt: Double) {
        self.annotator = annotator
        self.item = item
        self.choices = choices
        self.comment = comment
        self.seconds = seconds
        self.submittedAt = submittedAt
    }
}

/// What became of a submission.
public enum SubmissionOutcome: Equatable, Sendable {
    case recorded
    /// The item was answered before (back button, a second tab): the first answer stands.
    case alreadyRecorded
}

extension StudyStore {
    /// Records an answer in one committed transaction (docs/human-evaluation.md §3). The item must
    /// have been handed to the annotator; every required question needs one of its options, and
    /// the comment must fit the design's limit. A second submission for the same item changes nothing.
    @discardableResult
    public func submit(annotator: Annotator, item: Int, choices: [String: String], comment: String,
                       now: Double = Date().timeIntervalSince1970) throws -> SubmissionOutcome {
        try validate(choices: choices, comment: comment)
        let json = String(decoding: try JSONEncoder.sorted.encode(choices), as: UTF8.self)
        return try pool.write { db in
            guard let shown = try Double.fetchOne(db, sql: "SELECT first_shown_at FROM assignment WHERE annotator_id = ? AND item_id = ?",
                                                  arguments: [annotator.id, item]) else {
                throw StudyError.notAssigned(annotator: annotator.name, item: item)
            }
            guard try Int.fetchOne(db, sql: "SELECT 1 FROM answer WHERE annotator_id = ? AND item_id = ?", arguments: [annotator.id, item]) == nil else {
                return .alreadyRecorded
            }
            try db.execute(sql: "INSERT INTO answer (annotator_id, item_id, choices, comment, seconds, submitted_at) VALUES (?, ?, ?, ?, ?, ?)",
                           arguments: [annotator.id, item, json, comment, max(0, now - shown), now])
            return .recorded
        }
    }

    func validate(choices: [String: String], comment: String) throws {
        for key in choices.keys where !design.questions.contains(where: { $0.id == key }) {
            throw StudyError.invalidAnswer(reason: "the study has no question \"\(key)\"")
        }
        for question in design.questions {
            guard let choice = choices[question.id] else {
                if question.required { throw StudyError.invalidAnswer(reason: "question \"\(question.id)\" needs an answer") }
                continue
            }
            guard question.options.contains(where: { $0.id == choice }) else {
                throw StudyError.invalidAnswer(reason: "question \"\(question.id)\" has no option \"\(choice)\"")
            }
        }
        guard comment.count <= design.maxCommentCharacters else {
            throw StudyError.invalidAnswer(reason: "the comment has \(comment.count) characters, more than the study's limit of \(design.maxCommentCharacters)")
        }
    }

    /// Every answer, by annotator then item.
    public func answers() throws -> [StoredAnswer] {
        try pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT n.name, w.item_id, w.choices, w.comment, w.seconds, w.submitted_at
                FROM answer w JOIN annotator n ON n.id = w.annotator_id ORDER BY n.id, w.submitted_at, w.item_id
                """).map { row in
                let json: String = row["choices"]
                return StoredAnswer(annotator: row["name"], item: row["item_id"],
                                    choices: try JSONDecoder().decode([String: String].self, from: Data(json.utf8)),
                                    comment: row["comment"], seconds: row["seconds"], submittedAt: row["submitted_at"])
            }
        }
    }

    /// Adds answers made elsewhere (an exported or imported file): the annotator is created
    /// without a token when new, the item must exist, and an (annotator, item) pair already
    /// answered is left as it is. All or nothing, in one transaction. Returns the answers added.
    public func importAnswers(_ answers: [StoredAnswer], source: String) throws -> Int {
        for answer in answers {
            do { try validate(choices: answer.choices, comment: answer.comment) } catch let StudyError.invalidAnswer(reason) {
                throw StudyError.invalidArgument(name: "answer of \(answer.annotator) to item \(answer.item) from \(source)", reason: reason)
            }
        }
        return try pool.write { db in
            var added = 0
            for answer in answers {
                guard try Int.fetchOne(db, sql: "SELECT 1 FROM item WHERE id = ?", arguments: [answer.item]) != nil else {
                    throw StudyError.invalidArgument(name: "answer of \(answer.annotator) from \(source)", reason: "the study has no item \(answer.item)")
                }
                var id = try Int.fetchOne(db, sql: "SELECT id FROM annotator WHERE name = ?", arguments: [answer.annotator])
                if id == nil {
                    try db.execute(sql: "INSERT INTO annotator (name, created_at) VALUES (?, ?)", arguments: [answer.annotator, answer.submittedAt])
                    id = Int(db.lastInsertedRowID)
                }
                guard try Int.fetchOne(db, sql: "SELECT 1 FROM answer WHERE annotator_id = ? AND item_id = ?", arguments: [id, answer.item]) == nil else { continue }
                let shown = answer.submittedAt - (answer.seconds ?? 0)
                try db.execute(sql: "INSERT OR IGNORE INTO assignment (annotator_id, item_id, first_shown_at, leased_at) VALUES (?, ?, ?, ?)",
                               arguments: [id, answer.item, shown, shown])
                let json = String(decoding: try JSONEncoder.sorted.encode(answer.choices), as: UTF8.self)
                try db.execute(sql: "INSERT INTO answer (annotator_id, item_id, choices, comment, seconds, submitted_at) VALUES (?, ?, ?, ?, ?, ?)",
                               arguments: [id, answer.item, json, answer.comment, answer.seconds, answer.submittedAt])
                added += 1
            }
            return added
        }
    }
}
