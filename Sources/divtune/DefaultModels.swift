import Base
import Foundation

/// The embedded default models, where `make models` puts them (``ModelCache``: `$DIVTUNE_CACHE`,
/// else `.cache/models` under the current directory).
enum DefaultModels {
    /// SmolLM2-135M-Instruct (GGUF Q4_1).
    static func smolLM2() throws -> String { try ModelCache().require(ModelCache.smolLM2).path }

    /// all-MiniLM-L6-v2 (sentence-transformers folder).
    static func miniLM() throws -> String { try ModelCache().require(ModelCache.miniLM).path }
}
