import Foundation
import Testing
@testable import Reports

/// Curves over steps: every point lands where the scales put it, intervals become error bars,
/// several series get a legend, and the SVG parses.
@Suite struct LinePlotTests {
    @Test func pointsIntervalsAndLegend() throws {
        let loss = LineSeries(label: "loss", points: [.init(x: 10, y: 0.5), .init(x: 0, y: 0.7), .init(x: 20, y: 0.3)])
        let diversity = LineSeries(label: "semantic", points: [.init(x: 0, y: 0.6, lower: 0.55, upper: 0.65), .init(x: 20, y: 0.4, lower: 0.3, upper: 0.5)])
        let plot = LinePlot(title: "Run & <test>", xLabel: "step", yLabel: "value", series: [loss, diversity])
        // Scales cover values and interval ends: x 0…20, y 0.3…0.7 widened to nice numbers.
        #expect(plot.xScale == NiceScale(lower: 0, upper: 20, step: 5))
        #expect(plot.yScale.lower <= 0.3 && plot.yScale.upper >= 0.7)
        let svg = try SVGElements.parse(plot.svg())
        let circles = svg.elements.filter { $0.name == "circle" }
        #expect(circles.count == 5)
        // Points are drawn in step order and sit on the scales.
        let first = circles[0].attributes
        let at = plot.position(x: 0, y: 0.7)
        #expect(first["data-x"] == "0.0" && first["data-y"] == "0.7")
        #expect(Double(first["cx"]!)! == (at.x * 100).rounded() / 100 && Double(first["cy"]!)! == (at.y * 100).rounded() / 100)
        #expect(plot.position(x: 0, y: plot.yScale.lower).y == plot.height - plot.margins.bottom)
        let bars = svg.elements.filter { $0.attributes["class"] == "ci" }
        #expect(bars.count == 2)
        #expect(Double(bars[1].attributes["y1"]!)! == (plot.position(x: 20, y: 0.3).y * 100).rounded() / 100)
        #expect(svg.elements.filter { $0.name == "polyline" }.count == 2)
        #expect(svg.texts.contains("Run & <test>") && svg.texts.contains("loss") && svg.texts.contains("semantic"))
        // The legend sits under the ticks and grows the panel, not into the plot area.
        #expect(plot.totalHeight == plot.height + 32 && svg.elements.first { $0.name == "svg" }?.attributes["height"] == "332")
        let legend = svg.elements.filter { $0.name == "text" && $0.attributes["font-size"] == "11" }.compactMap { Double($0.attributes["y"] ?? "") }
        #expect(legend == [plot.height - plot.margins.bottom + 34, plot.height - plot.margins.bottom + 50])
        // One series: no legend; no points: "no data".
        let single = try SVGElements.parse(LinePlot(title: "t", xLabel: "x", yLabel: "y", series: [loss]).svg())
        #expect(single.elements.filter { $0.attributes["class"] == "legend" }.isEmpty)
        #expect(try SVGElements.parse(LinePlot(title: "t", xLabel: "x", yLabel: "y", series: []).svg()).texts.contains("no data"))
    }
}
