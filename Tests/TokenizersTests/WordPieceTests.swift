import Foundation
import Testing
import Tokenizers

/// BERT WordPiece (all-MiniLM-L6-v2's tokenizer.json) against HF `tokenizers` (wordpiece_cases.json).
@Suite("WordPiece parity with HF tokenizers")
struct WordPieceTests {
    struct Fixture: Decodable {
        struct Case: Decodable { let ids: [Int]; let ids_no_special: [Int]; let ids_truncated: [Int]; let decoded_skip: String; let decoded: String }
        let strings: [String]
        let max_length: Int
        let cases: [Case]
    }

    static let built: Result<PreTrainedTokenizer, Error> = Result { try PreTrainedTokenizer(tokenizerJSON: miniLMTokenizerURL) }
    static var tokenizer: PreTrainedTokenizer { get throws { try built.get() } }

    @Test("ids, ids without [CLS]/[SEP], truncated ids and decoding match HF on every string")
    func parity() throws {
        let tokenizer = try Self.tokenizer
        let url = try #require(fixtureURL("wordpiece_cases"))
        let fixture = try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
        #expect(fixture.cases.count == fixture.strings.count && fixture.cases.count > 60)
        for (text, c) in zip(fixture.strings, fixture.cases) {
            #expect(tokenizer.encode(text, addSpecialTokens: true) == c.ids, "encode \(text.debugDescription)")
            #expect(tokenizer.encode(text, addSpecialTokens: false) == c.ids_no_special, "encode-plain \(text.debugDescription)")
            #expect(tokenizer.encode(text, addSpecialTokens: true, maxLength: fixture.max_length) == c.ids_truncated,
                    "truncate \(text.debugDescription)")
            #expect(tokenizer.decode(c.ids, skipSpecialTokens: true) == c.decoded_skip, "decode \(text.debugDescription)")
            #expect(tokenizer.decode(c.ids, skipSpecialTokens: false) == c.decoded, "decode-special \(text.debugDescription)")
        }
    }

    @Test("BERT special tokens and config")
    func specials() throws {
        let tokenizer = try Self.tokenizer
        #expect(tokenizer.encode("", addSpecialTokens: true) == [101, 102])
        #expect(tokenizer.tokenToId("[MASK]") == 103 && tokenizer.idToToken(100) == "[UNK]")
        #expect(tokenizer.vocabularySize == 30522)
        #expect(tokenizer.padTokenId == 0)
        #expect(tokenizer.truncation == Truncation(maxLength: 128))
        #expect(tokenizer.config?.unkToken == "[UNK]" && tokenizer.config?.modelMaxLength == 512)
        #expect(tokenizer.config?.chatTemplate == nil)
        // A word of more than 100 characters is a single [UNK].
        #expect(tokenizer.encode(String(repeating: "a", count: 101), addSpecialTokens: false) == [100])
    }
}
