import Base
import Embeddings
import Evaluation
@testable import EvaluationRuns
import Foundation
import Testing

/// `evaluate diversity` as a library: rows, the report, and resuming from the partial file.
@Suite struct DiversityEvaluationTests {
    static let entries = [
        DiversityEvaluation.Entry(line: 1, prompt: "sea", samples: ["The sea is wide and grey today.", "Waves break on the old stone pier at dawn."]),
        DiversityEvaluation.Entry(line: 2, prompt: "one", samples: ["Only a single sample here, nothing to compare."]),
        DiversityEvaluation.Entry(line: 3, prompt: "bread", samples: ["Warm bread on the table.", "A loaf of rye cooling by the window."]),
    ]

    static func embedders() -> (semantic: TextEmbedder, style: TextEmbedder) { (HashEmbedder(), StylometricEmbedder()) }

    @Test func measuresEveryPromptAndWritesTheResult() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let output = folder.appendingPathComponent("diversity.json")
        var evaluation = DiversityEvaluation(entries: Self.entries, output: output)
        evaluation.promptsPerStep = 2
        let result = try evaluation.run(embedders: Self.embedders)
        #expect(result.resumed == 0 && result.report.perPrompt.map(\.prompt) == ["sea", "one", "bread"])
        #expect(result.report.perPrompt[1].diversity.isEmpty && result.report.perPrompt.allSatisfy { $0.index == nil })
        #expect(result.report.perPrompt[0].diversity.count == 5 && result.report.estimates.count == 5)
        #expect(try Data(contentsOf: output) == (try result.report.json()))
        #expect(try JSONDecoder().decode(DiversityReport.self, from: Data(contentsOf: output)) == result.report)
        #expect(!FileManager.default.fileExists(atPath: DiversityEvaluation.partialFile(for: output).path))
    }

    /// A partial file cut off mid-line by a killed run: its whole lines are kept, the torn one is
    /// measured again, and a finished run loads no embedder.
    @Test func resumesFromAPartialFileWithACutOffLastLine() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let output = folder.appendingPathComponent("diversity.json")
        let partial = DiversityEvaluation.partialFile(for: output)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let kept = PromptDiversityRow(index: 0, prompt: "sea", samples: 2, diversity: [.semanticDiversity: 0.123456])
        let torn = try encoder.encode(PromptDiversityRow(index: 1, prompt: "one", samples: 1, diversity: [:]))
        try (encoder.encode(kept) + Data("\n".utf8) + torn.prefix(torn.count - 5)).write(to: partial)

        var loads = 0
        let result = try DiversityEvaluation(entries: Self.entries, output: output).run(embedders: {
            loads += 1
            return Self.embedders()
        })
        #expect(loads == 1 && result.resumed == 1)
        #expect(result.report.perPrompt[0].diversity == [.semanticDiversity: 0.123456])
        #expect(result.report.perPrompt.map(\.prompt) == ["sea", "one", "bread"])
        #expect(!FileManager.default.fileExists(atPath: partial.path))

        // Everything already in the partial file: no embedder is loaded.
        try (encoder.encode(kept) + Data("\n".utf8)).write(to: partial)
        let one = try DiversityEvaluation(entries: Array(Self.entries.prefix(1)), output: output).run(embedders: {
            Issue.record("embedders loaded for a finished run")
            return Self.embedders()
        })
        #expect(one.resumed == 1)

        // A partial file of other input is refused, naming its line.
        let other = PromptDiversityRow(index: 0, prompt: "not in the input", samples: 2, diversity: [:])
        try (encoder.encode(other) + Data("\n".utf8)).write(to: partial)
        let error = errorText { _ = try DiversityEvaluation(entries: Self.entries, output: output).run(embedders: Self.embedders) }
        #expect(error.hasPrefix("\(partial.path):1:") && error.contains("delete it"))
    }

    @Test func anEmbedderBreakingItsContractIsNamed() throws {
        let short = LookupEmbedder { _ in [1, 0] }
        struct Dropping: TextEmbedder { func embed(_ texts: [String]) throws -> [[Float]] { [[1, 0]] } }
        let error = errorText { _ = try DiversityEvaluation(entries: Self.entries).run(embedders: { (short, Dropping()) }) }
        #expect(error.contains("style embedder returned 1 vectors for 4 texts"))
    }
}
