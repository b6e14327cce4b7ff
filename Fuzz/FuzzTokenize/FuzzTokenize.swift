import Base
import Foundation
import FuzzSupport
import Models
import Tokenizers
import WeightFormats

/// Text encoded by three fixed tokenizers — the two default models' SmolLM2 byte-level BPE (from its
/// GGUF) and all-MiniLM-L6-v2's WordPiece (`tokenizer.json`), both from `make models`, and the
/// jina-embeddings-v3 layout's SentencePiece Unigram with its precompiled normalizer (the test
/// fixture's `tokenizer.json`, run from the repository root) — then decoded, whole and streamed
/// (docs/fuzzing.md). Input that is not UTF-8 is repaired first, as the
/// CLI and server receive only Swift strings.
@main enum FuzzTokenize {
    static func main() {
        let tokenizers: [PreTrainedTokenizer]
        do {
            let cache = ModelCache()
            tokenizers = [try PreTrainedTokenizer.fromGGUF(GGUFFile(url: cache.require(ModelCache.smolLM2))),
                          try PreTrainedTokenizer(tokenizerJSON: cache.require(ModelCache.miniLM).appendingPathComponent("tokenizer.json")),
                          try PreTrainedTokenizer(tokenizerJSON: URL(fileURLWithPath: "Tests/EmbeddingsTests/Fixtures/jina-v3-tiny/tokenizer.json"))]
        } catch {
            FileHandle.standardError.write(Data("FuzzTokenize: \(error)\n".utf8))
            exit(1)
        }
        FuzzTarget.run { data in
            let text = String(decoding: data, as: UTF8.self)
            for tokenizer in tokenizers {
                let ids = tokenizer.encode(text, addSpecialTokens: true)
                _ = tokenizer.decode(ids)
                var stream = StreamingDetokenizer(tokenizer: tokenizer, skipSpecialTokens: false)
                for id in ids { _ = stream.append(id) }
                _ = stream.flush()
            }
        }
    }
}
