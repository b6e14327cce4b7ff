/// One curve of a ``LinePlot``: values over steps, each optionally with an interval (a probe's
/// bootstrap CI).
public struct LineSeries: Hashable, Sendable {
    public struct Point: Hashable, Sendable {
        public var x: Double
        public var y: Double
        public var lower: Double?
        public var upper: Double?

        public init(x: Double, y: Double, lower: Double? = nil, upper: Double? = nil) {
            self.x = x
            self.y = y
            self.lower = lower
            self.upper = upper
        }
    }

    public var label: String
    public var points: [Point]

    public init(label: String, points: [Point]) {
        self.label = label
        self.points = points
    }
}

/// Curves over a shared x axis (training metrics over steps; the monitor page, docs/formats.md
/// §4.5.3): a polyline per series with a dot per point (`data-x`/`data-y` carry the values),
/// error bars where a point has an interval, and a legend under the plot when there are several series. Axes are
/// ``NiceScale``s covering every value and interval end.
public struct LinePlot: Sendable {
    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var series: [LineSeries]
    public var width: Double = 420
    public var height: Double = 300
    public var margins: (top: Double, right: Double, bottom: Double, left: Double) = (36, 20, 48, 64)

    public init(title: String, xLabel: String, yLabel: String, series: [LineSeries]) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
    }

    private var points: [LineSeries.Point] { series.flatMap(\.points) }
    public var xScale: NiceScale { NiceScale(covering: points.map(\.x)) }
    public var yScale: NiceScale { NiceScale(covering: points.flatMap { [$0.y] + [$0.lower, $0.upper].compactMap { $0 } }) }

    /// Where a data value lands in SVG units.
    public func position(x: Double, y: Double) -> (x: Double, y: Double) {
        (xScale.map(x, from: margins.left, to: width - margins.right), yScale.map(y, from: height - margins.bottom, to: margins.top))
    }

    /// The panel's SVG elements; series `i` is drawn in `ScatterPlot.palette[i]`.
    public func elements() -> String {
        let c = Markup.coordinate
        var below = margins
        below.bottom += legendHeight
        var out = PlotAxes(title: title, xLabel: xLabel, yLabel: yLabel, xScale: xScale, yScale: yScale, width: width, height: totalHeight,
                           margins: below).elements(empty: points.isEmpty)
        for (i, line) in series.enumerated() {
            let color = ScatterPlot.palette[i % ScatterPlot.palette.count]
            out += "<g class=\"series\" data-label=\"\(Markup.escape(line.label))\" stroke=\"\(color)\" fill=\"\(color)\">"
            let sorted = line.points.sorted { $0.x < $1.x }
            if sorted.count > 1 {
                let path = sorted.map { p -> String in let at = position(x: p.x, y: p.y); return "\(c(at.x)),\(c(at.y))" }
                out += "<polyline fill=\"none\" stroke-width=\"1.5\" points=\"\(path.joined(separator: " "))\"/>"
            }
            for p in sorted {
                let at = position(x: p.x, y: p.y)
                if let lower = p.lower, let upper = p.upper {
                    let (y0, y1) = (position(x: p.x, y: lower).y, position(x: p.x, y: upper).y)
                    out += "<line class=\"ci\" x1=\"\(c(at.x))\" y1=\"\(c(y0))\" x2=\"\(c(at.x))\" y2=\"\(c(y1))\"/>"
                }
                out += "<circle class=\"point\" cx=\"\(c(at.x))\" cy=\"\(c(at.y))\" r=\"2.5\" data-x=\"\(p.x)\" data-y=\"\(p.y)\">"
                    + "<title>\(Markup.escape(line.label)) at \(Markup.number(p.x, decimals: 0)): \(p.y)</title></circle>"
            }
            out += "</g>\n"
        }
        // The legend, one row per series, between the ticks and the axis label.
        for (i, line) in series.enumerated() where series.count > 1 {
            let y = height - margins.bottom + 34 + 16 * Double(i)
            let color = ScatterPlot.palette[i % ScatterPlot.palette.count]
            out += "<g class=\"legend\"><line x1=\"\(c(margins.left))\" y1=\"\(c(y - 4))\" x2=\"\(c(margins.left + 16))\" y2=\"\(c(y - 4))\" stroke=\"\(color)\" stroke-width=\"2\"/>"
            out += "<text x=\"\(c(margins.left + 22))\" y=\"\(c(y))\" font-size=\"11\">\(Markup.escape(line.label))</text></g>\n"
        }
        return out
    }

    /// Room for the legend under the plot (none for a single series).
    public var legendHeight: Double { series.count > 1 ? 16 * Double(series.count) : 0 }
    /// The panel's height: `height` plus the legend.
    public var totalHeight: Double { height + legendHeight }

    /// A standalone SVG document of this panel.
    public func svg() -> String { Markup.svgDocument(width: width, height: totalHeight, content: elements()) }
}
