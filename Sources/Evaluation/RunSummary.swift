/// Turns a run's samples into its `metrics.json`: quality per prompt (mean reward, or mean
/// log-prob per token when no reward model scored the samples; the latter is also kept on its own), diversity per prompt
/// (``DiversityMetrics``), and a 95% percentile-bootstrap interval over prompts for each.
public enum RunSummary {
    /// `semanticEmbeddings[p][s]` / `styleEmbeddings[p][s]` embed `records[p].samples[s]`.
    public static func metrics(run: String, model: String, records: [SampleRecord],
                               semanticEmbeddings: [[[Float]]]? = nil, styleEmbeddings: [[[Float]]]? = nil,
                               embedder: String? = nil, styleEmbedder: String? = nil, embeddersMatchPaper: Bool? = nil,
                               adapter: String? = nil, baseModel: String? = nil, baseAdapter: String? = nil,
                               conformativeWeight: Double? = nil, resamples: Int = 1000, seed: UInt64 = 0) throws -> (RunMetrics, [PromptDiversity]) {
        let perPrompt = try DiversityMetrics.compute(prompts: records.map(\.samples), semanticEmbeddings: semanticEmbeddings,
                                                     styleEmbeddings: styleEmbeddings)
        let diversity = try DiversityMetrics.summarize(perPrompt, resamples: resamples, confidence: 0.95, seed: seed)
        let usesReward = !records.isEmpty && records.allSatisfy { $0.rewards != nil }
        let logprob = try Bootstrap.confidenceInterval(records.map { mean($0.logprobPerToken.compactMap { $0 }) },
                                                       resamples: resamples, confidence: 0.95, seed: seed)
        let quality = try usesReward
            ? Bootstrap.confidenceInterval(records.map { mean($0.rewards ?? []) }, resamples: resamples, confidence: 0.95, seed: seed)
            : logprob
        var warnings = diversity.warnings
        if semanticEmbeddings == nil { warnings.insert("no semantic embedder: semantic diversity not measured", at: 0) }
        if styleEmbeddings == nil { warnings.insert("no style embedder: style diversity not measured", at: 0) }
        // Samples from an endpoint that returns no log-probs (docs/methods.md §9) have nothing to average.
        if quality == nil && !usesReward && !records.isEmpty {
            warnings.insert("quality not measured: no sample has log-probs (the server returned none) and no reward model was given", at: 0)
        }
        let metrics = RunMetrics(
            run: run, model: model, adapter: adapter, baseModel: baseModel, baseAdapter: baseAdapter,
            conformativeWeight: conformativeWeight, quality: quality.map(Estimate.init),
            qualityMeasure: (usesReward ? QualityMeasure.reward : .meanLogprobPerToken).rawValue,
            semanticDiversity: diversity.semantic.map(Estimate.init), styleDiversity: diversity.style.map(Estimate.init),
            compressionRatio: diversity.compressionRatio.map(Estimate.init),
            homogenizationRougel: diversity.homogenization.map(Estimate.init),
            ngramDiversity: diversity.ngramDiversity.map(Estimate.init),
            prompts: records.count, samplesPerPrompt: records.map(\.samples.count).max() ?? 0,
            embedder: embedder, styleEmbedder: styleEmbedder, embeddersMatchPaper: embeddersMatchPaper, warnings: warnings,
            meanLogprobPerToken: logprob.map(Estimate.init))
        return (metrics, perPrompt)
    }

    static func mean(_ values: [Double]) -> Double? {
        values.isEmpty ? nil : values.reduce(0, +) / Double(values.count)
    }
}
