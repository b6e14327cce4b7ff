import Foundation

/// Which definitions the text metrics follow.
public enum DiversityCompat: String, Sendable, CaseIterable {
    /// The metrics' intended definitions (single gzip, homogenization mean over all documents,
    /// unrounded). Default.
    case intended
    /// Bit-compatible with the `diversity` 0.2.0 package that Chung et al. used, so numbers can be
    /// set beside the paper's: double gzip, homogenization dropping the last document, results
    /// rounded to 3 decimals (docs/methods.md §10.6).
    case diversity02
}

/// All diversity numbers of one prompt's samples; nil where a metric is undefined (see
/// ``warnings``). Semantic and style diversity are embedding-based and independent of `compat`.
public struct PromptDiversity: Hashable, Sendable {
    public var samples: Int
    /// Mean pairwise cosine distance of the semantic embeddings (``EmbeddingDiversity``).
    public var semantic: Double?
    /// Mean pairwise cosine distance of the style embeddings.
    public var style: Double?
    /// ``CompressionRatio``: higher = more repetitive.
    public var compressionRatio: Double?
    /// ``Homogenization``: ROUGE-L similarity between samples, higher = more homogeneous.
    public var homogenization: Double?
    /// ``NGramDiversity``: Σ_{n=1..4} distinct/total, higher = more diverse.
    public var ngramDiversity: Double?
    public var warnings: [String] = []

    /// The value of one metric (nil where undefined).
    public func value(_ metric: DiversityMetric) -> Double? {
        switch metric {
        case .semanticDiversity: return semantic
        case .styleDiversity: return style
        case .compressionRatio: return compressionRatio
        case .homogenizationRougel: return homogenization
        case .ngramDiversity: return ngramDiversity
        }
    }
}

/// Per-prompt diversity measurement (issue "Measure quality and diversity", docs/methods.md §9, §10).
public enum DiversityMetrics {
    /// Metrics of one prompt. Embeddings, when given, must hold one vector per sample.
    public static func compute(samples: [String], semanticEmbeddings: [[Float]]? = nil, styleEmbeddings: [[Float]]? = nil,
                               compat: DiversityCompat = .intended) throws -> PromptDiversity {
        var result = PromptDiversity(samples: samples.count)
        if samples.isEmpty {
            result.warnings.append("no samples")
            return result
        }
        if samples.count < 2 {
            result.warnings.append("a single sample: pairwise metrics (semantic, style, homogenization) are undefined")
        }
        for (name, embeddings) in [("semantic", semanticEmbeddings), ("style", styleEmbeddings)] {
            guard let embeddings else { continue }
            guard embeddings.count == samples.count else {
                throw EvaluationError.invalidEmbeddings(reason: "\(embeddings.count) \(name) embeddings for \(samples.count) samples")
            }
            let value = try EmbeddingDiversity.meanPairwiseCosineDistance(embeddings)
            if name == "semantic" { result.semantic = value } else { result.style = value }
        }
        result.compressionRatio = try CompressionRatio.ratio(samples, compat: compat)
        result.homogenization = Homogenization.score(samples, compat: compat)
        result.ngramDiversity = NGramDiversity.score(samples, compat: compat)
        if result.ngramDiversity == nil {
            result.warnings.append("fewer than 4 words: diversity 0.2.0's n-gram score divides by zero")
        }
        return result
    }

    /// Metrics of many prompts in parallel (`DispatchQueue.concurrentPerform` over prompts);
    /// `semanticEmbeddings[p]` / `styleEmbeddings[p]` belong to `prompts[p]`. Each prompt's
    /// warnings are prefixed with its index.
    public static func compute(prompts: [[String]], semanticEmbeddings: [[[Float]]]? = nil, styleEmbeddings: [[[Float]]]? = nil,
                               compat: DiversityCompat = .intended) throws -> [PromptDiversity] {
        for (name, e) in [("semantic", semanticEmbeddings), ("style", styleEmbeddings)] where e != nil && e?.count != prompts.count {
            throw EvaluationError.invalidEmbeddings(reason: "\(e?.count ?? 0) \(name) embedding sets for \(prompts.count) prompts")
        }
        var results = [Result<PromptDiversity, Error>](repeating: .failure(EvaluationError.invalidArgument(name: "prompt", reason: "not computed")),
                                                       count: prompts.count)
        let lock = NSLock()
        DispatchQueue.concurrentPerform(iterations: prompts.count) { p in
            let r = Result {
                var d = try compute(samples: prompts[p], semanticEmbeddings: semanticEmbeddings?[p],
                                    styleEmbeddings: styleEmbeddings?[p], compat: compat)
                d.warnings = d.warnings.map { "prompt \(p): \($0)" }
                return d
            }
            lock.lock(); results[p] = r; lock.unlock()
        }
        return try results.map { try $0.get() }
    }

    /// Corpus-level means with bootstrap confidence intervals, one per metric (nil values skipped).
    public static func summarize(_ prompts: [PromptDiversity], resamples: Int = 1000, confidence: Double = 0.95,
                                 seed: UInt64 = 0) throws -> DiversitySummary {
        func ci(_ values: [Double?]) throws -> ConfidenceInterval? {
            try Bootstrap.confidenceInterval(values, resamples: resamples, confidence: confidence, seed: seed)
        }
        return DiversitySummary(semantic: try ci(prompts.map(\.semantic)), style: try ci(prompts.map(\.style)),
                                compressionRatio: try ci(prompts.map(\.compressionRatio)),
                                homogenization: try ci(prompts.map(\.homogenization)),
                                ngramDiversity: try ci(prompts.map(\.ngramDiversity)),
                                warnings: prompts.flatMap(\.warnings))
    }
}

/// Corpus-level diversity: a bootstrap interval per metric (nil where no prompt had a value).
public struct DiversitySummary: Hashable, Sendable {
    public var semantic: ConfidenceInterval?
    public var style: ConfidenceInterval?
    public var compressionRatio: ConfidenceInterval?
    public var homogenization: ConfidenceInterval?
    public var ngramDiversity: ConfidenceInterval?
    /// Every prompt's warnings.
    public var warnings: [String]
}
