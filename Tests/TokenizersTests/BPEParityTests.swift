import Foundation
import Testing
import Tokenizers

/// Byte-level BPE against HF `tokenizers` on SmolLM2's real vocabulary (fixture: bpe_cases.json).
@Suite("Byte-level BPE parity with HF tokenizers")
struct BPEParityTests {
    /// Every string's ids, and HF's decode with and without special tokens.
    private func check(_ tokenizer: PreTrainedTokenizer, _ fixture: BPEFixture, variant: String) throws {
        let v = try #require(fixture.variants[variant])
        #expect(v.cases.count == fixture.strings.count)
        #expect(fixture.strings.count >= 60)
        for (text, c) in zip(fixture.strings, v.cases) {
            #expect(tokenizer.encode(text, addSpecialTokens: false) == c.ids, "\(variant) encode \(text.debugDescription)")
            #expect(tokenizer.decode(c.ids, skipSpecialTokens: false) == c.decoded, "\(variant) decode \(text.debugDescription)")
            #expect(tokenizer.decode(c.ids, skipSpecialTokens: true) == c.decoded_skip, "\(variant) decode-skip \(text.debugDescription)")
        }
    }

    @Test("SmolLM2 from GGUF metadata (pre = smollm) matches upstream SmolLM2")
    func smolLM2FromGGUF() throws {
        let tokenizer = try #require(try SmolLM2.tokenizer, "needs \(smolLM2Path): run `make models`")
        let fixture = try #require(try BPEFixture.load())
        try check(tokenizer, fixture, variant: "smollm2")
        #expect(!fixture.gguf_import_differs.isEmpty, "the fixture documents where transformers' GGUF import differs")
        #expect(tokenizer.vocabularySize == 49152)
        #expect(tokenizer.bosTokenId == 1 && tokenizer.eosTokenId == 2 && tokenizer.padTokenId == 2)
        #expect(tokenizer.tokenToId("<|im_start|>") == 1 && tokenizer.idToToken(2) == "<|im_end|>")
        #expect(tokenizer.isSpecial(0) && !tokenizer.isSpecial(17))
        #expect(tokenizer.addedTokens.map(\.content) == fixture.added_tokens)
        #expect(tokenizer.chatTemplate?.contains("<|im_start|>") == true)
        // add_bos_token is false for SmolLM2: no framing either way.
        #expect(tokenizer.encode("Hi", addSpecialTokens: true) == tokenizer.encode("Hi", addSpecialTokens: false))
    }

    @Test("tokenizer.json path: SmolLM2 vocabulary with the SmolLM2, Llama-3 and GPT-2 pre-tokenizers",
          arguments: [("smollm2", false), ("llama3", true), ("gpt2", false)])
    func tokenizerJSONVariants(variant: String, pairs: Bool) throws {
        let fixture = try #require(try BPEFixture.load())
        let pre = try #require(try BPEFixture.preTokenizerJSON(variant))
        let ignore = try #require(fixture.variants[variant]).ignore_merges
        let data = try #require(try SmolLM2.tokenizerJSON(preTokenizer: pre, ignoreMerges: ignore, mergesAsPairs: pairs),
                                "needs \(smolLM2Path): run `make models`")
        let tokenizer = try PreTrainedTokenizer(data: data)
        try check(tokenizer, fixture, variant: variant)
    }

    @Test("GGUF pre-tokenizer names pick llama.cpp's regex set", arguments: [("llama-bpe", "llama3"), ("gpt-2", "gpt2")])
    func ggufPreNames(pre: String, variant: String) throws {
        let m = try #require(SmolLM2.metadata, "needs \(smolLM2Path): run `make models`")
        let fixture = try #require(try BPEFixture.load())
        let tokenizer = try PreTrainedTokenizer.fromGGUF(
            model: "gpt2", tokens: try #require(m.strings("tokenizer.ggml.tokens")),
            merges: try #require(m.strings("tokenizer.ggml.merges")), tokenTypes: try #require(m.ints("tokenizer.ggml.token_type")),
            pre: pre, bosTokenId: 1, eosTokenId: 2, addBos: nil, source: "test")
        try check(tokenizer, fixture, variant: variant)
        // The Llama 3 family adds BOS by default (llama.cpp `tokenizer_add_bos`); GPT-2 does not.
        let framed = tokenizer.encode("Hello", addSpecialTokens: true)
        #expect(framed == (pre == "llama-bpe" ? [1] : []) + tokenizer.encode("Hello", addSpecialTokens: false))
    }

    @Test("decode(encode(text)) gives the text back")
    func roundTrip() throws {
        let tokenizer = try #require(try SmolLM2.tokenizer)
        let fixture = try #require(try BPEFixture.load())
        for text in fixture.strings {
            #expect(tokenizer.decode(tokenizer.encode(text, addSpecialTokens: false), skipSpecialTokens: false) == text)
        }
    }

    @Test("the GGUF pre-tokenizer table covers the common families and every regex compiles")
    func preTable() throws {
        let m = try #require(SmolLM2.metadata)
        let tokens = try #require(m.strings("tokenizer.ggml.tokens")), merges = try #require(m.strings("tokenizer.ggml.merges"))
        for pre in ["default", "gpt-2", "smollm", "starcoder", "llama-bpe", "llama3", "qwen2", "dbrx", "tekken", "gpt-4o", "olmo"] {
            let t = try PreTrainedTokenizer.fromGGUF(model: "gpt2", tokens: tokens, merges: merges, tokenTypes: [], pre: pre,
                                                     bosTokenId: nil, eosTokenId: nil, addBos: nil, source: "test")
            let text = "Hello, World! It's 2024 ünïcode 🙂"
            #expect(t.decode(t.encode(text, addSpecialTokens: false), skipSpecialTokens: false) == text, "\(pre)")
        }
    }
}
