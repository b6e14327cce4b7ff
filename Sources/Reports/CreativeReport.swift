import Evaluation
import Foundation

/// The seed's experiment on one page (docs/creative.md §7): the judge's agreement with the
/// expert's labels for the base and each tuned model (pointwise and pairwise), the ideas'
/// diversity and quality on held-out briefs (the evaluation runs' figure and table), the quality
/// of their headlines and art directions by one fixed judge, the per-task validation losses of
/// the tuned runs (held-out tasks included), what holds and what does not, and the commands that
/// made each number. A claim holds only when the 95% intervals do not overlap; overlapping intervals
/// make no claim either way.
public struct CreativeReport: Sendable {
    /// One model as an idea judge (pointwise), against the held-out labels.
    public struct Judge: Sendable {
        public var name: String
        public var items: Int
        public var threshold: Double
        public var accuracy: Estimate?
        public var kappa: Estimate?
        public var rocAUC: Estimate?

        public init(name: String, items: Int, threshold: Double, accuracy: Estimate?, kappa: Estimate?, rocAUC: Estimate?) {
            (self.name, self.items, self.threshold, self.accuracy, self.kappa, self.rocAUC) = (name, items, threshold, accuracy, kappa, rocAUC)
        }
    }

    /// One model as a pairwise idea judge (good × bad pairs of a brief, both orders), against the labels.
    public struct PairwiseJudge: Sendable {
        public var name: String
        public var pairs: Int
        public var accuracy: Estimate?
        public var kappa: Estimate?
        /// Share of pairs whose two orders picked different ideas.
        public var ordersDisagree: Estimate?
        /// Share of single-order answers that chose the idea shown first (0.5: no position bias).
        public var firstShownChosen: Double

        public init(name: String, pairs: Int, accuracy: Estimate?, kappa: Estimate?, ordersDisagree: Estimate?, firstShownChosen: Double) {
            (self.name, self.pairs, self.accuracy, self.kappa) = (name, pairs, accuracy, kappa)
            (self.ordersDisagree, self.firstShownChosen) = (ordersDisagree, firstShownChosen)
        }
    }

    /// The quality of one model's responses to one task's held-out requests (headlines, art
    /// directions): the mean judge score over requests with its interval.
    public struct TaskQuality: Sendable {
        public var run: String
        public var task: String
        public var prompts: Int
        public var responses: Int
        public var mean: Estimate?

        public init(run: String, task: String, prompts: Int, responses: Int, mean: Estimate?) {
            (self.run, self.task, self.prompts, self.responses, self.mean) = (run, task, prompts, responses, mean)
        }
    }

    /// A tuned run's last validation losses per task (`eval_loss/<task>` of its metrics.jsonl).
    public struct TaskLosses: Sendable {
        public var run: String
        public var losses: [String: Double]
        public var heldOut: [String]

        public init(run: String, losses: [String: Double], heldOut: [String]) {
            (self.run, self.losses, self.heldOut) = (run, losses, heldOut)
        }
    }

    /// How a model's interval lies against the base model's.
    public enum Verdict: String, Sendable {
        case higher = "higher: holds (intervals do not overlap)"
        case lower = "lower: holds (intervals do not overlap)"
        case overlapping = "no claim (intervals overlap)"
        case undefined = "no claim (undefined)"

        public init(base: Estimate?, other: Estimate?) {
            guard let base, let other else { self = .undefined; return }
            if other.lower > base.upper { self = .higher } else if other.upper < base.lower { self = .lower } else { self = .overlapping }
        }
    }

    public var title: String
    /// The base model first.
    public var judges: [Judge]
    /// The evaluation runs of the ideas, the base model's first, with their samples.
    public var ideas: ComparisonReport
    public var taskLosses: [TaskLosses]
    /// Every command that made the numbers, as typed.
    public var commands: [String]
    /// The pairwise judges, the base model first (empty: none run).
    public var pairwiseJudges: [PairwiseJudge] = []
    /// Response quality per run and task, the base model's rows first for each task.
    public var quality: [TaskQuality] = []
    /// Who scored `quality`, as the report names it (e.g. "base-model judge P(Yes), not a human").
    public var qualityJudge = ""
    /// The multi-task run, compared on headlines with every other tuned run as well as the base.
    public var multiTaskRun: String?
    /// The task the tunings never trained on.
    public var heldOutTask: String?

    public init(title: String, judges: [Judge], ideas: ComparisonReport, taskLosses: [TaskLosses], commands: [String]) {
        (self.title, self.judges, self.ideas, self.taskLosses, self.commands) = (title, judges, ideas, taskLosses, commands)
    }

    public static let pairwiseHeaders = ["Judge (pairwise, both orders)", "Pairs", "Accuracy", "Cohen's κ", "Orders disagree", "First shown chosen"]

    public var pairwiseRows: [[String]] {
        pairwiseJudges.map { [$0.name, "\($0.pairs)", e($0.accuracy), e($0.kappa), e($0.ordersDisagree), Markup.number($0.firstShownChosen, decimals: 3)] }
    }

    public var qualityHeaders: [String] { ["Run", "Task", "Requests × responses", "Quality (\(qualityJudge))"] }

    public var qualityRows: [[String]] {
        quality.map { [$0.run, $0.task + ($0.task == heldOutTask ? " (held out)" : ""), "\($0.prompts) × \($0.responses / max($0.prompts, 1))", e($0.mean)] }
    }

    func e(_ value: Estimate?) -> String { value?.formatted() ?? "undefined" }

    public var judgeRows: [[String]] {
        return judges.map { [$0.name, "\($0.items)", Markup.number($0.threshold, decimals: 3), e($0.accuracy), e($0.kappa), e($0.rocAUC)] }
    }

    public static let judgeHeaders = ["Judge (pointwise)", "Ideas", "Threshold (from validation)", "Accuracy", "Cohen's κ", "ROC-AUC"]

    /// Each seed claim against the base model, statistic by statistic: [claim, model, statistic, base, model's, verdict].
    public var claims: [[String]] {
        var rows: [[String]] = []
        if let base = judges.first {
            for judge in judges.dropFirst() {
                for (name, pick) in [("accuracy", \Judge.accuracy), ("Cohen's κ", \Judge.kappa), ("ROC-AUC", \Judge.rocAUC)] {
                    rows.append(["tuning makes the model a better judge of ideas (agreement with the expert rises)", judge.name, name,
                                 e(base[keyPath: pick]), e(judge[keyPath: pick]),
                                 Verdict(base: base[keyPath: pick], other: judge[keyPath: pick]).rawValue])
                }
            }
        }
        if let base = ideas.runs.first {
            for run in ideas.runs.dropFirst() {
                for metric in DiversityMetric.allCases {
                    rows.append(["tuning keeps the ideas diverse (the arrow: the more diverse direction)", run.run,
                                 metric.columnTitle, e(base.estimate(metric)), e(run.estimate(metric)),
                                 Verdict(base: base.estimate(metric), other: run.estimate(metric)).rawValue])
                }
                rows.append(["quality of the ideas (\(ideas.qualityLabel))", run.run, "quality", e(base.quality), e(run.quality),
                             Verdict(base: base.quality, other: run.quality).rawValue])
            }
        }
        if let base = pairwiseJudges.first {
            for judge in pairwiseJudges.dropFirst() {
                for (name, pick) in [("pairwise accuracy", \PairwiseJudge.accuracy), ("pairwise Cohen's κ", \PairwiseJudge.kappa)] {
                    rows.append(["tuning makes the model a better judge of ideas (agreement with the expert rises)", judge.name, name,
                                 e(base[keyPath: pick]), e(judge[keyPath: pick]),
                                 Verdict(base: base[keyPath: pick], other: judge[keyPath: pick]).rawValue])
                }
            }
        }
        let tasks = quality.map(\.task).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        for task in tasks {
            let runs = quality.filter { $0.task == task }
            guard let base = runs.first else { continue }
            let statistic = "\(task) quality (\(qualityJudge))"
            let claim = task == heldOutTask
                ? "the tuned model handles the held-out task (\(task)) better than the base"
                : "the tuned model writes better \(task)s than the base"
            for run in runs.dropFirst() {
                rows.append([claim, run.run, statistic, e(base.mean), e(run.mean), Verdict(base: base.mean, other: run.mean).rawValue])
            }
            // Multi-task against the other tunings: the seed's "adding headlines helps headlines".
            if let multi = runs.first(where: { $0.run == multiTaskRun }), task != heldOutTask {
                for other in runs.dropFirst() where other.run != multi.run {
                    rows.append(["multi-task SFT helps \(task)s (better than \(other.run))", "\(multi.run) vs \(other.run)", statistic,
                                 e(other.mean), e(multi.mean), Verdict(base: other.mean, other: multi.mean).rawValue])
                }
            }
        }
        return rows
    }

    public static let claimHeaders = ["Seed claim", "Model", "Statistic", "Reference (base unless named)", "Model", "Verdict"]

    public func html() -> String {
        var page = HTMLPage(title: title)
        page.paragraph("Every interval is a 95% percentile bootstrap (over ideas for the judge, over briefs for the ideas). A claim holds only when the model's interval lies wholly above or below the reference's (the base model's, unless the row names another run); overlapping intervals make no claim.")
        page.heading("What holds and what does not")
        page.table(headers: Self.claimHeaders, rows: claims)
        page.heading("The model as an idea judge")
        page.paragraph("Each model judges the held-out ideas pointwise (P(Yes) against P(No) for the built-in template), with its threshold calibrated on the training briefs' ideas, and is compared with the author's good/bad labels.")
        page.table(headers: Self.judgeHeaders, rows: judgeRows)
        if !pairwiseJudges.isEmpty {
            page.paragraph("Pairwise: every good idea against every bad idea of a brief, asked in both orders and averaged (a position preference cancels); accuracy is the share of pairs where the good idea wins.")
            page.table(headers: Self.pairwiseHeaders, rows: pairwiseRows)
        }
        if !quality.isEmpty {
            page.heading("Headlines and art directions for held-out briefs")
            page.paragraph("Each model writes responses to the held-out requests of each task; every response is scored by one fixed judge, the same for all runs: \(qualityJudge). A request's score is the mean over its responses; the interval is over requests.")
            page.table(headers: qualityHeaders, rows: qualityRows)
        }
        page.heading("Ideas for held-out briefs: quality against diversity")
        page.raw(ideas.svg())
        page.table(headers: ComparisonReport.tableHeaders, rows: ideas.tableRows)
        if !taskLosses.isEmpty {
            let tasks = Array(Set(taskLosses.flatMap(\.losses.keys))).sorted()
            page.heading("Validation loss per task (lower is better; no interval, so no claim)")
            page.paragraph("The last eval_loss/<task> of each tuned run's metrics.jsonl; held-out tasks (never trained) are marked.")
            page.table(headers: ["Run"] + tasks, rows: taskLosses.map { t in
                [t.run] + tasks.map { task in t.losses[task].map { Markup.number($0, decimals: 4) + (t.heldOut.contains(task) ? " (held out)" : "") } ?? "—" }
            })
        }
        if let reference = ideas.samples.first(where: { !$0.isEmpty }) {
            page.heading("Ideas side by side")
            for record in reference.sorted(by: { $0.promptIndex < $1.promptIndex }).prefix(ideas.samplePrompts) {
                let cells = ideas.runs.indices.map { i -> [String] in
                    let records = i < ideas.samples.count ? ideas.samples[i] : []
                    return records.first { $0.prompt == record.prompt }?.samples ?? ["(no samples for this brief)"]
                }
                page.sideBySide(rowTitle: record.prompt, columns: ideas.runs.map(\.run), cells: cells)
            }
        }
        page.heading("Commands")
        page.table(headers: ["Command"], rows: commands.map { [$0] })
        return page.render()
    }
}
