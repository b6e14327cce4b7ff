import Base
import Evaluation
import Foundation
import GRDB

/// A study on disk: one SQLite file in WAL mode (docs/human-evaluation.md §3). Every change is one
/// transaction committed with `synchronous = FULL` before the call returns, so a process killed
/// at any moment loses no answer it acknowledged.
public final class StudyStore: @unchecked Sendable {
    public let path: String
    public let design: StudyDesign
    public let seed: UInt64
    let pool: DatabasePool

    /// Opens an existing study. A missing file, a file that is not SQLite, a damaged one, another
    /// program's database and a study of a newer schema are refused with the reason.
    public init(path: String) throws {
        guard FileManager.default.fileExists(atPath: path) else { throw FileError(path: path, reason: "no such study file") }
        try Self.check(path: path)
        var configuration = Configuration()
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
            (design, seed) = try pool.read { db in
                guard let row = try Row.fetchOne(db, sql: "SELECT design, seed FROM study WHERE id = 1") else {
                    throw StudyError.notAStudy(path: path, reason: "the study table is empty")
                }
                let json: String = row["design"]
                let design = try JSONDecoder().decode(StudyDesign.self, from: Data(json.utf8))
                let seed: Int64 = row["seed"]
                return (design, UInt64(bitPattern: seed))
            }
        } catch let error as DatabaseError {
            throw StudyError.notAStudy(path: path, reason: error.message ?? "\(error)")
        } catch let error as DecodingError {
            throw StudyError.notAStudy(path: path, reason: "its design does not decode (\(error))")
        }
        self.path = path
    }

    /// Reads the file read-only (so a foreign database is never changed, not even its journal mode)
    /// and checks that it is a DivTune study this version reads.
    static func check(path: String) throws {
        var configuration = Configuration()
        configuration.readonly = true
        do {
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            try queue.read { db in
                let check = try String.fetchAll(db, sql: "PRAGMA quick_check")
                guard check == ["ok"] else {
                    throw StudyError.notAStudy(path: path, reason: "SQLite finds it damaged: \(check.prefix(3).joined(separator: "; "))")
                }
                let application = try Int32.fetchOne(db, sql: "PRAGMA application_id") ?? 0
                guard application == StudySchema.applicationID else {
                    throw StudyError.notAStudy(path: path, reason: "an SQLite database of another program (application_id \(application), a study has \(StudySchema.applicationID))")
                }
                let version = try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0
                guard version <= StudySchema.version else {
                    throw StudyError.unsupportedVersion(path: path, found: version, supported: StudySchema.version)
                }
            }
            try queue.close()
        } catch let error as DatabaseError {
            throw StudyError.notAStudy(path: path, reason: error.message ?? "\(error)")
        }
    }

    /// Writes a new study to `path`: built in a temporary file beside it and renamed into place,
    /// so `path` is either absent or a whole study. An existing file is refused unless `overwrite`.
    public static func create(at path: String, design: StudyDesign, runs: [RunSamples], items: [ItemDraft], seed: UInt64,
                              overwrite: Bool = false) throws {
        try design.validate()
        guard !items.isEmpty else { throw StudyError.invalidRuns(reason: "no items") }
        if FileManager.default.fileExists(atPath: path), !overwrite {
            throw FileError(path: path, reason: "already exists; pass --overwrite to replace it (its answers would be lost)")
        }
        let temporary = path + ".partial-\(ProcessInfo.processInfo.processIdentifier)"
        try? FileManager.default.removeItem(atPath: temporary)
        defer { try? FileManager.default.removeItem(atPath: temporary) }
        do {
            let queue = try DatabaseQueue(path: temporary)
            try queue.write { db in
                try StudySchema.create(db)
                let json = String(decoding: try JSONEncoder.sorted.encode(design), as: UTF8.self)
                try db.execute(sql: "INSERT INTO study (id, design, seed, created_at) VALUES (1, ?, ?, ?)",
                               arguments: [json, Int64(bitPattern: seed), Date().timeIntervalSince1970])
                for (position, run) in runs.enumerated() {
                    let metrics = try run.metrics.map { String(decoding: try JSONEncoder.sorted.encode($0), as: UTF8.self) }
                    try db.execute(sql: "INSERT INTO run (label, position, source, metrics) VALUES (?, ?, ?, ?)",
                                   arguments: [run.label, position, run.source, metrics])
                }
                var order = Array(items.indices)
                var rng = SeededGenerator(seed: seed, stream: 1)
                rng.shuffle(&order)
                for (position, i) in order.enumerated() {
                    let item = items[i]
                    try db.execute(sql: "INSERT INTO item (id, position, prompt, prompt_index) VALUES (?, ?, ?, ?)",
                                   arguments: [i + 1, position, item.prompt, item.promptIndex])
                    for side in StudyDesign.Side.allCases {
                        guard let run = item.runs[side], let stories = item.stories[side] else {
                            throw StudyError.invalidRuns(reason: "item \(i + 1) has no set \(side.rawValue)")
                        }
                        for (k, story) in stories.enumerated() {
                            try db.execute(sql: """
                                INSERT INTO story (item_id, side, position, run, sample_index, text, shown) VALUES (?, ?, ?, ?, ?, ?, ?)
                                """, arguments: [i + 1, side.rawValue, k + 1, run, story.sampleIndex, story.text, story.shown])
                        }
                    }
                }
            }
            try queue.close()
        } catch let error as DatabaseError {
            throw FileError(path: path, reason: "cannot write the study: \(error.message ?? "\(error)")")
        }
        if FileManager.default.fileExists(atPath: path) {
            for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        }
        guard rename(temporary, path) == 0 else {
            throw FileError(path: path, reason: "cannot move the new study into place (\(String(cString: strerror(errno))))")
        }
    }

    /// Runs as stored, in the order given at creation.
    public func runs() throws -> [StoredRun] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT label, source, metrics FROM run ORDER BY position").map { row in
                let metrics: String? = row["metrics"]
                return StoredRun(label: row["label"], source: row["source"],
                                 metrics: try metrics.map { try JSONDecoder().decode(RunMetrics.self, from: Data($0.utf8)) })
            }
        }
    }

    /// Every item with its two sets, by id.
    public func items() throws -> [StoredItem] {
        try pool.read { db in
            let stories = try Row.fetchAll(db, sql: "SELECT item_id, side, run, sample_index, shown FROM story ORDER BY item_id, side, position")
            var sets: [Int: [StudyDesign.Side: (run: String, stories: [StoredItem.Story])]] = [:]
            for row in stories {
                let id: Int = row["item_id"]
                guard let side = StudyDesign.Side(rawValue: row["side"]) else { continue }
                var set = sets[id]?[side] ?? (run: row["run"], stories: [])
                set.stories.append(StoredItem.Story(sampleIndex: row["sample_index"], shown: row["shown"]))
                sets[id, default: [:]][side] = set
            }
            return try Row.fetchAll(db, sql: "SELECT id, position, prompt, prompt_index FROM item ORDER BY id").map { row in
                let id: Int = row["id"]
                let set = sets[id] ?? [:]
                return StoredItem(id: id, position: row["position"], prompt: row["prompt"], promptIndex: row["prompt_index"],
                                  runs: set.mapValues(\.run), stories: set.mapValues(\.stories))
            }
        }
    }

    /// Closes the database (tests reopen the same file to check what survived).
    public func close() throws { try pool.close() }
}

/// A run of a stored study.
public struct StoredRun: Hashable, Sendable {
    public var label: String
    public var source: String
    public var metrics: RunMetrics?
}

/// An item as stored: its prompt and, per shown set, the run behind it and what the annotator reads.
public struct StoredItem: Hashable, Sendable {
    public struct Story: Hashable, Sendable {
        public var sampleIndex: Int
        public var shown: String
    }

    public var id: Int
    public var position: Int
    public var prompt: String
    public var promptIndex: Int
    public var runs: [StudyDesign.Side: String]
    public var stories: [StudyDesign.Side: [Story]]
}

extension JSONEncoder {
    /// Keys sorted, so stored JSON is byte-stable.
    static var sorted: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }
}
