/// How an encoder tells positions apart (`position_embedding_type` in `config.json`): a learned
/// table added to the token embeddings (BERT, RoBERTa: "absolute", the default), or rotary
/// embeddings applied to queries and keys in every layer (jina-embeddings-v3's XLM-RoBERTa:
/// "rotary", angles p·base^(−2i/D) over the whole head, pairs i and i + D/2, positions 0…T−1).
public enum EncoderPositions: Sendable, Equatable {
    case absolute
    case rotary(base: Float)

    static let supported = ["absolute", "rotary"]
}
