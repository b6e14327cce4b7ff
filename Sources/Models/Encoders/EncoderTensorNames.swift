/// Where an encoder checkpoint keeps each weight (names after the architecture prefix such as
/// `roberta.`). Two families: Hugging Face's BERT modelling code (`encoder.layer.N.attention.self.query`,
/// separate Q/K/V) and the flash-attention code jina-embeddings-v3 ships (`encoder.layers.N.mixer.Wqkv`,
/// fused Q/K/V, `emb_ln`, `norm1`/`norm2`, `mlp.fc1`/`fc2`; docs/methods.md §3.3).
struct EncoderTensorNames {
    var wordEmbeddings: String
    var positionEmbeddings: String
    var tokenTypeEmbeddings: String
    var embeddingNorm: String
    /// One fused projection, or query/key/value in that order (each without `.weight`/`.bias`).
    var queryKeyValue: (Int) -> [String]
    var attentionOutput: (Int) -> String
    var attentionNorm: (Int) -> String
    var intermediate: (Int) -> String
    var output: (Int) -> String
    var outputNorm: (Int) -> String

    static let huggingFace = EncoderTensorNames(
        wordEmbeddings: "embeddings.word_embeddings", positionEmbeddings: "embeddings.position_embeddings",
        tokenTypeEmbeddings: "embeddings.token_type_embeddings", embeddingNorm: "embeddings.LayerNorm",
        queryKeyValue: { i in ["query", "key", "value"].map { "encoder.layer.\(i).attention.self.\($0)" } },
        attentionOutput: { "encoder.layer.\($0).attention.output.dense" },
        attentionNorm: { "encoder.layer.\($0).attention.output.LayerNorm" },
        intermediate: { "encoder.layer.\($0).intermediate.dense" },
        output: { "encoder.layer.\($0).output.dense" },
        outputNorm: { "encoder.layer.\($0).output.LayerNorm" })

    static let flash = EncoderTensorNames(
        wordEmbeddings: "embeddings.word_embeddings", positionEmbeddings: "embeddings.position_embeddings",
        tokenTypeEmbeddings: "embeddings.token_type_embeddings", embeddingNorm: "emb_ln",
        queryKeyValue: { ["encoder.layers.\($0).mixer.Wqkv"] },
        attentionOutput: { "encoder.layers.\($0).mixer.out_proj" },
        attentionNorm: { "encoder.layers.\($0).norm1" },
        intermediate: { "encoder.layers.\($0).mlp.fc1" },
        output: { "encoder.layers.\($0).mlp.fc2" },
        outputNorm: { "encoder.layers.\($0).norm2" })

    /// The family and architecture prefix of a checkpoint, found from its word-embedding tensor
    /// (plain, or LoRA-parametrized as `…parametrizations.weight.original`).
    static func detect(_ names: [String], source: String) throws -> (EncoderTensorNames, prefix: String) {
        let anchors = ["embeddings.word_embeddings.weight", "embeddings.word_embeddings" + TaskAdaptedWeights.originalSuffix]
        for anchor in anchors {
            guard let name = names.first(where: { $0 == anchor || $0.hasSuffix("." + anchor) }) else { continue }
            let prefix = String(name.dropLast(anchor.count))
            let isFlash = names.contains { $0.hasPrefix(prefix + "encoder.layers.") }
            return (isFlash ? .flash : .huggingFace, prefix)
        }
        throw ModelError.missingTensor(file: source, name: anchors[0])
    }
}
