import Foundation
import TensorEngine

/// A BERT-family encoder (`bert`, `roberta`, `xlm-roberta`): token (+ learned position) + token-type
/// embeddings, LayerNorm, then post-norm bidirectional blocks. Returns the last hidden states
/// (`last_hidden_state`), which sentence-transformers pools. jina-embeddings-v3's XLM-RoBERTa is the
/// same stack with rotary positions in place of the position table and optional task LoRA adapters,
/// merged into the weights at load (``TaskAdaptedWeights``; docs/methods.md §3.3).
///
/// Weights use HF names, or the flash-attention names jina ships (``EncoderTensorNames``), with or
/// without the architecture prefix (`bert.`, `roberta.`, …): the prefix is whatever precedes the
/// word-embedding tensor in the checkpoint.
public final class TransformerEncoder {
    public let configuration: EncoderConfiguration
    /// The LoRA task merged into the weights, or nil for the base weights.
    public let task: String?
    let wordEmbeddings: Tensor
    /// nil with rotary positions.
    let positionEmbeddings: Tensor?
    /// Row 0 of the token-type table: every sentence is segment A.
    let tokenTypeEmbedding: Tensor
    let embeddingNorm: (weight: Tensor, bias: Tensor)
    let layers: [EncoderLayer]

    /// `task` selects one of `configuration.loraTasks` (an error names the tasks there are).
    public init(configuration c: EncoderConfiguration, weights plain: WeightSource, names: [String], source: String,
                task: String? = nil) throws {
        configuration = c
        self.task = task
        let taskIndex = try task.map { name -> Int in
            guard let index = c.loraTasks.firstIndex(of: name) else {
                let known = c.loraTasks.isEmpty ? "this model has no task adapters (lora_adaptations)" : "tasks: \(c.loraTasks.joined(separator: ", "))"
                throw ModelError.invalidConfiguration(key: "task", reason: "'\(name)' is not a task of \(source); \(known)")
            }
            return index
        }
        let weights = TaskAdaptedWeights(base: plain, task: taskIndex, taskCount: c.loraTasks.count, rank: c.loraRank,
                                         scaling: c.loraAlpha / Float(c.loraRank))
        let (scheme, prefix) = try EncoderTensorNames.detect(names, source: source)
        let h = c.hiddenSize
        func load(_ name: String, _ shape: [Int]) throws -> Tensor {
            let full = prefix + name
            guard weights.contains(full) else { throw ModelError.missingTensor(file: source, name: full) }
            let t = try weights.tensor(named: full)
            guard t.shape == shape else { throw ModelError.tensorShape(name: weights.displayName(of: full), expected: shape, got: t.shape) }
            return t
        }
        func linear(_ name: String, out: Int, in inFeatures: Int) throws -> Linear {
            try Linear(weight: load(name + ".weight", [out, inFeatures]), bias: load(name + ".bias", [out]))
        }
        func norm(_ name: String) throws -> (Tensor, Tensor) {
            (try load(name + ".weight", [h]), try load(name + ".bias", [h]))
        }
        wordEmbeddings = try load(scheme.wordEmbeddings + ".weight", [c.vocabSize, h])
        let rotary: RotaryEmbedding?
        switch c.positions {
        case .absolute:
            positionEmbeddings = try load(scheme.positionEmbeddings + ".weight", [c.maxPositionEmbeddings, h])
            rotary = nil
        case let .rotary(base):
            positionEmbeddings = nil
            rotary = try RotaryEmbedding(headDim: c.headDim, theta: base, layout: .rotateHalf)
        }
        let types = try load(scheme.tokenTypeEmbeddings + ".weight", [c.typeVocabSize, h])
        tokenTypeEmbedding = try reshape(slice(types, axis: 0, range: 0..<1), [h]).copy()
        embeddingNorm = try norm(scheme.embeddingNorm)
        guard let activation = EncoderActivation(c.hiddenAct) else {
            throw ModelError.invalidConfiguration(key: "hidden_act", reason: "'\(c.hiddenAct)' is not supported")
        }
        layers = try (0..<c.numHiddenLayers).map { i in
            let projections = scheme.queryKeyValue(i)
            let width = 3 * h / projections.count
            let fused = try Linear(weight: concat(projections.map { try load($0 + ".weight", [width, h]) }, axis: 0),
                                   bias: concat(projections.map { try load($0 + ".bias", [width]) }, axis: 0))
            return EncoderLayer(heads: c.numAttentionHeads, queryKeyValue: fused,
                                attentionOutput: try linear(scheme.attentionOutput(i), out: h, in: h),
                                attentionNorm: try norm(scheme.attentionNorm(i)),
                                intermediate: try linear(scheme.intermediate(i), out: c.intermediateSize, in: h),
                                output: try linear(scheme.output(i), out: h, in: c.intermediateSize),
                                outputNorm: try norm(scheme.outputNorm(i)), activation: activation, eps: c.layerNormEps,
                                rotary: rotary)
        }
    }

    /// Last hidden states [B, T, H] of `batch` (B rows of ids, each at most T = the longest;
    /// shorter rows are right-padded and masked out of attention). Without autograd, the hidden
    /// states of padding positions are not computed (they never reach a real token): only the
    /// first `batch[b].count` rows of each sequence are meaningful.
    public func callAsFunction(_ batch: [[Int]]) throws -> Tensor {
        let b = batch.count, t = batch.map(\.count).max() ?? 0
        guard b > 0, t > 0 else { throw ModelError.invalidInput("an encoder batch needs at least one non-empty sequence") }
        guard t <= configuration.maxSequenceLength else {
            throw ModelError.contextOverflow(tokens: t, limit: configuration.maxSequenceLength)
        }
        let pad = configuration.padTokenId
        var ids: [Int] = []
        ids.reserveCapacity(b * t)
        for row in batch {
            ids.append(contentsOf: row)
            ids.append(contentsOf: repeatElement(pad, count: t - row.count))
        }
        var x = try embedding(wordEmbeddings, ids: ids, shape: [b, t])
        if let positionEmbeddings {
            let offset = configuration.positionOffset
            var positions: [Int] = []
            positions.reserveCapacity(b * t)
            for row in batch {
                // Padding positions are masked; RoBERTa gives them padding_idx, BERT any valid row.
                positions.append(contentsOf: (0..<row.count).map { $0 + offset })
                positions.append(contentsOf: repeatElement(offset == 0 ? 0 : pad, count: t - row.count))
            }
            x = try add(x, embedding(positionEmbeddings, ids: positions, shape: [b, t]))
        }
        x = try add(x, tokenTypeEmbedding)
        x = try layerNorm(x, weight: embeddingNorm.weight, bias: embeddingNorm.bias, eps: configuration.layerNormEps)
        let lengths = batch.map(\.count)
        for layer in layers { x = try layer(x, lengths: lengths) }
        return x
    }
}
