import Evaluation
import Foundation

/// The report of `divtune sweep` (docs/formats.md §4.15): the DDPO paper's Figure 3 — quality,
/// semantic and style diversity, each with 95% intervals, against the first grid axis (the paper:
/// the maximum number of responses per prompt), one line per combination of the other axes (the
/// paper's extra points: a minimum δ, high-quality responses) — and a table of every point.
public struct SweepReport: Sendable {
    /// One grid point: its axis values (in axis order), its run folder as the report shows it, and
    /// the run's metrics.
    public struct Point: Sendable {
        public var values: [String]
        public var folder: String
        public var metrics: RunMetrics

        public init(values: [String], folder: String, metrics: RunMetrics) {
            self.values = values
            self.folder = folder
            self.metrics = metrics
        }
    }

    public var title: String
    /// The grid's axis names (`max-responses`, …); the first is the figure's x axis.
    public var axes: [String]
    public var points: [Point]

    public init(title: String, axes: [String], points: [Point]) {
        self.title = title
        self.axes = axes
        self.points = points
    }

    /// The first axis' values in grid order.
    var xValues: [String] {
        var seen: [String] = []
        for point in points where !seen.contains(point.values[0]) { seen.append(point.values[0]) }
        return seen
    }

    /// Where a first-axis value sits: the number itself when every value is one, else its position
    /// 1, 2, … (`all` responses per prompt is not a number), named in the axis label.
    func x(_ value: String) -> Double {
        let numbers = xValues.compactMap(Double.init)
        if numbers.count == xValues.count, let number = Double(value) { return number }
        return Double((xValues.firstIndex(of: value) ?? 0) + 1)
    }

    var xLabel: String {
        let values = xValues
        if values.compactMap(Double.init).count == values.count { return axes[0] }
        return axes[0] + " (" + values.enumerated().map { "\($0.offset + 1) = \($0.element)" }.joined(separator: ", ") + ")"
    }

    /// The label of a point's line: the other axes' values, or the single line's axis name.
    func seriesLabel(_ point: Point) -> String {
        guard axes.count > 1 else { return axes[0] }
        return zip(axes.dropFirst(), point.values.dropFirst()).map { "\($0)=\($1)" }.joined(separator: ", ")
    }

    /// The quality label: the measure every run used (a mix is named as such).
    var qualityLabel: String {
        ComparisonReport(title: title, runs: points.map(\.metrics)).qualityLabel
    }

    /// The three panels of Figure 3; a point without a metric is left out of that panel.
    public var panels: [LinePlot] {
        func panel(_ title: String, _ estimate: (RunMetrics) -> Estimate?) -> LinePlot {
            var series: [LineSeries] = []
            for point in points {
                guard let e = estimate(point.metrics) else { continue }
                let label = seriesLabel(point)
                let p = LineSeries.Point(x: x(point.values[0]), y: e.mean, lower: e.lower, upper: e.upper)
                if let i = series.firstIndex(where: { $0.label == label }) { series[i].points.append(p) } else { series.append(LineSeries(label: label, points: [p])) }
            }
            return LinePlot(title: title, xLabel: xLabel, yLabel: title, series: series)
        }
        return [panel(qualityLabel, \.quality), panel("Semantic diversity", \.semanticDiversity), panel("Style diversity", \.styleDiversity)]
    }

    public static let metricHeaders = ["Quality", "Semantic diversity", "Style diversity", "Run folder"]

    /// One row per point: its axis values, then quality and diversity as `mean [lower, upper]`.
    public var tableRows: [[String]] {
        points.map { p in
            p.values + [p.metrics.quality, p.metrics.semanticDiversity, p.metrics.styleDiversity].map { $0?.formatted() ?? "—" } + [p.folder]
        }
    }

    public func html() -> String {
        var page = HTMLPage(title: title)
        page.heading("Quality and diversity across the grid")
        page.paragraph("x: \(xLabel); one line per value of the other axes. Quality: \(qualityLabel); diversity: mean pairwise cosine distance between a prompt's samples. Error bars: 95% percentile-bootstrap intervals over prompts (each point's own; overlapping bars do not rank points).")
        page.raw("<div class=\"panels\">" + panels.map { $0.svg() }.joined() + "</div>")
        page.heading("Points")
        page.table(headers: axes + Self.metricHeaders, rows: tableRows)
        let substitutes = points.filter { !$0.metrics.comparableWithPaper }.count
        if substitutes > 0 {
            page.paragraph("Not comparable with the paper: \(substitutes) of \(points.count) points were measured with substitute embedders (not jina-embeddings-v3 and Style-Embedding); embedders: \(points.first?.metrics.embedder ?? "none"), \(points.first?.metrics.styleEmbedder ?? "none").")
        }
        return page.render()
    }
}
