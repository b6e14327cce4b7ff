import Base
import ArgumentParser
import Console
import Creative
import Foundation
import Reports

/// `divtune demo` (what `make demo` runs): the paper's pipeline end to end on the embedded default
/// model (SmolLM2-135M-Instruct) and the sample data in `data/`:
///
///   prepare pairs with deviations (semantic + style) → a short reward model on the data's scores
///   (quality, as the paper's reddit-reward) → a short SFT → DPO and DDPO from the SFT adapter →
///   evaluate base, SFT, DPO, DDPO and DPO with conformative decoding on held-out prompts, each
///   scored by the reward model → `report.html` (quality–diversity plot, metric table with CIs,
///   paired comparisons, samples side by side).
///
/// Every stage is the same command a user would type (parsed and run in-process), so the demo
/// doubles as a walkthrough: the commands are printed as they run. `--quick` shrinks every stage
/// so the whole run takes a few minutes (the smoke test in `make test`). `--pipeline creative`
/// runs seed 003's experiment instead (``CreativeDemo``).
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo", abstract: "Run the paper's pipeline (or the creative one) end to end on the default model and sample data; writes report.html.")

    enum Pipeline: String, CaseIterable, ExpressibleByArgument {
        /// The diversity paper's: prepare, SFT, DPO/DDPO, evaluate, compare.
        case diversity
        /// Seed 003's: multi-task SFT, the model as an idea judge, ideas for held-out briefs.
        case creative
    }

    @Option(help: "Which pipeline: diversity (the paper's, default) or creative (seed 003: multi-task SFT, the idea judge, ideas for held-out briefs).")
    var pipeline = Pipeline.diversity
    @Flag(help: "A few steps and prompts per stage (minutes instead of ~20).") var quick = false
    @Option(help: "Output folder (default: out/demo, or out/creative for the creative pipeline).") var output: String?
    @Option(help: "The model (default: the cached SmolLM2-135M-Instruct Q4_1).") var model: String?
    @Option(help: "Folder with train.jsonl, sft.jsonl and test_prompts.jsonl (creative: data/creative's files; default data, or data/creative).") var data: String?
    @Option(help: "Conformative weight of the DPO + conformative run.") var conformativeWeight = 0.3
    @Flag(help: "Skip the stages that the output folder's demo.jsonl records as done with the same arguments (an interrupted demo goes on where it stopped).")
    var resume = false

    /// Sizes of each stage; `--quick` keeps every stage but makes it tiny.
    struct Plan {
        var sftSteps: Int, preferenceSteps: Int, rewardSteps: Int, maxLength: Int
        var prompts: Int, samples: Int, maxTokens: Int
    }

    var plan: Plan { quick ? Self.quickPlan : Self.fullPlan }
    static let quickPlan = Plan(sftSteps: 2, preferenceSteps: 2, rewardSteps: 2, maxLength: 160, prompts: 2, samples: 2, maxTokens: 12)
    static let fullPlan = Plan(sftSteps: 40, preferenceSteps: 40, rewardSteps: 24, maxLength: 320, prompts: 10, samples: 4, maxTokens: 128)

    func run() throws {
        let model = try self.model ?? DefaultModels.smolLM2()
        let embedder = try DefaultModels.miniLM()
        let creative = pipeline == .creative
        let out = URL(fileURLWithPath: output ?? (creative ? "out/creative" : "out/demo"))
        let data = self.data ?? (creative ? "data/creative" : "data")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        if creative {
            let demo = CreativeDemo(plan: quick ? CreativeDemo.quickPlan : CreativeDemo.fullPlan, model: model, embedder: embedder,
                                    data: URL(fileURLWithPath: data), out: out)
            let commands = try Self.run(demo.stages(), title: "DivTune creative demo\(quick ? " (quick)" : "")", out: out, resume: resume)
            let report = try demo.report(commands: commands)
            let html = out.appendingPathComponent("report.html")
            try ReportFile.write(report.ideas.svg(), to: out.appendingPathComponent("report.svg"))
            try ReportFile.write(report.html(), to: html)
            // The report's tables as Markdown, for notes and the README.
            for (headers, rows) in [(CreativeReport.judgeHeaders, report.judgeRows), (CreativeReport.pairwiseHeaders, report.pairwiseRows),
                                    (report.qualityHeaders, report.qualityRows), (CreativeReport.claimHeaders, report.claims)] {
                print("\n| " + headers.joined(separator: " | ") + " |\n|" + String(repeating: "---|", count: headers.count))
                for row in rows { print("| " + row.joined(separator: " | ") + " |") }
            }
            print("\nReport: \(html.path)")
            return
        }
        let p = plan
        func path(_ name: String) -> String { out.appendingPathComponent(name).path }
        func input(_ name: String) throws -> String {
            let file = URL(fileURLWithPath: data).appendingPathComponent(name).path
            guard FileManager.default.fileExists(atPath: file) else { throw ValidationError("missing demo data: \(file)") }
            return file
        }

        var stages: [(name: String, arguments: [String])] = [
            ("prepare", ["prepare", "--input", try input("train.jsonl"), "--output", path("pairs.jsonl"),
                         "--deviation", "both", "--embedder", embedder, "--cache", path("embeddings.cache"),
                         "--log", path("prepare.jsonl")]),
            // The paper's quality measure: a reward model regressed on the data's scores (short: a
            // few steps, so the demo keeps its time; its validation Spearman is in reward/metrics.jsonl).
            ("reward", ["train", "reward", "--model", model, "--data", try input("train.jsonl"), "--output", path("reward"), "--overwrite",
                        "--max-steps", "\(p.rewardSteps)", "--batch-size", "4", "--learning-rate", "1e-4",
                        "--max-length", "\(p.maxLength)", "--validation-fraction", "0.2"]),
            ("sft", ["train", "sft", "--model", model, "--data", try input("sft.jsonl"), "--output", path("sft"), "--overwrite",
                     "--max-steps", "\(p.sftSteps)", "--batch-size", "2", "--learning-rate", "2e-4",
                     "--max-length", "\(p.maxLength)", "--logging-steps", "5", "--prompt-style", "chat"]),
        ]
        for objective in ["dpo", "ddpo"] {
            stages.append((objective, Self.preferenceArguments(objective, model: model, pairs: path("pairs.jsonl"), sft: path("sft"),
                                                               output: path(objective), plan: p)))
        }
        let evaluation = Self.evaluationArguments(p, prompts: try input("test_prompts.jsonl"), embedder: embedder)
        let runs: [(name: String, extra: [String])] = [
            ("base", []), ("sft", ["--adapter", path("sft")]), ("dpo", ["--adapter", path("dpo")]),
            ("ddpo", ["--adapter", path("ddpo")]),
            ("dpo+conformative", ["--adapter", path("dpo"), "--base-model", model,
                                  "--conformative-weight", "\(conformativeWeight)"]),
        ]
        for run in runs {
            stages.append(("evaluate \(run.name)", ["evaluate", "run", "--model", model, "--name", run.name,
                                                    "--output", path("runs/\(run.name)"), "--reward", path("reward")] + run.extra + evaluation))
        }
        stages.append(("report", ["evaluate", "compare"] + runs.map { path("runs/\($0.name)") } +
                                 ["--output", path("report.html"), "--title", "DivTune demo: quality and diversity"]))

        _ = try Self.run(stages, title: "DivTune demo\(quick ? " (quick)" : "")", out: out, resume: resume)
        print("Report: \(path("report.html"))")
    }

    /// Runs each stage as the command it prints (logged with its time in `demo.jsonl`) and returns
    /// the commands as typed. With `resume`, the leading stages whose arguments `demo.jsonl`
    /// already records are skipped — once a stage runs, every later one runs too, since its inputs
    /// may have changed; without it `demo.jsonl` starts afresh, so it records only what this run did.
    static func run(_ stages: [(name: String, arguments: [String])], title: String, out: URL, resume: Bool = false) throws -> [String] {
        let logURL = out.appendingPathComponent("demo.jsonl")
        var done: Set<[String]> = []
        if resume, FileManager.default.fileExists(atPath: logURL.path) {
            for row in try JSONLines.rows(of: logURL) { done.insert(try row.strings("arguments")) }
        } else if FileManager.default.fileExists(atPath: logURL.path) {
            try FileManager.default.removeItem(at: logURL)
        }
        let log = try JSONLinesLog(url: logURL)
        print("\(title): \(stages.count) stages, output in \(out.path)")
        let started = Date()
        var commands: [String] = []
        var ran = false
        for (index, stage) in stages.enumerated() {
            let typed = "divtune " + stage.arguments.map(quoted).joined(separator: " ")
            if !ran && done.contains(stage.arguments) {
                print("\n[\(index + 1)/\(stages.count)] \(stage.name): done before (demo.jsonl), skipped: \(typed)")
                commands.append(typed)
                continue
            }
            print("\n[\(index + 1)/\(stages.count)] \(stage.name): \(typed)")
            ran = true
            let t0 = Date()
            var command = try DivTune.parseAsRoot(stage.arguments)
            try command.run()
            try log.append(["stage": stage.name, "seconds": Date().timeIntervalSince(t0), "arguments": stage.arguments])
            commands.append(typed)
        }
        print("\nDone in \(Int(Date().timeIntervalSince(started))) s.")
        return commands
    }

    /// The demo's `train dpo|ddpo` stage: from its SFT adapter on its prepared pairs (also what
    /// `bench monitor` times).
    static func preferenceArguments(_ objective: String, model: String, pairs: String, sft: String, output: String, plan p: Plan) -> [String] {
        ["train", objective, "--model", model, "--data", pairs, "--adapter", sft, "--output", output, "--overwrite",
         "--max-steps", "\(p.preferenceSteps)", "--batch-size", "1", "--learning-rate", "5e-5",
         "--beta", "0.1", "--max-length", "\(p.maxLength)", "--logging-steps", "5", "--prompt-style", "chat"]
    }

    /// The flags every evaluation stage shares (`bench evaluate` measures the same stage).
    static func evaluationArguments(_ p: Plan, prompts: String, embedder: String) -> [String] {
        ["--prompts", prompts, "--limit", "\(p.prompts)", "--samples-per-prompt", "\(p.samples)", "--max-tokens", "\(p.maxTokens)",
         "--embedder", embedder]
    }

    static func quoted(_ argument: String) -> String {
        argument.isEmpty || argument.contains(where: { $0 == " " || $0 == "+" }) ? "'\(argument)'" : argument
    }
}
