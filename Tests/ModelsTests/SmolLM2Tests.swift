import Base
import Foundation
import Testing
import Generation
import Models
import Sampling
import TensorEngine
import Tokenizers

/// The real SmolLM2-135M-Instruct (GGUF Q4_1) against transformers running the same file
/// dequantized to Float32 (scripts/reference/models_smollm2.py): token ids, next-token log-probs
/// and 32-token greedy continuations. Also the tokenizer against HF `tokenizers` on tricky strings.
@Suite(.serialized) struct SmolLM2Tests {
    struct Case: Decodable {
        let text: String
        let ids: [Int]
        let top_ids: [Int]
        let top_logprobs: [Double]
        let greedy: [Int]
    }
    struct Reference: Decodable { let plain: [Case]; let chat: [Case] }

    static let model: LanguageModel? = {
        let path = testModels.url(ModelCache.smolLM2).path
        return try? LanguageModel.load(path: path)
    }()

    static func reference() throws -> Reference {
        let url = try #require(Bundle.module.url(forResource: "smollm2_reference", withExtension: "json", subdirectory: "Fixtures"))
        return try JSONDecoder().decode(Reference.self, from: Data(contentsOf: url))
    }

    @Test func configurationFromGGUF() throws {
        let lm = try #require(Self.model, "run scripts/fetch-models.sh first")
        let c = lm.configuration
        #expect(c.numHiddenLayers == 30 && c.hiddenSize == 576 && c.numAttentionHeads == 9 && c.numKeyValueHeads == 3)
        #expect(c.intermediateSize == 1536 && c.vocabSize == 49152 && c.tieWordEmbeddings && c.ropeTheta == 100_000)
        #expect(lm.tokenizer.bosTokenId == 1 && lm.tokenizer.eosTokenId == 2)
        #expect(lm.chatTemplate?.contains("<|im_start|>") == true)
    }

    @Test func tokenIdsMatchTransformers() throws {
        let lm = try #require(Self.model)
        let reference = try Self.reference()
        for c in reference.plain {
            #expect(lm.tokenizer.encode(c.text, addSpecialTokens: false) == c.ids, "\(c.text)")
        }
        for c in reference.chat {
            // The rendered chat text holds the special tokens, encoded once.
            #expect(lm.tokenizer.decode(c.ids, skipSpecialTokens: false).contains(c.text))
        }
    }

    @Test func nextTokenLogProbsMatchTransformers() throws {
        let lm = try #require(Self.model)
        let reference = try Self.reference()
        try Tensor.withNoGrad {
            for c in reference.plain + reference.chat {
                let logits = try lm.model([c.ids], logits: .last).scalars
                let logProbs = TokenLogProbs(logits: logits)
                let top = logProbs.top(10)
                #expect(top.map(\.id) == c.top_ids, "\(c.text): top-10 ids")
                for (id, expected) in zip(c.top_ids, c.top_logprobs) {
                    #expect(abs(Double(logProbs[id]) - expected) <= 1e-3, "\(c.text): log p(\(id)) \(logProbs[id]) vs \(expected)")
                }
            }
        }
    }

    @Test func greedyContinuationsMatchTransformers() throws {
        let lm = try #require(Self.model)
        let reference = try Self.reference()
        let generator = Generator(model: lm)
        for c in reference.plain + reference.chat {
            let out = try generator.generate(promptIds: c.ids, parameters: GenerationParameters(maxTokens: 32, sampling: .greedy))
            // transformers generated exactly 32 tokens (no EOS stop); compare up to our first stop token.
            let n = out[0].ids.count
            #expect(Array(out[0].ids) == Array(c.greedy.prefix(n)), "\(c.text)")
        }
    }

    /// Decode steps multiply straight from the Q4_1 blocks; prefill uses the dequantized Float32
    /// copy. The two must give the same next-token distribution.
    @Test func quantizedDecodeStepMatchesDequantizedWeights() throws {
        let lm = try #require(Self.model)
        let ids = lm.tokenizer.encode("The quick brown fox jumps over", addSpecialTokens: false)
        let stepped = try Tensor.withNoGrad {
            let cache = lm.model.makeCache(capacity: 64)
            _ = try lm.model([Array(ids.dropLast())], cache: cache, logits: .last)
            return try lm.model([[ids.last!]], cache: cache, logits: .last).scalars
        }
        let full = try Tensor.withNoGrad { try lm.model([ids], logits: .last).scalars }
        let scale = full.map(abs).max() ?? 1
        let worst = zip(stepped, full).map { abs($0 - $1) }.max() ?? .infinity
        #expect(worst / scale < 1e-3, "max |Δlogit| \(worst) of \(scale)")
        #expect(stepped.firstIndex(of: stepped.max()!) == full.firstIndex(of: full.max()!))
    }

    @Test func tokenizerMatchesHFOnTrickyStrings() throws {
        let lm = try #require(Self.model)
        struct Item: Decodable { let text: String; let ids: [Int]; let decoded: String; let decoded_skip: String }
        struct File: Decodable { let cases: [Item] }
        let url = try #require(Bundle.module.url(forResource: "smollm2_ids", withExtension: "json", subdirectory: "Fixtures"))
        let file = try JSONDecoder().decode(File.self, from: Data(contentsOf: url))
        #expect(file.cases.count > 35)
        for c in file.cases {
            #expect(lm.tokenizer.encode(c.text, addSpecialTokens: false) == c.ids, "encode \(c.text.debugDescription)")
            #expect(lm.tokenizer.decode(c.ids, skipSpecialTokens: false) == c.decoded, "decode \(c.text.debugDescription)")
            #expect(lm.tokenizer.decode(c.ids, skipSpecialTokens: true) == c.decoded_skip)
        }
    }

    @Test func streamingDetokenizationNeverBreaksUTF8() throws {
        let lm = try #require(Self.model)
        let text = "emoji 🙂🙃 and 👨‍👩‍👧‍👦 family 日本語"
        var stream = StreamingDetokenizer(tokenizer: lm.tokenizer)
        var pieces: [String] = []
        for id in lm.tokenizer.encode(text, addSpecialTokens: false) { pieces.append(stream.append(id)) }
        pieces.append(stream.flush())
        #expect(pieces.joined() == text)
        #expect(pieces.allSatisfy { !$0.contains("\u{FFFD}") })
    }
}

/// The default models (docs/formats.md): a missing one fails with the command that fetches it.
let testModels = ModelCache.forRepository(containing: #filePath)
