import ArgumentParser
import Base
import Embeddings
import EvaluationRuns
import Foundation

/// `--embedder DIR` / `--style-embedder DIR`, shared by every command that embeds texts, and the
/// one place that turns them into `TextEmbedder`s.
///
/// - semantic: the sentence-transformers folder given, else all-MiniLM-L6-v2 from the model cache
///   (``ModelCache``: `$DIVTUNE_CACHE`, else `.cache/models` under the current directory).
/// - style: a sentence-transformers folder given, else the offline `StylometricEmbedder`.
/// With a cache file, model spaces are wrapped in an `EmbeddingCache` keyed by (model id, text).
struct EmbedderOptions: ParsableArguments {
    @Option(name: .customLong("embedder"), help: ArgumentHelp("Sentence-transformers folder for the semantic space (default: all-MiniLM-L6-v2 in the model cache).", valueName: "DIR"))
    var semanticDirectory: String?

    @Option(name: .customLong("style-embedder"), help: ArgumentHelp("Sentence-transformers folder for the style space (default: the built-in stylometric features).", valueName: "DIR"))
    var styleDirectory: String?

    /// The folder of the default semantic model, wherever the cache is.
    static func defaultSemanticDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        ModelCache(environment: environment).url(ModelCache.miniLM)
    }

    /// Loads the semantic sentence embedder (given folder or the default).
    func sentenceEmbedder() throws -> SentenceEmbedder {
        let url = semanticDirectory.map { URL(fileURLWithPath: $0) } ?? Self.defaultSemanticDirectory()
        if semanticDirectory == nil { _ = try ModelCache().require(ModelCache.miniLM) }
        return try SentenceEmbedder(directory: url)
    }

    /// The semantic space, cached in `cache` when given.
    func semantic(cache: URL? = nil) throws -> TextEmbedder {
        let embedder = try sentenceEmbedder()
        guard let cache else { return embedder }
        return try EmbeddingCache(wrapping: embedder, modelID: embedder.identifier, file: cache)
    }

    /// The style space. A style model is cached beside the semantic cache (`NAME.style`; one
    /// `EmbeddingCache` owns one file); the stylometric features are cheaper to compute than to
    /// look up, so they are never cached.
    func style(cache: URL? = nil) throws -> TextEmbedder {
        guard let styleDirectory else { return StylometricEmbedder() }
        let embedder = try SentenceEmbedder(directory: URL(fileURLWithPath: styleDirectory))
        guard let cache else { return embedder }
        return try EmbeddingCache(wrapping: embedder, modelID: embedder.identifier, file: Self.styleCacheFile(for: cache))
    }

    /// Both spaces, named as `metrics.json` records them: the model folder, or the built-in
    /// stylometric vector.
    func spaces() throws -> EmbeddingSpaces {
        EmbeddingSpaces(semantic: try semantic(), semanticName: semanticDirectory ?? Self.defaultSemanticDirectory().path,
                        style: try style(), styleName: styleDirectory ?? "stylometric (built-in)")
    }

    static func styleCacheFile(for cache: URL) -> URL {
        cache.deletingLastPathComponent().appendingPathComponent(cache.lastPathComponent + ".style")
    }
}

extension EmbedderOptions {
    /// Options as if parsed from `--embedder` / `--style-embedder` (commands with their own flag names).
    init(semanticDirectory: String?, styleDirectory: String? = nil) {
        self.init()
        self.semanticDirectory = semanticDirectory
        self.styleDirectory = styleDirectory
    }
}
