import Foundation
import Testing
import Tokenizers

/// Hostile `tokenizer.json` files and texts (issue 23): numbers that would size an allocation are
/// checked first, merges must name tokens of the vocabulary, and encoding time stays linear.
@Suite struct HostileTokenizerTests {
    func error(_ json: String) -> TokenizerError? {
        do {
            _ = try PreTrainedTokenizer(data: Data(json.utf8), source: "t.json")
            return nil
        } catch {
            return error as? TokenizerError
        }
    }

    func expectInvalid(_ json: String, field: String, _ fragments: [String], sourceLocation: SourceLocation = #_sourceLocation) {
        guard let e = error(json) else { Issue.record("accepted: \(json)", sourceLocation: sourceLocation); return }
        guard case let .invalid(source, f, reason) = e else { Issue.record("\(e)", sourceLocation: sourceLocation); return }
        #expect(source == "t.json" && f == field, "\(e)", sourceLocation: sourceLocation)
        for fragment in fragments where !reason.contains(fragment) {
            Issue.record("\"\(reason)\" does not mention \"\(fragment)\"", sourceLocation: sourceLocation)
        }
    }

    @Test func vocabularyIdsOutOfRange() {
        expectInvalid(#"{"model": {"type": "BPE", "vocab": {"a": 0, "b": 1000000000000}, "merges": []}}"#,
                      field: #"model.vocab["b"]"#, ["1000000000000", "0..<65538"])
        expectInvalid(#"{"model": {"type": "BPE", "vocab": {"a": 0, "b": -3}, "merges": []}}"#, field: #"model.vocab["b"]"#, ["-3"])
        expectInvalid(#"{"model": {"type": "WordPiece", "vocab": {"[UNK]": 0, "b": 9223372036854775807}}}"#,
                      field: #"model.vocab["b"]"#, ["9223372036854775807"])
        expectInvalid(#"{"added_tokens": [{"id": 1000000000000, "content": "<x>"}], "model": {"type": "BPE", "vocab": {"a": 0}, "merges": []}}"#,
                      field: "added_tokens[0].id", ["1000000000000"])
        expectInvalid(#"{"added_tokens": [{"id": -1, "content": "<x>"}], "model": {"type": "BPE", "vocab": {"a": 0}, "merges": []}}"#,
                      field: "added_tokens[0].id", ["-1"])
        // Gaps within the allowance are fine (some vocabularies skip ids).
        #expect(error(#"{"added_tokens": [{"id": 500, "content": "<x>"}], "model": {"type": "BPE", "vocab": {"a": 0, "b": 300}, "merges": []}}"#) == nil)
    }

    @Test func mergesMustNameTokensOfTheVocabulary() {
        let vocab = #""vocab": {"a": 0, "b": 1, "ab": 2}"#
        expectInvalid(#"{"model": {"type": "BPE", \#(vocab), "merges": ["a b", "a c"]}}"#, field: "model.merges[1]", ["'c'", "not in the vocabulary"])
        expectInvalid(#"{"model": {"type": "BPE", \#(vocab), "merges": [["x", "b"]]}}"#, field: "model.merges[0]", ["'x'"])
        expectInvalid(#"{"model": {"type": "BPE", \#(vocab), "merges": ["b a"]}}"#, field: "model.merges[0]", ["'ba'"])
        #expect(error(#"{"model": {"type": "BPE", \#(vocab), "merges": ["a b"]}}"#) == nil)
        // GGUF files keep llama.cpp's rule: merges that cannot apply are skipped.
        #expect(throws: Never.self) {
            try PreTrainedTokenizer.fromGGUF(model: "gpt2", tokens: ["a", "b", "ab"], merges: ["a b", "a c"], tokenTypes: [], pre: nil,
                                             bosTokenId: nil, eosTokenId: nil, addBos: nil, source: "m.gguf")
        }
    }

    /// Seconds to encode `text`.
    func encodingTime(_ tokenizer: PreTrainedTokenizer, _ text: String) -> Double {
        let start = Date()
        _ = tokenizer.encode(text, addSpecialTokens: false)
        return Date().timeIntervalSince(start)
    }

    @Test func oneRepeatedCharacterEncodesInLinearTime() throws {
        let tokenizer = try #require(try SmolLM2.tokenizer, "needs \(smolLM2Path)")
        let size = 1 << 20
        var prose = TokenizerSpeedTests.prose
        while prose.utf8.count < size { prose += " " + prose }
        prose = String(prose.utf8.prefix(size))!
        let normal = encodingTime(tokenizer, prose)
        // One word of a million letters, a run of whitespace, a million one-digit words, a 4-byte scalar.
        for character in ["a", " ", "1", "😀"] {
            let text = String(repeating: character, count: size / character.utf8.count)
            let seconds = encodingTime(tokenizer, text)
            #expect(seconds < 20 * max(normal, 0.05), "\(size) bytes of '\(character)': \(seconds) s, normal text \(normal) s")
        }
    }
}
