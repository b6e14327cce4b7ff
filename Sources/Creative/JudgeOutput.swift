import Base
import Foundation

/// A judge run's folder (docs/formats.md §4.12): `judgements.jsonl`, one verdict per idea or pair,
/// and `summary.json`, each written atomically.
public enum JudgeOutput {
    public static let judgementsFile = "judgements.jsonl"
    public static let summaryFile = "summary.json"

    public static func write<J: Encodable, S: Encodable>(judgements: [J], summary: S, to directory: URL) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let lines = JSONEncoder()
        lines.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var data = Data()
        for j in judgements {
            data.append(try lines.encode(j))
            data.append(0x0A)
        }
        try AtomicFile.write(data, to: directory.appendingPathComponent(judgementsFile))
        let pretty = JSONEncoder()
        pretty.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try AtomicFile.write(pretty.encode(summary) + Data([0x0A]), to: directory.appendingPathComponent(summaryFile))
    }
}
