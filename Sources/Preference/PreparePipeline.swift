import Base
import Embeddings
import Foundation

/// Options of `divtune prepare` (defaults = the paper's DDPO-both data at `--gap 5`).
public struct PrepareOptions: Hashable, Sendable {
    /// Preferred minimum score gap between chosen and rejected (``PairBuilder``).
    public var minimumGap: Double = 5
    /// Seed of the pair sampler and DivPO shuffles; prompt i uses stream i (order independent).
    public var seed: UInt64 = 0
    public var deviation: DeviationMode = .both
    /// Keep a prompt's first pairs until at least this many responses are in (the reference's
    /// `--max_cutoff`: 4 → 2 pairs, 5 or 6 → 3 pairs); deviation is computed among those only.
    public var maxResponses: Int?
    /// Order a prompt's pairs by chosen score, highest first, before the cutoff (`--sort_with_score`).
    public var sortByScore = false
    /// Lower bound on δ (e.g. −0.8 ⇒ weight ≥ 0.2), applied to the chosen response's δ — the
    /// weight — and, for symmetry, the rejected one. The reference (`--min_score_non_zero`) clamps
    /// only `score_rejected`, which no trainer reads, so as released it had no effect.
    public var minDeviation: Double?
    /// Select DivPO pairs instead (needs a deviation mode other than `.none`; weights are 1).
    public var divpo: DivPOOptions?
    /// Prompts whose texts are embedded in one batch.
    public var promptsPerBatch = 64

    public init(minimumGap: Double = 5, seed: UInt64 = 0, deviation: DeviationMode = .both, maxResponses: Int? = nil,
                sortByScore: Bool = false, minDeviation: Double? = nil, divpo: DivPOOptions? = nil) {
        self.minimumGap = minimumGap; self.seed = seed; self.deviation = deviation; self.maxResponses = maxResponses
        self.sortByScore = sortByScore; self.minDeviation = minDeviation; self.divpo = divpo
    }

    func validate() throws {
        guard minimumGap.isFinite else { throw PreferenceError.invalidOption(name: "minimumGap", reason: "must be finite") }
        if let m = maxResponses, m < 2 { throw PreferenceError.invalidOption(name: "maxResponses", reason: "must be ≥ 2, got \(m)") }
        if let d = minDeviation, !(d >= -1 && d <= 0) {
            throw PreferenceError.invalidOption(name: "minDeviation", reason: "must lie in [-1, 0], got \(d)")
        }
        if let p = divpo {
            guard deviation != .none else { throw PreferenceError.invalidOption(name: "divpo", reason: "needs a deviation mode other than none") }
            guard p.maxPairs >= 1, p.rho.isFinite, p.rho >= 0, p.rho <= 100 else {
                throw PreferenceError.invalidOption(name: "divpo", reason: "needs maxPairs ≥ 1 and 0 ≤ rho ≤ 100")
            }
        }
        guard promptsPerBatch >= 1 else { throw PreferenceError.invalidOption(name: "promptsPerBatch", reason: "must be ≥ 1") }
    }
}

/// Pairs plus what happened.
public struct PreparationResult: Sendable {
    public var pairs: [PreferencePair]
    public var summary: PreparationSummary
}

/// The whole `prepare` step (docs/methods.md §2, §3, §7): per prompt, random disjoint pairs by
/// score (``PairBuilder``), optional sort and cutoff, then either deviation weights among the
/// paired responses (``Deviation``) or DivPO selection; finally TRL preference JSONL.
///
/// Embeddings come from the caller's embedders: `semanticEmbedder` for the semantic space,
/// `styleEmbedder` for style (by default the offline ``StylometricEmbedder``). Texts are embedded
/// in batches of `promptsPerBatch` prompts, each distinct text once; wrap an embedder in
/// ``EmbeddingCache`` to reuse vectors across runs. Identical response texts of one prompt count
/// as one response for the deviation (the reference keys embeddings by text).
public struct PreparePipeline {
    public var options: PrepareOptions
    public var semanticEmbedder: TextEmbedder?
    public var styleEmbedder: TextEmbedder?

    public init(options: PrepareOptions = PrepareOptions(), semanticEmbedder: TextEmbedder? = nil,
                styleEmbedder: TextEmbedder? = StylometricEmbedder()) {
        self.options = options; self.semanticEmbedder = semanticEmbedder; self.styleEmbedder = styleEmbedder
    }

    /// Reads `input`, prepares, writes `output` atomically and returns the summary.
    public func run(input: URL, format: PreferenceInputFormat = .auto, skipInvalid: Bool = false,
                    output: URL, style: PreferenceOutputStyle = .standard) throws -> PreparationSummary {
        let dataset = try PreferenceDataset.read(url: input, format: format, skipInvalid: skipInvalid)
        let result = try run(dataset)
        try PreferenceWriter.write(result.pairs, to: output, style: style)
        return result.summary
    }

    public func run(_ dataset: PreferenceDataset) throws -> PreparationResult {
        try options.validate()
        let embedders = try spaces()
        var pairs: [PreferencePair] = []
        var summary = PreparationSummary()
        summary.prompts = dataset.prompts.count
        summary.responses = dataset.responseCount
        summary.skipped = dataset.skipped
        var start = 0
        while start < dataset.prompts.count {
            let end = min(start + options.promptsPerBatch, dataset.prompts.count)
            let plans = (start..<end).map { plan(dataset.prompts[$0], index: $0) }
            var texts: [String] = []
            var seen = Set<String>()
            for plan in plans { for t in plan.embedTexts where seen.insert(t).inserted { texts.append(t) } }
            let vectors: [[String: [Float]]] = try embedders.map { embedder, role in
                let v = try texts.isEmpty ? [] : embedder.checkedEmbed(texts, role: role)
                return Dictionary(uniqueKeysWithValues: zip(texts, v))
            }
            for plan in plans {
                let made = try finish(plan, vectors: vectors)
                if !made.isEmpty {
                    summary.promptsWithPairs += 1
                    summary.responsesUsed += Set(made.flatMap { [$0.chosen, $0.rejected] }).count
                }
                pairs += made
            }
            start = end
        }
        summary.pairs = pairs.count
        summary.weights = PreparationSummary.WeightDistribution(pairs.map(\.weight))
        return PreparationResult(pairs: pairs, summary: summary)
    }

    // MARK: - Steps

    private struct Plan {
        var prompt: String
        var responses: [ScoredResponse]
        var pairs: [PairBuilder.IndexPair]
        var embedTexts: [String]
        var divpo: (high: [Int], low: [Int], count: Int)?
        var generator: SeededGenerator
    }

    private func spaces() throws -> [(TextEmbedder, String)] {
        switch options.deviation {
        case .none: return []
        case .semantic: return [(try need(semanticEmbedder, "semantic"), "semantic")]
        case .style: return [(try need(styleEmbedder, "style"), "style")]
        case .both: return [(try need(semanticEmbedder, "semantic"), "semantic"), (try need(styleEmbedder, "style"), "style")]
        }
    }

    private func need(_ embedder: TextEmbedder?, _ name: String) throws -> TextEmbedder {
        guard let embedder else { throw PreferenceError.missingEmbedder(name) }
        return embedder
    }

    /// Pairs, sort, cutoff and the texts to embed for one prompt.
    private func plan(_ group: PromptResponses, index: Int) -> Plan {
        var generator = SeededGenerator(seed: options.seed, stream: index)
        let scores = group.responses.map(\.score)
        var pairs = PairBuilder(minimumGap: options.minimumGap).pairs(for: scores, using: &generator)
        var result = Plan(prompt: group.prompt, responses: group.responses, pairs: [], embedTexts: [], divpo: nil, generator: generator)
        if let divpo = options.divpo {
            let used = pairs.flatMap { [$0.chosen, $0.rejected] }.sorted()
            let pools = DivPOSelection.pools(scores: used.map { scores[$0] }, options: divpo)
            result.divpo = (pools.high.map { used[$0] }, pools.low.map { used[$0] }, pools.pairs)
            result.embedTexts = (pools.high + pools.low).map { group.responses[used[$0]].text }
            return result
        }
        if options.sortByScore {
            pairs = pairs.enumerated().sorted { (scores[$0.element.chosen], $1.offset) > (scores[$1.element.chosen], $0.offset) }.map(\.element)
        }
        if let cap = options.maxResponses {
            pairs = Array(pairs.prefix((cap + 1) / 2))
        }
        result.pairs = pairs
        if options.deviation != .none {
            result.embedTexts = pairs.flatMap { [group.responses[$0.chosen].text, group.responses[$0.rejected].text] }
        }
        return result
    }

    private func finish(_ plan: Plan, vectors: [[String: [Float]]]) throws -> [PreferencePair] {
        let responses = plan.responses
        func embeddings(_ texts: [String]) -> [[[Float]]] { vectors.map { space in texts.map { space[$0] ?? [] } } }
        if let divpo = plan.divpo {
            var generator = plan.generator
            func pick(_ pool: [Int], mostDiverse: Bool) throws -> [Int] {
                let texts = pool.map { responses[$0].text }
                let u = try Deviation.compute(spaces: embeddings(texts)).combined
                var picked = DivPOSelection.rank(u, mostDiverse: mostDiverse, take: divpo.count).map { pool[$0] }
                generator.shuffle(&picked)
                return picked
            }
            let high = try pick(divpo.high, mostDiverse: true)
            let low = try pick(divpo.low, mostDiverse: false)
            return zip(high, low).compactMap { c, r in
                let (chosen, rejected) = (responses[c], responses[r])
                guard chosen.score > rejected.score else { return nil }
                return PreferencePair(prompt: plan.prompt, chosen: chosen.text, rejected: rejected.text,
                                      scoreChosen: chosen.score, scoreRejected: rejected.score, weight: 1)
            }
        }
        guard options.deviation != .none else {
            return plan.pairs.map { p in
                PreferencePair(prompt: plan.prompt, chosen: responses[p.chosen].text, rejected: responses[p.rejected].text,
                               scoreChosen: responses[p.chosen].score, scoreRejected: responses[p.rejected].score, weight: 1)
            }
        }
        var texts: [String] = []
        var position: [String: Int] = [:]
        for t in plan.embedTexts where position[t] == nil { position[t] = texts.count; texts.append(t) }
        let deviation = try Deviation.compute(spaces: embeddings(texts)).deviations
        func delta(_ text: String) -> Double {
            let d = deviation[position[text] ?? 0]
            return options.minDeviation.map { Swift.max(d, $0) } ?? d
        }
        return plan.pairs.map { p in
            let (chosen, rejected) = (responses[p.chosen].text, responses[p.rejected].text)
            let (dc, dr) = (delta(chosen), delta(rejected))
            return PreferencePair(prompt: plan.prompt, chosen: chosen, rejected: rejected,
                                  scoreChosen: dc, scoreRejected: dr, weight: dc + 1)
        }
    }
}
