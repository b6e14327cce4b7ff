import Foundation
import Testing
@testable import Preference

/// A fixture under Fixtures/importers.
func importerFixture(_ name: String) throws -> URL {
    let base = (name as NSString).deletingPathExtension, ext = (name as NSString).pathExtension
    return try #require(Bundle.module.url(forResource: base, withExtension: ext, subdirectory: "Fixtures/importers"), "missing fixture \(name)")
}

/// The responses of each prompt as (text, score), for compact expectations.
func table(_ dataset: PreferenceDataset) -> [String: [ScoredResponse]] {
    Dictionary(uniqueKeysWithValues: dataset.prompts.map { ($0.prompt, $0.responses) })
}

func importError(_ body: () throws -> Void) -> ImportError? {
    do { try body() } catch let e as ImportError { return e } catch { Issue.record("unexpected error \(error)") }
    return nil
}

@Suite struct CSVReaderTests {
    func fields(_ r: CSVRecord) -> [String]? { if case let .fields(f, _) = r { return f.map(\.text) }; return nil }

    @Test func quotedFieldsCommasNewlinesAndEscapes() {
        let records = CSVReader.records(in: "a,b,c\r\n\"x, y\",\"line1\nline2\",\"say \"\"hi\"\"\"\r\n\n,,\nlast,\"\",end")
        #expect(records.compactMap(fields) == [["a", "b", "c"], ["x, y", "line1\nline2", "say \"hi\""], ["", "", ""], ["last", "", "end"]])
        guard case let .fields(row, line) = records[1] else { Issue.record("no row"); return }
        #expect(line == 2)
        #expect(row.map { [$0.line, $0.column] } == [[2, 1], [2, 8], [3, 8]], "fields start where their quote opens")
        guard case let .fields(_, lastLine) = records[3] else { return }
        #expect(lastLine == 6, "the blank line 4 is skipped but counted")
    }

    @Test func strayQuoteInUnquotedFieldIsText() {
        #expect(CSVReader.records(in: "5\" floppy,ok\n").compactMap(fields) == [["5\" floppy", "ok"]])
    }

    @Test func problemsHavePositionsAndTheReaderResumes() {
        let records = CSVReader.records(in: "a,\"b\"x,c\nd,e,f\ng,\"open\n")
        guard records.count == 3, case let .invalid(l1, c1, r1) = records[0], case let .invalid(l3, c3, r3) = records[2] else {
            Issue.record("expected invalid, fields, invalid: \(records)"); return
        }
        #expect((l1, c1) == (1, 6) && r1.contains("after a closing quote"))
        #expect(fields(records[1]) == ["d", "e", "f"])
        #expect((l3, c3) == (3, 3) && r3.contains("unterminated"))
    }

    @Test func invalidUTF8IsRefused() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("divtune-csv-\(UUID().uuidString).csv")
        defer { try? FileManager.default.removeItem(at: url) }
        try Data([0x61, 0x2C, 0xFF, 0xFE, 0x0A, 0x62, 0x2C, 0x63, 0x0A]).write(to: url)
        var records: [CSVRecord] = []
        try CSVReader.forEachRecord(of: url) { records.append($0) }
        guard records.count == 2, case let .invalid(line, column, reason) = records[0] else { Issue.record("\(records)"); return }
        #expect((line, column) == (1, 3) && reason.contains("UTF-8"))
        #expect(fields(records[1]) == ["b", "c"])
    }

    /// Records that cross the 1 MiB read chunks come out whole.
    @Test func recordsSpanningChunks() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("divtune-csv-\(UUID().uuidString).csv")
        defer { try? FileManager.default.removeItem(at: url) }
        let long = String(repeating: "word, \"quoted\"\n", count: 100_000)
        try Data(("id,text\n1,\"" + long.replacingOccurrences(of: "\"", with: "\"\"") + "\"\n2,short\n").utf8).write(to: url)
        var rows: [[String]] = []
        var reported = 0
        try CSVReader.forEachRecord(of: url, progress: { reported = $0 }) { if let f = fields($0) { rows.append(f) } }
        #expect(rows.count == 3 && rows[1] == ["1", long] && rows[2] == ["2", "short"])
        let size = try #require(FileManager.default.attributesOfItem(atPath: url.path)[.size] as? NSNumber).intValue
        #expect(reported == size)
    }
}

@Suite struct WritingPromptsImporterTests {
    @Test func jsonlRowsGroupedCleanedAndCounted() throws {
        let result = try WritingPromptsImporter().read(url: importerFixture("writingprompts.jsonl"))
        let t = table(result.dataset)
        #expect(result.dataset.prompts.map(\.prompt) == ["[WP] The moon files a noise complaint.", "[ EU ] Gandalf opens a bakery.",
                                                         "[WP] Time travellers keep arriving at the same party.\nNobody invited them."])
        #expect(result.dataset.prompts.map(\.line) == [1, 5, 10])
        #expect(t["[WP] The moon files a noise complaint."] == [ScoredResponse(text: "Dear Earth, your oceans are very loud.", score: 41),
                                                                ScoredResponse(text: "It arrived by tide, folded in sea foam.", score: 7)])
        #expect(t["[ EU ] Gandalf opens a bakery."] == [ScoredResponse(text: "Fly, you fools, the bread is rising.", score: 100),
                                                        ScoredResponse(text: "You shall not pass... without a receipt.", score: 15)])
        #expect(t["[WP] Time travellers keep arriving at the same party.\nNobody invited them."]?.map(\.text)
                == ["The host counted seven of herself.", "RSVP meant nothing anymore."])
        let s = result.summary
        let counts: [Int] = [s.records, s.removedResponses, s.duplicateResponses, s.promptsBelowMinimum, s.prompts, s.responses]
        #expect(counts == [9, 4, 1, 1, 3, 6])
        #expect(s.skipped.isEmpty)
    }

    @Test func stripTagAndMinimumResponses() throws {
        let url = try importerFixture("writingprompts.jsonl")
        let stripped = try WritingPromptsImporter(options: ImportOptions(stripTag: true)).read(url: url)
        #expect(stripped.dataset.prompts.map(\.prompt) == ["The moon files a noise complaint.", "Gandalf opens a bakery.",
                                                           "Time travellers keep arriving at the same party.\nNobody invited them."])
        let none = try WritingPromptsImporter(options: ImportOptions(minimumResponses: 3)).read(url: url)
        #expect(none.dataset.prompts.isEmpty && none.summary.promptsBelowMinimum == 4)
        #expect(throws: PreferenceError.self) { try WritingPromptsImporter(options: ImportOptions(minimumResponses: 1)).read(url: url) }
    }

    @Test func tagStripping() {
        #expect(ImportText.strippingTag("[WP] A") == "A")
        #expect(ImportText.strippingTag("[ PI ]  Two [tags] here") == "Two [tags] here")
        #expect(ImportText.strippingTag("No tag [WP]") == "No tag [WP]")
        #expect(ImportText.strippingTag("[unclosed tag") == "[unclosed tag")
    }

    @Test func csvWithHeaderQuotesCRLFAndBOM() throws {
        let result = try WritingPromptsImporter().read(url: importerFixture("writingprompts.csv"))
        let t = table(result.dataset)
        #expect(t["[WP] A map, drawn by a cat"] == [ScoredResponse(text: "Here be mice.\nAnd here, \"more\" mice.", score: 12),
                                                    ScoredResponse(text: "Scratches near the sofa", score: 3)])
        #expect(t["[WP] Rain that falls upward"]?.map(\.score) == [0, -2])
        #expect(result.dataset.prompts.map(\.line) == [2, 7])
        let s = result.summary
        let counts: [Int] = [s.records, s.removedResponses, s.promptsBelowMinimum, s.prompts, s.responses]
        #expect(counts == [6, 1, 1, 2, 4])
    }

    @Test func csvErrorsNameLineColumnAndField() throws {
        let url = try importerFixture("writingprompts_bad.csv")
        let first = importError { _ = try WritingPromptsImporter().read(url: url) }
        #expect(first?.line == 4 && first?.column == 19 && first?.reason.contains("closing quote") == true)
        #expect(first?.description.hasPrefix(url.path + ":4:19: ") == true)

        let result = try WritingPromptsImporter(options: ImportOptions(skipInvalid: true)).read(url: url)
        #expect(result.summary.records == 7)
        #expect(result.summary.skipped.map(\.line) == [4, 5, 6, 8])
        #expect(result.summary.skipped[1].reason == "column 25: field 'score': expected a number, found \"lots\"")
        #expect(result.summary.skipped[2].reason.hasPrefix("column 22: row has 4 fields but the header has 3"))
        #expect(result.summary.skipped[3].reason.hasPrefix("column 11: unterminated quoted field"))
        #expect(table(result.dataset)["[WP] Good"]?.map(\.text) == ["fine story", "another, fine", "third fine"])
    }

    @Test func csvHeaderProblems() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("x.csv")
        try Data("title,text,score\na,b,1\n".utf8).write(to: url)
        let missing = importError { _ = try WritingPromptsImporter().read(url: url) }
        #expect(missing?.line == 1 && missing?.field == "header" && missing?.reason.contains("comment/body/response") == true)
        try Data().write(to: url)
        #expect(importError { _ = try WritingPromptsImporter().read(url: url) }?.reason.contains("empty") == true)
    }

    @Test func jsonlErrorsNameLineAndField() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("bad.jsonl")
        let lines = [
            #"{"prompt": "p", "comment": "a", "score": 1}"#,
            #"{"prompt": "p", "comment": "b"}"#,
            #"{"prompt": "p", "comment": "c", "score": true}"#,
            #"{"prompt": 3, "comment": "d", "score": 1}"#,
            #"{"comment": "e", "score": 1}"#,
            #"{"prompt": "p", "comment_texts": ["x"], "comment_scores": [1, 2]}"#,
            #"[1, 2]"#,
            #"{"prompt": "p", "comment": "f", "score": 2}"#,
        ]
        try Data(lines.joined(separator: "\n").utf8).write(to: url)
        let first = importError { _ = try WritingPromptsImporter().read(url: url) }
        #expect(first == ImportError(file: url.path, line: 2, field: "score", reason: "missing"))
        let result = try WritingPromptsImporter(options: ImportOptions(skipInvalid: true)).read(url: url)
        #expect(result.summary.skipped.map(\.description) == [
            "\(url.path):2: field 'score': missing",
            "\(url.path):3: field 'score': expected a number, found a boolean",
            "\(url.path):4: field 'prompt': expected a string, found a number",
            "\(url.path):5: field 'prompt|title|post_title': missing (one of these keys is needed)",
            "\(url.path):6: field 'comment_scores': has 2 entries but comment_texts has 1",
            "\(url.path):7: expected a JSON object, found a list",
        ])
        #expect(table(result.dataset)["p"]?.map(\.text) == ["a", "f"])
    }
}

@Suite struct TRLPreferenceImporterTests {
    @Test func standardRowsMergedWithScoresAndDefaults() throws {
        let result = try TRLPreferenceImporter().read(url: importerFixture("trl_standard.jsonl"))
        let t = table(result.dataset)
        #expect(result.dataset.prompts.map(\.prompt) == ["Write a haiku about rust.", "Describe a door."])
        #expect(t["Write a haiku about rust."] == [ScoredResponse(text: "Orange bloom on steel", score: 8.5),
                                                   ScoredResponse(text: "Rust is bad.", score: 2.5),
                                                   ScoredResponse(text: "Iron slowly dreams", score: 7)])
        #expect(t["Describe a door."] == [ScoredResponse(text: "It was blue.", score: 1), ScoredResponse(text: "A door.", score: 0.5),
                                          ScoredResponse(text: "Door.", score: 0)], "defaults 1/0; a repeated response gets its win rate")
        let s = result.summary, counts: [Int] = [s.records, s.duplicateResponses, s.prompts, s.responses]
        #expect(counts == [4, 2, 2, 6])
    }

    @Test func conversationalRowsAndImplicitPrompts() throws {
        let result = try TRLPreferenceImporter().read(url: importerFixture("trl_conversational.jsonl"))
        #expect(result.dataset.prompts.count == 1)
        #expect(table(result.dataset)["A line about snow."] == [
            ScoredResponse(text: "Snow forgets the road.", score: 1), ScoredResponse(text: "It is cold.", score: 0),
            ScoredResponse(text: "White hush on the pines.", score: 1), ScoredResponse(text: "Snow.", score: 0)])
    }

    @Test func errorsNameLineAndField() throws {
        let url = try importerFixture("trl_bad.jsonl")
        let first = importError { _ = try TRLPreferenceImporter().read(url: url) }
        #expect(first == ImportError(file: url.path, line: 2, field: "score_rejected", reason: "missing while score_chosen is given"))
        let result = try TRLPreferenceImporter(options: ImportOptions(skipInvalid: true)).read(url: url)
        let reasons = result.summary.skipped.map { "\($0.line) \($0.reason)" }
        #expect(reasons.count == 7)
        #expect(reasons[0...5] == [
            "2 field 'score_rejected': missing while score_chosen is given",
            "3 field 'chosen': expected a string or a list of messages, found a number",
            "4 field 'chosen': missing",
            "5 field 'prompt': missing (rows without a prompt need chosen and rejected as conversations that include the user turn)",
            "6 field 'chosen': has no assistant message",
            "7 field 'score_chosen': expected a number, found \"high\"",
        ])
        #expect(reasons[6].hasPrefix("8 malformed JSON"))
        #expect(table(result.dataset)["Fine."] == [ScoredResponse(text: "yes", score: 1), ScoredResponse(text: "no", score: 0),
                                                  ScoredResponse(text: "perhaps", score: 1)])
    }
}

@Suite struct GroupedOutputTests {
    /// What the importers write is what `prepare` reads, and `best` picks the first top-scored response.
    @Test func writtenGroupsReadBackAndBestResponses() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let imported = try WritingPromptsImporter().read(url: importerFixture("writingprompts.jsonl")).dataset
        let grouped = dir.appendingPathComponent("grouped.jsonl")
        try GroupedDatasetWriter.write(imported.prompts, to: grouped)
        let back = try PreferenceDataset.read(url: grouped, format: .grouped)
        #expect(back.prompts.map { PromptResponses(prompt: $0.prompt, responses: $0.responses) }
                == imported.prompts.map { PromptResponses(prompt: $0.prompt, responses: $0.responses) })
        let firstLine = try String(contentsOf: grouped, encoding: .utf8).split(separator: "\n")[0]
        #expect(firstLine == #"{"prompt":"[WP] The moon files a noise complaint.","responses":[{"text":"Dear Earth, your oceans are very loud.","score":41},{"text":"It arrived by tide, folded in sea foam.","score":7}]}"#)
        #expect(GroupedDatasetWriter.number(2.5) == "2.5" && GroupedDatasetWriter.number(-3) == "-3")

        let tie = PreferenceDataset(prompts: [PromptResponses(prompt: "q", responses: [ScoredResponse(text: "low", score: 1),
            ScoredResponse(text: "first top", score: 5), ScoredResponse(text: "second top", score: 5)])])
        #expect(BestResponseExporter.best(tie).map(\.completion) == ["first top"])
        let sft = dir.appendingPathComponent("sft.jsonl")
        try BestResponseExporter.write(BestResponseExporter.best(back), to: sft)
        let rows = try String(contentsOf: sft, encoding: .utf8).split(separator: "\n").map {
            try #require(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: String])
        }
        #expect(rows.map { $0["completion"] ?? "" } == ["Dear Earth, your oceans are very loud.", "Fly, you fools, the bread is rising.",
                                                        "The host counted seven of herself."])
        #expect(rows.allSatisfy { Set($0.keys) == ["prompt", "completion"] })
        try BestResponseExporter.write(BestResponseExporter.best(tie), to: sft, style: .conversational)
        #expect(try String(contentsOf: sft, encoding: .utf8)
                == #"{"prompt":[{"role":"user","content":"q"}],"completion":[{"role":"assistant","content":"first top"}]}"# + "\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == ["grouped.jsonl", "sft.jsonl"], "no temporary files left")
    }
}

@Suite struct JSONStringBytesTests {
    /// The byte writer produces exactly `JSONText.string`'s text (and so valid JSON that reads back).
    @Test func matchesJSONTextAndRoundTrips() throws {
        let samples = ["", "plain", "quote \" and \\ backslash", "new\nline\r\ttab", "\u{0}\u{1}\u{1F}\u{7F}", "“curly” — émoji 🐉 中文",
                       String((0..<200).map { Character(UnicodeScalar(UInt8($0 % 128))) })]
        for s in samples {
            var bytes: [UInt8] = []
            JSONStringBytes.append(s, to: &bytes)
            #expect(String(decoding: bytes, as: UTF8.self) == JSONText.string(s))
            let decoded = try JSONSerialization.jsonObject(with: Data(bytes), options: .fragmentsAllowed) as? String
            #expect(decoded == s)
        }
    }
}

@Suite struct ImportSummaryTests {
    @Test func closingSummaryWording() throws {
        let result = try TRLPreferenceImporter(options: ImportOptions(skipInvalid: true)).read(url: importerFixture("trl_bad.jsonl"))
        #expect(result.summary.description == "9 records → 1 prompt, 3 responses; 7 invalid records skipped; 1 duplicate response merged")
        let record = result.summary.record
        #expect(record["skipped"] as? Int == 7 && record["prompts"] as? Int == 1 && record["duplicate_responses"] as? Int == 1)
    }
}
