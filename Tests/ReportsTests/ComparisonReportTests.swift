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
