import Base
import Foundation
import Testing

/// Crash-safe `evaluate run`, proven (issue 23 item 3): the run is killed with SIGKILL at random
/// moments — some right after a prompt's samples are appended, some while metrics.json,
/// prompt_metrics.jsonl or report.html are being written — and run again on its folder. Every
/// rerun must end with the uninterrupted run's samples.jsonl, metrics.json and prompt_metrics.jsonl,
/// byte for byte (sample j of prompt p draws with seed + 1000·p + j, docs/methods.md §9), and no
/// file may be found partial but a torn last line of samples.jsonl, which the rerun cuts off.
@Suite(.serialized) struct EvaluateRunKillAndResumeTests {
    /// Six prompts (no system prompt: the tiny model's context holds 64 characters).
    static let prompts = Array(TinyTrainingRun.prompts.prefix(6))
    static let outputs = ["samples.jsonl", "metrics.json", "prompt_metrics.jsonl"]

    static func arguments(model: String, prompts: URL, output: URL) -> [String] {
        ["evaluate", "run", "--model", model, "--prompts", prompts.path, "--samples-per-prompt", "2", "--max-tokens", "32",
         "--system", "", "--seed", "7", "--embedder", EmbeddingCommandsTests.tinyModel, "--threads", "1", "--name", "tiny", "--output", output.path]
    }

    /// Checks what a killed run left: whole sample records in prompt order (the last line may be
    /// torn), and metrics files that are either absent or the uninterrupted run's.
    static func checkLeftovers(in output: URL, straight: [String: Data], trial: Int) throws {
        let samplesURL = output.appendingPathComponent("samples.jsonl")
        if let samples = try? Data(contentsOf: samplesURL) {
            let lines = samples.split(separator: 0x0A, omittingEmptySubsequences: false)
            for (index, line) in lines.dropLast().enumerated() {
                let record = try? JSONSerialization.jsonObject(with: line) as? [String: Any]
                #expect(record?["prompt_index"] as? Int == index, "trial \(trial): samples.jsonl line \(index + 1) is damaged")
            }
            #expect(straight["samples.jsonl"]!.starts(with: samples), "trial \(trial): samples.jsonl is not a prefix of the uninterrupted run's")
        }
        for name in outputs.dropFirst() {
            guard let data = try? Data(contentsOf: output.appendingPathComponent(name)) else { continue }
            #expect(data == straight[name], "trial \(trial): \(name) is partial or differs")
        }
        if let report = try? String(contentsOf: output.appendingPathComponent("report.html"), encoding: .utf8) {
            #expect(report.hasSuffix("</html>\n") || report.hasSuffix("</html>"), "trial \(trial): report.html is partial")
        }
    }

    @Test func evaluateRunKilledAtRandomMomentsResumesToTheSameSamplesAndMetrics() throws {
        let dir = try DivTuneProcess.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = try TinyTrainingRun.model(in: dir)
        let promptsURL = dir.appendingPathComponent("prompts.jsonl")
        try Self.prompts.map { "{\"prompt\": \"\($0)\"}\n" }.joined().write(to: promptsURL, atomically: true, encoding: .utf8)

        let straightOutput = dir.appendingPathComponent("straight")
        let (status, duration) = try KilledRuns.timedRun(Self.arguments(model: model, prompts: promptsURL, output: straightOutput))
        try #require(status == 0)
        var straight: [String: Data] = [:]
        for name in Self.outputs { straight[name] = try Data(contentsOf: straightOutput.appendingPathComponent(name)) }
        #expect(straight["samples.jsonl"]!.split(separator: 0x0A).count == Self.prompts.count)

        var rng = SeededGenerator(seed: 23)
        var killedMidSampling = 0, killedWhileWriting = 0, finishedBeforeKill = 0
        let trials = 21
        for trial in 0..<trials {
            let output = dir.appendingPathComponent("trial-\(trial)")
            let process = try KilledRuns.launch(Self.arguments(model: model, prompts: promptsURL, output: output))
            let samplesURL = output.appendingPathComponent("samples.jsonl")
            switch trial % 3 {
            case 0: // right after prompt k's samples are appended, for a random k in the first half: prompts
                    // finish in bursts of a decode batch, so a late k would often see the run end before the kill
                let k = 1 + Int(rng.next() % UInt64(Self.prompts.count / 2))
                KilledRuns.wait(process, timeout: 10 * duration + 5) {
                    ((try? Data(contentsOf: samplesURL))?.filter { $0 == 0x0A }.count ?? 0) >= k
                }
            case 1: // the moment a metrics file or the report is being written
                KilledRuns.wait(process, timeout: 10 * duration + 5) {
                    (Self.outputs.dropFirst() + ["report.html"]).contains { KilledRuns.isWriting($0, in: output) }
                }
            default:
                KilledRuns.sleep(randomFractionOf: duration, using: &rng)
            }
            if KilledRuns.kill(process) { finishedBeforeKill += 1 }
            let sampledLines = (try? Data(contentsOf: samplesURL))?.filter { $0 == 0x0A }.count ?? 0
            if sampledLines > 0 && sampledLines < Self.prompts.count { killedMidSampling += 1 }
            if KilledRuns.entries(output).contains(where: { $0.hasSuffix(".tmp") }) { killedWhileWriting += 1 }
            try Self.checkLeftovers(in: output, straight: straight, trial: trial)

            let resumed = try DivTuneProcess.run(Self.arguments(model: model, prompts: promptsURL, output: output))
            #expect(resumed.status == 0, "trial \(trial): \(resumed.stderr)")
            for name in Self.outputs {
                #expect(try Data(contentsOf: output.appendingPathComponent(name)) == straight[name],
                        "trial \(trial): the resumed run's \(name) differs from the uninterrupted run's")
            }
            #expect(KilledRuns.temporaryFiles(in: output) == [], "trial \(trial): the resumed run left the killed run's temporary files")
            try? FileManager.default.removeItem(at: output)
        }
        print("evaluate run kill -9: \(trials) trials; \(killedMidSampling) killed part-way through sampling, \(killedWhileWriting) while"
              + " writing a file, \(finishedBeforeKill) finished first; uninterrupted run \(String(format: "%.2f", duration)) s")
        #expect(killedMidSampling >= trials / 4)
        #expect(killedWhileWriting >= trials / 6)
        #expect(finishedBeforeKill < trials / 2)
    }
}
