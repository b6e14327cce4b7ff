import Base
import Evaluation
import Foundation

/// One run's samples, by prompt: an `evaluate run` folder (its samples.jsonl, and metrics.json
/// when present) or any JSON Lines file whose rows have `prompt` and `samples` (docs/human-evaluation.md §1).
public struct RunSamples: Sendable {
    public var label: String
    /// The file the samples were read from.
    public var source: String
    /// Prompts in file order, each with its samples and the line it came from.
    public var prompts: [(prompt: String, promptIndex: Int, samples: [String], line: Int)]
    /// The run's automatic metrics (metrics.json), when the source is a run folder that has them.
    public var metrics: RunMetrics?

    public init(label: String, source: String, prompts: [(prompt: String, promptIndex: Int, samples: [String], line: Int)],
                metrics: RunMetrics? = nil) {
        self.label = label
        self.source = source
        self.prompts = prompts
        self.metrics = metrics
    }

    /// Reads `path` (a run folder or a samples file) as run `label`. A prompt that appears twice is an error.
    public static func load(label: String, path: String) throws -> RunSamples {
        guard !label.isEmpty, label.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }) else {
            throw StudyError.invalidArgument(name: "run label", reason: "\"\(label)\" must be letters, digits, '-', '_' or '.'")
        }
        var url = URL(fileURLWithPath: path)
        var metrics: RunMetrics?
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder) else {
            throw FileError(path: path, reason: "no such file or folder (run \(label))")
        }
        if isFolder.boolValue {
            let folder = url
            url = folder.appendingPathComponent(SampleRecord.fileName)
            guard FileManager.default.fileExists(atPath: url.path) else {
                throw FileError(path: url.path, reason: "run \(label): the folder has no \(SampleRecord.fileName) (is it an `evaluate run` output?)")
            }
            if FileManager.default.fileExists(atPath: folder.appendingPathComponent(RunMetrics.fileName).path) {
                metrics = try RunMetrics.load(runDirectory: folder)
            }
        }
        var prompts: [(prompt: String, promptIndex: Int, samples: [String], line: Int)] = []
        var seen: [String: Int] = [:]
        for row in try JSONLines.rows(of: url) {
            let prompt = try row.string("prompt")
            let samples = try row.strings("samples")
            if let first = seen[prompt] {
                throw row.error("the prompt of line \(first) appears again; a run has one row per prompt", field: "prompt")
            }
            seen[prompt] = row.line
            let index: Int
            if case let .number(n)? = row.value("prompt_index"), n >= 0, n == n.rounded() { index = Int(n) } else { index = prompts.count }
            prompts.append((prompt, index, samples, row.line))
        }
        guard !prompts.isEmpty else { throw FileError(path: url.path, reason: "run \(label) has no samples") }
        return RunSamples(label: label, source: url.path, prompts: prompts, metrics: metrics)
    }
}
