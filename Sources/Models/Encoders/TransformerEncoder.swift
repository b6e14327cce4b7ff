import Foundation
import TensorEngine

/// A BERT-family encoder (`bert`, `roberta`, `xlm-roberta`): token + position + token-type
/// embeddings, LayerNorm, then post-norm bidirectional blocks. Returns the last hidden states
/// (`last_hidden_state`), which sentence-transformers pools.
///
/// Weights use HF names, with or without the architecture prefix (`bert.`, `roberta.`, …): the
/// prefix is whatever precedes `embeddings.word_embeddings.weight` in the checkpoint.
public final class TransformerEncoder {
    public let configuration: EncoderConfiguration
    let wordEmbeddings: Tensor
    let positionEmbeddings: Tensor
    /// Row 0 of the token-type table: every sentence is segment A.
    let tokenTypeEmbedding: Tensor
    let embeddingNorm: (weight: Tensor, bias: Tensor)
    let layers: [EncoderLayer]

    public init(configuration c: EncoderConfiguration, weights: WeightSource, names: [String], source: String) throws {
        configuration = c
        let anchor = "embeddings.word_embeddings.weight"
        guard let anchorName = names.first(where: { $0 == anchor || $0.hasSuffix("." + anchor) }) else {
            throw ModelError.missingTensor(file: source, name: anchor)
        }
        let prefix = String(anchorName.dropLast(anchor.count))
        let h = c.hiddenSize
        func load(_ name: String, _ shape: [Int]) throws -> Tensor {
            let full = prefix + name
            guard weights.contains(full) else { throw ModelError.missingTensor(file: source, name: full) }
            let t = try weights.tensor(named: full)
            guard t.shape == shape else { throw ModelError.tensorShape(name: full, expected: shape, got: t.shape) }
            return t
        }
        func linear(_ name: String, out: Int, in inFeatures: Int) throws -> Linear {
            try Linear(weight: load(name + ".weight", [out, inFeatures]), bias: load(name + ".bias", [out]))
        }
        func norm(_ name: String) throws -> (Tensor, Tensor) {
            (try load(name + ".weight", [h]), try load(name + ".bias", [h]))
        }
        wordEmbeddings = try load("embeddings.word_embeddings.weight", [c.vocabSize, h])
        positionEmbeddings = try load("embeddings.position_embeddings.weight", [c.maxPositionEmbeddings, h])
        let types = try load("embeddings.token_type_embeddings.weight", [c.typeVocabSize, h])
        tokenTypeEmbedding = try reshape(slice(types, axis: 0, range: 0..<1), [h]).copy()
        embeddingNorm = try norm("embeddings.LayerNorm")
        guard let activation = EncoderActivation(c.hiddenAct) else {
            throw ModelError.invalidConfiguration(key: "hidden_act", reason: "'\(c.hiddenAct)' is not supported")
        }
        layers = try (0..<c.numHiddenLayers).map { i in
            let p = "encoder.layer.\(i)."
            let projections = ["query", "key", "value"].map { p + "attention.self." + $0 }
            let fused = try Linear(weight: concat(projections.map { try load($0 + ".weight", [h, h]) }, axis: 0),
                                   bias: concat(projections.map { try load($0 + ".bias", [h]) }, axis: 0))
            return EncoderLayer(heads: c.numAttentionHeads, queryKeyValue: fused,
                                attentionOutput: try linear(p + "attention.output.dense", out: h, in: h),
                                attentionNorm: try norm(p + "attention.output.LayerNorm"),
                                intermediate: try linear(p + "intermediate.dense", out: c.intermediateSize, in: h),
                                output: try linear(p + "output.dense", out: h, in: c.intermediateSize),
                                outputNorm: try norm(p + "output.LayerNorm"), activation: activation, eps: c.layerNormEps)
        }
    }

    /// Last hidden states [B, T, H] of `batch` (B rows of ids, each at most T = the longest;
    /// shorter rows are right-padded and masked out of attention).
    public func callAsFunction(_ batch: [[Int]]) throws -> Tensor {
        let b = batch.count, t = batch.map(\.count).max() ?? 0
        guard b > 0, t > 0 else { throw ModelError.invalidInput("an encoder batch needs at least one non-empty sequence") }
        guard t <= configuration.maxSequenceLength else {
            throw ModelError.contextOverflow(tokens: t, limit: configuration.maxSequenceLength)
        }
        let pad = configuration.padTokenId, offset = configuration.positionOffset
        var ids: [Int] = [], positions: [Int] = []
        ids.reserveCapacity(b * t)
        positions.reserveCapacity(b * t)
        for row in batch {
            ids.append(contentsOf: row)
            ids.append(contentsOf: repeatElement(pad, count: t - row.count))
            // Padding positions are masked; RoBERTa gives them padding_idx, BERT any valid row.
            positions.append(contentsOf: (0..<row.count).map { $0 + offset })
            positions.append(contentsOf: repeatElement(offset == 0 ? 0 : pad, count: t - row.count))
        }
        let padded = batch.contains { $0.count < t }
        let keyPadding = padded ? batch.map { row in (0..<t).map { $0 < row.count } } : nil
        var x = try add(add(embedding(wordEmbeddings, ids: ids, shape: [b, t]), embedding(positionEmbeddings, ids: positions, shape: [b, t])),
                        tokenTypeEmbedding)
        x = try layerNorm(x, weight: embeddingNorm.weight, bias: embeddingNorm.bias, eps: configuration.layerNormEps)
        for layer in layers { x = try layer(x, keyPadding: keyPadding) }
        return x
    }
}
