import Base
@testable import Embeddings
import Foundation
import Testing
import TensorEngine

/// The papers' embedders on small random models of their layouts (scripts/reference/embeddings_papers.py):
/// AnnaWegmann/Style-Embedding (RoBERTa, mean pooling, max_seq_length 512, against
/// sentence-transformers) and jina-embeddings-v3 (XLM-RoBERTa with rotary positions, task LoRA
/// adapters and a Unigram tokenizer, against jina's own modelling code run on CPU).
@Suite(.serialized) struct PaperEmbedderTests {
    struct StyleReference: Decodable { let max_seq_length: Int; let texts: [String]; let input_ids: [[Int]]; let embeddings: [[Double]] }
    struct JinaReference: Decodable { let texts: [String]; let input_ids: [[Int]]; let embeddings: [String: [[Double]]] }

    static let fixture = SentenceEmbedderTests.fixture
    static func decode<T: Decodable>(_ type: T.Type, _ name: String) throws -> T { try SentenceEmbedderTests.decode(type, name) }

    @Test func styleEmbeddingMatchesSentenceTransformers() throws {
        let reference = try Self.decode(StyleReference.self, "embeddings_style_tiny.json")
        let embedder = try SentenceEmbedder(directory: Self.fixture("style-embedding-tiny"))
        #expect(embedder.encoder.configuration.modelType == "roberta" && embedder.encoder.configuration.positionOffset == 2)
        #expect(embedder.pooling == [.mean] && !embedder.normalizes && embedder.maxSequenceLength == 512)
        for (text, ids) in zip(reference.texts, reference.input_ids) {
            #expect(embedder.tokenize(text) == ids, "ids of \(text.prefix(40).debugDescription)")
        }
        #expect(reference.input_ids.contains { $0.count == 512 }, "one text is cut at 512 tokens")
        SentenceEmbedderTests.expectParity(try embedder.embed(reference.texts, batchSize: 4), reference.embeddings, texts: reference.texts)
        SentenceEmbedderTests.expectParity(try embedder.embed(reference.texts, batchSize: 1), reference.embeddings, texts: reference.texts)
    }

    @Test(arguments: ["none", "text-matching", "retrieval.query"])
    func jinaMatchesItsModellingCode(task: String) throws {
        let reference = try Self.decode(JinaReference.self, "embeddings_jina_tiny.json")
        let expected = try #require(reference.embeddings[task])
        let embedder = try SentenceEmbedder(directory: Self.fixture("jina-v3-tiny"), task: task == "none" ? nil : task)
        let configuration = embedder.encoder.configuration
        #expect(configuration.modelType == "xlm-roberta" && configuration.positions == .rotary(base: 20000))
        #expect(configuration.loraTasks.count == 5 && embedder.pooling == [.mean] && embedder.normalizes)
        if task == "none" {
            for (text, ids) in zip(reference.texts, reference.input_ids) {
                #expect(embedder.tokenize(text) == ids, "ids of \(text.prefix(40).debugDescription)")
            }
        }
        SentenceEmbedderTests.expectParity(try embedder.embed(reference.texts, batchSize: 4), expected, texts: reference.texts,
                                           tolerance: 0.99999)
        SentenceEmbedderTests.expectParity(try embedder.embed(reference.texts, batchSize: 1), expected, texts: reference.texts,
                                           tolerance: 0.99999)
    }

    @Test func jinaTasksChangeTheVectorsAndTheIdentifier() throws {
        let base = try SentenceEmbedder(directory: Self.fixture("jina-v3-tiny"))
        let matching = try SentenceEmbedder(directory: Self.fixture("jina-v3-tiny"), task: "text-matching")
        #expect(base.identifier != matching.identifier && matching.identifier.hasSuffix("-text-matching"))
        let text = ["The quick brown fox jumps over the lazy dog."]
        let c = SentenceEmbedderTests.cosine(try base.embed(text)[0], try matching.embed(text)[0].map(Double.init))
        #expect(c < 0.999, "the adapter must change the vector (cosine \(c))")
        // With autograd on, the rotary encoder takes the same split-heads path: equal rows.
        let batch = ["a dragon slept", "the sea and the storms"].map(matching.tokenize)
        let fast = try Tensor.withNoGrad { try matching.encoder(batch) }.scalars
        let slow = try matching.encoder(batch).scalars
        #expect(zip(fast, slow).allSatisfy { abs($0 - $1) < 1e-5 })
    }

    /// A copy of a fixture folder whose config.json is rewritten by `edit`.
    static func editedCopy(of name: String, _ edit: (inout [String: Any]) -> Void) throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("paper-embedder-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: fixture(name), to: folder)
        let url = folder.appendingPathComponent("config.json")
        var json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        edit(&json)
        try JSONSerialization.data(withJSONObject: json).write(to: url)
        return folder
    }

    @Test func badFoldersNameTheField() throws {
        func failure(_ folder: URL, task: String? = nil) -> String {
            defer { try? FileManager.default.removeItem(at: folder) }
            do { _ = try SentenceEmbedder(directory: folder, task: task); return "" } catch { return "\(error)" }
        }
        #expect(failure(try Self.editedCopy(of: "jina-v3-tiny") { _ in }, task: "summarize").contains("text-matching"))
        #expect(failure(try Self.editedCopy(of: "style-embedding-tiny") { _ in }, task: "text-matching").contains("no task adapters"))
        #expect(failure(try Self.editedCopy(of: "jina-v3-tiny") { $0["architectures"] = ["GPT2Model"] }).contains("model_type"))
        #expect(failure(try Self.editedCopy(of: "style-embedding-tiny") { $0["model_type"] = "t5" }).contains("'t5'"))
        #expect(failure(try Self.editedCopy(of: "jina-v3-tiny") { $0["position_embedding_type"] = "alibi" }).contains("position_embedding_type"))
        // config.json disagreeing with the tensors: the error names the tensor and both shapes.
        let hidden = failure(try Self.editedCopy(of: "jina-v3-tiny") { $0["intermediate_size"] = 48 })
        #expect(hidden.contains("mlp.fc1") && hidden.contains("[64, 32]") && hidden.contains("[48, 32]"), "\(hidden)")
        let rank = failure(try Self.editedCopy(of: "jina-v3-tiny") { $0["lora_rank"] = 8 }, task: "text-matching")
        #expect(rank.contains("lora_A"), "\(rank)")
        let tasks = failure(try Self.editedCopy(of: "jina-v3-tiny") { $0["lora_adaptations"] = ["a", "text-matching"] }, task: "text-matching")
        #expect(tasks.contains("lora_A"), "\(tasks)")
        let vocab = failure(try Self.editedCopy(of: "style-embedding-tiny") { $0["vocab_size"] = 7 })
        #expect(vocab.contains("word_embeddings") && vocab.contains("[7, 32]"), "\(vocab)")
    }
}
