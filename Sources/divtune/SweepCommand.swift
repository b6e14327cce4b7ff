import ArgumentParser
import Base
import Evaluation
import Foundation
import Reports

/// `divtune sweep`: the DDPO paper's Figure 3 as one command — a grid over `prepare` and `train`
/// options (``SweepAxis``), each point prepared, trained and evaluated in its own folder by the
/// same commands a user would type, run in-process, then `report.html` (quality, semantic and style
/// diversity against the first axis, 95% intervals) and `sweep.json` (every point's values and
/// metrics). Finished points are skipped on a rerun (``SweepPointState``), so a killed sweep
/// continues where it stopped.
struct SweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Prepare, train and evaluate a grid of data and training options; plot quality and diversity across it (the DDPO paper's Figure 3).",
        discussion: "Each --grid KEY=V1,V2,… is an axis (keys: \(SweepAxis.Option.allCases.map(\.rawValue).joined(separator: ", "))); the points are every combination, the first axis is the plot's x axis.")

    @Option(help: ArgumentHelp("An axis of the grid: KEY=V1,V2,… (repeatable; `all` responses per prompt and `none` minimum deviation are the defaults).", valueName: "KEY=VALUES"))
    var grid: [String] = []
    @Option(help: "The model: a .gguf file or an HF model folder.") var model: String
    @Option(help: "A LoRA adapter every point's training starts from (e.g. an SFT run), as `train --adapter`.") var adapter: String?
    @Option(help: ArgumentHelp("Scored responses (`prepare --input`).", valueName: "RAW.jsonl")) var data: String
    @Option(help: "Evaluation prompts (`evaluate run --prompts`).") var prompts: String
    @Option(help: "Objective: dpo, ddpo, orpo or dorpo.") var method = "ddpo"
    @Option(help: "Embedding spaces of the deviation (`prepare --deviation`), unless an axis varies it.") var deviation = "both"
    @Option(help: "Optimizer steps per point, unless an axis varies it.") var maxSteps = 40
    @Option(help: "Examples per optimizer step.") var batchSize = 1
    @Option(help: "Learning rate, unless an axis varies it.") var learningRate = "5e-5"
    @Option(help: "β of the preference loss, unless an axis varies it.") var beta = "0.1"
    @Option(help: "Maximum tokens per training example.") var maxLength = 320
    @Option(help: "Evaluate on the first N prompts.") var limit: Int?
    @Option(help: "Samples per prompt.") var samplesPerPrompt = 4
    @Option(help: "Maximum new tokens per sample.") var maxTokens = 128
    @Option(help: "A reward model folder (`divtune train reward`): quality = mean reward (else mean log-prob per token).") var reward: String?
    @Option(help: ArgumentHelp("Sentence-transformers folder of the semantic space (default: all-MiniLM-L6-v2 in the model cache).", valueName: "DIR"))
    var embedder: String?
    @Option(help: "Seed of every stage (pairs, data fraction, training, sampling).") var seed: UInt64 = 0
    @Option(help: "Threads for the engine.") var threads: Int?
    @Option(help: "Output folder: points/<point>/{pairs.jsonl, train, eval, point.json}, sweep.json, report.html.") var output: String

    static let methods = ["dpo", "ddpo", "orpo", "dorpo"]

    func validate() throws {
        guard !grid.isEmpty else { throw ValidationError("give at least one --grid KEY=V1,V2,…") }
        let axes = try grid.map(SweepAxis.init(argument:))
        let keys = axes.map(\.option.rawValue)
        if let twice = keys.first(where: { key in keys.filter { $0 == key }.count > 1 }) { throw ValidationError("--grid \(twice) is given twice") }
        guard Self.methods.contains(method) else { throw ValidationError("--method must be one of \(Self.methods.joined(separator: ", "))") }
        guard maxSteps >= 1, batchSize >= 1, maxLength >= 2, samplesPerPrompt >= 2, maxTokens >= 1 else {
            throw ValidationError("--max-steps, --batch-size and --max-tokens must be ≥ 1, --max-length and --samples-per-prompt ≥ 2")
        }
        if let limit, limit < 1 { throw ValidationError("--limit must be ≥ 1") }
    }

    /// One grid point: its value on every axis.
    struct Point {
        var values: [String]
        /// `max-responses=4, min-deviation=-0.8`: how progress and the report name it.
        var label: String
        /// `max-responses-4_min-deviation--0.8`: its folder under `points/`.
        var folderName: String
    }

    /// Every combination of the axes' values, the last axis varying fastest.
    static func points(_ axes: [SweepAxis]) -> [Point] {
        var combinations: [[String]] = [[]]
        for axis in axes { combinations = combinations.flatMap { prefix in axis.values.map { prefix + [$0] } } }
        return combinations.map { values in
            let pairs = zip(axes, values)
            return Point(values: values, label: pairs.map { "\($0.option.rawValue)=\($1)" }.joined(separator: ", "),
                         folderName: pairs.map { "\($0.option.rawValue)-\($1)" }.joined(separator: "_"))
        }
    }

    func run() throws {
        let axes = try grid.map(SweepAxis.init(argument:))
        let out = URL(fileURLWithPath: output)
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let points = Self.points(axes)
        print("sweep: \(points.count) points (\(axes.map { "\($0.option.rawValue) × \($0.values.count)" }.joined(separator: ", "))), output in \(out.path)")
        var reportPoints: [SweepReport.Point] = []
        for (index, point) in points.enumerated() {
            let folder = out.appendingPathComponent("points").appendingPathComponent(point.folderName)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            print("\n[\(index + 1)/\(points.count)] \(point.label)")
            let ran = try runStages(stages(point, axes: axes, folder: folder, out: out),
                                    state: SweepPointState(values: Dictionary(uniqueKeysWithValues: zip(axes.map(\.option.rawValue), point.values))),
                                    folder: folder)
            let metrics = try RunMetrics.load(runDirectory: folder.appendingPathComponent("eval"))
            print("[\(index + 1)/\(points.count)] \(ran == 0 ? "finished earlier, skipped" : "done") — quality \(metrics.quality?.formatted() ?? "—"), "
                  + "semantic \(metrics.semanticDiversity?.formatted() ?? "—"), style \(metrics.styleDiversity?.formatted() ?? "—")")
            reportPoints.append(SweepReport.Point(values: point.values, folder: RelativePath.display(folder.appendingPathComponent("eval").path, from: out),
                                                  metrics: metrics))
        }
        let report = SweepReport(title: "DivTune sweep: \(method) over \(axes.map(\.option.rawValue).joined(separator: " × "))",
                                 axes: axes.map(\.option.rawValue), points: reportPoints)
        try writeJSON(report, to: out.appendingPathComponent("sweep.json"))
        try ReportFile.write(report.html(), to: out.appendingPathComponent("report.html"))
        print("\n" + (report.axes + SweepReport.metricHeaders).joined(separator: " | "))
        for row in report.tableRows { print(row.joined(separator: " | ")) }
        print("wrote \(out.appendingPathComponent("sweep.json").path) and \(out.appendingPathComponent("report.html").path)")
    }

    /// The point's three stages as the commands a user would type.
    func stages(_ point: Point, axes: [SweepAxis], folder: URL, out: URL) -> [SweepPointState.Stage] {
        func path(_ name: String) -> String { folder.appendingPathComponent(name).path }
        func axisArguments(_ stage: SweepAxis.Stage) -> [String] {
            zip(axes, point.values).filter { $0.0.option.stage == stage }.flatMap { $0.option.arguments($1) }
        }
        func unlessVaried(_ option: SweepAxis.Option, _ value: String) -> [String] {
            axes.contains { $0.option == option } ? [] : ["--\(option.rawValue)", value]
        }
        let threadArguments = threads.map { ["--threads", "\($0)"] } ?? []
        let embedderArguments = embedder.map { ["--embedder", $0] } ?? []
        let prepare = ["prepare", "--input", data, "--output", path("pairs.jsonl"), "--seed", "\(seed)",
                       "--cache", out.appendingPathComponent("embeddings.cache").path]
            + unlessVaried(.deviation, deviation) + embedderArguments + threadArguments + axisArguments(.prepare)
        let train = ["train", method, "--model", model] + (adapter.map { ["--adapter", $0] } ?? [])
            + ["--data", path("pairs.jsonl"), "--output", path("train"), "--overwrite", "--batch-size", "\(batchSize)",
               "--max-length", "\(maxLength)", "--prompt-style", "chat", "--seed", "\(seed)"]
            + unlessVaried(.maxSteps, "\(maxSteps)") + unlessVaried(.learningRate, learningRate) + unlessVaried(.beta, beta)
            + threadArguments + axisArguments(.train)
        let evaluate = ["evaluate", "run", "--model", model, "--adapter", path("train"), "--prompts", prompts,
                        "--samples-per-prompt", "\(samplesPerPrompt)", "--max-tokens", "\(maxTokens)", "--seed", "\(seed)",
                        "--name", point.label, "--output", path("eval")]
            + (limit.map { ["--limit", "\($0)"] } ?? []) + (reward.map { ["--reward", $0] } ?? []) + embedderArguments + threadArguments
        return [.init(name: "prepare", arguments: prepare), .init(name: "train", arguments: train), .init(name: "evaluate", arguments: evaluate)]
    }

    /// Runs the stages the point's recorded state has not finished (all after the first one that
    /// runs), recording each as it finishes; returns how many ran.
    func runStages(_ stages: [SweepPointState.Stage], state initial: SweepPointState, folder: URL) throws -> Int {
        var state = try SweepPointState.load(in: folder) ?? initial
        var ran = 0
        for (i, stage) in stages.enumerated() {
            if ran == 0, i < state.stages.count, state.stages[i].name == stage.name {
                guard state.stages[i].arguments == stage.arguments else {
                    throw ValidationError("\(folder.path): its \(stage.name) stage ran with other settings "
                        + "(recorded: divtune \(state.stages[i].arguments.map(DemoCommand.quoted).joined(separator: " "))); "
                        + "use another --output or delete the point's folder to redo it")
                }
                continue
            }
            state.stages = Array(state.stages.prefix(i))
            try state.write(in: folder)
            print("  \(stage.name): divtune " + stage.arguments.map(DemoCommand.quoted).joined(separator: " "))
            var command = try DivTune.parseAsRoot(stage.arguments)
            try command.run()
            state.stages.append(stage)
            try state.write(in: folder)
            ran += 1
        }
        return ran
    }

    /// `sweep.json` (docs/formats.md §4.15): the axes, and per point its values, run folder and metrics.
    func writeJSON(_ report: SweepReport, to url: URL) throws {
        struct PointRecord: Encodable {
            var values: [String: String]
            var folder: String
            var qualityMeasure: String
            var quality: Estimate?
            var semanticDiversity: Estimate?
            var styleDiversity: Estimate?
            var compressionRatio: Estimate?
            var homogenizationRougel: Estimate?
            var ngramDiversity: Estimate?
            var embeddersMatchPaper: Bool?
            enum CodingKeys: String, CodingKey {
                case values, folder, quality
                case qualityMeasure = "quality_measure", semanticDiversity = "semantic_diversity", styleDiversity = "style_diversity"
                case compressionRatio = "compression_ratio", homogenizationRougel = "homogenization_rougel", ngramDiversity = "ngram_diversity"
                case embeddersMatchPaper = "embedders_match_paper"
            }
            func encode(to encoder: Encoder) throws {
                var c = encoder.container(keyedBy: CodingKeys.self)
                try c.encode(values, forKey: .values)
                try c.encode(folder, forKey: .folder)
                try c.encode(qualityMeasure, forKey: .qualityMeasure)
                // Every metric key is present, null where not measured.
                for (key, value) in [(CodingKeys.quality, quality), (.semanticDiversity, semanticDiversity), (.styleDiversity, styleDiversity),
                                     (.compressionRatio, compressionRatio), (.homogenizationRougel, homogenizationRougel), (.ngramDiversity, ngramDiversity)] {
                    try c.encode(value, forKey: key)
                }
                try c.encode(embeddersMatchPaper, forKey: .embeddersMatchPaper)
            }
        }
        struct SweepRecord: Encodable { var axes: [String]; var points: [PointRecord] }
        let records = report.points.map { p in
            PointRecord(values: Dictionary(uniqueKeysWithValues: zip(report.axes, p.values)), folder: p.folder, qualityMeasure: p.metrics.qualityMeasure,
                        quality: p.metrics.quality, semanticDiversity: p.metrics.semanticDiversity, styleDiversity: p.metrics.styleDiversity,
                        compressionRatio: p.metrics.compressionRatio, homogenizationRougel: p.metrics.homogenizationRougel,
                        ngramDiversity: p.metrics.ngramDiversity, embeddersMatchPaper: p.metrics.embeddersMatchPaper)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try AtomicFile.write(try encoder.encode(SweepRecord(axes: report.axes, points: records)) + Data("\n".utf8), to: url)
    }
}
