import Foundation
import Testing
import Tokenizers

/// Inputs on which a fuzz target failed (docs/fuzzing.md §4), run through the same code as the
/// target, so that each stays fixed.
@Suite struct TokenizerFuzzFindingTests {
    /// FuzzTokenizerJSON's fixed text.
    static let text = "Hello, world!  It's 12345 ünïcödé 日本語 🎉\t\n\n<|im_start|>user\n[CLS] <s> </s> [UNK]  end"

    static func streamingDecode(_ tokenizer: PreTrainedTokenizer, _ ids: [Int]) -> (text: String, seconds: Double) {
        let start = Date()
        var stream = StreamingDetokenizer(tokenizer: tokenizer)
        var text = ""
        for _ in 0..<5 {
            text = ""
            for id in ids { text += stream.append(id) }
            text += stream.flush()
        }
        return (text, Date().timeIntervalSince(start))
    }

    /// A timeout: a WordPiece tokenizer whose decoder has `cleanup` spent over a second streaming 40
    /// tokens, as each re-decode ran Foundation's `replacingOccurrences` eleven times per token.
    /// Cleanup now costs about what the rest of decoding does.
    @Test func wordPieceCleanupKeepsStreamingCheap() throws {
        let url = try #require(fixtureURL("fuzz_timeout_wordpiece_cleanup"))
        let data = try Data(contentsOf: url)
        var json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        json["decoder"] = ["type": "WordPiece", "prefix": "##", "cleanup": false]
        let withCleanup = try PreTrainedTokenizer(data: data)
        let without = try PreTrainedTokenizer(data: JSONSerialization.data(withJSONObject: json))
        let ids = withCleanup.encode(Self.text, addSpecialTokens: true, maxLength: 512)
        #expect(ids.count > 30)
        let cleaned = Self.streamingDecode(withCleanup, ids), plain = Self.streamingDecode(without, ids)
        #expect(cleaned.text == withCleanup.decode(ids, skipSpecialTokens: true))
        #expect(cleaned.text != plain.text)   // the cleanup ran
        #expect(cleaned.seconds < 3 * plain.seconds + 0.05, "cleanup \(cleaned.seconds) s, without \(plain.seconds) s")
    }

    /// The same hang from FuzzTokenize: all-MiniLM-L6-v2's tokenizer streaming a 69-byte input.
    @Test func miniLMStreamsADigitRunCheaply() throws {
        let data = try Data(contentsOf: miniLMTokenizerURL)
        var json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        json["decoder"] = ["type": "WordPiece", "prefix": "##", "cleanup": false]
        let withCleanup = try PreTrainedTokenizer(data: data)
        let without = try PreTrainedTokenizer(data: JSONSerialization.data(withJSONObject: json))
        let ids = withCleanup.encode("e" + String(repeating: "9", count: 52) + "mail@example.com", addSpecialTokens: true)
        let cleaned = Self.streamingDecode(withCleanup, ids), plain = Self.streamingDecode(without, ids)
        #expect(cleaned.text == withCleanup.decode(ids, skipSpecialTokens: true))
        #expect(cleaned.seconds < 3 * plain.seconds + 0.05, "cleanup \(cleaned.seconds) s, without \(plain.seconds) s")
    }
}
