import Base
import Foundation
import Monitor
import Testing

/// `divtune train --report-to tensorboard` (issue 22, item 3): the event files in OUTPUT/runs hold
/// every scalar of metrics.jsonl, as tensorboard's own reader (scripts/reference/tensorboard_events.py)
/// reads them — also after a kill cut the last record, and after a resume.
@Suite(.serialized) struct TensorBoardReportTests {
    /// What tensorboard's EventAccumulator read: each tag's (step, value) in file order.
    struct BoardContents {
        var fileVersion: Double
        var scalars: [String: [Pair]]
        var texts: [String: [String]]

        struct Pair: Equatable, CustomStringConvertible {
            var step: Int
            /// The float32 value widened, as Swift prints it (`nan` for NaN).
            var value: String
            var description: String { "\(step): \(value)" }
        }
    }

    static func readWithTensorBoard(_ run: URL) throws -> BoardContents {
        let output = try TestPython.run(script: "tensorboard_events.py", ["read", run.appendingPathComponent("runs").path])
        let json = try #require(try JSONSerialization.jsonObject(with: output) as? [String: Any])
        let scalars = try #require(json["scalars"] as? [String: [[Any]]])
        let texts = try #require(json["texts"] as? [String: [[Any]]])
        return BoardContents(
            fileVersion: try #require(json["file_version"] as? Double),
            scalars: scalars.mapValues { $0.map { .init(step: $0[0] as! Int, value: Double($0[1] as! String).map { "\($0)" } ?? "?") } },
            texts: texts.mapValues { $0.map { "\($0[0]): \($0[1])" } })
    }

    /// What the board must hold for a run's metrics.jsonl (without its last `droppingLast` lines):
    /// every field but `step` of every line, under transformers' tag, as a float32.
    static func expectedScalars(_ run: URL, droppingLast dropped: Int = 0) throws -> [String: [BoardContents.Pair]] {
        var expected: [String: [BoardContents.Pair]] = [:]
        let lines = try String(contentsOf: run.appendingPathComponent("metrics.jsonl"), encoding: .utf8).split(separator: "\n")
        for line in lines.dropLast(dropped) {
            let record = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let step = try #require(record["step"] as? Int)
            for (key, value) in record where key != "step" {
                let number = (value as? Double).map { Double(Float($0)) }
                expected[TrainingTensorBoard.tag(for: key), default: []].append(.init(step: step, value: number.map { "\($0)" } ?? "nan"))
            }
        }
        return expected
    }

    @Test func everyMetricReachesTensorBoardAlsoAfterAKillAndAResume() throws {
        let dir = try DivTuneProcess.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = try TinyTrainingRun.model(in: dir), pairs = try TinyTrainingRun.pairData(in: dir)
        let arguments = ["train", "dpo", "--model", model, "--data", pairs, "--output", "run", "--max-steps", "4", "--logging-steps", "1",
                         "--validation-split", "0.25", "--steps-per-eval", "2", "--save-every", "2", "--learning-rate", "1e-2",
                         "--beta", "0.5", "--report-to", "tensorboard"]
        let trained = try DivTuneProcess.run(arguments, in: dir)
        #expect(trained.status == 0, "\(trained.stderr)")
        let run = dir.appendingPathComponent("run")

        let board = try Self.readWithTensorBoard(run)
        #expect(board.fileVersion == 2)
        let expected = try Self.expectedScalars(run)
        #expect(Set(expected.keys).isSuperset(of: ["train/loss", "train/rewards/margins", "train/grad_norm", "train/learning_rate",
                                                     "train/epoch", "train/tokens_per_second", "eval/loss", "eval/rewards/accuracies"]))
        #expect(board.scalars == expected)
        #expect(board.scalars["train/loss"]?.map(\.step) == [1, 2, 3, 4])
        // The run's configuration as text at step 0, as transformers' `args`.
        let args = try #require(board.texts["args/text_summary"]?.first)
        #expect(board.texts.keys.sorted() == ["args/text_summary"] && args.hasPrefix("0: {") && args.contains("\"method\" : \"dpo\""))

        // A kill in the middle of the last record: both readers read everything before it.
        let eventFile = try #require(try TensorBoardEventFiles.urls(in: run.appendingPathComponent("runs")).first)
        let events = try TensorBoardEventFiles.read(eventFile)
        let whole = try Data(contentsOf: eventFile)
        try whole.dropLast(7).write(to: eventFile)
        #expect(try TensorBoardEventFiles.read(eventFile) == Array(events.dropLast()))
        #expect(try Self.readWithTensorBoard(run).scalars == (try Self.expectedScalars(run, droppingLast: 1)))

        // Resumed from step 2: the board holds each step once, as metrics.jsonl does.
        let resumed = try DivTuneProcess.run(arguments + ["--resume", "run/checkpoint-2"], in: dir)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(try TensorBoardEventFiles.urls(in: run.appendingPathComponent("runs")).count == 2)
        let afterResume = try Self.readWithTensorBoard(run)
        #expect(afterResume.scalars == (try Self.expectedScalars(run)))
        #expect(afterResume.scalars["train/loss"]?.map(\.step) == [1, 2, 3, 4])
        #expect(afterResume.texts["args/text_summary"]?.count == 1)
    }

    @Test func theConfigFileTurnsItOnAndABadValueIsRefusedAtItsLine() throws {
        let dir = try DivTuneProcess.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = try TinyTrainingRun.model(in: dir), data = try TinyTrainingRun.sftData(in: dir)
        let base = ["train", "sft", "--model", model, "--data", data, "--output", "run", "--max-steps", "2", "--logging-steps", "1"]
        try "report_to: tensorboard\n".write(to: dir.appendingPathComponent("on.yaml"), atomically: true, encoding: .utf8)
        let on = try DivTuneProcess.run(base + ["--config", "on.yaml"], in: dir)
        #expect(on.status == 0, "\(on.stderr)")
        let board = try Self.readWithTensorBoard(dir.appendingPathComponent("run"))
        #expect(board.scalars == (try Self.expectedScalars(dir.appendingPathComponent("run"))))

        // A flag overrides the file; --overwrite removes the old run's event files with the rest.
        let off = try DivTuneProcess.run(base + ["--config", "on.yaml", "--report-to", "none", "--overwrite"], in: dir)
        #expect(off.status == 0, "\(off.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("run/runs").path))

        try "seed: 3\nreport_to: wandb\n".write(to: dir.appendingPathComponent("bad.yaml"), atomically: true, encoding: .utf8)
        let bad = try DivTuneProcess.run(base + ["--config", "bad.yaml", "--overwrite"], in: dir)
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("bad.yaml:2") && bad.stderr.contains("'report_to' must be none or tensorboard"), "\(bad.stderr)")
        let flag = try DivTuneProcess.run(base + ["--report-to", "wandb", "--overwrite"], in: dir)
        #expect(flag.status != 0 && flag.stderr.contains("report-to"), "\(flag.stderr)")
    }

    /// `train reward` reports through the same events, so its board equals its metrics.jsonl too.
    @Test func aRewardModelRunReportsToo() throws {
        let dir = try DivTuneProcess.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = try TinyTrainingRun.model(in: dir)
        let rows = TinyTrainingRun.prompts.enumerated().map { i, prompt in
            "{\"prompt\": \"\(prompt)\", \"response\": \"a quiet \(["river", "hill", "sea"][i % 3]).\", \"score\": \(i * 3)}"
        }
        try (rows.joined(separator: "\n") + "\n").write(to: dir.appendingPathComponent("scored.jsonl"), atomically: true, encoding: .utf8)
        let trained = try DivTuneProcess.run(["train", "reward", "--model", model, "--data", "scored.jsonl", "--output", "rm", "--epochs", "2",
                                             "--batch-size", "2", "--validation-fraction", "0.25", "--report-to", "tensorboard"], in: dir)
        #expect(trained.status == 0, "\(trained.stderr)")
        let run = dir.appendingPathComponent("rm")
        let board = try Self.readWithTensorBoard(run)
        #expect(board.scalars == (try Self.expectedScalars(run)))
        #expect(board.scalars.keys.contains("eval/spearman") && board.scalars["train/loss"]?.count == 6)
        #expect(board.texts.isEmpty)
    }
}
