import ArgumentParser
import Foundation
import Preference
import Testing
@testable import divtune

/// Runs `divtune ARGS…` in-process, as the shell would (parsing, validation, run).
func runDivTune(_ arguments: [String]) throws {
    var command = try DivTune.parseAsRoot(arguments)
    try command.run()
}

@Suite struct ImportCommandTests {
    let folder: URL

    /// Input with nothing usable (an empty file) is an error that leaves an existing output alone.
    @Test func emptyInputNeverReplacesTheOutput() throws {
        let empty = folder.appendingPathComponent("empty.jsonl").path
        try Data().write(to: URL(fileURLWithPath: empty))
        let output = folder.appendingPathComponent("kept.jsonl")
        try Data("{\"kept\": true}\n".utf8).write(to: output)
        for arguments in [["import", "trl", "--input", empty, "--output", output.path],
                          ["import", "best", "--input", empty, "--output", output.path],
                          ["prepare", "--input", empty, "--output", output.path, "--deviation", "none"]] {
            #expect { try runDivTune(arguments) } throws: { "\($0)".contains("was not written") }
            #expect(try String(contentsOf: output, encoding: .utf8) == "{\"kept\": true}\n", "\(arguments[0...1])")
        }
    }

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("divtune-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    func file(_ name: String, _ lines: [String]) throws -> String {
        let url = folder.appendingPathComponent(name)
        try Data(lines.joined(separator: "\n").utf8).write(to: url)
        return url.path
    }

    func jsonLines(_ path: String) throws -> [[String: Any]] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map {
            try #require(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
    }

    @Test func writingPromptsCSVThenBest() throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let input = try file("dump.csv", [
            "title,body,score",
            "[WP] Cats rule,\"The cat, crowned.\",50",
            "[WP] Cats rule,\"Dogs \"\"object\"\".\",70",
            "[WP] Cats rule,[removed],99",
            "[WP] Solo,only one,1",
            "[WP] Cats rule,oops,many",
        ])
        let grouped = folder.appendingPathComponent("grouped.jsonl").path
        let log = folder.appendingPathComponent("import.log.jsonl").path
        try runDivTune(["import", "writingprompts", "--input", input, "--output", grouped, "--strip-tag", "--skip-invalid", "--log", log])
        let rows = try jsonLines(grouped)
        #expect(rows.count == 1 && rows[0]["prompt"] as? String == "Cats rule")
        #expect((rows[0]["responses"] as? [[String: Any]])?.compactMap { $0["text"] as? String } == ["The cat, crowned.", "Dogs \"object\"."])
        let logged = try jsonLines(log)
        #expect(logged.first?["event"] as? String == "import" && logged.first?["skipped"] as? Int == 1 && logged.first?["prompts_below_minimum"] as? Int == 1)
        #expect(logged.last?["line"] as? Int == 6)

        let sft = folder.appendingPathComponent("sft.jsonl").path
        try runDivTune(["import", "best", "--input", grouped, "--output", sft])
        let best = try jsonLines(sft)
        #expect(best.count == 1 && best[0]["prompt"] as? String == "Cats rule" && best[0]["completion"] as? String == "Dogs \"object\".")

        // Without --skip-invalid the bad score stops the import, naming file, line, column and field,
        // and the earlier output is left as it was.
        do {
            try runDivTune(["import", "writingprompts", "--input", input, "--output", grouped, "--format", "csv"])
            Issue.record("expected an error")
        } catch let error as ImportError {
            #expect(error.description == "\(input):6:21: field 'score': expected a number, found \"many\"")
        }
        #expect(try jsonLines(grouped).count == 1)
    }

    @Test func trlImport() throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let input = try file("pairs.jsonl", [
            #"{"prompt": "[WP] Fog", "chosen": "Soft grey.", "rejected": "Fog."}"#,
            #"{"prompt": [{"role": "user", "content": "[WP] Fog"}], "chosen": [{"role": "assistant", "content": "The harbour vanished."}], "rejected": [{"role": "assistant", "content": "Fog."}]}"#,
        ])
        let output = folder.appendingPathComponent("grouped.jsonl").path
        try runDivTune(["import", "trl", "--input", input, "--output", output, "--min-responses", "3"])
        let rows = try jsonLines(output)
        #expect(rows.count == 1 && rows[0]["prompt"] as? String == "[WP] Fog")
        let scores = (rows[0]["responses"] as? [[String: Any]])?.compactMap { ($0["score"] as? NSNumber)?.doubleValue }
        #expect(scores == [1, 0, 1])
        // The written file is what `prepare` reads.
        #expect(try PreferenceDataset.read(url: URL(fileURLWithPath: output)).responseCount == 3)
    }

    @Test func optionValidation() throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let input = try file("x.jsonl", [])
        #expect(throws: (any Error).self) { try runDivTune(["import", "trl", "--input", input, "--output", "o.jsonl", "--min-responses", "1"]) }
        #expect(throws: (any Error).self) { try runDivTune(["import", "trl", "--input", "/nonexistent/in.jsonl", "--output", "o.jsonl"]) }
        #expect(throws: (any Error).self) { try runDivTune(["import", "writingprompts", "--input", input, "--output", "o.jsonl", "--format", "xml"]) }
    }
}
