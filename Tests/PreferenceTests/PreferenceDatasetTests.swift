import Base
import Foundation
import Testing
@testable import Preference

@Suite struct PreferenceDatasetTests {
    func write(_ text: String) throws -> URL {
        let url = try temporaryDirectory().appendingPathComponent("in.jsonl")
        try Data(text.utf8).write(to: url)
        return url
    }

    @Test func readsGroupedAndFlatAndMergesPrompts() throws {
        let url = try write("""
        {"prompt": "P1", "responses": [{"text": "a", "score": 3}, {"text": "b", "score": 1.5}]}
        {"prompt": "P2", "response": "x", "score": 10}

        {"prompt": "P2", "response": "y", "score": -2}\r
        {"prompt": "P1", "response": "c", "score": 0}
        """)
        let data = try PreferenceDataset.read(url: url)
        #expect(data.prompts.map(\.prompt) == ["P1", "P2"])
        #expect(data.prompts[0].responses.map(\.text) == ["a", "b", "c"])
        #expect(data.prompts[1].responses.map(\.score) == [10, -2])
        #expect(data.prompts[1].line == 2)
        #expect(data.responseCount == 5 && data.skipped.isEmpty)
    }

    @Test(arguments: [
        ("{\"prompt\": \"P\", \"response\": \"x\"", "malformed"),
        ("{\"prompt\": \"P\", \"response\": \"x\"}", "missing field 'score'"),
        ("{\"prompt\": \"P\", \"response\": \"x\", \"score\": \"5\"}", "expected a number"),
        ("{\"prompt\": \"P\", \"response\": \"x\", \"score\": true}", "score"),
        ("{\"prompt\": 3, \"response\": \"x\", \"score\": 1}", "prompt"),
        ("{\"prompt\": \"P\", \"response\": \"x\", \"score\": 1e999}", ""),
        ("{\"prompt\": \"P\", \"responses\": [{\"text\": \"x\"}]}", "missing field 'score'"),
        ("[1, 2]", ""),
        ("{\"prompt\": \"P\", \"response\": \"x\", \"score\": NaN}", "malformed JSON"),
        ("{\"prompt\": \"P\", \"prompt\": \"Q\", \"response\": \"x\", \"score\": 1}", "field 'prompt' appears twice in one object"),
        ("{\"prompt\": \"P\", \"responses\": [{\"text\": \"x\", \"score\": 1, \"score\": 9}]}", "field 'responses[0].score' appears twice"),
    ])
    func badLinesNameFileAndLine(line: String, fragment: String) throws {
        let url = try write("{\"prompt\": \"Q\", \"response\": \"ok\", \"score\": 1}\n" + line + "\n")
        do {
            _ = try PreferenceDataset.read(url: url)
            Issue.record("no error for \(line)")
        } catch let PreferenceError.invalidLine(file, number, reason) {
            #expect(file == url.path && number == 2)
            #expect(fragment.isEmpty || reason.contains(fragment), "\(reason)")
        }
    }

    @Test func singleResponsePromptsAreRejectedOrSkipped() throws {
        let url = try write("""
        {"prompt": "A", "response": "x", "score": 1}
        {"prompt": "B", "response": "y", "score": 1}
        not json
        {"prompt": "B", "response": "z", "score": 2}
        """)
        #expect(throws: PreferenceError.invalidLine(file: url.path, line: 3, reason: "")) {
            do { _ = try PreferenceDataset.read(url: url) } catch let PreferenceError.invalidLine(f, l, _) {
                throw PreferenceError.invalidLine(file: f, line: l, reason: "")
            }
        }
        let skipped = try PreferenceDataset.read(url: url, skipInvalid: true)
        #expect(skipped.prompts.map(\.prompt) == ["B"])
        #expect(skipped.skipped.map(\.line) == [1, 3])
        #expect(skipped.skipped[0].reason.contains("at least 2"))
    }

    @Test func missingFileIsAnError() {
        #expect { try PreferenceDataset.read(url: URL(fileURLWithPath: "/nonexistent/x.jsonl")) } throws: {
            ($0 as? FileError)?.path == "/nonexistent/x.jsonl" && "\($0)".contains("cannot read the file")
        }
    }
}
