import Evaluation
import Foundation
import Testing
@testable import Reports

/// The creative report claims only what the intervals support.
@Suite struct CreativeReportTests {
    func run(_ name: String, semantic: Estimate) -> RunMetrics {
        RunMetrics(run: name, model: "m", quality: Estimate(mean: -2, lower: -2.5, upper: -1.5),
                   qualityMeasure: QualityMeasure.meanLogprobPerToken.rawValue, semanticDiversity: semantic, styleDiversity: nil,
                   compressionRatio: nil, homogenizationRougel: nil, ngramDiversity: nil, prompts: 8, samplesPerPrompt: 4)
    }

    @Test func verdictsFollowTheIntervals() {
        let base = Estimate(mean: 0.5, lower: 0.4, upper: 0.6)
        #expect(CreativeReport.Verdict(base: base, other: Estimate(mean: 0.8, lower: 0.61, upper: 0.9)) == .higher)
        #expect(CreativeReport.Verdict(base: base, other: Estimate(mean: 0.2, lower: 0.1, upper: 0.39)) == .lower)
        #expect(CreativeReport.Verdict(base: base, other: Estimate(mean: 0.7, lower: 0.6, upper: 0.8)) == .overlapping)
        #expect(CreativeReport.Verdict(base: base, other: nil) == .undefined)
    }

    @Test func theReportListsEachClaimAgainstTheBase() {
        let judges = [
            CreativeReport.Judge(name: "base", items: 40, threshold: 0.34, accuracy: Estimate(mean: 0.5, lower: 0.35, upper: 0.65), kappa: nil, rocAUC: nil),
            CreativeReport.Judge(name: "tuned", items: 40, threshold: 0.5, accuracy: Estimate(mean: 0.8, lower: 0.7, upper: 0.9), kappa: nil, rocAUC: nil),
        ]
        let ideas = ComparisonReport(title: "ideas", runs: [run("base", semantic: Estimate(mean: 0.3, lower: 0.25, upper: 0.35)),
                                                            run("tuned", semantic: Estimate(mean: 0.32, lower: 0.28, upper: 0.36))])
        let report = CreativeReport(title: "t", judges: judges, ideas: ideas,
                                    taskLosses: [.init(run: "tuned", losses: ["idea": 2.5, "art_direction": 3.25], heldOut: ["art_direction"])],
                                    commands: ["divtune judge pointwise --model m"])
        let claims = report.claims
        let accuracy = claims.first { $0[1] == "tuned" && $0[2] == "accuracy" }
        #expect(accuracy?[5] == CreativeReport.Verdict.higher.rawValue)
        #expect(claims.first { $0[2] == "Cohen's κ" }?[5] == CreativeReport.Verdict.undefined.rawValue)
        #expect(claims.first { $0[2] == DiversityMetric.semanticDiversity.columnTitle }?[5] == CreativeReport.Verdict.overlapping.rawValue)
        // Three judge statistics, five diversity metrics and quality for the one tuned model.
        #expect(claims.count == 9)
        let html = report.html()
        #expect(html.contains("3.2500 (held out)") && html.contains("divtune judge pointwise --model m") && html.contains("<svg"))
    }

    /// Headline and art-direction quality: each tuned run against the base, and the multi-task run
    /// against the idea-only one on headlines (not on the held-out task), labelled with the judge.
    @Test func qualityAndPairwiseClaimsFollowTheIntervals() {
        func q(_ run: String, _ task: String, _ lower: Double, _ upper: Double) -> CreativeReport.TaskQuality {
            .init(run: run, task: task, prompts: 8, responses: 32, mean: Estimate(mean: (lower + upper) / 2, lower: lower, upper: upper))
        }
        let ideas = ComparisonReport(title: "ideas", runs: [run("base", semantic: Estimate(mean: 0.3, lower: 0.25, upper: 0.35))])
        var report = CreativeReport(title: "t", judges: [], ideas: ideas, taskLosses: [], commands: [])
        report.quality = [q("base", "headline", 0.2, 0.3), q("idea", "headline", 0.25, 0.35), q("multi", "headline", 0.36, 0.5),
                          q("base", "art_direction", 0.4, 0.5), q("idea", "art_direction", 0.3, 0.39), q("multi", "art_direction", 0.45, 0.6)]
        report.qualityJudge = "base-model judge P(Yes), not a human"
        report.multiTaskRun = "multi"
        report.heldOutTask = "art_direction"
        report.pairwiseJudges = [
            .init(name: "base", pairs: 48, accuracy: Estimate(mean: 0.5, lower: 0.4, upper: 0.6), kappa: nil, ordersDisagree: nil, firstShownChosen: 1),
            .init(name: "multi", pairs: 48, accuracy: Estimate(mean: 0.7, lower: 0.62, upper: 0.8), kappa: nil, ordersDisagree: nil, firstShownChosen: 0.5),
        ]
        let claims = report.claims
        func verdict(_ model: String, _ statistic: String) -> String? { claims.first { $0[1] == model && $0[2].hasPrefix(statistic) }?[5] }
        #expect(verdict("idea", "headline quality") == CreativeReport.Verdict.overlapping.rawValue)
        #expect(verdict("multi", "headline quality") == CreativeReport.Verdict.higher.rawValue)
        #expect(verdict("multi vs idea", "headline quality") == CreativeReport.Verdict.higher.rawValue)
        #expect(verdict("idea", "art_direction quality") == CreativeReport.Verdict.lower.rawValue)
        #expect(verdict("multi", "art_direction quality") == CreativeReport.Verdict.overlapping.rawValue)
        #expect(verdict("multi", "pairwise accuracy") == CreativeReport.Verdict.higher.rawValue)
        #expect(verdict("multi", "pairwise Cohen's κ") == CreativeReport.Verdict.undefined.rawValue)
        // 2 + 1 headline rows, 2 art-direction rows (no multi-vs-idea on the held-out task), 2 pairwise rows.
        #expect(claims.count == 7)
        #expect(claims.contains { $0[0].contains("held-out task (art_direction)") && $0[2] == "art_direction quality (base-model judge P(Yes), not a human)" })
        #expect(report.qualityRows.contains(["idea", "art_direction (held out)", "8 × 4", "0.3450 [0.3000, 0.3900]"]), "\(report.qualityRows)")
        let html = report.html()
        #expect(html.contains("Headlines and art directions for held-out briefs") && html.contains("Judge (pairwise, both orders)"))
    }
}
