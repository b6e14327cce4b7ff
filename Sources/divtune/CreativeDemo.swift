import ArgumentParser
import Base
import Creative
import Evaluation
import Foundation
import Reports
import Training

/// `divtune demo --pipeline creative`: seed 003's experiment (docs/creative.md §7) on the default
/// model and `data/creative/`:
///
///   idea-only SFT and multi-task SFT (art direction held out) → each model, and the base, judges
///   the held-out ideas, pointwise and pairwise (agreement with the author's labels) → each writes
///   ideas for the held-out briefs (diversity and quality) → each writes headlines and art
///   directions for them, scored by the base model as one fixed judge → `report.html`, which says
///   what holds and what does not.
///
/// Every stage but the report is the command a user would type, printed as it runs.
struct CreativeDemo {
    /// Sizes of each stage; `--quick` keeps every stage but makes it tiny.
    struct Plan {
        var sftSteps: Int, batchSize: Int, maxLength: Int
        /// Share of the trained tasks' rows validated (the held-out task is always evaluated).
        var validationSplit: Double
        /// Ideas judged (and validation ideas); nil: all.
        var judgeLimit: Int?
        var prompts: Int, samples: Int, maxTokens: Int
        /// New tokens per headline (art directions get `maxTokens`, as ideas do).
        var headlineTokens: Int
    }

    static let quickPlan = Plan(sftSteps: 2, batchSize: 2, maxLength: 160, validationSplit: 0, judgeLimit: 10, prompts: 2, samples: 2, maxTokens: 12,
                                headlineTokens: 8)
    static let fullPlan = Plan(sftSteps: 60, batchSize: 4, maxLength: 256, validationSplit: 0.1, judgeLimit: nil, prompts: 8, samples: 4, maxTokens: 96,
                               headlineTokens: 32)
    /// Who scores the headlines and art directions: the base model with no adapter, one fixed judge for all runs.
    static let qualityJudge = "base-model judge P(Yes), not a human"

    /// The models compared: the base first, then the two tunings.
    static let runs: [(name: String, mixture: String?)] = [
        ("base", nil), ("sft-idea", "idea=1"), ("sft-multitask", "idea=0.5,headline=0.2,naming=0.2,insight=0.1"),
    ]
    static let heldOutTask = "art_direction"

    let plan: Plan
    let model: String
    let embedder: String
    let data: URL
    let out: URL

    func path(_ name: String) -> String { out.appendingPathComponent(name).path }

    func input(_ name: String) throws -> String {
        let file = data.appendingPathComponent(name).path
        guard FileManager.default.fileExists(atPath: file) else { throw ValidationError("missing creative demo data: \(file)") }
        return file
    }

    func stages() throws -> [(name: String, arguments: [String])] {
        let p = plan
        var stages: [(name: String, arguments: [String])] = []
        for run in Self.runs {
            guard let mixture = run.mixture else { continue }
            stages.append(("train \(run.name)", [
                "train", "sft", "--model", model, "--data", try input("train.jsonl"), "--output", path(run.name), "--overwrite",
                "--task-mixture", mixture, "--holdout-task", Self.heldOutTask, "--max-steps", "\(p.sftSteps)",
                "--batch-size", "\(p.batchSize)", "--learning-rate", "2e-4", "--max-length", "\(p.maxLength)",
                "--logging-steps", "5", "--steps-per-eval", "\(p.sftSteps)", "--prompt-style", "chat",
            ] + (p.validationSplit > 0 ? ["--validation-split", "\(p.validationSplit)"] : [])))
        }
        let limit = p.judgeLimit.map { ["--limit", "\($0)"] } ?? []
        for run in Self.runs {
            stages.append(("judge \(run.name)", ["judge", "pointwise", "--model", model] + adapter(run) + [
                "--input", try input("ideas_heldout.jsonl"), "--validation", try input("ideas.jsonl"),
                "--output", path("judge/\(run.name)"),
            ] + limit))
        }
        for run in Self.runs {
            stages.append(("pairwise \(run.name)", ["judge", "pairwise", "--model", model] + adapter(run) + [
                "--input", try input("ideas_heldout.jsonl"), "--output", path("judge-pairwise/\(run.name)"),
            ] + limit))
        }
        for run in Self.runs {
            stages.append(("ideas \(run.name)", evaluation(run, prompts: try input("idea_prompts_heldout.jsonl"), maxTokens: p.maxTokens,
                                                          output: "runs/\(run.name)")))
        }
        // Headlines and art directions (the held-out task) for the held-out briefs, each scored by
        // the base model as a fixed judge, so every run's responses meet the same scorer.
        for task in ResponseJudge.Task.allCases {
            for run in Self.runs {
                stages.append(("\(task.rawValue) \(run.name)", evaluation(
                    run, prompts: try input("\(task.rawValue)_prompts_heldout.jsonl"),
                    maxTokens: task == .headline ? p.headlineTokens : p.maxTokens, output: "\(task.rawValue)/\(run.name)")))
                stages.append(("score \(task.rawValue) \(run.name)", [
                    "judge", "responses", "--model", model, "--task", task.rawValue, "--run", path("\(task.rawValue)/\(run.name)"),
                    "--output", path("quality/\(task.rawValue)/\(run.name)"),
                ]))
            }
        }
        return stages
    }

    /// `evaluate run` of one model on held-out requests (no system prompt, as in training).
    func evaluation(_ run: (name: String, mixture: String?), prompts: String, maxTokens: Int, output: String) -> [String] {
        ["evaluate", "run", "--model", model] + adapter(run) + [
            "--name", run.name, "--prompts", prompts, "--limit", "\(plan.prompts)",
            "--samples-per-prompt", "\(plan.samples)", "--max-tokens", "\(maxTokens)", "--system", "",
            "--embedder", embedder, "--output", path(output),
        ]
    }

    func adapter(_ run: (name: String, mixture: String?)) -> [String] {
        run.mixture == nil ? [] : ["--adapter", path(run.name)]
    }

    /// Reads what the stages wrote and renders `report.html` (and the figure as `report.svg`).
    func report(commands: [String]) throws -> CreativeReport {
        let decoder = JSONDecoder()
        let judges = try Self.runs.map { run -> CreativeReport.Judge in
            let file = out.appendingPathComponent("judge/\(run.name)/\(JudgeOutput.summaryFile)")
            let summary: PointwiseJudge.Summary
            do { summary = try decoder.decode(PointwiseJudge.Summary.self, from: Data(contentsOf: file)) } catch {
                throw FileError(path: file.path, reason: "cannot read the judge's summary (\(error))")
            }
            let a = summary.agreement
            func e(_ v: IntervalValue?) -> Estimate? { v.map { Estimate(mean: $0.value, lower: $0.lower, upper: $0.upper) } }
            return CreativeReport.Judge(name: run.name, items: a.items, threshold: summary.threshold,
                                        accuracy: e(a.accuracy), kappa: e(a.kappa), rocAUC: e(a.rocAUC))
        }
        func read<T: Decodable>(_ type: T.Type, _ name: String) throws -> T {
            let file = out.appendingPathComponent(name)
            do { return try decoder.decode(T.self, from: Data(contentsOf: file)) } catch {
                throw FileError(path: file.path, reason: "cannot read the stage's summary (\(error))")
            }
        }
        func e(_ v: IntervalValue?) -> Estimate? { v.map { Estimate(mean: $0.value, lower: $0.lower, upper: $0.upper) } }
        let pairwise = try Self.runs.map { run -> CreativeReport.PairwiseJudge in
            let summary = try read(Creative.PairwiseJudge.Summary.self, "judge-pairwise/\(run.name)/\(JudgeOutput.summaryFile)")
            return CreativeReport.PairwiseJudge(name: run.name, pairs: summary.pairs, accuracy: e(summary.agreement.accuracy),
                                                kappa: e(summary.agreement.kappa), ordersDisagree: e(summary.ordersDisagree),
                                                firstShownChosen: summary.firstShownChosen)
        }
        let quality = try ResponseJudge.Task.allCases.flatMap { task in
            try Self.runs.map { run -> CreativeReport.TaskQuality in
                let summary = try read(ResponseJudge.Summary.self, "quality/\(task.rawValue)/\(run.name)/\(JudgeOutput.summaryFile)")
                return CreativeReport.TaskQuality(run: run.name, task: task.rawValue, prompts: summary.prompts, responses: summary.responses,
                                                  mean: e(summary.meanScore))
            }
        }
        var metrics: [RunMetrics] = [], samples: [[SampleRecord]] = []
        for run in Self.runs {
            let folder = out.appendingPathComponent("runs/\(run.name)")
            metrics.append(try RunMetrics.load(runDirectory: folder))
            samples.append(try JSONLines.read(SampleRecord.self, from: folder.appendingPathComponent(SampleRecord.fileName)))
        }
        let losses = try Self.runs.filter { $0.mixture != nil }.map { run in
            CreativeReport.TaskLosses(run: run.name, losses: try Self.lastTaskLosses(out.appendingPathComponent("\(run.name)/metrics.jsonl")),
                                      heldOut: [Self.heldOutTask])
        }
        var report = CreativeReport(title: "DivTune creative demo: seed 003 (idea judge, multi-task SFT)", judges: judges,
                                    ideas: ComparisonReport(title: "ideas", runs: metrics, samples: samples, samplePrompts: plan.prompts),
                                    taskLosses: losses, commands: commands)
        report.pairwiseJudges = pairwise
        report.quality = quality
        report.qualityJudge = Self.qualityJudge
        report.multiTaskRun = Self.runs.last?.name
        report.heldOutTask = Self.heldOutTask
        return report
    }

    /// The `eval_loss/<task>` values of the last evaluation record of a run's metrics.jsonl.
    static func lastTaskLosses(_ file: URL) throws -> [String: Double] {
        let prefix = MetricsRecord.evaluationPrefix + "loss/"
        var last: [String: Double] = [:]
        for row in try JSONLines.rows(of: file) {
            var losses: [String: Double] = [:]
            for (key, value) in row.object where key.hasPrefix(prefix) {
                guard case .number(let loss) = value else { throw row.error("must be a number", field: key) }
                losses[String(key.dropFirst(prefix.count))] = loss
            }
            if !losses.isEmpty { last = losses }
        }
        guard !last.isEmpty else { throw FileError(path: file.path, reason: "holds no per-task validation loss (eval_loss/<task>)") }
        return last
    }
}
