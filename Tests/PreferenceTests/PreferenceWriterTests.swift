import Foundation
import Testing
@testable import Preference

@Suite struct PreferenceWriterTests {
    let pair = PreferencePair(prompt: "Write \"x\"\n", chosen: "ok\t✓", rejected: "no\u{1}", scoreChosen: 0.5, scoreRejected: -1, weight: 1.5)

    @Test func standardLineRoundTrips() throws {
        let line = PreferenceWriter.line(for: pair)
        #expect(line.hasPrefix("{\"prompt\":") && line.contains("\\u0001"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(object["prompt"] as? String == pair.prompt)
        #expect(object["chosen"] as? String == pair.chosen)
        #expect(object["rejected"] as? String == pair.rejected)
        #expect((object["weight"] as? NSNumber)?.doubleValue == 1.5)
        #expect((object["score_rejected"] as? NSNumber)?.doubleValue == -1)
        let keys = ["prompt", "chosen", "rejected", "score_chosen", "score_rejected", "weight"]
        let positions = keys.compactMap { line.range(of: "\"\($0)\":")?.lowerBound }
        #expect(positions.count == 6 && positions == positions.sorted())
    }

    @Test func conversationalLine() throws {
        let line = PreferenceWriter.line(for: pair, style: .conversational)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        let prompt = try #require(object["prompt"] as? [[String: String]])
        let chosen = try #require(object["chosen"] as? [[String: String]])
        #expect(prompt == [["role": "user", "content": pair.prompt]])
        #expect(chosen == [["role": "assistant", "content": pair.chosen]])
    }

    @Test func fileIsWrittenAtomically() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("out.jsonl")
        try Data("old".utf8).write(to: url)
        try PreferenceWriter.write([pair, pair], to: url)
        let text = try String(contentsOf: url, encoding: .utf8)
        #expect(text.split(separator: "\n").count == 2 && text.hasSuffix("\n"))
        var bad = pair
        bad.weight = .nan
        #expect(throws: PreferenceError.self) { try PreferenceWriter.write([pair, bad], to: url) }
        #expect(try String(contentsOf: url, encoding: .utf8) == text, "a failed write leaves the old file")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["out.jsonl"], "no temporary left behind")
    }
}
