import Evaluation
import Foundation

/// The diversity gap between a base run and each tuned stage (`divtune evaluate gap`,
/// docs/methods.md §13): each stage's paired difference from the base in quality and every
/// diversity metric (paired bootstrap over the shared prompts, Holm-adjusted over the whole table,
/// as `evaluate compare`), and MAUVE of the stage's samples against the base's with its PRD
/// precision and recall. HTML (tables, sentences and a figure), SVG and JSON.
public struct GapReport: Sendable {
    public struct Stage: Sendable, Encodable {
        public var name: String
        public var folder: String
        public var metrics: RunMetrics
        /// MAUVE(P = the base's samples, Q = this stage's), nil when it could not be computed.
        public var mauve: MAUVE?

        public init(name: String, folder: String, metrics: RunMetrics, mauve: MAUVE?) {
            self.name = name
            self.folder = folder
            self.metrics = metrics
            self.mauve = mauve
        }
    }

    public var title: String
    public var base: RunMetrics
    public var baseFolder: String
    /// In the order given (e.g. SFT, DPO, DDPO).
    public var stages: [Stage]
    /// Each stage against the base (the base is the reference).
    public var paired: PairedComparisonSummary
    /// The embedder whose vectors MAUVE quantized.
    public var mauveEmbedder: String

    public init(title: String, base: RunMetrics, baseFolder: String, stages: [Stage], paired: PairedComparisonSummary, mauveEmbedder: String) {
        self.title = title
        self.base = base
        self.baseFolder = baseFolder
        self.stages = stages
        self.paired = paired
        self.mauveEmbedder = mauveEmbedder
    }

    func difference(_ stage: String, _ metric: String) -> PairedComparison? {
        paired.result.comparisons.first { $0.run == stage && $0.reference == base.run && $0.metric == metric }
    }

    /// One panel per diversity metric (x: quality difference, y: the metric's difference, both
    /// with their paired 95% intervals, one point per stage; the base sits at 0, 0), and one of
    /// MAUVE's precision (x) against recall (y).
    public var figure: SVGFigure {
        func estimate(_ c: PairedComparison?) -> Estimate? {
            c.map { Estimate(mean: $0.difference.difference, lower: $0.difference.lower, upper: $0.difference.upper) }
        }
        let zero = Estimate(exactly: 0)
        var panels = DiversityMetric.allCases.compactMap { metric -> ScatterPlot? in
            let dots = stages.compactMap { s in
                estimate(difference(s.name, "quality")).flatMap { q in
                    estimate(difference(s.name, metric.rawValue)).map { ScatterPoint(label: s.name, x: q, y: $0) }
                }
            }
            return dots.isEmpty ? nil : ScatterPlot(title: metric.columnTitle, xLabel: "Quality − base",
                                                    yLabel: "\(metric.columnTitle) − base", points: [ScatterPoint(label: base.run, x: zero, y: zero)] + dots)
        }
        let mauveDots = stages.compactMap { s in
            s.mauve.map { ScatterPoint(label: s.name, x: Estimate(exactly: $0.precision), y: Estimate(exactly: $0.recall)) }
        }
        if !mauveDots.isEmpty {
            panels.append(ScatterPlot(title: "MAUVE precision and recall vs base", xLabel: "Precision", yLabel: "Recall", points: mauveDots))
        }
        return SVGFigure(panels: panels)
    }

    public func svg() -> String {
        let labels = [base.run] + stages.map(\.name)
        return figure.svg { label in labels.firstIndex(of: label).map { ScatterPlot.palette[$0 % ScatterPlot.palette.count] } ?? "#000" }
    }

    public static let mauveHeaders = ["Stage", "MAUVE", "MAUVE*", "Frontier integral", "Precision", "Recall", "Buckets", "Samples (base, stage)"]

    public var mauveRows: [[String]] {
        stages.map { s in
            guard let m = s.mauve else { return [s.name] + Array(repeating: "—", count: Self.mauveHeaders.count - 1) }
            let f = { (v: Double) in Markup.number(v, decimals: 4) }
            return [s.name, f(m.mauve), f(m.mauveStar), f(m.frontierIntegral), f(m.precision), f(m.recall), "\(m.buckets)",
                    "\(m.pCount), \(m.qCount)"]
        }
    }

    public static let metricHeaders = ["Run", "Quality"] + DiversityMetric.allCases.map(\.columnTitle)

    public var metricRows: [[String]] {
        ([base] + stages.map(\.metrics)).map { r in
            [r.run, r.quality?.formatted() ?? "—"] + DiversityMetric.allCases.map { r.estimate($0)?.formatted() ?? "—" }
        }
    }

    public func html() -> String {
        var page = HTMLPage(title: title)
        page.heading("The diversity gap")
        page.paragraph("Each stage against \(base.run), prompt by prompt: the difference in quality (x) and in each diversity metric (y), "
                       + "with 95% paired-bootstrap intervals; the base sits at (0, 0). Last panel: MAUVE's precision and recall of each stage's samples against the base's.")
        page.raw(svg())
        if !stages.isEmpty && stages.allSatisfy({ difference($0.name, "quality") == nil }) {
            // Diversity panels place stages by their quality difference.
            page.paragraph("No stage's quality could be compared with the base's (see below), so the figure has no diversity panels; the table lists every difference.")
        }
        page.heading("Which differences hold")
        for sentence in paired.sentences { page.paragraph(sentence) }
        page.table(headers: PairedComparisonSummary.tableHeaders, rows: paired.tableRows)
        page.heading("MAUVE against the base")
        page.paragraph("P = \(base.run)'s samples, Q = the stage's, embedded by \(mauveEmbedder); k-means histograms as mauve-text (docs/methods.md §13). "
                       + "MAUVE near 1: the stage's samples spread like the base's; lower recall: the stage covers less of the base's spread (a diversity loss), "
                       + "precision: how much of the stage's mass lies where the base's does. MAUVE* and the frontier integral (lower = closer) use the same histograms, MAUVE* smoothed.")
        page.table(headers: Self.mauveHeaders, rows: mauveRows)
        page.heading("Each run's metrics")
        page.table(headers: Self.metricHeaders, rows: metricRows)
        return page.render()
    }

    /// `{"title", "base": {"name", "folder", "metrics"}, "stages": [{"name", "folder", "metrics", "mauve",
    /// "differences": [{"metric", "difference", "lower", "upper", "p_value", "p_holm", "holds"}]}], "not_compared"}`.
    public func json() throws -> Data {
        struct Difference: Encodable {
            var metric: String, difference: Double, lower: Double, upper: Double, pValue: Double, pHolm: Double, holds: Bool, pairs: Int
            enum CodingKeys: String, CodingKey {
                case metric, difference, lower, upper, holds, pairs, pValue = "p_value", pHolm = "p_holm"
            }
        }
        struct StageEntry: Encodable { var name: String, folder: String, metrics: RunMetrics, mauve: MAUVE?, differences: [Difference] }
        struct BaseEntry: Encodable { var name: String, folder: String, metrics: RunMetrics }
        struct File: Encodable {
            var title: String, base: BaseEntry, stages: [StageEntry], mauveEmbedder: String, notCompared: [String], alpha: Double, resamples: Int
            enum CodingKeys: String, CodingKey {
                case title, base, stages, alpha, resamples, mauveEmbedder = "mauve_embedder", notCompared = "not_compared"
            }
        }
        let entries = stages.map { s in
            StageEntry(name: s.name, folder: s.folder, metrics: s.metrics, mauve: s.mauve, differences: paired.result.comparisons
                .filter { $0.run == s.name && $0.reference == base.run }
                .map { c in
                    Difference(metric: c.metric, difference: c.difference.difference, lower: c.difference.lower, upper: c.difference.upper,
                               pValue: c.difference.pValue, pHolm: c.adjustedPValue, holds: c.holds(alpha: paired.alpha), pairs: c.difference.pairs)
                })
        }
        let file = File(title: title, base: BaseEntry(name: base.run, folder: baseFolder, metrics: base), stages: entries,
                        mauveEmbedder: mauveEmbedder, notCompared: paired.result.notCompared, alpha: paired.alpha, resamples: paired.result.resamples)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(file) + Data("\n".utf8)
    }
}
