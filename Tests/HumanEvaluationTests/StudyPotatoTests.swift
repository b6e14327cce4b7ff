import Base
import Foundation
import Testing
@testable import HumanEvaluation

@Suite struct StudyPotatoTests {
    @Test func annotatedInstancesBecomeAnswers() throws {
        let (study, folder) = try StudyFixtures.study(prompts: 3)
        let url = folder.appendingPathComponent("annotated_instances.jsonl")
        try Data("""
            {"id": "1", "displayed_text": "…", "label_annotations": {"best_story": {"A-2": "1"}, "diverse_set": {"B": true}, "comment": {"text_box": "nice"}}, "span_annotations": [], "behavioral_data": {"time_spent": 12.5}}
            {"instance_id": 2, "user_id": "zoe", "label_annotations": {"best_story": {"hard": "hard"}, "diverse_set": {"A": 1, "B": 0}}}

            """.utf8).write(to: url)
        let answers = try StudyPotato.read(url, for: study, annotator: "ann")
        #expect(answers.map(\.annotator) == ["ann", "zoe"] && answers.map(\.item) == [1, 2])
        #expect(answers.map(\.choices) == [["best_story": "A-2", "diverse_set": "B"], ["best_story": "hard", "diverse_set": "A"]])
        #expect(answers.map(\.comment) == ["nice", ""] && answers.map(\.seconds) == [12.5, nil])
        #expect(try study.importAnswers(answers, source: url.path) == 2)
        #expect(try StudyResults(study: study).questions[1].answers == 2)
    }

    @Test func badLinesNameTheLineAndField() throws {
        let (study, folder) = try StudyFixtures.study(prompts: 3)
        let url = folder.appendingPathComponent("bad.jsonl")
        func read(_ line: String, annotator: String? = "ann") throws {
            try Data((line + "\n").utf8).write(to: url)
            _ = try StudyPotato.read(url, for: study, annotator: annotator)
        }
        #expect(throws: FileError(path: url.path, line: 1, field: "id", reason: "instance id is not an item of this study (1…3)")) {
            try read(#"{"id": "7", "label_annotations": {}}"#)
        }
        #expect(throws: FileError(path: url.path, line: 1, field: "user_id", reason: "no user_id; give the annotator's name (Potato's folder name)")) {
            try read(#"{"id": "1", "label_annotations": {}}"#, annotator: nil)
        }
        #expect(throws: FileError(path: url.path, line: 1, field: "label_annotations.diverse_set", reason: "2 labels chosen, a question takes one")) {
            try read(#"{"id": "1", "label_annotations": {"best_story": {"A-1": "1"}, "diverse_set": {"A": "1", "B": "1"}}}"#)
        }
        #expect(throws: FileError(path: url.path, line: 1, field: "label_annotations", reason: "question \"diverse_set\" needs an answer")) {
            try read(#"{"id": "1", "label_annotations": {"best_story": {"A-1": "1"}}}"#)
        }
        #expect(throws: FileError(path: url.path, line: 1, field: "label_annotations", reason: "question \"best_story\" has no option \"C-9\"")) {
            try read(#"{"id": "1", "label_annotations": {"best_story": {"C-9": "1"}, "diverse_set": {"A": "1"}}}"#)
        }
        #expect(try study.answers().isEmpty)
    }
}
