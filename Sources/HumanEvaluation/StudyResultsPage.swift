import Evaluation
import Foundation
import Reports

/// The results as an HTML page (docs/human-evaluation.md §4): a table in the shape of the paper's
/// Table 2 — per question, the share of answers for each run and for "hard to decide" — next to the
/// runs' automatic metrics, then agreement and the annotators.
public enum StudyResultsPage {
    public static func render(_ results: StudyResults, runs: [StoredRun], title: String) -> String {
        var page = HTMLPage(title: title)
        page.paragraph("\(results.items) items, \(results.itemsComplete) with \(results.labelsPerItem) or more answers. "
            + "Shares with Wilson 95% intervals; the sign test compares \(results.runs.joined(separator: " and ")) with ties left out.")
        func cell(_ share: StudyResults.Share?) -> String {
            guard let share else { return "—" }
            return String(format: "%.1f%% [%.1f, %.1f] (%d)", 100 * share.share, 100 * share.lower, 100 * share.upper, share.count)
        }
        func value(_ v: Double?) -> String { v.map { String(format: "%.3f", $0) } ?? "—" }
        page.heading("Human evaluation")
        let sided = results.questions.filter { !$0.runs.isEmpty }
        page.table(headers: ["Question", "Answers"] + results.runs + ["Hard to decide", "Sign test p", "Fleiss' κ", "Krippendorff's α"],
                   rows: sided.map { q in
                       [q.text, String(q.answers)] + results.runs.map { cell(q.runs[$0]) }
                           + [cell(q.undecided), q.signTest.map { String(format: "%.4g", $0.pValue) } ?? "—",
                              value(q.fleissKappa) + " (\(q.fleissItems) items)", value(q.krippendorffAlpha)]
                   })
        for q in results.questions where q.runs.isEmpty {
            page.heading(q.text)
            page.table(headers: ["Option", "Answers"], rows: q.options.sorted { $0.key < $1.key }.map { [$0.key, String($0.value)] })
        }
        let measured = runs.filter { $0.metrics != nil }
        if !measured.isEmpty {
            page.heading("Automatic metrics of the runs")
            page.table(headers: ["Run", "Quality"] + DiversityMetric.allCases.map(\.columnTitle), rows: measured.map { run in
                let m = run.metrics!
                return [run.label, m.quality.map { $0.formatted(decimals: 3) + " (\(m.qualityMeasure))" } ?? "—"]
                    + DiversityMetric.allCases.map { m.estimate($0)?.formatted(decimals: 3) ?? "—" }
            })
        }
        page.heading("Annotators")
        page.table(headers: ["Annotator", "Answers", "Median seconds per item"], rows: results.annotators.map {
            [$0.name, String($0.answers), $0.medianSeconds.map { String(format: "%.1f", $0) } ?? "—"]
        })
        return page.render()
    }
}
