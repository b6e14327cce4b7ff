import Evaluation
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import Reports

/// Malformed SVG: the parser's complaint and the line.
struct SVGError: Error, CustomStringConvertible { var description: String }

/// Collects every element of an SVG document with its attributes (and fails on malformed XML).
final class SVGElements: NSObject, XMLParserDelegate {
    var elements: [(name: String, attributes: [String: String])] = []
    var texts: [String] = []
    private var text = ""

    static func parse(_ svg: String) throws -> SVGElements {
        let collector = SVGElements()
        let parser = XMLParser(data: Data(svg.utf8))
        parser.delegate = collector
        guard parser.parse() else {
            throw SVGError(description: "\(parser.parserError.map { "\($0)" } ?? "parse failed") line \(parser.lineNumber)")
        }
        return collector
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        elements.append((name, attributes))
        text = ""
    }
    func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }
    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        if name == "text" { texts.append(text) }
        text = ""
    }

    /// Elements that follow the `<g data-label=label>` opening, up to the next group.
    func group(label: String) -> [(name: String, attributes: [String: String])] {
        guard let start = elements.firstIndex(where: { $0.name == "g" && $0.attributes["data-label"] == label }) else { return [] }
        let rest = elements[(start + 1)...]
        let end = rest.firstIndex { $0.name == "g" } ?? elements.endIndex
        return Array(elements[(start + 1)..<end])
    }
}

private func double(_ s: String?) -> Double { s.flatMap(Double.init) ?? .nan }

@Suite struct NiceScaleTests {
    @Test func heckbertTicks() {
        let unit = NiceScale(covering: [0.13, 0.87])
        #expect(unit.lower == 0 && unit.upper == 1 && abs(unit.step - 0.2) < 1e-12)
        #expect(unit.ticks.count == 6 && abs(unit.ticks[3] - 0.6) < 1e-12 && unit.decimals == 1)

        let wide = NiceScale(covering: [-3.2, 47])
        #expect(wide == NiceScale(lower: -20, upper: 60, step: 20))
        #expect(wide.ticks == [-20, 0, 20, 40, 60] && wide.decimals == 0)

        let small = NiceScale(covering: [0.0312, 0.0388])
        #expect(abs(small.step - 0.002) < 1e-15 && small.decimals == 3)
        #expect(small.lower <= 0.0312 && small.upper >= 0.0388)
        #expect(abs(small.lower - 0.030) < 1e-12 && abs(small.upper - 0.040) < 1e-12)
    }

    @Test func degenerateInputsStillGiveAnAxis() {
        let single = NiceScale(covering: [5, 5])
        #expect(single.lower < 5 && single.upper > 5 && single.step > 0)
        #expect(NiceScale(covering: []) == NiceScale(lower: 0, upper: 1, step: 0.2))
        #expect(NiceScale(covering: [.nan, .infinity, 2, 3]).upper >= 3)
        let zero = NiceScale(covering: [0])
        #expect(zero.lower < 0 && zero.upper > 0)
    }

    @Test func mapIsLinearAndMayRunBackwards() {
        let s = NiceScale(lower: 0, upper: 1, step: 0.2)
        #expect(s.map(0.25, from: 100, to: 500) == 200)
        #expect(s.map(0.25, from: 500, to: 100) == 400)
    }
}

@Suite struct ScatterPlotTests {
    static let points = [
        ScatterPoint(label: "DPO", x: Estimate(mean: 0.3, lower: 0.1, upper: 0.5), y: Estimate(mean: 0.4, lower: 0.15, upper: 0.6)),
        ScatterPoint(label: "DDPO", x: Estimate(mean: 0.7, lower: 0.6, upper: 0.9), y: Estimate(mean: 0.75, lower: 0.7, upper: 0.85)),
    ]

    @Test func pointsAndErrorBarsLandAtTheirCoordinates() throws {
        let plot = ScatterPlot(title: "Semantic", xLabel: "Quality", yLabel: "Diversity", points: Self.points)
        #expect(plot.xScale == NiceScale(covering: [0.1, 0.9]))
        #expect(plot.xScale.lower == 0 && plot.xScale.upper == 1 && plot.yScale.lower == 0 && plot.yScale.upper == 1)
        // Plot area: x ∈ [64, 400] (width 420 − right 20), y ∈ [36, 292] (height 340 − bottom 48), y flipped.
        func px(_ x: Double) -> Double { 64 + x * 336 }
        func py(_ y: Double) -> Double { 292 - y * 256 }
        let parsed = try SVGElements.parse(plot.svg())
        for p in Self.points {
            let group = parsed.group(label: p.label)
            let circle = try #require(group.first { $0.name == "circle" })
            #expect(abs(double(circle.attributes["cx"]) - px(p.x.mean)) < 0.006)
            #expect(abs(double(circle.attributes["cy"]) - py(p.y.mean)) < 0.006)
            let xerr = try #require(group.first { $0.attributes["class"] == "xerr" })
            #expect(abs(double(xerr.attributes["x1"]) - px(p.x.lower)) < 0.006 && abs(double(xerr.attributes["x2"]) - px(p.x.upper)) < 0.006)
            #expect(abs(double(xerr.attributes["y1"]) - py(p.y.mean)) < 0.006)
            let yerr = try #require(group.first { $0.attributes["class"] == "yerr" })
            #expect(abs(double(yerr.attributes["y1"]) - py(p.y.lower)) < 0.006 && abs(double(yerr.attributes["y2"]) - py(p.y.upper)) < 0.006)
            #expect(abs(double(yerr.attributes["x1"]) - px(p.x.mean)) < 0.006)
        }
        // Ticks are labelled with nice numbers at their positions.
        let xTicks = parsed.elements.filter { $0.attributes["class"] == "tick x" }
        #expect(xTicks.count == 6)
        #expect(abs(double(xTicks[2].attributes["x"]) - px(0.4)) < 0.006)
        #expect(parsed.texts.contains("0.4") && parsed.texts.contains("1.0") && parsed.texts.contains("DDPO"))
    }

    @Test func labelsWithMarkupCharactersStayWellFormed() throws {
        let label = "run <a> & \"b\" 'c'"
        let plot = ScatterPlot(title: "T&C <1>", xLabel: "x \"q\"", yLabel: "y", points: [
            ScatterPoint(label: label, x: Estimate(exactly: 1), y: Estimate(exactly: 2)),
        ])
        let parsed = try SVGElements.parse(plot.svg())
        #expect(parsed.elements.contains { $0.attributes["data-label"] == label })
        #expect(parsed.texts.contains(label) && parsed.texts.contains("T&C <1>"))
        #expect(parsed.elements.first?.name == "svg")
    }

    @Test func emptyPanelSaysSo() throws {
        let parsed = try SVGElements.parse(ScatterPlot(title: "Style", xLabel: "q", yLabel: "d", points: []).svg())
        #expect(parsed.texts.contains("no data"))
    }
}

@Suite struct MarkupTests {
    @Test func escapesTheFiveCharactersAndDropsControls() {
        #expect(Markup.escape("<a href=\"x\">Tom & 'Jerry'</a>") == "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;")
        #expect(Markup.escape("a\u{0}b\u{7}c\nd\té") == "abc\nd\té")
        #expect(Markup.coordinate(12.5) == "12.5" && Markup.coordinate(40) == "40" && Markup.coordinate(-0.001) == "0")
    }
}
