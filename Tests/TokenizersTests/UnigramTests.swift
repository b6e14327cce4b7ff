import Foundation
import Testing
@testable import Tokenizers

/// SentencePiece Unigram with XLM-RoBERTa's pipeline (Precompiled nmt_nfkc normalizer, Metaspace,
/// `<s> … </s>`) against HF `tokenizers` (unigram_cases.json, scripts/reference/embeddings_papers.py).
@Suite("Unigram parity with HF tokenizers")
struct UnigramTests {
    struct Variant: Decodable {
        struct Case: Decodable { let text: String; let ids: [Int]; let ids_no_special: [Int]; let decoded: String }
        let tokenizer_json: String?
        let cases: [Case]
    }

    static let marker = "<precompiled_charsmap of unigram/tokenizer.json>"
    static var tokenizerURL: URL { get throws { try #require(Bundle.module.url(forResource: "tokenizer", withExtension: "json", subdirectory: "Fixtures/unigram")) } }

    static func variants() throws -> [String: Variant] {
        let url = try #require(fixtureURL("unigram_cases"))
        return try JSONDecoder().decode([String: Variant].self, from: Data(contentsOf: url))
    }

    /// A variant's tokenizer: its own JSON with the shared charsmap put back, or the fixture file.
    static func tokenizer(_ variant: Variant) throws -> PreTrainedTokenizer {
        guard let json = variant.tokenizer_json else { return try PreTrainedTokenizer(tokenizerJSON: tokenizerURL) }
        let base = try JSONSerialization.jsonObject(with: Data(contentsOf: tokenizerURL)) as? [String: Any]
        let charsmap = try #require((base?["normalizer"] as? [String: Any])?["precompiled_charsmap"] as? String)
        return try PreTrainedTokenizer(data: Data(json.replacingOccurrences(of: marker, with: charsmap).utf8))
    }

    @Test("ids with and without <s>/</s> and decoding match HF for accents, CJK, emoji, whitespace runs and unknown characters",
          arguments: ["xlmr", "replace_spaces", "byte_fallback"])
    func parity(variant name: String) throws {
        let variant = try #require(try Self.variants()[name])
        let tokenizer = try Self.tokenizer(variant)
        #expect(variant.cases.count >= 19)
        for c in variant.cases {
            #expect(tokenizer.encode(c.text, addSpecialTokens: true) == c.ids, "\(name) encode \(c.text.debugDescription)")
            #expect(tokenizer.encode(c.text, addSpecialTokens: false) == c.ids_no_special, "\(name) encode-plain \(c.text.debugDescription)")
            #expect(tokenizer.decode(c.ids, skipSpecialTokens: true) == c.decoded, "\(name) decode \(c.text.debugDescription)")
        }
    }

    @Test("the fixture exercises unknown-character fusing, whitespace runs and the Precompiled rewrites")
    func coverage() throws {
        let cases = try #require(try Self.variants()["xlmr"]).cases
        // Thai is absent from the training text: one fused <unk> per run, not one per character.
        let thai = try #require(cases.first { $0.text.hasPrefix("ภาษา") })
        #expect(thai.ids_no_special.prefix(2) == [4, 3])
        // Full-width letters are rewritten to ASCII by nmt_nfkc before the vocabulary sees them.
        let tokenizer = try PreTrainedTokenizer(tokenizerJSON: Self.tokenizerURL)
        #expect(tokenizer.encode("Ｆｕｌｌ", addSpecialTokens: false) == tokenizer.encode("Full", addSpecialTokens: false))
    }

    @Test("Viterbi picks the highest-scoring segmentation and fuses unknown runs")
    func viterbi() throws {
        let json = #"{"model": {"type": "Unigram", "unk_id": 0, "vocab": [["<unk>", 0], ["a", -1], ["b", -1], ["ab", -1.5], ["abc", -5], ["c", -1]]}}"#
        let tokenizer = try PreTrainedTokenizer(data: Data(json.utf8))
        #expect(tokenizer.encode("ab", addSpecialTokens: false) == [3])          // -1.5 beats a+b = -2
        #expect(tokenizer.encode("abc", addSpecialTokens: false) == [3, 5])      // ab+c = -2.5 beats abc = -5
        #expect(tokenizer.encode("xyab", addSpecialTokens: false) == [0, 3])     // "xy" is one fused <unk>
    }

    @Test("bad Unigram files name the field")
    func badInput() throws {
        func failure(_ json: String) -> String {
            do { _ = try PreTrainedTokenizer(data: Data(json.utf8), source: "t.json"); return "" } catch { return "\(error)" }
        }
        #expect(failure(#"{"model": {"type": "Unigram", "unk_id": 7, "vocab": [["a", -1]]}}"#).contains("model.unk_id"))
        #expect(failure(#"{"model": {"type": "Unigram", "vocab": [["a", -1]]}}"#).contains("model.unk_id"))
        #expect(failure(#"{"model": {"type": "Unigram", "unk_id": 0, "vocab": [["a", "x"]]}}"#).contains("model.vocab[0]"))
        #expect(failure(#"{"model": {"type": "WordLevel", "vocab": {}}}"#).contains("model.type"))
        #expect(failure(#"{"normalizer": {"type": "Precompiled", "precompiled_charsmap": "AQ=="}, "model": {"type": "Unigram", "unk_id": 0, "vocab": [["a", -1]]}}"#)
                    .contains("normalizer.precompiled_charsmap"))
        #expect(failure(#"{"pre_tokenizer": {"type": "Metaspace", "prepend_scheme": "first"}, "model": {"type": "Unigram", "unk_id": 0, "vocab": [["a", -1]]}}"#)
                    .contains("pre_tokenizer.prepend_scheme"))
    }

    @Test("legacy Metaspace (add_prefix_space) reads as prepend_scheme always; never prepends nothing")
    func metaspaceSchemes() throws {
        func tokenizer(_ pre: String) throws -> PreTrainedTokenizer {
            try PreTrainedTokenizer(data: Data((#"{"pre_tokenizer": "# + pre + #", "decoder": "# + pre
                + #", "model": {"type": "Unigram", "unk_id": 0, "vocab": [["<unk>", 0], ["▁a", -1], ["a", -1], ["▁", -2]]}}"#).utf8))
        }
        let legacy = try tokenizer(#"{"type": "Metaspace", "replacement": "▁", "add_prefix_space": true}"#)
        #expect(legacy.encode("a a", addSpecialTokens: false) == [1, 1])
        #expect(legacy.decode([1, 1]) == "a a")
        let never = try tokenizer(#"{"type": "Metaspace", "replacement": "▁", "prepend_scheme": "never", "split": true}"#)
        #expect(never.encode("a a", addSpecialTokens: false) == [2, 1])
        #expect(never.decode([2, 1]) == "a a")
    }
}
