import Foundation
import GRDB

/// An annotator of a study (their token is never stored, only its SHA-256).
public struct Annotator: Hashable, Sendable {
    public var id: Int
    public var name: String
}

extension StudyStore {
    /// Adds an annotator and returns their secret token, which is shown once (docs/human-evaluation.md §3).
    public func invite(name: String) throws -> String {
        let name = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !name.isEmpty, name.count <= 200 else {
            throw StudyError.invalidArgument(name: "annotator name", reason: "must have 1 to 200 characters")
        }
        let token = AnnotatorToken.generate()
        try pool.write { db in
            guard try Int.fetchOne(db, sql: "SELECT 1 FROM annotator WHERE name = ?", arguments: [name]) == nil else {
                throw StudyError.duplicateAnnotator(name: name)
            }
            try db.execute(sql: "INSERT INTO annotator (name, token_sha256, created_at) VALUES (?, ?, ?)",
                           arguments: [name, AnnotatorToken.hash(token), Date().timeIntervalSince1970])
        }
        return token
    }

    /// The annotator a token belongs to; `StudyError.unknownToken` for any other string.
    public func annotator(token: String?) throws -> Annotator {
        guard let token, !token.isEmpty, token.count <= 256 else { throw StudyError.unknownToken }
        let row = try pool.read { db in
            try Row.fetchOne(db, sql: "SELECT id, name FROM annotator WHERE token_sha256 = ?", arguments: [AnnotatorToken.hash(token)])
        }
        guard let row else { throw StudyError.unknownToken }
        return Annotator(id: row["id"], name: row["name"])
    }

    /// Every annotator, in the order they were added.
    public func annotators() throws -> [Annotator] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT id, name FROM annotator ORDER BY id").map { Annotator(id: $0["id"], name: $0["name"]) }
        }
    }
}
