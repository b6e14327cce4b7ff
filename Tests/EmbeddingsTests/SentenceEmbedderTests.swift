import Base
@testable import Embeddings
import Foundation
import Testing
import TensorEngine

/// The encoder against sentence-transformers (scripts/reference/embeddings_minilm.py): the real
/// all-MiniLM-L6-v2 (BERT, WordPiece, mean pooling, Normalize, max_seq_length 256) and a tiny
/// random RoBERTa saved in sentence-transformers 6's layout (byte-level BPE, positions offset by
/// padding_idx + 1, one token type), under every pooling mode. Texts include one longer than the
/// limit, unicode, punctuation, the empty string, and batches that mix lengths.
@Suite(.serialized) struct SentenceEmbedderTests {
    struct Reference: Decodable {
        let max_seq_length: Int
        let texts: [String]
        let input_ids: [[Int]]
    }
    struct MiniLMReference: Decodable { let embeddings: [[Double]] }
    struct RobertaReference: Decodable { let embeddings: [String: [[Double]]] }

    static func fixture(_ name: String) throws -> URL {
        try #require(Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures"))
    }

    static func decode<T: Decodable>(_ type: T.Type, _ name: String) throws -> T {
        try JSONDecoder().decode(type, from: Data(contentsOf: fixture(name)))
    }

    static var miniLMDirectory: URL { get throws { try ModelCache.forRepository(containing: #filePath).require(ModelCache.miniLM) } }

    static func cosine(_ a: [Float], _ b: [Double]) -> Double {
        var dot = 0.0, na = 0.0, nb = 0.0
        for (x, y) in zip(a, b) { dot += Double(x) * y; na += Double(x) * Double(x); nb += y * y }
        return dot / max((na * nb).squareRoot(), 1e-30)
    }

    static func expectParity(_ got: [[Float]], _ want: [[Double]], texts: [String], tolerance: Double = 0.9999) {
        #expect(got.count == want.count)
        for (i, (g, w)) in zip(got, want).enumerated() {
            #expect(g.count == w.count, "dimension of text \(i)")
            let c = cosine(g, w)
            #expect(c >= tolerance, "text \(i) \(texts[i].prefix(40).debugDescription): cosine \(c)")
            let maxError = zip(g, w).map { abs(Double($0) - $1) }.max() ?? 0
            #expect(maxError < 2e-3, "text \(i): max |Δ| \(maxError)")
        }
    }

    @Test func miniLMMatchesSentenceTransformers() throws {
        let reference = try Self.decode(Reference.self, "embeddings_minilm.json")
        let expected = try Self.decode(MiniLMReference.self, "embeddings_minilm.json").embeddings
        let embedder = try SentenceEmbedder(directory: try Self.miniLMDirectory)
        #expect(embedder.dimension == 384 && embedder.maxSequenceLength == reference.max_seq_length)
        #expect(embedder.pooling == [.mean] && embedder.normalizes)
        for (text, ids) in zip(reference.texts, reference.input_ids) {
            #expect(embedder.tokenize(text) == ids, "ids of \(text.prefix(40).debugDescription)")
        }
        // Batches of 4 mix lengths (padding); batch size 1 has none: both must match.
        Self.expectParity(try embedder.embed(reference.texts, batchSize: 4), expected, texts: reference.texts)
        Self.expectParity(try embedder.embed(reference.texts, batchSize: 1), expected, texts: reference.texts)
        for vector in try embedder.embed(reference.texts) {
            #expect(abs(vector.reduce(0) { $0 + $1 * $1 } - 1) < 1e-4, "normalized")
        }
    }

    @Test(arguments: PoolingMode.allCases.filter { [.mean, .cls, .max, .lastToken].contains($0) })
    func tinyRobertaMatchesSentenceTransformers(pooling: PoolingMode) throws {
        let reference = try Self.decode(Reference.self, "embeddings_tiny_roberta.json")
        let expected = try #require(try Self.decode(RobertaReference.self, "embeddings_tiny_roberta.json").embeddings[pooling.rawValue])
        let embedder = try SentenceEmbedder(directory: Self.fixture("tiny-roberta"), pooling: [pooling])
        #expect(embedder.encoder.configuration.positionOffset == 2)
        #expect(embedder.maxSequenceLength == reference.max_seq_length && !embedder.normalizes)
        for (text, ids) in zip(reference.texts, reference.input_ids) {
            #expect(embedder.tokenize(text) == ids, "ids of \(text.prefix(40).debugDescription)")
        }
        Self.expectParity(try embedder.embed(reference.texts, batchSize: 4), expected, texts: reference.texts)
    }

    @Test func tinyRobertaFolderSaysMaxPooling() throws {
        let embedder = try SentenceEmbedder(directory: Self.fixture("tiny-roberta"))
        #expect(embedder.pooling == [.max] && embedder.dimension == 32)
    }

    @Test func identifierIsStableAndNamesTheFolder() throws {
        let a = try SentenceEmbedder(directory: Self.fixture("tiny-roberta"))
        let b = try SentenceEmbedder(directory: Self.fixture("tiny-roberta"))
        #expect(a.identifier == b.identifier && a.identifier.hasPrefix("tiny-roberta-"))
    }

    @Test func outputOrderFollowsInputNotLength() throws {
        let embedder = try SentenceEmbedder(directory: Self.fixture("tiny-roberta"))
        let texts = ["a", "a much longer text with many more tokens in it", "mid length"]
        let together = try embedder.embed(texts, batchSize: 2)
        for (i, text) in texts.enumerated() {
            let alone = try embedder.embed([text])[0]
            #expect(Self.cosine(together[i], alone.map(Double.init)) > 0.99999, "text \(i)")
        }
        #expect(try embedder.embed([]).isEmpty)
    }

    /// With autograd on, the encoder takes the differentiable split-heads path; its real rows must
    /// equal the inference path's (packed attention, fast GELU).
    @Test func differentiablePathMatchesInferencePath() throws {
        let embedder = try SentenceEmbedder(directory: Self.fixture("tiny-roberta"))
        let batch = ["a dragon slept", "the sea and the storms of the old town, with bread"].map(embedder.tokenize)
        let fast = try Tensor.withNoGrad { try embedder.encoder(batch) }.scalars
        let slow = try embedder.encoder(batch).scalars
        let (t, h) = (batch.map(\.count).max() ?? 0, embedder.encoder.configuration.hiddenSize)
        for (b, row) in batch.enumerated() {
            for i in 0..<(row.count * h) {
                let j = b * t * h + i
                #expect(abs(fast[j] - slow[j]) < 1e-4, "row \(b) element \(i)")
            }
        }
    }

    @Test func badFoldersGiveErrorsNamingTheFile() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("embedder-bad-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect { try SentenceEmbedder(directory: folder.appendingPathComponent("absent")) } throws: { "\($0)".contains("absent") }
        #expect { try SentenceEmbedder(directory: folder) } throws: { "\($0)".contains("config.json") }
        try #"{"model_type": "gpt2", "hidden_size": 8}"#.write(to: folder.appendingPathComponent("config.json"), atomically: true, encoding: .utf8)
        #expect { try SentenceEmbedder(directory: folder) } throws: { "\($0)".contains("model_type") && "\($0)".contains("gpt2") }
        let source = try Self.fixture("tiny-roberta")
        for name in ["config.json", "tokenizer.json", "modules.json", "sentence_bert_config.json", "tokenizer_config.json"] {
            try? FileManager.default.removeItem(at: folder.appendingPathComponent(name))
            try FileManager.default.copyItem(at: source.appendingPathComponent(name), to: folder.appendingPathComponent(name))
        }
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("1_Pooling"), withIntermediateDirectories: true)
        try #"{"pooling_mode": "median"}"#.write(to: folder.appendingPathComponent("1_Pooling/config.json"), atomically: true, encoding: .utf8)
        #expect { try SentenceEmbedder(directory: folder) } throws: { "\($0)".contains("pooling_mode") && "\($0)".contains("median") }
        try #"{"pooling_mode": "mean"}"#.write(to: folder.appendingPathComponent("1_Pooling/config.json"), atomically: true, encoding: .utf8)
        #expect { try SentenceEmbedder(directory: folder) } throws: { "\($0)".contains("safetensors") }
    }
}
