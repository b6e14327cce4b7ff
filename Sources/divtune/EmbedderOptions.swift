import ArgumentParser
import Base
import Embeddings
import EvaluationRuns
import Foundation

/// `--embedder DIR` / `--embedder-task TASK` / `--style-embedder DIR`, shared by every command that
/// embeds texts, and the one place that turns them into `TextEmbedder`s.
///
/// - semantic: the sentence-transformers folder given (the paper's jina-embeddings-v3, or any
///   other), else all-MiniLM-L6-v2 from the model cache (``ModelCache``: `$DIVTUNE_CACHE`, else
///   `.cache/models` under the current directory). `--embedder-task` picks a jina LoRA task
///   (default `none`: the base weights, as the paper used).
/// - style: a sentence-transformers folder given (the paper's Style-Embedding), else the offline
///   `StylometricEmbedder`.
/// With a cache file, model spaces are wrapped in an `EmbeddingCache` keyed by (model id, text).
/// ``semanticProvenance(_:)`` and ``styleProvenance(_:)`` say which embedders these are and whether they are the paper's.
struct EmbedderOptions: ParsableArguments {
    @Option(name: .customLong("embedder"), help: ArgumentHelp("Sentence-transformers folder for the semantic space (default: all-MiniLM-L6-v2 in the model cache).", valueName: "DIR"))
    var semanticDirectory: String?

    @Option(name: .customLong("embedder-task"), help: ArgumentHelp("LoRA task of a jina-embeddings-v3 --embedder: none (the base weights, as the paper), text-matching, retrieval.query, retrieval.passage, separation, classification.", valueName: "TASK"))
    var semanticTask = "none"

    @Option(name: .customLong("style-embedder"), help: ArgumentHelp("Sentence-transformers folder for the style space (default: the built-in stylometric features).", valueName: "DIR"))
    var styleDirectory: String?

    /// The folder of the default semantic model, wherever the cache is.
    static func defaultSemanticDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        ModelCache(environment: environment).url(ModelCache.miniLM)
    }

    /// Loads the semantic sentence embedder (given folder or the default), with its task.
    func sentenceEmbedder() throws -> SentenceEmbedder {
        let url = semanticDirectory.map { URL(fileURLWithPath: $0) } ?? Self.defaultSemanticDirectory()
        if semanticDirectory == nil { _ = try ModelCache().require(ModelCache.miniLM) }
        return try SentenceEmbedder(directory: url, task: semanticTask == "none" ? nil : semanticTask)
    }

    /// The style model given, or nil for the stylometric features.
    func styleEmbedder() throws -> SentenceEmbedder? {
        try styleDirectory.map { try SentenceEmbedder(directory: URL(fileURLWithPath: $0)) }
    }

    /// The semantic space, cached in `cache` when given.
    func semantic(cache: URL? = nil) throws -> TextEmbedder {
        try Self.cached(try sentenceEmbedder(), in: cache)
    }

    /// The style space. A style model is cached beside the semantic cache (`NAME.style`; one
    /// `EmbeddingCache` owns one file); the stylometric features are cheaper to compute than to
    /// look up, so they are never cached.
    func style(cache: URL? = nil) throws -> TextEmbedder {
        guard let embedder = try styleEmbedder() else { return StylometricEmbedder() }
        return try Self.cached(embedder, in: cache.map(Self.styleCacheFile))
    }

    /// `embedder` behind an `EmbeddingCache` in `file`, or itself without one.
    static func cached(_ embedder: SentenceEmbedder, in file: URL?) throws -> TextEmbedder {
        guard let file else { return embedder }
        return try EmbeddingCache(wrapping: embedder, modelID: embedder.identifier, file: file)
    }

    /// What the semantic model is, as runs record it (and whether it is the paper's jina-embeddings-v3).
    func semanticProvenance(_ embedder: SentenceEmbedder) -> EmbedderProvenance {
        EmbedderProvenance(embedder, space: .semantic, source: semanticDirectory ?? Self.defaultSemanticDirectory().path)
    }

    /// What the style space is: the model given (the paper's Style-Embedding?) or the stylometric features.
    func styleProvenance(_ embedder: SentenceEmbedder?) -> EmbedderProvenance {
        embedder.map { EmbedderProvenance($0, space: .style, source: styleDirectory ?? $0.directory.path) } ?? .stylometric
    }

    /// Both spaces, named as `metrics.json` records them (``EmbedderProvenance``: the model folder
    /// or the built-in stylometric vector, what it is, and whether it is the paper's).
    func spaces() throws -> EmbeddingSpaces {
        let semantic = try sentenceEmbedder(), style = try styleEmbedder()
        return EmbeddingSpaces(semantic: semantic, semanticProvenance(semantic),
                               style: style ?? StylometricEmbedder(), styleProvenance(style))
    }

    static func styleCacheFile(for cache: URL) -> URL {
        cache.deletingLastPathComponent().appendingPathComponent(cache.lastPathComponent + ".style")
    }
}

extension EmbedderOptions {
    /// Options as if parsed from `--embedder DIR` alone (commands with their own flag names). A
    /// named factory, not an initializer: a call could resolve to the synthesized memberwise
    /// initializer, which leaves the options unparsed.
    static func semantic(_ directory: String?) -> EmbedderOptions {
        var options = EmbedderOptions()
        options.semanticDirectory = directory
        options.styleDirectory = nil
        options.semanticTask = "none"
        return options
    }
}
