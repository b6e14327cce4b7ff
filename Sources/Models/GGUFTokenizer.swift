import Tokenizers
import WeightFormats

extension PreTrainedTokenizer {
    /// The byte-level BPE tokenizer a GGUF file's `tokenizer.ggml.*` metadata describes
    /// (docs/formats.md §2.2); metadata of the wrong type counts as absent.
    public static func fromGGUF(_ file: GGUFFile) throws -> PreTrainedTokenizer {
        guard let tokens = file.strings("tokenizer.ggml.tokens") else {
            throw ModelError.missingFile(path: file.path, what: "tokenizer (tokenizer.ggml.tokens)")
        }
        return try fromGGUF(
            model: file.string("tokenizer.ggml.model") ?? "?", tokens: tokens, merges: file.strings("tokenizer.ggml.merges") ?? [],
            tokenTypes: file.ints("tokenizer.ggml.token_type") ?? [], pre: file.string("tokenizer.ggml.pre"),
            bosTokenId: file.int("tokenizer.ggml.bos_token_id"), eosTokenId: file.int("tokenizer.ggml.eos_token_id"),
            addBos: file.bool("tokenizer.ggml.add_bos_token"), source: file.path)
    }
}
