import Foundation
import Models
import TensorEngine
import Tokenizers
import WeightFormats

/// Sentence embeddings from a sentence-transformers folder (e.g. all-MiniLM-L6-v2) on the Models
/// ``TransformerEncoder``, computed the way `SentenceTransformer.encode` computes them: tokenize (lowercased when
/// `sentence_bert_config.json` says so, truncated to the maximum sequence length, `[CLS] … [SEP]`
/// or `<s> … </s>`), run the encoder over right-padded batches, pool the real tokens, and
/// L2-normalize when the folder lists a `Normalize` module.
///
/// The same class runs the papers' embedders (docs/methods.md §3.3): AnnaWegmann/Style-Embedding
/// (RoBERTa, byte-level BPE, mean pooling) and jina-embeddings-v3 (XLM-RoBERTa with rotary
/// positions and a Unigram tokenizer). For jina, `task` picks a LoRA adapter (`text-matching`, …)
/// and prepends that task's instruction from `config.json`; nil runs the base weights, as the
/// paper did.
///
/// Texts are sorted by token count before batching so each batch pads little; vectors come back
/// in input order. Inference runs without autograd. Not thread-safe for concurrent `embed` calls
/// with different thread settings, but otherwise stateless.
public final class SentenceEmbedder: TextEmbedder, @unchecked Sendable {
    /// Texts per encoder batch when the caller does not choose (sentence-transformers' default).
    public static let defaultBatchSize = 32

    /// A stable id for caches: folder name, and a hash of the configuration files and weight sizes.
    public let identifier: String
    /// Length of each vector (hidden size × number of pooling modes).
    public let dimension: Int
    /// Token limit per text, special tokens included.
    public let maxSequenceLength: Int
    public let pooling: [PoolingMode]
    public let normalizes: Bool
    public let directory: URL
    public let tokenizer: PreTrainedTokenizer
    public let encoder: TransformerEncoder
    /// The LoRA task the weights carry (jina), or nil.
    public var task: String? { encoder.task }
    let lowercases: Bool
    /// The task's instruction, prepended to every text.
    let instruction: String

    /// `task` names a LoRA adapter of the folder's `lora_adaptations` (jina-embeddings-v3).
    public convenience init(directory: URL, task: String? = nil) throws {
        try self.init(directory: directory, pooling: nil, task: task)
    }

    /// `pooling` overrides the folder's pooling modes (tests compare every mode on one model).
    init(directory: URL, pooling override: [PoolingMode]?, task: String? = nil) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ModelError.missingFile(path: directory.path, what: "sentence-transformers model folder")
        }
        self.directory = directory
        let configURL = directory.appendingPathComponent("config.json")
        let configuration = try EncoderConfiguration(url: configURL)
        let layout = try SentenceTransformerLayout(directory: directory)
        let tokenizerURL = directory.appendingPathComponent("tokenizer.json")
        guard FileManager.default.fileExists(atPath: tokenizerURL.path) else {
            throw ModelError.missingFile(path: tokenizerURL.path, what: "tokenizer.json")
        }
        tokenizer = try PreTrainedTokenizer(tokenizerJSON: tokenizerURL)
        let checkpoint = try SafetensorsCheckpoint(directory: directory)
        encoder = try TransformerEncoder(configuration: configuration, weights: SafetensorsWeights(checkpoint: checkpoint),
                                         names: checkpoint.tensorNames, source: directory.path, task: task)
        instruction = task.flatMap { configuration.taskInstructions[$0] } ?? ""
        pooling = override ?? layout.pooling
        normalizes = layout.normalize
        lowercases = layout.lowercase
        maxSequenceLength = min(layout.maxSequenceLength ?? configuration.maxSequenceLength, configuration.maxSequenceLength)
        dimension = configuration.hiddenSize * pooling.count
        identifier = Self.identifier(directory: directory, files: checkpoint.files.map(\.path)) + (task.map { "-" + $0 } ?? "")
    }

    /// The ids the encoder sees for `text` (special tokens included, truncated).
    public func tokenize(_ text: String) -> [Int] {
        let input = instruction + text
        return tokenizer.encode(lowercases ? input.lowercased() : input, addSpecialTokens: true, maxLength: maxSequenceLength)
    }

    /// One vector per text, in input order, in batches of ``defaultBatchSize``.
    public func embed(_ texts: [String]) throws -> [[Float]] {
        try embed(texts, batchSize: Self.defaultBatchSize)
    }

    /// One vector per text, in input order.
    public func embed(_ texts: [String], batchSize: Int) throws -> [[Float]] {
        guard batchSize > 0 else { throw ModelError.invalidInput("batch size must be positive (got \(batchSize))") }
        let ids = texts.map(tokenize)
        // Longest first (as sentence-transformers): batches of similar lengths pad little.
        let order = ids.indices.sorted { ids[$0].count > ids[$1].count }
        var vectors = [[Float]](repeating: [], count: texts.count)
        try Tensor.withNoGrad {
            var start = 0
            while start < order.count {
                let members = Array(order[start..<min(order.count, start + batchSize)])
                // Only a tokenizer without special tokens yields no ids (for ""): it is embedded as one pad token.
                let batch = members.map { ids[$0].isEmpty ? [encoder.configuration.padTokenId] : ids[$0] }
                let hidden = try encoder(batch).contiguous()
                let (t, h) = (hidden.shape[1], hidden.shape[2])
                hidden.withUnsafeBufferPointer { states in
                    for (row, index) in members.enumerated() {
                        vectors[index] = pool(states.baseAddress! + row * t * h, length: batch[row].count, width: h)
                    }
                }
                start += batchSize
            }
        }
        return vectors
    }

    private func pool(_ tokens: UnsafePointer<Float>, length: Int, width: Int) -> [Float] {
        var vector = [Float](repeating: 0, count: dimension)
        vector.withUnsafeMutableBufferPointer { out in
            for (i, mode) in pooling.enumerated() { mode.pool(tokens, length: length, width: width, into: out.baseAddress! + i * width) }
        }
        if normalizes {
            // torch.nn.functional.normalize: v / max(‖v‖, 1e-12).
            let norm = vector.reduce(0) { $0 + $1 * $1 }.squareRoot()
            let scale = 1 / max(norm, 1e-12)
            for i in vector.indices { vector[i] *= scale }
        }
        return vector
    }

    /// Folder name + FNV-1a of the configuration files and each weight file's size: changes when
    /// the model does, costs no pass over the weights.
    static func identifier(directory: URL, files: [String]) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ bytes: some Sequence<UInt8>) { for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 } }
        for name in ["config.json", "modules.json", "sentence_bert_config.json", "1_Pooling/config.json", "tokenizer.json"] {
            if let data = try? Data(contentsOf: directory.appendingPathComponent(name)) { mix(Array(name.utf8)); mix(data) }
        }
        for path in files.sorted() {
            let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
            mix(Array(URL(fileURLWithPath: path).lastPathComponent.utf8))
            mix(Array("\(size)".utf8))
        }
        return directory.standardizedFileURL.lastPathComponent + "-" + String(hash, radix: 16)
    }
}
