import Base
import ArgumentParser
import Console
import Foundation

/// `divtune demo` (what `make demo` runs): the paper's pipeline end to end on the embedded default
/// model (SmolLM2-135M-Instruct) and the sample data in `data/`:
///
///   prepare pairs with deviations (semantic + style) → a short SFT → DPO and DDPO from the SFT
///   adapter → evaluate base, SFT, DPO, DDPO and DPO with conformative decoding on held-out
///   prompts → `report.html` (quality–diversity plot, metric table with CIs, samples side by side).
///
/// Every stage is the same command a user would type (parsed and run in-process), so the demo
/// doubles as a walkthrough: the commands are printed as they run. `--quick` shrinks every stage
/// so the whole run takes a few minutes (the smoke test in `make test`).
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo", abstract: "Run the paper's pipeline end to end on the default model and sample data; writes report.html.")

    @Flag(help: "A few steps and prompts per stage (under a minute instead of ~10).") var quick = false
    @Option(help: "Output folder.") var output = "out/demo"
    @Option(help: "The model (default: the cached SmolLM2-135M-Instruct Q4_1).") var model: String?
    @Option(help: "Folder with train.jsonl, sft.jsonl and test_prompts.jsonl.") var data = "data"
    @Option(help: "Conformative weight of the DPO + conformative run.") var conformativeWeight = 0.3

    /// Sizes of each stage; `--quick` keeps every stage but makes it tiny.
    struct Plan {
        var sftSteps: Int, preferenceSteps: Int, maxLength: Int
        var prompts: Int, samples: Int, maxTokens: Int
    }

    var plan: Plan { quick ? Self.quickPlan : Self.fullPlan }
    static let quickPlan = Plan(sftSteps: 2, preferenceSteps: 2, maxLength: 160, prompts: 2, samples: 2, maxTokens: 12)
    static let fullPlan = Plan(sftSteps: 40, preferenceSteps: 40, maxLength: 320, prompts: 10, samples: 4, maxTokens: 128)

    func run() throws {
        let model = try self.model ?? DefaultModels.smolLM2()
        let embedder = try DefaultModels.miniLM()
        let out = URL(fileURLWithPath: output)
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let log = try JSONLinesLog(url: out.appendingPathComponent("demo.jsonl"))
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
            ("sft", ["train", "sft", "--model", model, "--data", try input("sft.jsonl"), "--output", path("sft"), "--overwrite",
                     "--max-steps", "\(p.sftSteps)", "--batch-size", "2", "--learning-rate", "2e-4",
                     "--max-length", "\(p.maxLength)", "--logging-steps", "5", "--prompt-style", "chat"]),
        ]
        for objective in ["dpo", "ddpo"] {
            stages.append((objective, ["train", objective, "--model", model, "--data", path("pairs.jsonl"),
                                       "--adapter", path("sft"), "--output", path(objective), "--overwrite",
                                       "--max-steps", "\(p.preferenceSteps)", "--batch-size", "1", "--learning-rate", "5e-5",
                                       "--beta", "0.1", "--max-length", "\(p.maxLength)", "--logging-steps", "5",
                                       "--prompt-style", "chat"]))
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
                                                    "--output", path("runs/\(run.name)")] + run.extra + evaluation))
        }
        stages.append(("report", ["evaluate", "compare"] + runs.map { path("runs/\($0.name)") } +
                                 ["--output", path("report.html"), "--title", "DivTune demo: quality and diversity"]))

        print("DivTune demo\(quick ? " (quick)" : ""): \(stages.count) stages, output in \(out.path)")
        let started = Date()
        for (index, stage) in stages.enumerated() {
            print("\n[\(index + 1)/\(stages.count)] \(stage.name): divtune \(stage.arguments.map(Self.quoted).joined(separator: " "))")
            let t0 = Date()
            var command = try DivTune.parseAsRoot(stage.arguments)
            try command.run()
            let seconds = Date().timeIntervalSince(t0)
            try log.append(["stage": stage.name, "seconds": seconds, "arguments": stage.arguments])
        }
        print("\nDone in \(Int(Date().timeIntervalSince(started))) s. Report: \(path("report.html"))")
    }

    /// The flags every evaluation stage shares (`bench evaluate` measures the same stage).
    static func evaluationArguments(_ p: Plan, prompts: String, embedder: String) -> [String] {
        ["--prompts", prompts, "--limit", "\(p.prompts)", "--samples-per-prompt", "\(p.samples)", "--max-tokens", "\(p.maxTokens)",
         "--embedder", embedder]
    }

    static func quoted(_ argument: String) -> String {
        argument.contains(where: { $0 == " " || $0 == "+" }) ? "'\(argument)'" : argument
    }
}
