import Foundation
import Testing
import Tokenizers

/// Small hand-built tokenizer.json files exercising one stage each (expected values follow HF
/// `tokenizers`' documented semantics).
@Suite("Pipeline components")
struct PipelineComponentTests {
    /// A character-level BPE over `chars` (plus `merges`), with the given extra JSON members.
    private func tokenizer(chars: String, merges: [String] = [], extraVocab: [String] = [], _ extra: String = "") throws -> PreTrainedTokenizer {
        var vocab: [String] = []
        for c in chars.unicodeScalars where !vocab.contains(String(c)) { vocab.append(String(c)) }
        vocab += extraVocab
        let vocabJSON = vocab.enumerated().map { "\(String(reflecting: $0.element)): \($0.offset)" }.joined(separator: ", ")
        let mergesJSON = merges.map { String(reflecting: $0) }.joined(separator: ", ")
        let json = #"{"model": {"type": "BPE", "vocab": {"# + vocabJSON + #"}, "merges": ["# + mergesJSON + "]}" + extra + "}"
        return try PreTrainedTokenizer(data: Data(json.utf8))
    }

    @Test("BPE merges lowest rank first, leftmost on ties; ignore_merges keeps whole-vocabulary words")
    func mergeOrder() throws {
        // "abc": (b,c) has rank 0 so it wins over (a,b) rank 1; then (a,bc) is not a merge.
        let t = try tokenizer(chars: "abc", merges: ["b c", "a b", "ab c"], extraVocab: ["bc", "ab", "abc"])
        #expect(t.encode("abc", addSpecialTokens: false) == [0, 3])
        // "abab": both (a,b) pairs have rank 1: left one first, then the right one.
        #expect(t.encode("abab", addSpecialTokens: false) == [4, 4])
        // Without ignore_merges, "abc" being in the vocabulary does not matter.
        let plain = try tokenizer(chars: "abc", merges: ["b c", "a b"], extraVocab: ["bc", "ab", "abc"])
        #expect(plain.encode("abc", addSpecialTokens: false) == [0, 3])
        let json = #"{"model": {"type": "BPE", "ignore_merges": true, "vocab": {"a": 0, "b": 1, "c": 2, "bc": 3, "abc": 4}, "merges": ["b c"]}}"#
        #expect(try PreTrainedTokenizer(data: Data(json.utf8)).encode("abc", addSpecialTokens: false) == [4])
    }

    @Test("Split behaviours on the-final--countdown")
    func splitBehaviours() throws {
        let expected: [(String, [String])] = [
            ("Removed", ["the", "final", "countdown"]),
            ("Isolated", ["the", "-", "final", "-", "-", "countdown"]),
            ("MergedWithPrevious", ["the-", "final-", "-", "countdown"]),
            ("MergedWithNext", ["the", "-final", "-", "-countdown"]),
            ("Contiguous", ["the", "-", "final", "--", "countdown"]),
        ]
        let text = "the-final--countdown"
        for (behavior, words) in expected {
            // Every word is in the vocabulary, so each encodes to exactly one id: the ids spell the split.
            var vocab = Set(text.map(String.init))
            vocab.formUnion(words)
            let list = vocab.sorted()
            let vocabJSON = list.enumerated().map { "\(String(reflecting: $0.element)): \($0.offset)" }.joined(separator: ", ")
            let json = #"{"model": {"type": "BPE", "ignore_merges": true, "vocab": {"# + vocabJSON + #"}, "merges": []}, "#
                + #""pre_tokenizer": {"type": "Split", "pattern": {"String": "-"}, "behavior": ""# + behavior + #"", "invert": false}}"#
            let t = try PreTrainedTokenizer(data: Data(json.utf8))
            #expect(t.encode(text, addSpecialTokens: false).compactMap { t.idToToken($0) } == words, "\(behavior)")
        }
    }

    @Test("added tokens: longest match, lstrip/rstrip swallow spaces, single_word respects word boundaries")
    func addedTokens() throws {
        let added = #", "added_tokens": ["#
            + #"{"id": 10, "content": "<m>", "special": true, "lstrip": true, "rstrip": true},"#
            + #"{"id": 11, "content": "<mm>", "special": true},"#
            + #"{"id": 12, "content": "hi", "special": false, "single_word": true}]"#
        let t = try tokenizer(chars: "ab <m>hix", added)
        let id = { (s: String) in try #require(t.tokenToId(s)) }
        #expect(t.encode("a <m> b", addSpecialTokens: false) == [try id("a"), 10, try id("b")])
        #expect(t.encode("a<mm>b", addSpecialTokens: false) == [try id("a"), 11, try id("b")])
        #expect(t.encode("hi x", addSpecialTokens: false) == [12, try id(" "), try id("x")])
        #expect(t.encode("xhi", addSpecialTokens: false) == [try id("x"), try id("h"), try id("i")])
        #expect(t.decode([0, 10, 12], skipSpecialTokens: true) == "a hi")
        #expect(t.isSpecial(10) && !t.isSpecial(12))
        #expect(t.vocabularySize == 13)
    }

    @Test("BertNormalizer: clean text, CJK padding, accents and case")
    func bertNormalizer() throws {
        let vocab = ["[UNK]", "hello", "world", "中", "国", "x"]
        let vocabJSON = vocab.enumerated().map { "\(String(reflecting: $0.element)): \($0.offset)" }.joined(separator: ", ")
        let json = #"{"normalizer": {"type": "BertNormalizer", "clean_text": true, "handle_chinese_chars": true, "strip_accents": null, "lowercase": true}, "pre_tokenizer": {"type": "BertPreTokenizer"}, "model": {"type": "WordPiece", "unk_token": "[UNK]", "vocab": {"# + vocabJSON + "}}}"
        let t = try PreTrainedTokenizer(data: Data(json.utf8))
        #expect(t.encode("Héllo\tWÖRLD\u{0007}中国 q", addSpecialTokens: false) == [1, 2, 3, 4, 0])
    }

    @Test("byte-level: prefix space added only when the bytes do not start with a space; Ġ and Ċ decode to space and newline")
    func byteLevel() throws {
        let t = try tokenizer(chars: "ĠĊ", #", "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": true, "use_regex": true}, "decoder": {"type": "ByteLevel"}"#)
        #expect(t.encode("", addSpecialTokens: false) == [])
        // " \u{301}" is one Character but starts with the space byte: no second space (the other bytes are not in this vocabulary).
        #expect(t.encode(" \u{301}", addSpecialTokens: false) == [0])
        #expect(t.encode("x", addSpecialTokens: false) == [0])
        #expect(t.encode("\n", addSpecialTokens: false) == [0, 1])
        #expect(t.decode([1, 0, 1], skipSpecialTokens: false) == "\n \n")
    }

    @Test("tokenizer_config.json: token strings or objects, chat template string or list")
    func tokenizerConfig() throws {
        let a = try JSONDecoder().decode(TokenizerConfig.self, from: Data(#"""
            {"bos_token": {"content": "<s>", "lstrip": false}, "eos_token": "</s>", "pad_token": null,
             "add_bos_token": true, "model_max_length": 1000000000000000019884624838656, "chat_template": "{{ x }}"}
            """#.utf8))
        #expect(a == TokenizerConfig(bosToken: "<s>", eosToken: "</s>", addBosToken: true, chatTemplate: "{{ x }}"))
        let b = try JSONDecoder().decode(TokenizerConfig.self, from: Data(#"""
            {"chat_template": [{"name": "tool_use", "template": "T"}, {"name": "default", "template": "D"}]}
            """#.utf8))
        #expect(b.chatTemplate == "D")
    }

    @Test("post-processors frame ids and reserve room when truncating")
    func postProcessors() throws {
        let bert = #", "post_processor": {"type": "BertProcessing", "sep": ["b", 1], "cls": ["a", 0]}"#
        let t = try tokenizer(chars: "abc", bert)
        #expect(t.encode("ccc", addSpecialTokens: true) == [0, 2, 2, 2, 1])
        #expect(t.encode("ccc", addSpecialTokens: true, maxLength: 4) == [0, 2, 2, 1])
        #expect(t.encode("ccc", addSpecialTokens: false, maxLength: 2) == [2, 2])
    }
}
