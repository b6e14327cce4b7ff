import Base
import Foundation

/// The paper's data split (docs/methods.md §2.4): the prompts (not the responses) divided into a
/// training and a test part by a seeded shuffle, and optionally a slice of the test part by index
/// (the paper evaluates the first 1000 test prompts). Both parts keep the file's order.
public struct PromptSplit: Sendable {
    public var train: PreferenceDataset
    public var test: [PromptResponses]

    /// - Parameters:
    ///   - testFraction: share of prompts in the test part, in (0, 1); round(n · fraction) of them,
    ///     at least 1 and at most n − 1.
    ///   - testSlice: test prompts `lowerBound..<upperBound` (in file order), clipped to the test part.
    public init(_ dataset: PreferenceDataset, testFraction: Double, seed: UInt64, testSlice: Range<Int>? = nil) throws {
        let n = dataset.prompts.count
        guard testFraction > 0, testFraction < 1 else {
            throw PreferenceError.invalidOption(name: "testFraction", reason: "must lie in (0, 1), got \(testFraction)")
        }
        guard n >= 2 else { throw PreferenceError.invalidOption(name: "testFraction", reason: "splitting needs at least 2 prompts, the data has \(n)") }
        if let testSlice, testSlice.lowerBound < 0 {
            throw PreferenceError.invalidOption(name: "testSlice", reason: "must start at 0 or later, got \(testSlice.lowerBound)")
        }
        let testCount = min(n - 1, max(1, Int((Double(n) * testFraction).rounded())))
        var order = Array(0..<n)
        var rng = SeededGenerator(seed: seed)
        rng.shuffle(&order)
        let testIndices = Set(order.prefix(testCount))
        train = PreferenceDataset(prompts: dataset.prompts.indices.filter { !testIndices.contains($0) }.map { dataset.prompts[$0] },
                                  skipped: dataset.skipped)
        var test = dataset.prompts.indices.filter(testIndices.contains).map { dataset.prompts[$0] }
        if let testSlice { test = Array(test[min(testSlice.lowerBound, test.count)..<min(testSlice.upperBound, test.count)]) }
        self.test = test
    }

    /// Writes the test prompts atomically as grouped JSON Lines (`{"prompt", "responses": [{"text",
    /// "score"}]}`): the input of `evaluate run --prompts` and of `evaluate gold --data`.
    public func writeTest(to url: URL) throws {
        struct Response: Encodable { var text: String; var score: Double }
        struct Line: Encodable { var prompt: String; var responses: [Response] }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var data = Data()
        for group in test {
            data += try encoder.encode(Line(prompt: group.prompt, responses: group.responses.map { Response(text: $0.text, score: $0.score) }))
            data += Data("\n".utf8)
        }
        try AtomicFile.write(data, to: url)
    }
}
