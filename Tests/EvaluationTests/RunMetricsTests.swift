import Base
import Foundation
import Testing
@testable import Evaluation

@Suite struct RunMetricsTests {
    static func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("evaluation-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    func error(_ body: () throws -> Void) -> String {
        do { try body(); return "no error" } catch { return "\(error)" }
    }

    @Test func roundTripsThroughAnAtomicFile() throws {
        let folder = try Self.temporaryFolder()
        let metrics = RunMetrics(run: "ddpo", model: "models/ddpo.gguf", quality: Estimate(mean: -1.2, lower: -1.25, upper: -1.16),
                                 qualityMeasure: QualityMeasure.meanLogprobPerToken.rawValue,
                                 semanticDiversity: Estimate(mean: 0.31, lower: 0.3, upper: 0.33), styleDiversity: nil,
                                 compressionRatio: Estimate(mean: 2.5, lower: 2.4, upper: 2.6), homogenizationRougel: nil,
                                 ngramDiversity: Estimate(exactly: 3.1), prompts: 10, samplesPerPrompt: 4, styleEmbedder: "stylometric")
        try metrics.write(runDirectory: folder)
        #expect(try RunMetrics.load(runDirectory: folder) == metrics)
        // Only the file itself is left behind (no temporary files), and absent values are explicit nulls.
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["metrics.json"])
        let json = try String(contentsOf: folder.appendingPathComponent("metrics.json"), encoding: .utf8)
        #expect(json.contains("\"style_diversity\" : null") && json.contains("\"ci95\" : [\n      -1.25,"))
        #expect(json.contains("\"conformative_weight\" : null") && json.contains("\"quality_measure\" : \"mean_logprob_per_token\""))
    }

    @Test func errorsNameTheFolderFileAndField() throws {
        let folder = try Self.temporaryFolder()
        let missing = folder.appendingPathComponent("nope")
        #expect(error { _ = try RunMetrics.load(runDirectory: missing) }.contains(missing.path))
        #expect(error { _ = try RunMetrics.load(runDirectory: folder) }.contains(folder.appendingPathComponent("metrics.json").path))
        let file = folder.appendingPathComponent("metrics.json")
        try Data("{not json".utf8).write(to: file)
        #expect(error { _ = try RunMetrics.load(runDirectory: folder) }.contains("metrics.json: not valid JSON"))
        try Data(#"{"model": "m"}"#.utf8).write(to: file)
        #expect(error { _ = try RunMetrics.load(runDirectory: folder) }.contains("missing field \"run\""))
        try Data(#"{"run": "r", "model": "m", "quality": {"mean": 1, "ci95": [2, 3]}}"#.utf8).write(to: file)
        #expect(error { _ = try RunMetrics.load(runDirectory: folder) }.contains("\"quality.ci95\""))
        try Data(#"{"run": "r", "model": "m", "quality": {"mean": "high", "ci95": [2, 3]}}"#.utf8).write(to: file)
        #expect(error { _ = try RunMetrics.load(runDirectory: folder) }.contains("\"quality.mean\""))
        try Data(#"{"run": "r", "model": "m", "quality": null}"#.utf8).write(to: file)
        #expect(try RunMetrics.load(runDirectory: folder).quality == nil)
    }

    @Test func jsonLinesErrorsNameTheLine() throws {
        let folder = try Self.temporaryFolder()
        let file = folder.appendingPathComponent("prompts.jsonl")
        try Data("{\"prompt\": \"a\"}\n\n{\"prompt\": \"b\", \"id\": 3}\n{\"text\": \"c\"}\n".utf8).write(to: file)
        #expect(error { _ = try JSONLines.read(PromptRecord.self, from: file) } == "\(file.path):4: missing field \"prompt\"")
        try Data("{\"prompt\": \"a\"}\n\n{\"prompt\": \"b\", \"id\": 3}\n".utf8).write(to: file)
        #expect(try JSONLines.read(PromptRecord.self, from: file).map(\.prompt) == ["a", "b"])
        try Data("{\"prompt\": \"a\"}\n{\"prompt\": \"b\"".utf8).write(to: file)
        #expect(error { _ = try JSONLines.read(PromptRecord.self, from: file) }.hasPrefix("\(file.path):2:"))
        #expect(error { _ = try JSONLines.read(PromptRecord.self, from: folder.appendingPathComponent("none.jsonl")) }.contains("none.jsonl"))
    }
}
