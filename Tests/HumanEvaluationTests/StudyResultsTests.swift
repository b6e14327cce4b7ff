import Evaluation
import Foundation
import Testing
@testable import HumanEvaluation

@Suite struct StudyResultsTests {
    /// Three annotators answer every item of a 4-item study; answers are given in terms of runs and
    /// turned into the sides each item shows, so the expected counts are known whatever the draw.
    static func answeredStudy() throws -> StudyStore {
        let (study, _) = try StudyFixtures.study(prompts: 4, design: StudyFixtures.design(labelsPerItem: 3, itemsPerAnnotator: 4))
        // Per annotator and item (by id): the run whose set is more diverse, nil for hard to decide.
        let diverse: [String: [String?]] = ["p": ["ddpo", "ddpo", "dpo", nil], "q": ["ddpo", "ddpo", "ddpo", nil], "r": ["ddpo", "dpo", "dpo", "ddpo"]]
        let items = Dictionary(uniqueKeysWithValues: try study.items().map { ($0.id, $0) })
        var clock = 0.0
        for name in ["p", "q", "r"] {
            let annotator = try study.annotator(token: try study.invite(name: name))
            while let id = try study.nextItem(for: annotator, now: clock) {
                let item = try #require(items[id])
                let side = diverse[name]![id - 1].map { run in item.runs.first { $0.value == run }!.key.rawValue } ?? "hard"
                clock += name == "p" ? 10 : 20
                try study.submit(annotator: annotator, item: id, choices: ["best_story": "hard", "diverse_set": side], comment: "", now: clock)
            }
        }
        return study
    }

    @Test func sharesIntervalsSignTestAndAgreement() throws {
        let study = try Self.answeredStudy()
        let results = try StudyResults(study: study)
        #expect(results.items == 4 && results.itemsComplete == 4 && results.runs == ["ddpo", "dpo"])
        let diverse = try #require(results.questions.first { $0.id == "diverse_set" })
        #expect(diverse.answers == 12)
        #expect(diverse.runs["ddpo"]?.count == 7 && diverse.runs["dpo"]?.count == 3 && diverse.undecided?.count == 2)
        let wilson = try WilsonInterval(successes: 7, trials: 12)
        #expect(diverse.runs["ddpo"]?.lower == wilson.lower && diverse.runs["ddpo"]?.upper == wilson.upper)
        #expect(diverse.signTest == StudyResults.SignTestResult(first: 7, second: 3, pValue: try SignTest(a: 7, b: 3).pValue))
        #expect(diverse.fleissItems == 4)
        // Agreement is over the options as shown (A, B, hard), per item.
        let shown = try study.answers()
        let units = Dictionary(grouping: shown, by: \.item).sorted { $0.key < $1.key }.map { $0.value.map { $0.choices["diverse_set"]! } }
        #expect(diverse.krippendorffAlpha == KrippendorffAlpha.nominal(units: units))
        let table = units.map { unit in ["A", "B", "hard"].map { option in unit.filter { $0 == option }.count } }
        #expect(diverse.fleissKappa == (try FleissKappa.kappa(counts: table)))
        // Everyone found the best story hard to decide: no sign, κ undefined.
        let best = try #require(results.questions.first { $0.id == "best_story" })
        #expect(best.undecided?.count == 12 && best.signTest?.pValue == 1 && best.fleissKappa == nil)
        #expect(results.annotators.map(\.name) == ["p", "q", "r"])
        #expect(results.annotators.map(\.medianSeconds) == [10, 20, 20])
        let text = results.text()
        #expect(text.contains("  ddpo: 58.3% [") && text.contains("sign test ddpo vs dpo: 7 vs 3"))
        let html = StudyResultsPage.render(results, runs: try study.runs(), title: "Study")
        #expect(html.contains("<th>ddpo</th>") && html.contains("Which set has more diverse stories?"))
    }

    @Test func csvRoundTripGivesTheSameResults() throws {
        let study = try Self.answeredStudy()
        let folder = URL(fileURLWithPath: study.path).deletingLastPathComponent()
        let csv = folder.appendingPathComponent("answers.csv")
        try Data(try StudyCSV.export(study).utf8).write(to: csv)
        // A fresh study of the same runs and seed, with the answers imported.
        let copyPath = folder.appendingPathComponent("copy.sqlite").path
        let a = try RunSamples.load(label: "ddpo", path: folder.appendingPathComponent("ddpo.jsonl").path)
        let b = try RunSamples.load(label: "dpo", path: folder.appendingPathComponent("dpo.jsonl").path)
        try StudyStore.create(at: copyPath, design: study.design, runs: [a, b],
                              items: try StudyPlan.items(a, b, count: nil, setSize: 4, seed: study.seed), seed: study.seed)
        let copy = try StudyStore(path: copyPath)
        let answers = try StudyCSV.read(csv, for: copy)
        #expect(try copy.importAnswers(answers, source: csv.path) == 12)
        #expect(try copy.importAnswers(answers, source: csv.path) == 0)
        #expect(try StudyResults(study: copy) == StudyResults(study: study))
    }

    @Test func badCSVRowsNameTheLine() throws {
        let study = try Self.answeredStudy()
        let folder = URL(fileURLWithPath: study.path).deletingLastPathComponent()
        func read(_ text: String) throws -> [StoredAnswer] {
            let url = folder.appendingPathComponent("bad.csv")
            try Data(text.utf8).write(to: url)
            return try StudyCSV.read(url, for: study)
        }
        let path = folder.appendingPathComponent("bad.csv").path
        #expect(throws: StudyError.invalidImport(path: path, line: 1, reason: "the header has no option column")) {
            try read("annotator,item,question\nx,1,best_story\n")
        }
        #expect(throws: StudyError.invalidImport(path: path, line: 2, reason: "item \"9\" is not an item of this study (1…4)")) {
            try read("annotator,item,question,option\nx,9,best_story,A-1\n")
        }
        #expect(throws: StudyError.invalidImport(path: path, line: 3, reason: "question \"best_story\" has no option \"Z\"")) {
            try read("annotator,item,question,option\nx,1,best_story,A-1\nx,2,best_story,Z\n")
        }
        #expect(throws: StudyError.invalidImport(path: path, line: 2, reason: "unknown run label \"sft\" (the study's runs: ddpo, dpo)")) {
            try read("annotator,item,question,option,favours_run\nx,1,diverse_set,A,sft\n")
        }
        let item = try #require(try study.items().first { $0.id == 1 })
        let wrong = item.runs[.b]!
        #expect(throws: StudyError.invalidImport(path: path, line: 2, reason: "option A of item 1 favours run \"\(item.runs[.a]!)\" in this study, the file says \"\(wrong)\" (a file of another study?)")) {
            try read("annotator,item,question,option,favours_run\nx,1,diverse_set,A,\(wrong)\n")
        }
        #expect(throws: StudyError.invalidImport(path: path, line: 1, reason: "the file is empty")) { try read("") }
        #expect(throws: StudyError.invalidImport(path: path, line: 3, reason: "the answer of y to item 2: question \"diverse_set\" needs an answer")) {
            try read("annotator,item,question,option\nx,1,best_story,A-1\ny,2,best_story,A-1\nx,1,diverse_set,A\n")
        }
        #expect(throws: StudyError.invalidArgument(name: "answer of z from memory", reason: "the study has no item 99")) {
            try study.importAnswers([StoredAnswer(annotator: "z", item: 99, choices: StudyFixtures.paperAnswer, comment: "", seconds: nil, submittedAt: 0)],
                                    source: "memory")
        }
        // Nothing was imported by the failed reads.
        #expect(try study.answers().count == 12)
    }
}
