import Foundation
import Testing
@testable import Preference

@Suite struct PromptSplitTests {
    static func dataset(_ prompts: Int) -> PreferenceDataset {
        PreferenceDataset(prompts: (0..<prompts).map { p in
            PromptResponses(prompt: "prompt \(p)", responses: (0..<3).map { ScoredResponse(text: "response \($0) of \(p)", score: Double($0)) })
        })
    }

    @Test func promptsSplitBySeedDisjointInFileOrderAndSliced() throws {
        let data = Self.dataset(50)
        let split = try PromptSplit(data, testFraction: 0.1, seed: 42)
        #expect(split.test.count == 5 && split.train.prompts.count == 45)
        let test = split.test.map(\.prompt), train = split.train.prompts.map(\.prompt)
        #expect(Set(test).isDisjoint(with: train) && Set(test + train).count == 50)
        // File order within each part; the same seed the same split, another seed another.
        let index = { (p: String) in Int(p.split(separator: " ")[1])! }
        #expect(test.map(index) == test.map(index).sorted() && train.map(index) == train.map(index).sorted())
        #expect(try PromptSplit(data, testFraction: 0.1, seed: 42).test == split.test)
        #expect(try PromptSplit(data, testFraction: 0.1, seed: 43).test != split.test)
        // A slice of the test prompts by index, clipped to what there is.
        #expect(try PromptSplit(data, testFraction: 0.1, seed: 42, testSlice: 1..<3).test == Array(split.test[1..<3]))
        #expect(try PromptSplit(data, testFraction: 0.1, seed: 42, testSlice: 3..<100).test == Array(split.test[3...]))
        // At least one prompt on each side.
        #expect(try PromptSplit(Self.dataset(3), testFraction: 0.01, seed: 0).test.count == 1)
        #expect(try PromptSplit(Self.dataset(3), testFraction: 0.99, seed: 0).train.prompts.count == 1)
        #expect(throws: PreferenceError.self) { try PromptSplit(data, testFraction: 1, seed: 0) }
        #expect(throws: PreferenceError.self) { try PromptSplit(Self.dataset(1), testFraction: 0.5, seed: 0) }
    }

    @Test func testPromptsAreWrittenAsGroupedLinesThatReadBack() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("divtune-split-\(UUID().uuidString).jsonl")
        defer { try? FileManager.default.removeItem(at: url) }
        let split = try PromptSplit(Self.dataset(20), testFraction: 0.25, seed: 1)
        try split.writeTest(to: url)
        let back = try PreferenceDataset.read(url: url)
        #expect(back.prompts.map(\.prompt) == split.test.map(\.prompt))
        #expect(back.prompts.map(\.responses) == split.test.map(\.responses))
    }

    @Test func longResponsesAndPromptsLeftWithOneAreDropped() throws {
        let data = PreferenceDataset(prompts: [
            PromptResponses(prompt: "a", responses: [ScoredResponse(text: "short", score: 1), ScoredResponse(text: "a much longer one", score: 2),
                                                     ScoredResponse(text: "tiny", score: 3)]),
            PromptResponses(prompt: "b", responses: [ScoredResponse(text: "fine", score: 1), ScoredResponse(text: "far far too long here", score: 2)]),
        ])
        // Tokens = words of prompt + response.
        let result = try ResponseLengthFilter.apply(data, maxTokens: 3) { p, r in (p + " " + r).split(separator: " ").count }
        #expect(result.dataset.prompts.map(\.prompt) == ["a"] && result.dataset.prompts[0].responses.map(\.text) == ["short", "tiny"])
        #expect(result.droppedResponses == 2 && result.droppedPrompts == 1)
        #expect(throws: PreferenceError.self) { try ResponseLengthFilter.apply(data, maxTokens: 0) { _, _ in 1 } }
    }
}
