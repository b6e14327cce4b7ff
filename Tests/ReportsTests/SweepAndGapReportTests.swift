import Evaluation
import Foundation
import Testing
@testable import Reports

/// The sweep's and the gap's pages, figures and JSON on made-up runs (no model).
@Suite struct SweepAndGapReportTests {
    @Test func weightsAreLabelledAsTyped() {
        #expect(ConformativeSweepReport.label(0) == "w=0" && ConformativeSweepReport.label(0.1) == "w=0.1" && ConformativeSweepReport.label(1) == "w=1")
        #expect(ConformativeSweepReport.label(0.25) == "w=0.25")
    }

    @Test func sweepDrawsOnePointPerWeightInEveryMeasuredPanel() throws {
        let points = [0.0, 0.3].map { w in
            ConformativeSweepReport.Point(weight: w, folder: "out/\(ConformativeSweepReport.label(w))",
                              metrics: .example(ConformativeSweepReport.label(w), quality: -1.2 - w, semantic: 0.3 + w / 10, style: 0.1))
        }
        let report = ConformativeSweepReport(title: "Sweep <&>", points: points)
        // Homogenization is null in every run: four panels, two weights each.
        #expect(report.figure.panels.count == 4)
        #expect(report.svg().components(separatedBy: "class=\"point\"").count - 1 == 8)
        #expect(report.tableRows.map(\.first) == ["0", "0.3"])
        let html = report.html()
        #expect(html.contains("Sweep &lt;&amp;&gt;") && html.contains("w=0.3"))
        let json = try #require(try JSONSerialization.jsonObject(with: report.json()) as? [String: Any])
        let entries = try #require(json["points"] as? [[String: Any]])
        #expect(entries.map { $0["weight"] as? Double } == [0, 0.3] && entries[1]["folder"] as? String == "out/w=0.3")
        #expect((entries[0]["metrics"] as? [String: Any])?["run"] as? String == "w=0")
    }

    static func prompts(_ semantic: [Double], logprob: Double) -> [PromptMetrics] {
        semantic.enumerated().map { i, v in
            PromptMetrics(promptIndex: i, diversity: [.semanticDiversity: v, .styleDiversity: 0.2], logprobPerToken: [logprob + Double(i) / 100],
                          tokens: [5], rewards: nil, warnings: [])
        }
    }

    /// A stage whose semantic diversity is lower on every one of 12 prompts holds that gap; its
    /// unchanged style diversity does not; MAUVE's numbers and the differences reach the JSON.
    @Test func gapReportsPairedDifferencesAndMAUVE() throws {
        let base = (0..<12).map { 0.5 + Double($0 % 3) / 50 }
        let runs = [PairedRun(name: "base", prompts: Self.prompts(base, logprob: -1)),
                    PairedRun(name: "dpo", prompts: Self.prompts(base.map { $0 - 0.2 }, logprob: -0.8))]
        let paired = PairedComparisonSummary(try PairedComparisons.compare(runs, reference: 0, resamples: 1000))
        let mauve = try MAUVE(pLabels: [0, 0, 1, 1, 2, 2], qLabels: [0, 0, 0, 0, 0, 1], buckets: 3)
        let report = GapReport(title: "Gap", base: .example("base", quality: -1, semantic: 0.5, style: 0.2), baseFolder: "runs/base",
                               stages: [.init(name: "dpo", folder: "runs/dpo", metrics: .example("dpo", quality: -0.8, semantic: 0.3, style: 0.2), mauve: mauve)],
                               paired: paired, mauveEmbedder: "tiny")
        let json = try #require(try JSONSerialization.jsonObject(with: report.json()) as? [String: Any])
        let stage = try #require((json["stages"] as? [[String: Any]])?.first)
        let differences = try #require(stage["differences"] as? [[String: Any]])
        let semantic = try #require(differences.first { $0["metric"] as? String == "semantic_diversity" })
        #expect(abs((semantic["difference"] as? Double ?? 0) + 0.2) < 1e-9 && semantic["holds"] as? Bool == true)
        let style = try #require(differences.first { $0["metric"] as? String == "style_diversity" })
        #expect(style["holds"] as? Bool == false)
        let m = try #require(stage["mauve"] as? [String: Any])
        #expect(m["mauve"] as? Double == mauve.mauve && m["recall"] as? Double == mauve.recall && m["buckets"] as? Int == 3)
        // The samples column counts what MAUVE compared, not the runs' sizes (10 prompts × 4 in .example).
        #expect(m["p_count"] as? Int == 6 && m["q_count"] as? Int == 6 && report.mauveRows[0].last == "6, 6")
        #expect(mauve.recall < mauve.precision, "the stage piles onto one of the base's buckets: it keeps precision, loses recall")
        #expect((json["base"] as? [String: Any])?["folder"] as? String == "runs/base")
        // Semantic and style panels (the metrics with paired differences), and MAUVE's.
        #expect(report.figure.panels.map(\.title) == [DiversityMetric.semanticDiversity.columnTitle, DiversityMetric.styleDiversity.columnTitle,
                                                      "MAUVE precision and recall vs base"])
        let html = report.html()
        #expect(html.contains("dpo − base") && html.contains("MAUVE against the base") && html.contains("embedded by tiny"))
        #expect(!html.contains("no diversity panels"))

        // Quality measured differently (reward vs log-prob): no quality difference, so no diversity panels, and the page says why.
        var rewarded = Self.prompts(base.map { $0 - 0.2 }, logprob: -0.8)
        for i in rewarded.indices { rewarded[i].rewards = [1] }
        let unpaired = PairedComparisonSummary(try PairedComparisons.compare([runs[0], PairedRun(name: "dpo", prompts: rewarded)], reference: 0, resamples: 1000))
        var other = report
        other.paired = unpaired
        #expect(other.figure.panels.map(\.title) == ["MAUVE precision and recall vs base"])
        #expect(other.html().contains("no diversity panels") && other.html().contains("quality measured differently"))
    }
}
