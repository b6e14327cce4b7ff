import Evaluation
/// One labelled point of a ``ScatterPlot`` with intervals on both axes.
public struct ScatterPoint: Hashable, Sendable {
    public var label: String
    public var x: Estimate
    public var y: Estimate

    public init(label: String, x: Estimate, y: Estimate) {
        self.label = label
        self.x = x
        self.y = y
    }
}

/// A scatter plot of estimates with error bars on both axes (the paper's Figure 2: reward on x,
/// diversity on y, one point per model). Axes are ``NiceScale``s covering every interval end.
///
/// Geometry (SVG user units, y grows downwards): the plot area is the rectangle
/// `[left, width − right] × [top, height − bottom]`.
public struct ScatterPlot: Sendable {
    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var points: [ScatterPoint]
    public var width: Double = 420
    public var height: Double = 340
    public var margins: (top: Double, right: Double, bottom: Double, left: Double) = (36, 20, 48, 64)

    public init(title: String, xLabel: String, yLabel: String, points: [ScatterPoint]) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.points = points
    }

    public var xScale: NiceScale { NiceScale(covering: points.flatMap { [$0.x.lower, $0.x.upper] }) }
    public var yScale: NiceScale { NiceScale(covering: points.flatMap { [$0.y.lower, $0.y.upper] }) }

    /// The plot area in SVG units.
    public var plotArea: (minX: Double, maxX: Double, minY: Double, maxY: Double) {
        (margins.left, width - margins.right, margins.top, height - margins.bottom)
    }

    /// Where a data value lands in SVG units.
    public func position(x: Double, y: Double) -> (x: Double, y: Double) {
        let area = plotArea
        return (xScale.map(x, from: area.minX, to: area.maxX), yScale.map(y, from: area.maxY, to: area.minY))
    }

    /// Colours for points, in order (matplotlib's tab10, so panels of one figure agree).
    public static let palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                 "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]

    /// The panel's SVG elements, drawn at the origin (wrap in `<g transform>` to place it).
    /// `colors[i]` colours `points[i]` (the palette by index when nil).
    public func elements(colors: [String]? = nil) -> String {
        let area = plotArea
        let (xs, ys) = (xScale, yScale)
        let c = Markup.coordinate
        var out = PlotAxes(title: title, xLabel: xLabel, yLabel: yLabel, xScale: xs, yScale: ys, width: width, height: height,
                           margins: margins).elements(empty: points.isEmpty)
        let cap = 4.0
        for (i, p) in points.enumerated() {
            let color = colors.flatMap { i < $0.count ? $0[i] : nil } ?? Self.palette[i % Self.palette.count]
            let centre = position(x: p.x.mean, y: p.y.mean)
            let (x0, x1) = (xs.map(p.x.lower, from: area.minX, to: area.maxX), xs.map(p.x.upper, from: area.minX, to: area.maxX))
            let (y0, y1) = (ys.map(p.y.lower, from: area.maxY, to: area.minY), ys.map(p.y.upper, from: area.maxY, to: area.minY))
            out += "<g class=\"point\" data-label=\"\(Markup.escape(p.label))\" stroke=\"\(color)\" fill=\"\(color)\">"
            out += "<line class=\"xerr\" x1=\"\(c(x0))\" y1=\"\(c(centre.y))\" x2=\"\(c(x1))\" y2=\"\(c(centre.y))\"/>"
            out += "<line x1=\"\(c(x0))\" y1=\"\(c(centre.y - cap))\" x2=\"\(c(x0))\" y2=\"\(c(centre.y + cap))\"/>"
            out += "<line x1=\"\(c(x1))\" y1=\"\(c(centre.y - cap))\" x2=\"\(c(x1))\" y2=\"\(c(centre.y + cap))\"/>"
            out += "<line class=\"yerr\" x1=\"\(c(centre.x))\" y1=\"\(c(y0))\" x2=\"\(c(centre.x))\" y2=\"\(c(y1))\"/>"
            out += "<line x1=\"\(c(centre.x - cap))\" y1=\"\(c(y0))\" x2=\"\(c(centre.x + cap))\" y2=\"\(c(y0))\"/>"
            out += "<line x1=\"\(c(centre.x - cap))\" y1=\"\(c(y1))\" x2=\"\(c(centre.x + cap))\" y2=\"\(c(y1))\"/>"
            out += "<circle cx=\"\(c(centre.x))\" cy=\"\(c(centre.y))\" r=\"4\"/>"
            let rightHalf = centre.x > (area.minX + area.maxX) / 2
            out += "<text x=\"\(c(centre.x + (rightHalf ? -7 : 7)))\" y=\"\(c(centre.y - 7))\" text-anchor=\"\(rightHalf ? "end" : "start")\" stroke=\"none\">\(Markup.escape(p.label))</text>"
            out += "</g>\n"
        }
        return out
    }

    /// A standalone SVG document of this panel.
    public func svg(colors: [String]? = nil) -> String {
        SVGFigure(panels: [self]).svg(colors: colors)
    }
}

/// Panels side by side in one SVG document (Figure 2 has a semantic and a style panel).
public struct SVGFigure: Sendable {
    public var panels: [ScatterPlot]

    public init(panels: [ScatterPlot]) { self.panels = panels }

    public var width: Double { panels.reduce(0) { $0 + $1.width } }
    public var height: Double { panels.map(\.height).max() ?? 0 }

    public func svg(colors: [String]? = nil) -> String { svg { _ in colors } }

    /// Each point coloured by its label, so one run (or sweep weight) has one colour in every panel.
    public func svg(colorOf label: (String) -> String) -> String { svg { panel in panel.points.map { label($0.label) } } }

    private func svg(panelColors: (ScatterPlot) -> [String]?) -> String {
        let c = Markup.coordinate
        var out = "", offset = 0.0
        for panel in panels {
            out += "<g class=\"panel\" transform=\"translate(\(c(offset)) 0)\">\n" + panel.elements(colors: panelColors(panel)) + "</g>\n"
            offset += panel.width
        }
        return Markup.svgDocument(width: width, height: height, content: out)
    }
}
