import Base
import Foundation
import GRDB
import Testing
@testable import HumanEvaluation

@Suite struct StudyCreationTests {
    @Test func itemsPairRunsByPromptWithRandomSides() throws {
        let (study, _) = try StudyFixtures.study(prompts: 12)
        let items = try study.items()
        #expect(items.count == 12)
        #expect(Set(items.map(\.position)) == Set(0..<12))
        var ddpoFirst = 0
        for item in items {
            #expect(Set(item.runs.values) == ["ddpo", "dpo"])
            for side in StudyDesign.Side.allCases {
                let run = try #require(item.runs[side]), stories = try #require(item.stories[side])
                #expect(stories.count == 4)
                // Each story comes from the run the set shows, for this item's prompt.
                for story in stories { #expect(story.shown == "\(run) story \(story.sampleIndex) for prompt \(item.promptIndex)") }
            }
            if item.runs[.a] == "ddpo" { ddpoFirst += 1 }
        }
        // Sides are drawn per item: with 12 items both orders occur (seed 1 gives a mix).
        #expect(ddpoFirst > 0 && ddpoFirst < 12)
        #expect(study.design.questions.map(\.id) == ["best_story", "diverse_set"])
        #expect(try study.runs().map(\.label) == ["ddpo", "dpo"])
    }

    @Test func sameSeedSameStudy() throws {
        let (one, _) = try StudyFixtures.study(prompts: 8, seed: 9)
        let (two, _) = try StudyFixtures.study(prompts: 8, seed: 9)
        #expect(try one.items() == two.items())
    }

    @Test func itemsOptionDrawsThatManyPrompts() throws {
        let folder = try StudyFixtures.folder()
        let a = try RunSamples.load(label: "a", path: try StudyFixtures.run("a", in: folder, prompts: 10, samples: 4).path)
        let b = try RunSamples.load(label: "b", path: try StudyFixtures.run("b", in: folder, prompts: 10, samples: 4).path)
        let items = try StudyPlan.items(a, b, count: 3, setSize: 4, seed: 2)
        #expect(items.count == 3 && Set(items.map(\.prompt)).count == 3)
        #expect(throws: StudyError.invalidArgument(name: "--items", reason: "11 asked, the runs share 10 prompts")) {
            try StudyPlan.items(a, b, count: 11, setSize: 4, seed: 2)
        }
    }

    @Test func fewerSamplesThanTheSetSizeNamesFileAndLine() throws {
        let folder = try StudyFixtures.folder()
        let a = try RunSamples.load(label: "a", path: try StudyFixtures.run("a", in: folder, prompts: 3, samples: 4).path)
        let b = try RunSamples.load(label: "b", path: try StudyFixtures.run("b", in: folder, prompts: 3, samples: 3).path)
        #expect(throws: FileError(path: b.source, line: 1, field: "samples",
                                  reason: "run b has 3 samples for this prompt, fewer than the set size 4")) {
            try StudyPlan.items(a, b, count: nil, setSize: 4, seed: 0)
        }
    }

    @Test func mismatchedPromptsAndLabelsAreRefused() throws {
        let folder = try StudyFixtures.folder()
        let a = try RunSamples.load(label: "a", path: try StudyFixtures.run("a", in: folder, prompts: 3, samples: 4).path)
        let b = try RunSamples.load(label: "b", path: try StudyFixtures.run("b", in: folder, prompts: 3, samples: 4, promptOffset: 1).path)
        do {
            _ = try StudyPlan.items(a, b, count: nil, setSize: 4, seed: 0)
            Issue.record("mismatched prompts were accepted")
        } catch let error as StudyError {
            #expect(error.description.contains("has no samples for the prompt of \(a.source):1 (run a): \"Prompt number 0\""))
        }
        #expect(throws: StudyError.invalidRuns(reason: "both runs are labelled a; give each --run its own label")) {
            try StudyPlan.items(a, a, count: nil, setSize: 4, seed: 0)
        }
        #expect(throws: StudyError.self) { try RunSamples.load(label: "a b", path: a.source) }
        #expect(throws: FileError.self) { try RunSamples.load(label: "c", path: folder.appendingPathComponent("missing").path) }
    }

    @Test func runFolderWithoutSamplesIsNamed() throws {
        let folder = try StudyFixtures.folder()
        #expect(throws: FileError(path: folder.appendingPathComponent("samples.jsonl").path,
                                  reason: "run x: the folder has no samples.jsonl (is it an `evaluate run` output?)")) {
            try RunSamples.load(label: "x", path: folder.path)
        }
    }

    @Test func existingFileIsNotReplacedWithoutOverwrite() throws {
        let (study, folder) = try StudyFixtures.study()
        let token = try study.invite(name: "ann")
        let a = try RunSamples.load(label: "ddpo", path: folder.appendingPathComponent("ddpo.jsonl").path)
        let b = try RunSamples.load(label: "dpo", path: folder.appendingPathComponent("dpo.jsonl").path)
        let items = try StudyPlan.items(a, b, count: nil, setSize: 4, seed: 1)
        #expect(throws: FileError.self) {
            try StudyStore.create(at: study.path, design: StudyFixtures.design(), runs: [a, b], items: items, seed: 1)
        }
        #expect(try study.annotator(token: token).name == "ann")
    }

    @Test func cappedStoriesEndAtAWord() {
        #expect(StudyPlan.capped("short", maxCharacters: 10) == "short")
        #expect(StudyPlan.capped("one two three four", maxCharacters: 12) == "one two …")
    }

    @Test func garbageAndForeignFilesAreRefusedUntouched() throws {
        let folder = try StudyFixtures.folder()
        let garbage = folder.appendingPathComponent("garbage.sqlite")
        try Data((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 31) }).write(to: garbage)
        #expect(throws: StudyError.self) { try StudyStore(path: garbage.path) }
        do { _ = try StudyStore(path: garbage.path) } catch { #expect("\(error)".hasPrefix("\(garbage.path): not a DivTune study: ")) }

        let foreign = folder.appendingPathComponent("foreign.sqlite")
        let queue = try DatabaseQueue(path: foreign.path)
        try queue.write { try $0.execute(sql: "CREATE TABLE t (x); INSERT INTO t VALUES (42)") }
        try queue.close()
        let before = try Data(contentsOf: foreign)
        do {
            _ = try StudyStore(path: foreign.path)
            Issue.record("a foreign database was opened as a study")
        } catch let error as StudyError {
            #expect(error == .notAStudy(path: foreign.path, reason: "an SQLite database of another program (application_id 0, a study has \(StudySchema.applicationID))"))
        }
        #expect(try Data(contentsOf: foreign) == before)
        #expect(!FileManager.default.fileExists(atPath: foreign.path + "-wal"))
        #expect(throws: FileError(path: folder.appendingPathComponent("none").path, reason: "no such study file")) {
            try StudyStore(path: folder.appendingPathComponent("none").path)
        }
    }

    @Test func newerSchemaAndTruncatedStudyAreRefused() throws {
        let (study, _) = try StudyFixtures.study()
        let path = study.path
        try study.close()
        let queue = try DatabaseQueue(path: path)
        try queue.write { try $0.execute(sql: "PRAGMA user_version = 99") }
        try queue.close()
        #expect(throws: StudyError.unsupportedVersion(path: path, found: 99, supported: 1)) { try StudyStore(path: path) }

        let (other, _) = try StudyFixtures.study()
        try other.close()
        let bytes = try Data(contentsOf: URL(fileURLWithPath: other.path))
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: other.path))
        #expect(throws: StudyError.self) { try StudyStore(path: other.path) }
    }
}
