import Foundation
import Testing
import Tokenizers

@Suite("Speed")
struct TokenizerSpeedTests {
    /// ~10k words of English prose with varied words (the per-word cache helps only on repeats).
    static let prose: String = {
        var rng = SystemRandomNumberGenerator()
        let words = ("Once upon a time there was a lighthouse keeper who lived alone on a rocky island far from the coast. "
            + "Every evening she climbed the spiral stairs, polished the great lens, and watched ships pass in the dark. "
            + "It's said that 1,234 sailors owe their lives to her; they'd write letters, and she'd answer each one!")
            .split(separator: " ").map(String.init)
        return (0..<10_000).map { i in i % 7 == 0 ? words[Int.random(in: 0..<words.count, using: &rng)] + "\(i)" : words[i % words.count] }
            .joined(separator: " ")
    }()

    @Test("encoding ~10k words with SmolLM2's byte-level BPE")
    func byteLevelSpeed() throws {
        let m = try #require(SmolLM2.metadata, "needs \(smolLM2Path): run `make models`")
        let loadStart = Date()
        let tokenizer = try PreTrainedTokenizer.fromGGUF(
            model: "gpt2", tokens: try #require(m.strings("tokenizer.ggml.tokens")), merges: try #require(m.strings("tokenizer.ggml.merges")),
            tokenTypes: try #require(m.ints("tokenizer.ggml.token_type")), pre: "smollm", bosTokenId: 1, eosTokenId: 2, addBos: false, source: "test")
        print("SmolLM2 tokenizer (49k vocabulary, 49k merges) built from GGUF metadata in \(String(format: "%.3f", Date().timeIntervalSince(loadStart))) s")
        let start = Date()
        let ids = tokenizer.encode(Self.prose, addSpecialTokens: false)
        let seconds = Date().timeIntervalSince(start)
        print("SmolLM2 BPE: 10k words → \(ids.count) tokens in \(String(format: "%.3f", seconds)) s")
        #expect(tokenizer.decode(ids, skipSpecialTokens: false) == Self.prose)
        #expect(seconds < 5, "debug builds are ~10x slower than release; release takes well under a second")
    }

    @Test("encoding ~10k words with MiniLM's WordPiece")
    func wordPieceSpeed() throws {
        try #require(FileManager.default.fileExists(atPath: miniLMTokenizerURL.path), "needs \(miniLMTokenizerURL.path): run `make models`")
        let loadStart = Date()
        let tokenizer = try PreTrainedTokenizer(tokenizerJSON: miniLMTokenizerURL)
        print("MiniLM tokenizer.json (30k WordPiece vocabulary) loaded in \(String(format: "%.3f", Date().timeIntervalSince(loadStart))) s")
        let start = Date()
        let ids = tokenizer.encode(Self.prose, addSpecialTokens: true)
        let seconds = Date().timeIntervalSince(start)
        print("MiniLM WordPiece: 10k words → \(ids.count) tokens in \(String(format: "%.3f", seconds)) s")
        #expect(ids.count > 10_000)
        #expect(seconds < 5)
    }
}
