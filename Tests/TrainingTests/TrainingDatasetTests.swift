import Base
import Foundation
import Models
import Testing
@testable import Training

/// Training data as users write it: CRLF line ends, blank lines, and the errors for broken lines.
@Suite struct TrainingDatasetTests {
    static func renderer() throws -> PromptRenderer {
        let path = try ModelCache.forRepository(containing: #filePath).require(ModelCache.smolLM2).path
        return try PromptRenderer(model: LanguageModel.load(path: path))
    }

    static func file(_ bytes: [UInt8]) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("train-\(UUID().uuidString).jsonl")
        try Data(bytes).write(to: url)
        return url
    }

    static func load(_ url: URL, _ renderer: PromptRenderer) throws -> TrainingDataset {
        try TrainingDataset.load(file: url, kind: .preference, renderer: renderer, truncation: Truncation())
    }

    @Test func crlfFilesReadLikeLFFiles() throws {
        let renderer = try Self.renderer()
        let rows = [#"{"prompt": "Tell a story.", "chosen": "Once.", "rejected": "No."}"#,
                    #"{"prompt": "Name a cat.", "chosen": "Tom", "rejected": "Dog", "weight": 0.5}"#]
        let lf = try Self.load(Self.file(Array((rows.joined(separator: "\n") + "\n").utf8)), renderer)
        let crlf = try Self.load(Self.file(Array((rows.joined(separator: "\r\n\r\n") + "\r\n").utf8)), renderer)
        #expect(crlf.examples.count == 2)
        #expect(crlf.examples.map(\.prompt) == lf.examples.map(\.prompt))
        #expect(crlf.examples.map(\.chosen) == lf.examples.map(\.chosen))
        #expect(crlf.examples.map(\.weight) == [1, 0.5])
    }

    @Test func brokenLinesAreNamed() throws {
        let renderer = try Self.renderer()
        func message(_ bytes: [UInt8]) throws -> String {
            let url = try Self.file(bytes)
            do { _ = try Self.load(url, renderer); return "no error" } catch {
                return "\(error)".replacingOccurrences(of: url.path, with: "F")
            }
        }
        let good = Array(#"{"prompt": "a", "chosen": "b", "rejected": "c"}"#.utf8) + [0x0A]
        #expect(try message(good + Array("{\"prompt\": \n".utf8)).hasPrefix("F:2: malformed JSON"))
        #expect(try message(good + Array("[1]\n".utf8)) == "F:2: expected a JSON object, found a list")
        #expect(try message(good + good + Array("{\"prompt\": \"".utf8) + [0xFF] + Array("\"}\n".utf8)) == "F:3: invalid UTF-8")
        #expect(try message(good + Array(#"{"prompt": "a", "chosen": "b", "rejected": "c", "weight": "1"}"#.utf8))
                == "F:2: field \"weight\": must be a number, found a string")
        #expect(try message([]) == "F: no usable examples")
    }
}
