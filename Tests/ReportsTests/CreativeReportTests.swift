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
}
