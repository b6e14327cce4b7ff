import Foundation
import Testing

/// `divtune train … --backend torch --num-processes 2` over gloo on loopback, one rank killed
/// (docs/scale-out.md §4): the job ends with an error that names the last complete checkpoint, and
/// `--resume` with it finishes the run with each step logged once.
@Suite(.serialized) struct TorchBackendKillTests {
    /// The processes running `divtune_torch.train` on `spec` that are ranks (not the launcher).
    static func ranks(of spec: String) -> [pid_t] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { entry -> pid_t? in
            guard let pid = pid_t(entry), let data = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline") else { return nil }
            let arguments = String(decoding: data, as: UTF8.self).split(separator: "\0").map(String.init)
            let isRank = arguments.contains("divtune_torch.train") && arguments.contains(spec) && !arguments.contains("torch.distributed.run")
            return isRank && !arguments.contains("-c") ? pid : nil
        }
    }

    @Test func aKilledRankEndsTheJobNamingTheCheckpointAndResumeFinishes() throws {
        let dir = try DivTuneProcess.temporaryDirectory()
        let model = try TorchPython.tinyModel(in: dir), data = try TorchPython.tinyPairs(in: dir)
        let out = dir.appendingPathComponent("run"), spec = out.appendingPathComponent("run_spec.json").path
        let common = ["train", "ddpo", "--backend", "torch", "--python", try TorchPython.executable, "--model", model, "--data", data,
                      "--output", out.path, "--num-processes", "2", "--batch-size", "1", "--max-steps", "6", "--save-every", "2",
                      "--logging-steps", "1", "--lora-rank", "4", "--lora-alpha", "8", "--lora-dropout", "0", "--threads", "1"]
        let job = Process()
        job.executableURL = DivTuneProcess.executable
        job.arguments = common
        let err = Pipe()
        job.standardOutput = FileHandle.nullDevice
        job.standardError = err
        try job.run()
        let checkpoint = out.appendingPathComponent("checkpoint-2/trainer_state.json").path
        let deadline = Date().addingTimeInterval(300)
        while job.isRunning, Date() < deadline, !FileManager.default.fileExists(atPath: checkpoint) { usleep(100_000) }
        let ranks = Self.ranks(of: spec)
        #expect(ranks.count == 2)
        if let rank = ranks.last { kill(rank, SIGKILL) }
        let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        job.waitUntilExit()
        #expect(job.terminationStatus != 0)
        #expect(message.contains("the torch run failed") && message.contains("continue it with --resume \(out.path)/checkpoint-"), "\(message.suffix(2000))")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: out.path)) ?? []
        let checkpoints = names.filter { $0.hasPrefix("checkpoint-") }
        #expect(!checkpoints.isEmpty && checkpoints.allSatisfy {
            FileManager.default.fileExists(atPath: out.appendingPathComponent("\($0)/trainer_state.json").path)
        })
        let last = try #require(message.range(of: "--resume ").map { String(message[$0.upperBound...]).split(separator: "\n")[0] })

        let resumed = try DivTuneProcess.run(common + ["--resume", String(last)])
        #expect(resumed.status == 0, "\(resumed.stderr.suffix(3000))")
        #expect(try TorchBackendCommandTests.metrics(out).map { $0["step"] as? Int } == [1, 2, 3, 4, 5, 6])
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("adapter_model.safetensors").path))
    }
}
