import Evaluation
import Foundation

/// Runs side by side: the paper's Figure 2 (quality against semantic and against style
/// diversity, 95% intervals on both axes, one labelled point per run), a metrics table and, for
/// the first few prompts, every run's samples in columns. A single run is a comparison of one.
public struct ComparisonReport: Sendable {
    public var title: String
    public var runs: [RunMetrics]
    /// `samples[i]` belongs to `runs[i]` (empty when that run's samples are not available).
    public var samples: [[SampleRecord]]
    /// How many prompts' samples the page shows.
    public var samplePrompts: Int
    /// Paired differences between runs on the same prompts, when their per-prompt values were available.
    public var paired: PairedComparisonSummary?
    /// The folder the report is written to: its tables show model and adapter paths relative to
    /// it (``RelativePath``); nil shows them as recorded.
    public var folder: URL?

    public init(title: String, runs: [RunMetrics], samples: [[SampleRecord]] = [], samplePrompts: Int = 5,
                paired: PairedComparisonSummary? = nil, folder: URL? = nil) {
        self.title = title
        self.folder = folder
        self.runs = runs
        self.samples = samples
        self.samplePrompts = samplePrompts
        self.paired = paired
    }

    /// The x-axis label: what "quality" measured (mixed measures are called out, not hidden).
    public var qualityLabel: String {
        let measures = Set(runs.map(\.qualityMeasure))
        if measures.count > 1 { return "Quality (mixed measures: " + measures.sorted().joined(separator: ", ") + ")" }
        guard let measure = measures.first else { return "Quality (reward)" }
        switch QualityMeasure(rawValue: measure) {
        case .meanLogprobPerToken?: return "Quality (mean log-prob per token)"
        case .reward?: return "Quality (reward)"
        case nil: return "Quality (\(measure))"
        }
    }

    /// The two panels; a run without a value for a panel's diversity (or quality) is left out of it.
    public var figure: SVGFigure {
        func panel(_ title: String, _ diversity: (RunMetrics) -> Estimate?) -> ScatterPlot {
            let points = runs.compactMap { run in
                run.quality.flatMap { q in diversity(run).map { ScatterPoint(label: run.run, x: q, y: $0) } }
            }
            return ScatterPlot(title: title, xLabel: qualityLabel, yLabel: title, points: points)
        }
        return SVGFigure(panels: [panel("Semantic diversity", \.semanticDiversity), panel("Style diversity", \.styleDiversity)])
    }

    /// Colours per panel so that one run has one colour in both panels.
    public var panelColors: [String] {
        runs.indices.map { ScatterPlot.palette[$0 % ScatterPlot.palette.count] }
    }

    public func svg() -> String {
        // Points are filtered per panel, so colour them by their run's index.
        let fig = figure
        let c = Markup.coordinate
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(c(fig.width))\" height=\"\(c(fig.height))\" viewBox=\"0 0 \(c(fig.width)) \(c(fig.height))\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"12\">\n"
        out += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        var offset = 0.0
        for panel in fig.panels {
            let colors = panel.points.map { p in runs.firstIndex { $0.run == p.label }.map { panelColors[$0] } ?? "#000" }
            out += "<g class=\"panel\" transform=\"translate(\(c(offset)) 0)\">\n" + panel.elements(colors: colors) + "</g>\n"
            offset += panel.width
        }
        return out + "</svg>\n"
    }

    /// The metrics table: one row per run, each estimate as `mean [lower, upper]`.
    public var tableRows: [[String]] {
        func e(_ value: Estimate?) -> String { value?.formatted() ?? "—" }
        return runs.map { r in
            [r.run, shown(r.model), r.adapter.map(shown) ?? "—", r.conformativeWeight.map { Markup.number($0, decimals: 2) } ?? "—", e(r.quality),
             e(r.meanLogprobPerToken)]
                + DiversityMetric.allCases.map { e(r.estimate($0)) } + ["\(r.prompts) × \(r.samplesPerPrompt)"]
        }
    }

    /// A recorded path as the tables show it.
    func shown(_ path: String) -> String {
        folder.map { RelativePath.display(path, from: $0) } ?? path
    }

    public static let tableHeaders = ["Run", "Model", "Adapter", "Conformative weight", "Quality", "Mean log-prob/token (secondary)"]
        + DiversityMetric.allCases.map(\.columnTitle) + ["Prompts × samples"]

    public func html() -> String {
        var page = HTMLPage(title: title)
        page.heading("Quality against diversity")
        page.paragraph("x: \(qualityLabel); y: mean pairwise cosine distance between a prompt's samples. Error bars: 95% percentile-bootstrap intervals over prompts.")
        page.raw(svg())
        page.heading("Metrics")
        page.table(headers: Self.tableHeaders, rows: tableRows)
        page.paragraph("Quality: \(qualityLabel). The mean log-prob per token is the sampling model's own likelihood of its samples, a secondary column: it is not a measure of writing quality (an untuned model scores its own plain text highest).")
        if let paired {
            page.heading("Which differences hold")
            for sentence in paired.sentences { page.paragraph(sentence) }
            page.paragraph("Paired bootstrap over the prompts both runs share (\(paired.result.resamples) resamples); p: two-sided; Holm's adjustment over every comparison in this table. The intervals above are each run's own and can overlap where a paired difference holds, or the reverse.")
            page.table(headers: PairedComparisonSummary.tableHeaders, rows: paired.tableRows)
        }
        let embedders = runs.map { "\($0.run): semantic = \($0.embedder ?? "none"), style = \($0.styleEmbedder ?? "none")" }
        page.paragraph("Embedders — " + embedders.joined(separator: "; "))
        let styles = runs.compactMap { r in r.promptStyle.map { "\(r.run): \($0)" } }
        if !styles.isEmpty {
            page.paragraph("Prompt style (chat: through the model's chat template; completion: the raw prompt text) — " + styles.joined(separator: "; "))
        }
        let substitutes = runs.filter { !$0.comparableWithPaper }.map(\.run)
        if !substitutes.isEmpty {
            // docs/methods.md §3.3: only jina-embeddings-v3 (no task) and Style-Embedding give the papers' spaces.
            page.paragraph("Not comparable with the paper: \(substitutes.joined(separator: ", ")) — measured with substitute (or unrecorded) embedders, "
                + "not jina-embeddings-v3 and Style-Embedding; their diversity numbers cannot be set beside the paper's.")
        }
        let warnings = runs.flatMap { r in r.warnings.prefix(5).map { "\(r.run): \($0)" } }
        if !warnings.isEmpty {
            page.heading("Warnings")
            page.table(headers: ["Warning"], rows: warnings.map { [$0] })
        }
        if let reference = samples.first(where: { !$0.isEmpty }) {
            page.heading("Samples")
            for record in reference.sorted(by: { $0.promptIndex < $1.promptIndex }).prefix(samplePrompts) {
                let cells = runs.indices.map { i -> [String] in
                    let records = i < samples.count ? samples[i] : []
                    return records.first { $0.prompt == record.prompt }?.samples ?? ["(no samples for this prompt)"]
                }
                page.sideBySide(rowTitle: record.prompt, columns: runs.map(\.run), cells: cells)
            }
        }
        return page.render()
    }
}
