import Foundation
import GRDB

/// Where an annotator stands: answers given and the most they will be asked for.
public struct AnnotatorProgress: Hashable, Sendable {
    public var answered: Int
    public var total: Int
}

extension StudyStore {
    /// The item `annotator` should answer now, handed out in one transaction (docs/human-evaluation.md §3):
    /// the annotator's own unanswered assignment if it is still theirs; else a new item they have
    /// never been given, among those whose answers plus live assignments fall short of
    /// `labelsPerItem` — the nearest to complete first, then in the study's random order. An
    /// assignment not answered within the timeout stops counting, so its item goes to someone else.
    /// nil when the annotator has answered `itemsPerAnnotator` items or no item needs them.
    public func nextItem(for annotator: Annotator, now: Double = Date().timeIntervalSince1970) throws -> Int? {
        let design = self.design
        let expiry = now - design.assignmentTimeoutSeconds
        return try pool.write { db -> Int? in
            let answered = try Int.fetchOne(db, sql: "SELECT count(*) FROM answer WHERE annotator_id = ?", arguments: [annotator.id]) ?? 0
            guard answered < design.itemsPerAnnotator else { return nil }
            // Labels an item has or is about to get, not counting `annotator`.
            let demand = """
                (SELECT count(*) FROM assignment s WHERE s.item_id = i.id AND s.annotator_id != :me AND (
                    EXISTS (SELECT 1 FROM answer w WHERE w.annotator_id = s.annotator_id AND w.item_id = s.item_id)
                    OR (s.released = 0 AND s.leased_at > :expiry)))
                """
            let arguments: StatementArguments = ["me": annotator.id, "expiry": expiry, "labels": design.labelsPerItem]
            if let open = try Row.fetchOne(db, sql: """
                SELECT a.item_id, a.leased_at, \(demand) AS demand FROM assignment a JOIN item i ON i.id = a.item_id
                WHERE a.annotator_id = :me AND a.released = 0
                  AND NOT EXISTS (SELECT 1 FROM answer w WHERE w.annotator_id = a.annotator_id AND w.item_id = a.item_id)
                ORDER BY a.first_shown_at LIMIT 1
                """, arguments: arguments) {
                let item: Int = open["item_id"], leased: Double = open["leased_at"], taken: Int = open["demand"]
                if leased > expiry || taken < design.labelsPerItem {
                    if leased <= expiry {
                        try db.execute(sql: "UPDATE assignment SET leased_at = ? WHERE annotator_id = ? AND item_id = ?",
                                       arguments: [now, annotator.id, item])
                    }
                    return item
                }
                // Expired and handed to others meanwhile: let it go (an answer to it is still accepted).
                try db.execute(sql: "UPDATE assignment SET released = 1 WHERE annotator_id = ? AND item_id = ?",
                               arguments: [annotator.id, item])
            }
            guard let item = try Int.fetchOne(db, sql: """
                SELECT i.id FROM item i
                WHERE NOT EXISTS (SELECT 1 FROM assignment a WHERE a.annotator_id = :me AND a.item_id = i.id)
                  AND \(demand) < :labels
                ORDER BY \(demand) DESC, i.position LIMIT 1
                """, arguments: arguments) else { return nil }
            try db.execute(sql: "INSERT INTO assignment (annotator_id, item_id, first_shown_at, leased_at) VALUES (?, ?, ?, ?)",
                           arguments: [annotator.id, item, now, now])
            return item
        }
    }

    /// Answers given and the number the annotator is asked for: `itemsPerAnnotator`, or all the items when there are fewer.
    public func progress(of annotator: Annotator) throws -> AnnotatorProgress {
        try pool.read { db in
            let answered = try Int.fetchOne(db, sql: "SELECT count(*) FROM answer WHERE annotator_id = ?", arguments: [annotator.id]) ?? 0
            let items = try Int.fetchOne(db, sql: "SELECT count(*) FROM item") ?? 0
            return AnnotatorProgress(answered: answered, total: min(design.itemsPerAnnotator, items))
        }
    }

    /// Whether `item` was handed to `annotator` (answered or not).
    public func isAssigned(item: Int, to annotator: Annotator) throws -> Bool {
        try pool.read { db in
            try Int.fetchOne(db, sql: "SELECT 1 FROM assignment WHERE annotator_id = ? AND item_id = ?", arguments: [annotator.id, item]) != nil
        }
    }
}
