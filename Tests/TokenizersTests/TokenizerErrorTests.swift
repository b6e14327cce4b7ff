import Foundation
import Testing
import Tokenizers

@Suite("Bad input gives TokenizerError naming the file and field")
struct TokenizerErrorTests {
    private func temporaryFile(_ contents: String) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("divtune-tok-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let url = dir.appendingPathComponent("tokenizer.json")
        try contents.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    private func error(_ body: () throws -> Any) -> TokenizerError? {
        do { _ = try body(); return nil } catch { return error as? TokenizerError }
    }

    private let tiny = #"{"model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2}, "merges": ["a b"]}, "#

    @Test func missingFile() {
        let url = URL(fileURLWithPath: "/nonexistent/tokenizer.json")
        #expect(error { try PreTrainedTokenizer(tokenizerJSON: url) } == .missingFile(path: url.path))
    }

    @Test func corruptJSON() throws {
        let url = try temporaryFile(#"{"model": {"type": "BPE", "vocab": {"a": 0"#)
        let e = try #require(error { try PreTrainedTokenizer(tokenizerJSON: url) })
        guard case let .invalid(source, _, _) = e else { Issue.record("\(e)"); return }
        #expect(source == url.path)
    }

    @Test func missingModel() throws {
        let url = try temporaryFile(#"{"version": "1.0", "added_tokens": []}"#)
        #expect(error { try PreTrainedTokenizer(tokenizerJSON: url) } == .invalid(source: url.path, field: "model", reason: "missing"))
    }

    @Test func missingVocab() throws {
        let url = try temporaryFile(#"{"model": {"type": "BPE", "merges": []}}"#)
        #expect(error { try PreTrainedTokenizer(tokenizerJSON: url) } == .invalid(source: url.path, field: "model.vocab", reason: "missing"))
    }

    @Test func badMerge() throws {
        let url = try temporaryFile(#"{"model": {"type": "BPE", "vocab": {"a": 0}, "merges": ["a b", "nospace"]}}"#)
        let e = try #require(error { try PreTrainedTokenizer(tokenizerJSON: url) })
        guard case let .invalid(source, field, _) = e else { Issue.record("\(e)"); return }
        #expect(source == url.path && field == "model.merges[1]")
        #expect(e.description.contains(url.path) && e.description.contains("model.merges[1]"))
    }

    @Test func unsupportedPreTokenizer() throws {
        let url = try temporaryFile(tiny + #""pre_tokenizer": {"type": "Sequence", "pretokenizers": [{"type": "CharDelimiterSplit", "delimiter": "-"}]}}"#)
        let e = try #require(error { try PreTrainedTokenizer(tokenizerJSON: url) })
        guard case let .unsupported(source, field, what) = e else { Issue.record("\(e)"); return }
        #expect(source == url.path && field == "pre_tokenizer.pretokenizers[0].type" && what.contains("CharDelimiterSplit"))
    }

    @Test func badRegex() throws {
        let url = try temporaryFile(tiny + #""pre_tokenizer": {"type": "Split", "pattern": {"Regex": "(unclosed"}, "behavior": "Isolated"}}"#)
        let e = try #require(error { try PreTrainedTokenizer(tokenizerJSON: url) })
        guard case let .invalid(source, _, reason) = e else { Issue.record("\(e)"); return }
        #expect(source == url.path && reason.contains("(unclosed"))
    }

    @Test func unknownWordPieceUnk() throws {
        let url = try temporaryFile(#"{"model": {"type": "WordPiece", "vocab": {"a": 0}, "unk_token": "[UNK]"}}"#)
        #expect(error { try PreTrainedTokenizer(tokenizerJSON: url) }
                == .invalid(source: url.path, field: "model.unk_token", reason: "'[UNK]' is not in the vocabulary"))
    }

    @Test func badTokenizerConfig() throws {
        let dir = try temporaryFile(tiny + "\"decoder\": null}").deletingLastPathComponent()
        let config = dir.appendingPathComponent("tokenizer_config.json")
        try #"{"add_bos_token": "yes"}"#.write(to: config, atomically: true, encoding: .utf8)
        #expect(error { try PreTrainedTokenizer(tokenizerJSON: dir.appendingPathComponent("tokenizer.json")) }
                == .invalid(source: config.path, field: "add_bos_token", reason: "expected Bool"))
    }

    /// An empty file, a PNG, a JSON list and Latin-1 text named tokenizer.json; a key repeated in
    /// one object (the tokenizers library keeps the last value, Foundation the first).
    @Test func emptyForeignAndRepeatedKeyFiles() throws {
        func message(_ bytes: [UInt8]) throws -> String {
            let url = try temporaryFile("")
            try Data(bytes).write(to: url)
            let e = try #require(error { try PreTrainedTokenizer(tokenizerJSON: url) })
            return e.description.replacingOccurrences(of: url.path, with: "F")
        }
        #expect(try message([]) == "F: invalid '(root)': The given data was not valid JSON.")
        #expect(try message([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) == "F: invalid '(root)': The given data was not valid JSON.")
        #expect(try message(Array("[1, 2]".utf8)) == "F: invalid '(root)': expected Dictionary<String, Any>")
        #expect(try message(Array(#"{"model": {"type": "BPE", "vocab": {""#.utf8) + [0xE9] + Array(#"": 0}, "merges": []}}"#.utf8))
                == "F: invalid '(root)': The given data was not valid JSON.")
        #expect(try message(Array(#"{"model": {"type": "BPE", "vocab": {"a": 0, "a": 1}, "merges": []}}"#.utf8))
                == "F: invalid 'model.vocab.a': appears twice in one object")
        let dir = try temporaryFile(tiny + "\"decoder\": null}").deletingLastPathComponent()
        let config = dir.appendingPathComponent("tokenizer_config.json")
        try #"{"add_bos_token": true, "add_bos_token": false}"#.write(to: config, atomically: true, encoding: .utf8)
        #expect(error { try PreTrainedTokenizer(tokenizerJSON: dir.appendingPathComponent("tokenizer.json")) }
                == .invalid(source: config.path, field: "add_bos_token", reason: "appears twice in one object"))
    }

    @Test func badGGUFMetadata() {
        let tokens = ["a", "b", "ab"]
        #expect(error { try PreTrainedTokenizer.fromGGUF(model: "llama", tokens: tokens, merges: [], tokenTypes: [], pre: nil,
                                                         bosTokenId: nil, eosTokenId: nil, addBos: nil, source: "m.gguf") }
                == .unsupported(source: "GGUF m.gguf", field: "tokenizer.ggml.model", what: "'llama' (supported: gpt2, byte-level BPE)"))
        #expect(error { try PreTrainedTokenizer.fromGGUF(model: "gpt2", tokens: tokens, merges: ["a b"], tokenTypes: [], pre: nil,
                                                         bosTokenId: 7, eosTokenId: nil, addBos: nil, source: "m.gguf") }
                == .invalid(source: "GGUF m.gguf", field: "tokenizer.ggml.bos_token_id", reason: "7 is outside the vocabulary of 3"))
        #expect(error { try PreTrainedTokenizer.fromGGUF(model: "gpt2", tokens: tokens, merges: ["ab"], tokenTypes: [], pre: nil,
                                                         bosTokenId: nil, eosTokenId: nil, addBos: nil, source: "m.gguf") }
                == .invalid(source: "GGUF m.gguf", field: "tokenizer.ggml.merges[0]", reason: "'ab' is not two tokens separated by a space"))
        #expect(error { try PreTrainedTokenizer.fromGGUF(model: "gpt2", tokens: tokens, merges: [], tokenTypes: [], pre: "martian",
                                                         bosTokenId: nil, eosTokenId: nil, addBos: nil, source: "m.gguf") }
                == .unsupported(source: "GGUF m.gguf", field: "tokenizer.ggml.pre", what: "'martian'"))
        #expect(error { try PreTrainedTokenizer.fromGGUF(model: "gpt2", tokens: tokens, merges: [], tokenTypes: [1], pre: nil,
                                                         bosTokenId: nil, eosTokenId: nil, addBos: nil, source: "m.gguf") }
                == .invalid(source: "GGUF m.gguf", field: "tokenizer.ggml.token_type", reason: "1 entries for 3 tokens"))
    }
}
