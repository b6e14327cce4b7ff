import Evaluation
import Foundation
import Testing
@testable import Reports

private func temporaryFolder() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("reports-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

private func error(_ body: () throws -> Void) -> String {
    do { try body(); return "no error" } catch { return "\(error)" }
}

extension RunMetrics {
    static func example(_ name: String, quality: Double, semantic: Double?, style: Double?) -> RunMetrics {
        RunMetrics(run: name, model: "models/\(name).gguf", quality: Estimate(mean: quality, lower: quality - 0.05, upper: quality + 0.04),
                   qualityMeasure: "mean_logprob_per_token",
                   semanticDiversity: semantic.map { Estimate(mean: $0, lower: $0 - 0.01, upper: $0 + 0.02) },
                   styleDiversity: style.map { Estimate(mean: $0, lower: $0 - 0.02, upper: $0 + 0.01) },
                   compressionRatio: Estimate(mean: 2.5, lower: 2.4, upper: 2.6), homogenizationRougel: nil,
                   ngramDiversity: Estimate(exactly: 3.1), prompts: 10, samplesPerPrompt: 4, styleEmbedder: "stylometric")
    }
}

@Suite struct ComparisonReportTests {
    static let hostile = "<script>alert(\"x\") & 'y'</script>"

    static func report() -> ComparisonReport {
        let runs = [RunMetrics.example("dpo", quality: -1.4, semantic: 0.25, style: 0.1),
                    RunMetrics.example("ddpo \(hostile)", quality: -1.1, semantic: 0.33, style: nil)]
        let samples = [
            [SampleRecord(promptIndex: 0, prompt: "A dragon <learns> to knit", samples: ["Once & upon", hostile], tokens: [3, 5],
                          logprobPerToken: [-1, nil], finishReasons: ["stop", "length"])],
            [SampleRecord(promptIndex: 0, prompt: "A dragon <learns> to knit", samples: ["\"Quoted\" story"], tokens: [2],
                          logprobPerToken: [-2], finishReasons: ["stop"])],
        ]
        return ComparisonReport(title: "Compare & contrast", runs: runs, samples: samples)
    }

    @Test func htmlEscapesTextAndEmbedsAWellFormedFigure() throws {
        let html = Self.report().html()
        #expect(!html.contains("<script>"))
        #expect(html.contains("&lt;script&gt;alert(&quot;x&quot;) &amp; &#39;y&#39;&lt;/script&gt;"))
        #expect(html.contains("A dragon &lt;learns&gt; to knit") && html.contains("Once &amp; upon") && html.contains("&quot;Quoted&quot; story"))
        #expect(html.contains("<title>Compare &amp; contrast</title>"))
        #expect(html.contains("-1.1000 [-1.1500, -1.0600]") && html.contains("Quality (mean log-prob per token)"))
        #expect(!html.contains("http://") || html.components(separatedBy: "http://").count == 2, "only the SVG namespace may be a URL")
        let start = try #require(html.range(of: "<svg"))
        let end = try #require(html.range(of: "</svg>"))
        let parsed = try SVGElements.parse(String(html[start.lowerBound..<end.upperBound]))
        // Semantic panel: both runs; style panel: only "dpo" (the other has no style value).
        let labels = parsed.elements.compactMap { $0.attributes["data-label"] }
        #expect(labels == ["dpo", "ddpo \(Self.hostile)", "dpo"])
        let colors = parsed.elements.filter { $0.name == "g" && $0.attributes["data-label"] == "dpo" }.map { $0.attributes["fill"] }
        #expect(colors.count == 2 && colors[0] == colors[1])
    }

    @Test func figureHasOnePanelPerDiversityAndTheWrittenFilesAreComplete() throws {
        let report = Self.report()
        let panels = report.figure.panels
        #expect(panels.map(\.title) == ["Semantic diversity", "Style diversity"])
        #expect(panels[0].points.map(\.y.mean) == [0.25, 0.33] && panels[1].points.count == 1)
        let folder = try temporaryFolder()
        try ReportFile.write(report.html(), to: folder.appendingPathComponent("compare.html"))
        #expect(try String(contentsOf: folder.appendingPathComponent("compare.html"), encoding: .utf8) == report.html())
        #expect(error { try ReportFile.write("x", to: URL(fileURLWithPath: "/proc/nowhere/compare.html")) }.contains("/proc/nowhere/compare.html"))
    }
}

@Suite struct ComparisonReportPathTests {
    /// Report tables show model and adapter paths relative to the folder the report is written to,
    /// and the mean log-prob per token as a labelled secondary column next to the reward quality.
    @Test func tablesShowPathsRelativeToTheReportFolderAndLogProbAsSecondary() {
        var run = RunMetrics.example("ddpo", quality: 0.2, semantic: 0.3, style: 0.1)
        run.model = "/work/out/demo/../models/m.gguf"
        run.adapter = "/work/out/demo/ddpo"
        run.qualityMeasure = "reward"
        run.meanLogprobPerToken = Estimate(mean: -2.5, lower: -2.6, upper: -2.4)
        let report = ComparisonReport(title: "t", runs: [run], folder: URL(fileURLWithPath: "/work/out/demo"))
        let row = report.tableRows[0]
        #expect(row[1] == "../models/m.gguf" && row[2] == "ddpo")
        #expect(ComparisonReport.tableHeaders[4] == "Quality" && ComparisonReport.tableHeaders[5] == "Mean log-prob/token (secondary)")
        #expect(row[4] == "0.2000 [0.1500, 0.2400]" && row[5] == "-2.5000 [-2.6000, -2.4000]")
        let html = report.html()
        #expect(html.contains("Quality: Quality (reward).") && html.contains("not a measure of writing quality"))
        // Without a folder the paths stay as recorded; a path sharing only the root stays absolute.
        #expect(ComparisonReport(title: "t", runs: [run]).tableRows[0][2] == "/work/out/demo/ddpo")
        #expect(RelativePath.display("/opt/m.gguf", from: URL(fileURLWithPath: "/work/out")) == "/opt/m.gguf")
        #expect(RelativePath.display("/work/out/runs/base", from: URL(fileURLWithPath: "/work/out/runs/base")) == ".")
        #expect(RelativePath.display("/work/out/runs/base", from: URL(fileURLWithPath: "/work/out/runs/sft")) == "../base")
    }
}

@Suite struct SweepReportTests {
    static func point(_ responses: String, _ minimum: String, quality: Double, semantic: Double) -> SweepReport.Point {
        SweepReport.Point(values: [responses, minimum], folder: "points/max-responses-\(responses)_min-deviation-\(minimum)/eval",
                          metrics: RunMetrics.example("r", quality: quality, semantic: semantic, style: semantic / 2))
    }

    /// Figure 3: three panels (quality, semantic, style) over the first axis, a line per value of
    /// the other axes, with intervals; `all` puts the x axis on positions named in its label.
    @Test func drawsThreePanelsOverTheFirstAxisWithALinePerOtherValue() throws {
        let report = SweepReport(title: "sweep", axes: ["max-responses", "min-deviation"], points: [
            Self.point("4", "none", quality: -2, semantic: 0.3), Self.point("4", "-0.8", quality: -2.1, semantic: 0.35),
            Self.point("all", "none", quality: -2.2, semantic: 0.4), Self.point("all", "-0.8", quality: -2.3, semantic: 0.45),
        ])
        let panels = report.panels
        #expect(panels.map(\.title) == ["Quality (mean log-prob per token)", "Semantic diversity", "Style diversity"])
        #expect(panels[1].series.map(\.label) == ["min-deviation=none", "min-deviation=-0.8"])
        #expect(panels[1].series[1].points.map(\.x) == [1, 2] && panels[1].series[1].points.map(\.y) == [0.35, 0.45])
        #expect(panels[1].series[0].points[0].lower == 0.29 && panels[1].series[0].points[0].upper == 0.32)
        #expect(panels[0].xLabel == "max-responses (1 = 4, 2 = all)")
        #expect(report.tableRows[1] == ["4", "-0.8", "-2.1000 [-2.1500, -2.0600]", "0.3500 [0.3400, 0.3700]", "0.1750 [0.1550, 0.1850]",
                                        "points/max-responses-4_min-deviation--0.8/eval"])
        let html = report.html()
        #expect(html.components(separatedBy: "<svg").count == 4 && html.contains("Not comparable with the paper: 4 of 4 points"))
        // Numeric values are plotted at themselves.
        let numeric = SweepReport(title: "s", axes: ["data-fraction"], points: [
            SweepReport.Point(values: ["0.5"], folder: "a", metrics: RunMetrics.example("a", quality: -2, semantic: 0.3, style: 0.1)),
            SweepReport.Point(values: ["1"], folder: "b", metrics: RunMetrics.example("b", quality: -2, semantic: 0.3, style: 0.1)),
        ])
        #expect(numeric.panels[0].series.map(\.label) == ["data-fraction"] && numeric.panels[0].series[0].points.map(\.x) == [0.5, 1])
        #expect(numeric.panels[0].xLabel == "data-fraction")
    }
}
