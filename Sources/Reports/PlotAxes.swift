/// The frame every plot panel shares: title, plot-area rectangle, grid lines, ticks and axis labels
/// for two ``NiceScale``s (SVG user units, y grows downwards; the plot area is
/// `[left, width − right] × [top, height − bottom]`).
struct PlotAxes {
    var title: String
    var xLabel: String
    var yLabel: String
    var xScale: NiceScale
    var yScale: NiceScale
    var width: Double
    var height: Double
    var margins: (top: Double, right: Double, bottom: Double, left: Double)

    /// The SVG elements of the frame; `empty` adds a "no data" note in the middle.
    func elements(empty: Bool) -> String {
        let area = (minX: margins.left, maxX: width - margins.right, minY: margins.top, maxY: height - margins.bottom)
        let (xs, ys) = (xScale, yScale)
        let c = Markup.coordinate
        var out = "<text class=\"title\" x=\"\(c((area.minX + area.maxX) / 2))\" y=\"\(c(margins.top - 14))\" text-anchor=\"middle\">\(Markup.escape(title))</text>\n"
        out += "<rect class=\"frame\" x=\"\(c(area.minX))\" y=\"\(c(area.minY))\" width=\"\(c(area.maxX - area.minX))\" height=\"\(c(area.maxY - area.minY))\" fill=\"none\" stroke=\"#444\"/>\n"
        for t in xs.ticks {
            let px = xs.map(t, from: area.minX, to: area.maxX)
            out += "<line class=\"grid\" x1=\"\(c(px))\" y1=\"\(c(area.minY))\" x2=\"\(c(px))\" y2=\"\(c(area.maxY))\" stroke=\"#ddd\"/>"
            out += "<line x1=\"\(c(px))\" y1=\"\(c(area.maxY))\" x2=\"\(c(px))\" y2=\"\(c(area.maxY + 5))\" stroke=\"#444\"/>"
            out += "<text class=\"tick x\" x=\"\(c(px))\" y=\"\(c(area.maxY + 18))\" text-anchor=\"middle\">\(Markup.number(t, decimals: xs.decimals))</text>\n"
        }
        for t in ys.ticks {
            let py = ys.map(t, from: area.maxY, to: area.minY)
            out += "<line class=\"grid\" x1=\"\(c(area.minX))\" y1=\"\(c(py))\" x2=\"\(c(area.maxX))\" y2=\"\(c(py))\" stroke=\"#ddd\"/>"
            out += "<line x1=\"\(c(area.minX - 5))\" y1=\"\(c(py))\" x2=\"\(c(area.minX))\" y2=\"\(c(py))\" stroke=\"#444\"/>"
            out += "<text class=\"tick y\" x=\"\(c(area.minX - 8))\" y=\"\(c(py + 4))\" text-anchor=\"end\">\(Markup.number(t, decimals: ys.decimals))</text>\n"
        }
        out += "<text class=\"axis-label\" x=\"\(c((area.minX + area.maxX) / 2))\" y=\"\(c(height - 10))\" text-anchor=\"middle\">\(Markup.escape(xLabel))</text>\n"
        let yMid = (area.minY + area.maxY) / 2
        out += "<text class=\"axis-label\" x=\"14\" y=\"\(c(yMid))\" text-anchor=\"middle\" transform=\"rotate(-90 14 \(c(yMid)))\">\(Markup.escape(yLabel))</text>\n"
        if empty {
            out += "<text class=\"empty\" x=\"\(c((area.minX + area.maxX) / 2))\" y=\"\(c(yMid))\" text-anchor=\"middle\" fill=\"#888\">no data</text>\n"
        }
        return out
    }
}
