import Foundation
import Testing
@testable import HumanEvaluation
import Base

@Suite struct StudyAssignmentTests {
    @Test func tokensAreSecretAndStoredHashed() throws {
        let (study, _) = try StudyFixtures.study()
        let token = try study.invite(name: "Ada")
        #expect(token.count == 32 && token.allSatisfy(\.isHexDigit))
        #expect(try study.annotator(token: token).name == "Ada")
        #expect(throws: StudyError.unknownToken) { try study.annotator(token: token.uppercased()) }
        #expect(throws: StudyError.unknownToken) { try study.annotator(token: nil) }
        #expect(throws: StudyError.unknownToken) { try study.annotator(token: "") }
        #expect(throws: StudyError.duplicateAnnotator(name: "Ada")) { try study.invite(name: " Ada ") }
        try study.close()
        var bytes = try Data(contentsOf: URL(fileURLWithPath: study.path))
        if let wal = try? Data(contentsOf: URL(fileURLWithPath: study.path + "-wal")) { bytes += wal }
        #expect(bytes.range(of: Data(token.utf8)) == nil, "the token itself is on disk")
        #expect(bytes.range(of: Data(AnnotatorToken.hash(token).utf8)) != nil)
    }

    @Test func sha256KnownAnswers() {
        #expect(SHA256.hex("".utf8) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex("abc".utf8) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(SHA256.hex([UInt8](repeating: 0x61, count: 1_000)) == "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3")
    }

    @Test func everyItemGetsItsLabelsFromDistinctAnnotators() throws {
        let (study, _) = try StudyFixtures.study(prompts: 5, design: StudyFixtures.design(labelsPerItem: 3, itemsPerAnnotator: 4))
        var seen: [String: Set<Int>] = [:]
        for name in ["a", "b", "c", "d", "e", "f"] {
            let annotator = try study.annotator(token: try study.invite(name: name))
            while let item = try study.nextItem(for: annotator) {
                #expect(seen[name, default: []].insert(item).inserted, "\(name) got item \(item) twice")
                try study.submit(annotator: annotator, item: item, choices: StudyFixtures.paperAnswer, comment: "")
            }
            #expect(seen[name, default: []].count <= 4)
        }
        let perItem = Dictionary(grouping: try study.answers(), by: \.item).mapValues(\.count)
        // 5 items × 3 labels = 15 answers; six annotators of up to 4 items each can give them all.
        #expect(perItem.count == 5 && perItem.values.allSatisfy { $0 == 3 }, "\(perItem)")
        let extra = try study.annotator(token: try study.invite(name: "late"))
        #expect(try study.nextItem(for: extra) == nil)
    }

    @Test func anOpenAssignmentIsResumedAndAnAbandonedOneHandedOn() throws {
        let (study, _) = try StudyFixtures.study(prompts: 2, design: StudyFixtures.design(labelsPerItem: 1, itemsPerAnnotator: 2, timeout: 60))
        let x = try study.annotator(token: try study.invite(name: "x"))
        let y = try study.annotator(token: try study.invite(name: "y"))
        let first = try #require(try study.nextItem(for: x, now: 1000))
        // Reloading the page gives the same item.
        #expect(try study.nextItem(for: x, now: 1010) == first)
        let second = try #require(try study.nextItem(for: y, now: 1020))
        #expect(second != first)
        try study.submit(annotator: y, item: second, choices: StudyFixtures.paperAnswer, comment: "", now: 1030)
        // While x holds the first item, y gets nothing (both items are taken).
        #expect(try study.nextItem(for: y, now: 1040) == nil)
        // x abandons it: after the timeout y is handed the first item.
        #expect(try study.nextItem(for: y, now: 1061) == first)
        try study.submit(annotator: y, item: first, choices: StudyFixtures.paperAnswer, comment: "", now: 1070)
        // x returns: their expired item is full now, and nothing is left for them.
        #expect(try study.nextItem(for: x, now: 1100) == nil)
        // An answer x sends for it anyway is kept (nothing submitted is lost).
        #expect(try study.submit(annotator: x, item: first, choices: StudyFixtures.paperAnswer, comment: "late", now: 1101) == .recorded)
        #expect(try study.answers().count == 3)
    }

    @Test func anExpiredAssignmentIsRenewedWhenNobodyTookIt() throws {
        let (study, _) = try StudyFixtures.study(prompts: 2, design: StudyFixtures.design(labelsPerItem: 1, itemsPerAnnotator: 2, timeout: 60))
        let x = try study.annotator(token: try study.invite(name: "x"))
        let item = try #require(try study.nextItem(for: x, now: 0))
        #expect(try study.nextItem(for: x, now: 500) == item)
        let y = try study.annotator(token: try study.invite(name: "y"))
        // Renewed at 500, so at 520 it is still x's.
        #expect(try study.nextItem(for: y, now: 520) != item)
    }

    @Test func submissionsAreCheckedAndIdempotent() throws {
        let (study, _) = try StudyFixtures.study(prompts: 3, design: StudyFixtures.design(labelsPerItem: 1, itemsPerAnnotator: 3))
        let x = try study.annotator(token: try study.invite(name: "x"))
        let other = try study.annotator(token: try study.invite(name: "other"))
        let item = try #require(try study.nextItem(for: x, now: 10))
        #expect(throws: StudyError.notAssigned(annotator: "other", item: item)) {
            try study.submit(annotator: other, item: item, choices: StudyFixtures.paperAnswer, comment: "")
        }
        #expect(throws: StudyError.notAssigned(annotator: "x", item: 999)) {
            try study.submit(annotator: x, item: 999, choices: StudyFixtures.paperAnswer, comment: "")
        }
        #expect(throws: StudyError.invalidAnswer(reason: "question \"diverse_set\" needs an answer")) {
            try study.submit(annotator: x, item: item, choices: ["best_story": "A-1"], comment: "")
        }
        #expect(throws: StudyError.invalidAnswer(reason: "question \"best_story\" has no option \"C-1\"")) {
            try study.submit(annotator: x, item: item, choices: ["best_story": "C-1", "diverse_set": "A"], comment: "")
        }
        #expect(throws: StudyError.invalidAnswer(reason: "the study has no question \"mood\"")) {
            try study.submit(annotator: x, item: item, choices: StudyFixtures.paperAnswer.merging(["mood": "x"]) { a, _ in a }, comment: "")
        }
        #expect(throws: StudyError.invalidAnswer(reason: "the comment has 101 characters, more than the study's limit of 100")) {
            try study.submit(annotator: x, item: item, choices: StudyFixtures.paperAnswer, comment: String(repeating: "é", count: 101))
        }
        #expect(try study.answers().isEmpty)
        #expect(try study.submit(annotator: x, item: item, choices: StudyFixtures.paperAnswer, comment: "nice", now: 25) == .recorded)
        // The back button or a second tab sends it again, or differently: the first answer stands.
        #expect(try study.submit(annotator: x, item: item, choices: ["best_story": "hard", "diverse_set": "hard"], comment: "", now: 30) == .alreadyRecorded)
        let answers = try study.answers()
        #expect(answers == [StoredAnswer(annotator: "x", item: item, choices: StudyFixtures.paperAnswer, comment: "nice", seconds: 15, submittedAt: 25)])
        #expect(try study.progress(of: x) == AnnotatorProgress(answered: 1, total: 3))
    }

    @Test func answersSurviveClosingAndAssignmentsResume() throws {
        let (study, _) = try StudyFixtures.study(prompts: 4)
        let token = try study.invite(name: "x")
        let x = try study.annotator(token: token)
        let first = try #require(try study.nextItem(for: x))
        try study.submit(annotator: x, item: first, choices: StudyFixtures.paperAnswer, comment: "")
        let open = try #require(try study.nextItem(for: x))
        try study.close()
        let reopened = try StudyStore(path: study.path)
        let again = try reopened.annotator(token: token)
        #expect(try reopened.answers().map(\.item) == [first])
        #expect(try reopened.nextItem(for: again) == open)
    }
}
