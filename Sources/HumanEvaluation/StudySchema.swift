import GRDB

/// The study file's tables (docs/human-evaluation.md §3). A study is marked by SQLite's
/// `application_id` so another program's database is refused, and carries its schema version in
/// `user_version` so a newer DivTune's study is refused rather than misread.
enum StudySchema {
    /// "DVHE" in ASCII.
    static let applicationID: Int32 = 0x4456_4845
    static let version = 1

    static func create(_ db: Database) throws {
        try db.execute(sql: """
            PRAGMA application_id = \(applicationID);
            PRAGMA user_version = \(version);
            CREATE TABLE study (
                id INTEGER PRIMARY KEY CHECK (id = 1),
                design TEXT NOT NULL,            -- StudyDesign as JSON: questions, options, sizes
                seed INTEGER NOT NULL,
                created_at REAL NOT NULL
            );
            CREATE TABLE run (
                label TEXT PRIMARY KEY,
                position INTEGER NOT NULL UNIQUE,
                source TEXT NOT NULL,            -- the samples file it was read from
                metrics TEXT                     -- the run's metrics.json, when it had one
            );
            CREATE TABLE item (
                id INTEGER PRIMARY KEY,
                position INTEGER NOT NULL UNIQUE, -- hand-out order (random)
                prompt TEXT NOT NULL,
                prompt_index INTEGER NOT NULL
            );
            CREATE TABLE story (
                item_id INTEGER NOT NULL REFERENCES item(id),
                side TEXT NOT NULL CHECK (side IN ('A', 'B')),  -- the set as shown
                position INTEGER NOT NULL,       -- 1-based within the set
                run TEXT NOT NULL REFERENCES run(label),
                sample_index INTEGER NOT NULL,
                text TEXT NOT NULL,
                shown TEXT NOT NULL,             -- what the annotator reads: capped text or summary
                PRIMARY KEY (item_id, side, position)
            );
            CREATE TABLE annotator (
                id INTEGER PRIMARY KEY,
                name TEXT NOT NULL UNIQUE,
                token_sha256 TEXT UNIQUE,        -- NULL for annotators of an imported study
                created_at REAL NOT NULL
            );
            CREATE TABLE assignment (
                annotator_id INTEGER NOT NULL REFERENCES annotator(id),
                item_id INTEGER NOT NULL REFERENCES item(id),
                first_shown_at REAL NOT NULL,
                leased_at REAL NOT NULL,         -- renewed when an expired lease is taken up again
                released INTEGER NOT NULL DEFAULT 0, -- expired and handed to someone else
                PRIMARY KEY (annotator_id, item_id)
            );
            CREATE TABLE answer (
                annotator_id INTEGER NOT NULL,
                item_id INTEGER NOT NULL,
                choices TEXT NOT NULL,           -- {"question id": "option id"} as JSON
                comment TEXT NOT NULL DEFAULT '',
                seconds REAL,                    -- from first shown to submitted
                submitted_at REAL NOT NULL,
                PRIMARY KEY (annotator_id, item_id),
                FOREIGN KEY (annotator_id, item_id) REFERENCES assignment(annotator_id, item_id)
            );
            """)
    }
}
