import Foundation
import Testing
import Tokenizers

@Suite("Streaming detokenization")
struct StreamingDetokenizerTests {
    @Test("emoji split across byte tokens is held back until complete, never emitted as U+FFFD")
    func emojiAcrossTokens() throws {
        let tokenizer = try #require(try SmolLM2.tokenizer, "needs \(smolLM2Path): run `make models`")
        let text = "emoji 🙂🙃 and 👨‍👩‍👧‍👦 family 日本語\nline two 🇫🇷!"
        let ids = tokenizer.encode(text, addSpecialTokens: false)
        var stream = StreamingDetokenizer(tokenizer: tokenizer)
        var pieces: [String] = []
        for id in ids { pieces.append(stream.append(id)) }
        pieces.append(stream.flush())
        #expect(pieces.joined() == text)
        #expect(pieces.allSatisfy { !$0.unicodeScalars.contains("\u{FFFD}") })
        // Some token ends inside a multi-byte character: its piece must have been held back.
        let partial = ids.filter { tokenizer.decode([$0], skipSpecialTokens: false).unicodeScalars.contains("\u{FFFD}") }
        #expect(!partial.isEmpty)
        #expect(pieces.contains(""))
    }

    @Test("every fixture string streams back exactly; special tokens are skipped by default")
    func fixtureStrings() throws {
        let tokenizer = try #require(try SmolLM2.tokenizer)
        let fixture = try #require(try BPEFixture.load())
        for (text, c) in zip(fixture.strings, try #require(fixture.variants["smollm2"]).cases) {
            var stream = StreamingDetokenizer(tokenizer: tokenizer)
            let streamed = c.ids.map { stream.append($0) }.joined() + stream.flush()
            #expect(streamed == c.decoded_skip, "\(text.debugDescription)")
        }
    }

    @Test("flush emits an incomplete character as U+FFFD")
    func flushIncomplete() throws {
        let tokenizer = try #require(try SmolLM2.tokenizer)
        let ids = tokenizer.encode("🙂", addSpecialTokens: false)
        try #require(ids.count > 1)
        var stream = StreamingDetokenizer(tokenizer: tokenizer)
        #expect(stream.append(ids[0]) == "")
        #expect(stream.flush() == "\u{FFFD}")
        #expect(stream.flush() == "")
    }

    @Test("WordPiece streams the same text as a full decode")
    func wordPiece() throws {
        let tokenizer = try WordPieceTests.tokenizer
        let ids = tokenizer.encode("Tokenization of unbelievable words, résumé!", addSpecialTokens: true)
        var stream = StreamingDetokenizer(tokenizer: tokenizer)
        let streamed = ids.map { stream.append($0) }.joined() + stream.flush()
        #expect(streamed == tokenizer.decode(ids, skipSpecialTokens: true))
    }

    /// Counts the ids each decode is given, so the test sees the work a stream does.
    final class CountingTokenizer: Tokenizer, @unchecked Sendable {
        let inner: any Tokenizer
        var decodedIds = 0
        init(_ inner: any Tokenizer) { self.inner = inner }
        func encode(_ text: String, addSpecialTokens: Bool) -> [Int] { inner.encode(text, addSpecialTokens: addSpecialTokens) }
        func decode(_ ids: [Int], skipSpecialTokens: Bool) -> String {
            decodedIds += ids.count
            return inner.decode(ids, skipSpecialTokens: skipSpecialTokens)
        }
        func tokenToId(_ token: String) -> Int? { inner.tokenToId(token) }
        func idToToken(_ id: Int) -> String? { inner.idToToken(id) }
        func isSpecial(_ id: Int) -> Bool { inner.isSpecial(id) }
        var vocabularySize: Int { inner.vocabularySize }
        var bosTokenId: Int? { inner.bosTokenId }
        var eosTokenId: Int? { inner.eosTokenId }
    }

    @Test("a long line costs a bounded number of decoded ids per token, and streams back exactly")
    func workPerTokenDoesNotGrowWithTheLine() throws {
        let smol = try #require(try SmolLM2.tokenizer)
        let counting = CountingTokenizer(smol)
        let text = (0..<400).map { "word\($0) é🙂," }.joined(separator: " ")   // one line, no newline
        let ids = smol.encode(text, addSpecialTokens: false)
        try #require(ids.count > 2000)
        var stream = StreamingDetokenizer(tokenizer: counting)
        let streamed = ids.map { stream.append($0) }.joined() + stream.flush()
        #expect(streamed == text)
        // Re-decoding the line for every token would decode about ids.count² / 2 ids (over 2 million).
        #expect(counting.decodedIds < 12 * ids.count, "\(counting.decodedIds) ids decoded for \(ids.count) tokens")
    }
}
