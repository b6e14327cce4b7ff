import Foundation
import GRDB

/// What the admin page shows: per annotator and per item, answers and open assignments.
public struct StudyProgress: Hashable, Sendable {
    public struct AnnotatorRow: Hashable, Sendable {
        public var name: String
        public var answered: Int
        /// Items handed out, not answered, lease still running.
        public var open: Int
        public var lastAnswerAt: Double?
    }

    public struct ItemRow: Hashable, Sendable {
        public var id: Int
        public var prompt: String
        public var answers: Int
        public var open: Int
    }

    public var annotators: [AnnotatorRow]
    public var items: [ItemRow]
}

extension StudyStore {
    public func studyProgress(now: Double = Date().timeIntervalSince1970) throws -> StudyProgress {
        let expiry = now - design.assignmentTimeoutSeconds
        let live = """
            a.released = 0 AND a.leased_at > :expiry
            AND NOT EXISTS (SELECT 1 FROM answer w WHERE w.annotator_id = a.annotator_id AND w.item_id = a.item_id)
            """
        return try pool.read { db in
            let annotators = try Row.fetchAll(db, sql: """
                SELECT n.name,
                       (SELECT count(*) FROM answer w WHERE w.annotator_id = n.id) AS answered,
                       (SELECT count(*) FROM assignment a WHERE a.annotator_id = n.id AND \(live)) AS open,
                       (SELECT max(submitted_at) FROM answer w WHERE w.annotator_id = n.id) AS last
                FROM annotator n ORDER BY n.id
                """, arguments: ["expiry": expiry]).map {
                StudyProgress.AnnotatorRow(name: $0["name"], answered: $0["answered"], open: $0["open"], lastAnswerAt: $0["last"])
            }
            let items = try Row.fetchAll(db, sql: """
                SELECT i.id, i.prompt,
                       (SELECT count(*) FROM answer w WHERE w.item_id = i.id) AS answers,
                       (SELECT count(*) FROM assignment a WHERE a.item_id = i.id AND \(live)) AS open
                FROM item i ORDER BY i.id
                """, arguments: ["expiry": expiry]).map {
                StudyProgress.ItemRow(id: $0["id"], prompt: $0["prompt"], answers: $0["answers"], open: $0["open"])
            }
            return StudyProgress(annotators: annotators, items: items)
        }
    }
}
