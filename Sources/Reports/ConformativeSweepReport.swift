import Evaluation
import Foundation

/// The quality–diversity curve of a conformative-weight sweep (`divtune evaluate sweep`,
/// docs/methods.md §8.6): for each diversity metric a panel of quality (x) against that metric (y),
/// one point per weight with 95% intervals on both axes, a table of every weight's metrics, and the
/// same numbers as JSON.
public struct ConformativeSweepReport: Sendable {
    public struct Point: Sendable, Encodable {
        public var weight: Double
        /// The weight's run folder.
        public var folder: String
        public var metrics: RunMetrics

        public init(weight: Double, folder: String, metrics: RunMetrics) {
            self.weight = weight
            self.folder = folder
            self.metrics = metrics
        }
    }

    public var title: String
    /// In sweep order.
    public var points: [Point]

    public init(title: String, points: [Point]) {
        self.title = title
        self.points = points
    }

    /// The label of a weight's point and the name of its folder: `w=0.1`.
    public static func label(_ weight: Double) -> String { "w=" + weightText(weight) }

    /// The weight as typed: `0.1`, `0`, `1`.
    public static func weightText(_ weight: Double) -> String {
        var s = String(weight)
        if s.hasSuffix(".0") { s.removeLast(2) }
        return s
    }

    var comparison: ComparisonReport { ComparisonReport(title: title, runs: points.map(\.metrics)) }

    /// One panel per diversity metric that some weight measured.
    public var figure: SVGFigure {
        let quality = comparison.qualityLabel
        let panels = DiversityMetric.allCases.compactMap { metric -> ScatterPlot? in
            let dots = points.compactMap { p in
                p.metrics.quality.flatMap { q in p.metrics.estimate(metric).map { ScatterPoint(label: Self.label(p.weight), x: q, y: $0) } }
            }
            return dots.isEmpty ? nil : ScatterPlot(title: metric.columnTitle, xLabel: quality, yLabel: metric.columnTitle, points: dots)
        }
        return SVGFigure(panels: panels)
    }

    public func svg() -> String {
        let labels = points.map { Self.label($0.weight) }
        return figure.svg { label in labels.firstIndex(of: label).map { ScatterPlot.palette[$0 % ScatterPlot.palette.count] } ?? "#000" }
    }

    public static let tableHeaders = ["Weight", "Quality"] + DiversityMetric.allCases.map(\.columnTitle) + ["Prompts × samples"]

    public var tableRows: [[String]] {
        func e(_ value: Estimate?) -> String { value?.formatted() ?? "—" }
        return points.map { p in
            [Self.weightText(p.weight), e(p.metrics.quality)] + DiversityMetric.allCases.map { e(p.metrics.estimate($0)) }
                + ["\(p.metrics.prompts) × \(p.metrics.samplesPerPrompt)"]
        }
    }

    public func html() -> String {
        var page = HTMLPage(title: title)
        page.heading("Quality against diversity, per conformative weight")
        page.paragraph("x: \(comparison.qualityLabel); y: each diversity metric (↑ higher = more diverse, ↓ lower = more diverse). "
                       + "One point per weight w (p = (1 − w)·p_model + w·p_base); error bars: 95% percentile-bootstrap intervals over prompts.")
        page.raw(svg())
        page.heading("Metrics per weight")
        page.table(headers: Self.tableHeaders, rows: tableRows)
        if let first = points.first?.metrics {
            page.paragraph("Model: \(first.model)\(first.adapter.map { " + \($0)" } ?? ""); base model: \(first.baseModel ?? "none")"
                           + "; semantic embedder: \(first.embedder ?? "none"); style embedder: \(first.styleEmbedder ?? "none")"
                           + "; prompt style: \(first.promptStyle ?? "chat").")
        }
        return page.render()
    }

    /// `{"title", "points": [{"weight", "folder", "metrics": metrics.json's object}]}`.
    public func json() throws -> Data {
        struct File: Encodable { var title: String; var points: [Point] }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(File(title: title, points: points)) + Data("\n".utf8)
    }
}
