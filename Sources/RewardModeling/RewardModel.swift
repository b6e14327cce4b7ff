import Base
import Foundation
import Models
import TensorEngine
import Tokenizers
import Training
import WeightFormats

/// A scalar reward on top of a Llama: the final-norm hidden state of the **last** token, through
/// a linear score head (`score.weight` [1, hidden], `score.bias` [1]), with a LoRA adapter on the
/// body — like HF `AutoModelForSequenceClassification(num_labels=1)` + PEFT `SEQ_CLS`, where the
/// head is trained in full (`modules_to_save`).
public final class RewardModel {
    public let model: LlamaModel
    public let adapter: LoRAAdapter
    public let head: Tensor
    public let bias: Tensor

    public static let headFile = "reward_head.safetensors"
    public static let configFile = "reward_config.json"

    /// A fresh adapter and head (head weights N(0, 0.02²) like HF's initializer, bias 0).
    public init(model: LlamaModel, lora: LoRAConfiguration, seed: UInt64) throws {
        self.model = model
        self.adapter = try LoRAAdapter(configuration: lora, model: model, seed: seed)
        try model.attach(adapter)
        head = Self.initialHead(hiddenSize: model.configuration.hiddenSize, seed: seed)
        bias = Tensor.full(0, shape: [1])
        for p in trainableParameters { p.requiresGrad = true }
    }

    /// The fresh head's weights [1, hidden] for `seed`: N(0, 0.02²), drawn apart from the adapter's.
    /// The torch backend starts from these too (docs/scale-out.md §8).
    public static func initialHead(hiddenSize: Int, seed: UInt64) -> Tensor {
        var rng = SeededGenerator(seed: seed &+ 0x5EED)
        return Tensor.randomNormal([1, hiddenSize], std: 0.02, using: &rng)
    }

    init(model: LlamaModel, adapter: LoRAAdapter, head: Tensor, bias: Tensor) throws {
        self.model = model
        self.adapter = adapter
        self.head = head
        self.bias = bias
        try model.attach(adapter)
    }

    /// The LoRA matrices and the head.
    public var trainableParameters: [Tensor] { adapter.parameters + [head, bias] }

    /// The reward of one token sequence, as a [1, 1] tensor (differentiable).
    public func score(_ ids: [Int]) throws -> Tensor {
        guard !ids.isEmpty else { throw RewardError.invalidData(location: "input", reason: "an empty token sequence has no last token") }
        let h = try model.hiddenStates([ids])
        let last = try reshape(slice(h, axis: 1, range: (ids.count - 1)..<ids.count), [1, model.configuration.hiddenSize])
        return try linear(last, weight: head, bias: bias)
    }

    /// The rewards of a batch of sequences from one forward pass, as an [N] tensor
    /// (differentiable): right-padded rows, or with `paddingFree` the sequences concatenated into
    /// rows as long as the context (``BatchLayout``; docs/methods.md §6.4). Each reward reads its
    /// sequence's last token, so both equal ``score(_:)`` of each sequence alone up to Float32
    /// summation order. `contextSplits`: padding-free rows started because the context was full.
    public func rewards(_ sequences: [[Int]], paddingFree: Bool) throws -> (rewards: Tensor, contextSplits: Int) {
        guard !sequences.isEmpty else { throw RewardError.invalidData(location: "input", reason: "an empty batch has no rewards") }
        if let empty = sequences.firstIndex(where: \.isEmpty) {
            throw RewardError.invalidData(location: "sequence \(empty) of the batch", reason: "an empty token sequence has no last token")
        }
        let layout = BatchLayout(sequences.map { BatchLayout.Segment(tokens: $0) }, paddingFree: paddingFree,
                                 maxRowLength: model.configuration.maxPositionEmbeddings)
        let h = try model.hiddenStates(layout.ids, positions: layout.positions, keyPadding: layout.keyPadding, hiddenKeys: layout.hiddenKeys)
        // The last tokens' states, as one product of a 0/1 selection [N, R·T] with the states [R·T, hidden].
        let (n, flat, hidden) = (sequences.count, layout.ids.count * layout.width, model.configuration.hiddenSize)
        var pick = [Float](repeating: 0, count: n * flat)
        for (i, s) in sequences.enumerated() { pick[i * flat + layout.flatIndex(segment: i, token: s.count - 1)] = 1 }
        let last = try matmul(Tensor(pick, shape: [n, flat]), reshape(h, [flat, hidden]))
        return (try reshape(linear(last, weight: head, bias: bias), [n]), layout.contextSplits)
    }

    /// Rewards of many sequences, without gradients.
    public func scores(_ sequences: [[Int]]) throws -> [Double] {
        let training = adapter.isTraining
        adapter.isTraining = false
        defer { adapter.isTraining = training }
        return try Tensor.withNoGrad { try sequences.map { Double(try score($0).item) } }
    }

    /// Saves the adapter (PEFT folder), the head and `reward_config.json`, each file atomically.
    public func save(directory: URL, config: RewardConfig) throws {
        try adapter.save(directory: directory)
        try SafetensorsWriter.write(tensors: [(name: "score.weight", shape: head.shape, values: head.scalars),
                                              (name: "score.bias", shape: bias.shape, values: bias.scalars)],
                                    metadata: ["format": "pt"], to: directory.appendingPathComponent(Self.headFile))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try AtomicFile.write(encoder.encode(config), to: directory.appendingPathComponent(Self.configFile))
    }

    /// Loads a saved reward model onto `model` (the same base it was trained on). With the base's
    /// `tokenizer`, a folder that records its base's vocabulary fingerprint refuses a base whose
    /// tokenizer differs: the head would score ids it never saw.
    public static func load(directory: URL, model: LlamaModel, tokenizer: (any Tokenizer)? = nil) throws -> (RewardModel, RewardConfig) {
        let configURL = directory.appendingPathComponent(configFile)
        guard let data = try? Data(contentsOf: configURL) else { throw RewardError.unreadable(path: configURL.path, reason: "missing (not a reward model folder)") }
        let config: RewardConfig
        do { config = try JSONDecoder().decode(RewardConfig.self, from: data) } catch {
            throw RewardError.invalidData(location: configURL.path, reason: "\(error)")
        }
        guard config.maxLength >= 1 else { throw RewardError.invalidData(location: configURL.path, reason: "max_length must be ≥ 1, got \(config.maxLength)") }
        if let tokenizer, let recorded = config.tokenizerFingerprint, recorded != tokenizer.vocabularyFingerprint {
            throw RewardError.invalidData(location: configURL.path, reason: "the reward model was trained on \(config.baseModel), whose tokenizer"
                + " (\(config.tokenizerVocabularySize.map { "\($0) tokens, " } ?? "")SHA-256 \(recorded.prefix(12))…) differs from this base model's"
                + " (\(tokenizer.vocabularySize) tokens, SHA-256 \(tokenizer.vocabularyFingerprint.prefix(12))…):"
                + " load it onto the model it was trained on (--reward-base-model)")
        }
        let headURL = directory.appendingPathComponent(headFile)
        guard FileManager.default.fileExists(atPath: headURL.path) else { throw RewardError.unreadable(path: headURL.path, reason: "missing") }
        let file = try SafetensorsFile(path: headURL.path)
        guard let w = file.tensors["score.weight"], let b = file.tensors["score.bias"] else {
            throw RewardError.invalidData(location: headURL.path, reason: "needs tensors score.weight and score.bias")
        }
        guard w.shape == [1, model.configuration.hiddenSize], b.shape == [1] else {
            throw RewardError.invalidData(location: headURL.path, reason: "score.weight \(w.shape) / score.bias \(b.shape) do not fit hidden size \(model.configuration.hiddenSize)")
        }
        let reward = try RewardModel(model: model, adapter: LoRAAdapter.load(directory: directory),
                                     head: Tensor(file.floats(w), shape: w.shape), bias: Tensor(file.floats(b), shape: b.shape))
        return (reward, config)
    }
}

/// What `reward_config.json` records: how inputs were built and targets transformed, and the
/// validation metrics of the saved model.
public struct RewardConfig: Codable, Hashable, Sendable {
    public var baseModel: String
    public var maxLength: Int
    public var loss: String
    /// The score-transform bounds used for the targets (nil when the data held targets already).
    public var scoreMinimum: Double?
    public var scoreMaximum: Double?
    /// Which transform variant made the targets (`consistent-shift` or `reference`, docs/methods.md §1).
    public var scoreTransform: String?
    public var validation: RegressionMetrics?
    /// The base tokenizer's `vocabularyFingerprint` and size (nil in folders written before they were recorded).
    public var tokenizerFingerprint: String?
    public var tokenizerVocabularySize: Int?

    public init(baseModel: String, maxLength: Int, loss: String, scoreMinimum: Double?, scoreMaximum: Double?,
                scoreTransform: String? = nil, validation: RegressionMetrics?, tokenizer: (any Tokenizer)? = nil) {
        tokenizerFingerprint = tokenizer?.vocabularyFingerprint
        tokenizerVocabularySize = tokenizer?.vocabularySize
        self.baseModel = baseModel
        self.maxLength = maxLength
        self.loss = loss
        self.scoreMinimum = scoreMinimum
        self.scoreMaximum = scoreMaximum
        self.scoreTransform = scoreTransform
        self.validation = validation
    }

    enum CodingKeys: String, CodingKey {
        case loss, validation
        case baseModel = "base_model", maxLength = "max_length", scoreMinimum = "score_minimum", scoreMaximum = "score_maximum"
        case scoreTransform = "score_transform", tokenizerFingerprint = "tokenizer_sha256", tokenizerVocabularySize = "tokenizer_vocabulary_size"
    }
}
