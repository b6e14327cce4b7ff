import ArgumentParser
import Base
import Foundation
import Monitor

/// `divtune bench monitor`: what in-training probes cost. The demo's DPO stage (its SFT adapter on
/// its prepared pairs, the full plan) runs without and with `--monitor-prompts` at the default
/// cadence, samples and length, alternately `repeats` times; each probe's own wall time is in the
/// watched run's metrics (`monitor/seconds`, docs/formats.md §4.5.2), so the probes' share of the
/// training time comes from one run, and the difference between the runs checks it.
struct BenchMonitor: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "monitor", abstract: "What in-training probes cost: the demo's DPO run with and without --monitor-prompts.")
    @Option(help: "A finished `divtune demo` folder (its pairs.jsonl and sft adapter are trained on).") var demo = "out/demo"
    @Option(help: "JSON Lines of prompts; the first --prompts of them are the monitor prompts.") var promptsFile = "data/test_prompts.jsonl"
    @Option(help: "Monitor prompts.") var prompts = 4
    @Option(help: "The model (default: the cached SmolLM2-135M-Instruct Q4_1).") var model: String?
    @Option(help: "Pairs of runs (without, with probes); medians are reported.") var repeats = 1
    @Option(help: "Scratch folder for the runs.") var output = "out/bench-monitor"

    func validate() throws {
        guard prompts >= 1, repeats >= 1 else { throw ValidationError("--prompts and --repeats must be ≥ 1") }
    }

    func run() throws {
        let model = try self.model ?? DefaultModels.smolLM2()
        let demo = URL(fileURLWithPath: self.demo), out = URL(fileURLWithPath: output)
        let pairs = demo.appendingPathComponent("pairs.jsonl").path, sft = demo.appendingPathComponent("sft").path
        for path in [pairs, sft] where !FileManager.default.fileExists(atPath: path) {
            throw ValidationError("\(path) is missing: run `make demo` (or `divtune demo --output \(self.demo)`) first")
        }
        let chosen = try JSONLines.rows(of: URL(fileURLWithPath: promptsFile)).prefix(prompts).map { try $0.string("prompt") }
        guard chosen.count == prompts else { throw ValidationError("\(promptsFile) holds \(chosen.count) prompts, fewer than --prompts \(prompts)") }
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let monitorPrompts = out.appendingPathComponent("monitor_prompts.jsonl")
        let lines = try chosen.map { String(decoding: try JSONSerialization.data(withJSONObject: ["prompt": $0]), as: UTF8.self) + "\n" }
        try AtomicFile.write(Data(lines.joined().utf8), to: monitorPrompts)

        let plan = DemoCommand.fullPlan
        var without: [Double] = [], with: [Double] = [], probing: [Double] = []
        for _ in 0..<repeats {
            for watched in [false, true] {
                let folder = out.appendingPathComponent(watched ? "with-probes" : "without").path
                var arguments = DemoCommand.preferenceArguments("dpo", model: model, pairs: pairs, sft: sft, output: folder, plan: plan)
                if watched { arguments += ["--monitor-prompts", monitorPrompts.path] }
                print("\n$ divtune " + arguments.map(DemoCommand.quoted).joined(separator: " "))
                let started = Date()
                var command = try DivTune.parseAsRoot(arguments)
                try command.run()
                let seconds = Date().timeIntervalSince(started)
                guard watched else { without.append(seconds); continue }
                with.append(seconds)
                let records = try JSONLines.rows(of: URL(fileURLWithPath: folder).appendingPathComponent("metrics.jsonl"))
                probing.append(try records.compactMap { try $0.finiteNumber(TrainingProbe.secondsKey) }.reduce(0, +))
            }
        }
        func median(_ values: [Double]) -> Double { Distribution.quantile(sorted: values.sorted(), 0.5) }
        let (off, on, probes) = (median(without), median(with), median(probing))
        let probeCount = Set([0, plan.preferenceSteps] + stride(from: 0, through: plan.preferenceSteps, by: TrainingProbe.Options.defaultEvery)).count
        print("\nin-training probes on the demo's DPO run (\(plan.preferenceSteps) steps, batch 1, max length \(plan.maxLength)):"
              + " \(probeCount) probes (every \(TrainingProbe.Options.defaultEvery) steps, step 0 and the last) of \(prompts) prompts ×"
              + " \(TrainingProbe.Options.defaultSamples) samples × \(TrainingProbe.Options.defaultMaxTokens) tokens; median of \(repeats)")
        print("run              wall_s   probes_s")
        print(String(format: "without probes  %7.1f", off))
        print(String(format: "with probes     %7.1f   %7.1f", on, probes))
        print(String(format: "probe cost: %.1f%% of the training time (probes ÷ the watched run's training: %.1f ÷ %.1f s); with ÷ without − 1: %.1f%%",
                     100 * probes / (on - probes), probes, on - probes, 100 * (on / off - 1)))
    }
}
