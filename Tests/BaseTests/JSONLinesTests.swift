import Base
import Foundation
import Testing

@Suite struct JSONLinesTests {
    func file(_ bytes: [UInt8]) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("jsonl-\(UUID().uuidString).jsonl")
        try Data(bytes).write(to: url)
        return url
    }

    func file(_ text: String) throws -> URL { try file(Array(text.utf8)) }

    func message(_ body: () throws -> Void) -> String {
        do { try body(); return "no error" } catch { return "\(error)" }
    }

    @Test func crlfAndBlankLinesKeepTheirLineNumbers() throws {
        let url = try file("{\"prompt\": \"a\"}\r\n\r\n  \r\n{\"prompt\": \"b\"}\r\n")
        let rows = try JSONLines.rows(of: url)
        #expect(rows.map(\.line) == [1, 4])
        #expect(try rows.map { try $0.string("prompt") } == ["a", "b"])
    }

    @Test func badLinesAreNamed() throws {
        let bad = try file("{\"a\": 1}\n{\"a\": \n")
        #expect(message { _ = try JSONLines.rows(of: bad) }.hasPrefix("\(bad.path):2: malformed JSON"))
        let list = try file("[1, 2]\n")
        #expect(message { _ = try JSONLines.rows(of: list) } == "\(list.path):1: expected a JSON object, found a list")
        let latin1 = try file(Array("{\"a\": \"ok\"}\n{\"a\": \"".utf8) + [0xE9] + Array("\"}\n".utf8))
        #expect(message { _ = try JSONLines.rows(of: latin1) } == "\(latin1.path):2: invalid UTF-8")
        let missing = FileManager.default.temporaryDirectory.appendingPathComponent("absent-\(UUID().uuidString).jsonl")
        #expect(message { _ = try JSONLines.rows(of: missing) }.hasPrefix("\(missing.path): cannot read the file"))
    }

    /// Python's json keeps a repeated key's last value, Foundation its first: such rows are refused.
    @Test func aKeyTwiceInOneObjectIsRefusedNamingIt() throws {
        let rows = try file("{\"prompt\": \"a\"}\n{\"prompt\": \"a\", \"prompt\": \"b\"}\n")
        #expect(message { _ = try JSONLines.rows(of: rows) } == "\(rows.path):2: malformed JSON (key \"prompt\" appears twice)")
        struct Record: Decodable { var prompt: String }
        let nested = try file(#"{"prompt": "a", "meta": {"x": 1, "\u0078": 2}}"# + "\n")
        #expect(message { _ = try JSONLines.read(Record.self, from: nested) } == "\(nested.path):1: field \"meta.x\": appears twice in one object")
        // The same key in different objects, and keys inside strings and lists, are not repeats.
        let fine = try file(#"{"a": {"a": 1}, "b": [{"a": 1}, {"a": 2}], "c": "\"a\": 1, \"a\": 2", "d": ["a", "a"]}"# + "\n")
        #expect(try JSONLines.rows(of: fine).count == 1)
        #expect(JSONDuplicateKeys.first(in: Data(#"[{"k": 1}, {"k": 2, "j": {"k": 3}, "k": 4}]"#.utf8)) == "[1].k")
        #expect(JSONDuplicateKeys.first(in: Data(#"{"a": [[1, {"x": 1}], [{"x": 1, "y": [{"x": 2}], "x": 3}]]}"#.utf8)) == "a[1][0].x")
        #expect(JSONDuplicateKeys.first(in: Data(#"{"model": {"vocab": {"a": 0, "b": 1, "a": 2}}}"#.utf8)) == "model.vocab.a")
    }

    @Test func typedFieldsNameTheField() throws {
        let url = try file(#"{"s": 1, "xs": ["a", 2], "n": "x", "m": [{"role": "user"}]}"# + "\n")
        let row = try #require(try JSONLines.rows(of: url).first)
        #expect(message { _ = try row.string("s") } == "\(url.path):1: field \"s\": must be a string, found a number")
        #expect(message { _ = try row.string("absent") } == "\(url.path):1: field \"absent\": missing")
        #expect(message { _ = try row.strings("xs") } == "\(url.path):1: field \"xs[1]\": must be a string, found a number")
        #expect(message { _ = try row.finiteNumber("n") } == "\(url.path):1: field \"n\": must be a number, found a string")
        #expect(message { _ = try row.messages("m") } == "\(url.path):1: field \"m[0]\": a message needs string 'role' and 'content'")
    }

    @Test func typedRecordsAndLinesLongerThanAChunk() throws {
        struct Record: Decodable { var prompt: String }
        let long = String(repeating: "é", count: 700_000)  // 1.4 MB: the line spans two read chunks
        let url = try file("{\"prompt\": \"\(long)\"}\n{\"other\": 1}\n")
        #expect(message { _ = try JSONLines.read(Record.self, from: url) } == "\(url.path):2: missing field \"prompt\"")
        var lengths: [Int] = []
        try JSONLines.forEachLine(of: url) { _, bytes in lengths.append(bytes.count) }
        #expect(lengths == [1_400_014, 12])
    }

    @Test func jsonValueKeepsBooleansAndNumbersApart() throws {
        let v = try JSONValue.parse(Data(#"{"t": true, "one": 1, "s": "x", "n": null, "l": [1.5]}"#.utf8))
        #expect(v["t"] == .bool(true) && v["one"] == .number(1) && v["s"] == .string("x") && v["n"] == .null)
        #expect(v["l"] == .array([.number(1.5)]))
        let round = try JSONValue.parse(JSONEncoder().encode(v))
        #expect(round == v)
    }
}
