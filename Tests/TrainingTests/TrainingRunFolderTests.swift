import Base
import Foundation
import Testing
import Models
@testable import Training

/// Run folders are safe: a new run never mixes with an old one, a failed or killed checkpoint
/// save leaves nothing half-written, and a resumed run logs each step once (issue 23).
@Suite struct TrainingRunFolderTests {
    func temporary() -> URL { FileManager.default.temporaryDirectory.appendingPathComponent("runs-\(UUID().uuidString)") }

    func makeTrainer(output: URL, steps: Int = 4) throws -> Trainer {
        try Support.sftTrainer(output: output, examples: Support.toyPairs(count: 8), rank: 2, steps: steps) { $0.saveEvery = 1 }
    }

    func names(_ folder: URL) throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() }

    func loggedSteps(_ folder: TrainingRunFolder) throws -> [Int] {
        try String(contentsOf: folder.metricsURL, encoding: .utf8).split(separator: "\n")
            .map { try #require((JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["step"] as? Int) }
    }

    @Test func aNewRunRefusesAFolderHoldingARunUnlessToldToOverwrite() throws {
        let out = temporary()
        defer { try? FileManager.default.removeItem(at: out) }
        let folder = TrainingRunFolder(url: out)
        try folder.startNew(overwrite: false)   // a missing folder is fine
        let trainer = try makeTrainer(output: out, steps: 2)
        let log = try TrainingLog(url: folder.metricsURL)
        try trainer.run(observer: log.record)
        try Data("mine".utf8).write(to: out.appendingPathComponent("notes.txt"))

        do {
            try folder.startNew(overwrite: false)
            Issue.record("expected a non-empty folder to be refused")
        } catch let TrainingError.outputNotEmpty(path, contents) {
            #expect(path == out.path && contents.contains("adapter_config.json") && contents.contains("…"))
            let message = TrainingError.outputNotEmpty(path: path, contents: contents).description
            #expect(message.contains("--resume") && message.contains("--overwrite"))
        }
        #expect(try names(out).contains("checkpoint-2"))   // refusing touched nothing

        try folder.startNew(overwrite: true)
        #expect(try names(out) == ["notes.txt"])   // the run's outputs go, other files stay
    }

    @Test func aFailedCheckpointSaveLeavesNoTemporaryFolderAndKeepsTheOldCheckpoint() throws {
        let out = temporary()
        defer { try? FileManager.default.removeItem(at: out) }
        let trainer = try makeTrainer(output: out, steps: 2)
        try trainer.run()
        let checkpoint = out.appendingPathComponent("checkpoint-2")
        let before = try Data(contentsOf: checkpoint.appendingPathComponent(TrainerCheckpoint.stateFile))
        // A state JSON cannot encode (NaN) fails the save after the adapter and optimizer files
        // are written: the same path as a disk that fills up half-way.
        var state = trainer.state
        state.configuration.maxGradNorm = .nan
        for target in [checkpoint, out.appendingPathComponent("checkpoint-7")] {
            do {
                try TrainerCheckpoint.save(to: target, adapter: trainer.adapter, optimizer: trainer.optimizer, state: state)
                Issue.record("expected the save to fail")
            } catch let TrainingError.checkpoint(path, reason) {
                #expect(path == target.path && reason.contains("could not be saved"))
            }
        }
        #expect(try names(out).filter { $0.hasPrefix(".") } == [])
        #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("checkpoint-7").path))
        #expect(try Data(contentsOf: checkpoint.appendingPathComponent(TrainerCheckpoint.stateFile)) == before)
    }

    @Test func whatAKilledRunLeftHalfWrittenIsCleanedOnTheNextStart() throws {
        let out = temporary()
        defer { try? FileManager.default.removeItem(at: out) }
        let trainer = try makeTrainer(output: out, steps: 2)
        try trainer.run()
        let fm = FileManager.default
        let gone = try Self.pidOfAnEndedProcess()
        // Killed while writing checkpoint-3; between the renames of a swap of checkpoint-2; after a
        // swap of checkpoint-1 had completed; and while an adapter file was being replaced.
        try fm.createDirectory(at: out.appendingPathComponent(".checkpoint-3.tmp-\(gone)"), withIntermediateDirectories: true)
        try fm.moveItem(at: out.appendingPathComponent("checkpoint-2"), to: out.appendingPathComponent(".checkpoint-2.old-\(gone)"))
        try fm.copyItem(at: out.appendingPathComponent("checkpoint-1"), to: out.appendingPathComponent(".checkpoint-1.old-\(gone)"))
        try Data("partial".utf8).write(to: out.appendingPathComponent(".adapter_model.safetensors.0C1D.tmp"))

        try TrainingRunFolder(url: out).startResumed(atStep: 2)
        #expect(try names(out) == ["adapter_config.json", "adapter_model.safetensors", "checkpoint-1", "checkpoint-2"])
        #expect(try TrainerCheckpoint.loadState(from: out.appendingPathComponent("checkpoint-2")).step == 2)

        // A new run counts only what is left after the clean-up.
        let fresh = temporary()
        defer { try? fm.removeItem(at: fresh) }
        try fm.createDirectory(at: fresh.appendingPathComponent(".checkpoint-1.tmp-\(gone)"), withIntermediateDirectories: true)
        try TrainingRunFolder(url: fresh).startNew(overwrite: false)
        #expect(try names(fresh) == [])
    }

    /// The PID of a process that has ended (and so names no running process, barring reuse in the
    /// moment since).
    static func pidOfAnEndedProcess() throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "exit 0"]
        try process.run()
        process.waitUntilExit()
        return process.processIdentifier
    }

    /// What another process still running is writing — a checkpoint folder tagged with its PID, an
    /// `AtomicFile` temporary it holds locked — is its own: the clean-up leaves it alone, and
    /// removes it once that writer is gone.
    @Test func theCleanUpLeavesWritesOfARunningProcessAlone() throws {
        let out = temporary()
        let fm = FileManager.default
        defer { try? fm.removeItem(at: out) }
        try fm.createDirectory(at: out, withIntermediateDirectories: true)
        let writer = Process()
        writer.executableURL = URL(fileURLWithPath: "/bin/sh")
        writer.arguments = ["-c", "sleep 60"]
        try writer.run()
        defer { if writer.isRunning { writer.terminate() } }
        let saving = ".checkpoint-4.tmp-\(writer.processIdentifier)", swapping = ".checkpoint-3.old-\(writer.processIdentifier)"
        try fm.createDirectory(at: out.appendingPathComponent(saving), withIntermediateDirectories: true)
        try fm.createDirectory(at: out.appendingPathComponent(swapping), withIntermediateDirectories: true)
        // A writer's temporary file: created and locked as AtomicFile's writers hold theirs.
        let live = out.appendingPathComponent(".adapter_model.safetensors.\(UUID().uuidString).tmp")
        try Data("being written".utf8).write(to: live)
        let fd = open(live.path, O_RDONLY)
        try #require(fd >= 0 && flock(fd, LOCK_EX) == 0)

        try TrainingRunFolder(url: out).recoverInterruptedWrites()
        #expect(try names(out) == [swapping, saving, live.lastPathComponent].sorted())

        writer.terminate()
        writer.waitUntilExit()
        close(fd)
        try TrainingRunFolder(url: out).recoverInterruptedWrites()
        // The swap's old folder went back in place (no checkpoint-3 was there).
        #expect(try names(out) == ["checkpoint-3"])
    }

    @Test func aResumedRunLogsEachStepOnce() throws {
        let out = temporary()
        defer { try? FileManager.default.removeItem(at: out) }
        let folder = TrainingRunFolder(url: out)
        let first = try makeTrainer(output: out)
        first.stopAfterStep = 3
        try first.run(observer: TrainingLog(url: folder.metricsURL).record)
        // A cut-off last line, as a kill in the middle of a write to a full disk might leave.
        let handle = try FileHandle(forWritingTo: folder.metricsURL)
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(#"{"step": 4, "lo"#.utf8))
        try handle.close()

        try folder.startResumed(atStep: 2)
        #expect(try loggedSteps(folder) == [1, 2])
        let second = try makeTrainer(output: out)
        try second.resume(from: folder.checkpointURL(step: 2))
        try second.run(observer: TrainingLog(url: folder.metricsURL).record)
        #expect(try loggedSteps(folder) == [1, 2, 3, 4])
    }

    @Test func nonFiniteAndNegativeOptionsAreRefusedBeforeAnyStep() throws {
        let cases: [(String, (inout TrainingConfiguration) -> Void)] = [
            ("max-grad-norm", { $0.maxGradNorm = .nan }), ("max-grad-norm", { $0.maxGradNorm = -1 }),
            ("max-grad-norm", { $0.maxGradNorm = .infinity }), ("learning-rate", { $0.learningRate = .nan }),
            ("learning-rate", { $0.learningRate = .infinity }), ("weight-decay", { $0.weightDecay = .nan }),
            ("weight-decay", { $0.weightDecay = -0.1 }), ("beta", { $0.beta = .nan }), ("beta", { $0.beta = .infinity }),
            ("validation-split", { $0.validationSplit = .nan }), ("warmup-steps", { $0.warmupSteps = -1 }),
        ]
        let model = try Support.tinyModel(seed: 2)
        let adapter = try LoRAAdapter(configuration: LoRAConfiguration(rank: 2, alpha: 4, dropout: 0), model: model, seed: 3)
        for (option, change) in cases {
            var c = TrainingConfiguration()
            change(&c)
            do {
                _ = try Trainer(model: model, adapter: adapter, objective: c.makeObjective(), configuration: c,
                                examples: Support.toyPairs(count: 4), output: temporary())
                Issue.record("\(option): expected a refusal")
            } catch let TrainingError.invalidOption(name, _) {
                #expect(name == option)
            }
        }
    }

    @Test func aDamagedTrainerStateIsAClearErrorNotACrash() throws {
        let out = temporary()
        defer { try? FileManager.default.removeItem(at: out) }
        try makeTrainer(output: out, steps: 2).run()
        let checkpoint = out.appendingPathComponent("checkpoint-2")
        let stateURL = checkpoint.appendingPathComponent(TrainerCheckpoint.stateFile)
        let original = try String(contentsOf: stateURL, encoding: .utf8)
        let edits: [(from: String, to: String, message: String)] = [
            (#""position" : 4"#, #""position" : -1"#, "'position' must be ≥ 0, got -1"),
            (#""step" : 2"#, #""step" : -5"#, "'step' must be ≥ 0, got -5"),
            (#""epoch" : 0"#, #""epoch" : -1"#, "'epoch' must be ≥ 0, got -1"),
            (#""position" : 4"#, #""position" : 99"#, "position 99 is past this run's 8 training examples"),
            (#""step" : 2"#, #""step" : 40"#, "step 40 is past this run's last step (4)"),
            (#""step" : 2"#, #""step" : "two""#, "field \"step\" should be Int"),
        ]
        for edit in edits {
            #expect(original.contains(edit.from), "fixture changed: \(edit.from)")
            try original.replacingOccurrences(of: edit.from, with: edit.to).write(to: stateURL, atomically: true, encoding: .utf8)
            do {
                try makeTrainer(output: out).resume(from: checkpoint)
                Issue.record("expected '\(edit.to)' to be refused")
            } catch let TrainingError.checkpoint(path, reason) {
                #expect(path.hasPrefix(checkpoint.path))
                #expect(reason.contains(edit.message), "\(reason)")
            }
        }
    }

    @Test func aResumeThatWouldChangeWhatIsTrainedIsRefusedNamingTheFlagAndBothValues() throws {
        var saved = TrainingConfiguration()
        saved.method = .dpo
        saved.model = "/models/a.gguf"
        saved.adapter = "/runs/sft"
        var given = saved
        #expect(ResumeConflict.between(saved: saved, given: given) == [])
        given.learningRate = 1e-5   // schedule and length may change
        given.maxSteps = 100
        #expect(ResumeConflict.between(saved: saved, given: given) == [])

        given.method = .ddpo
        given.referenceAdapter = "/runs/other"
        given.model = "/models/b.gguf"
        #expect(ResumeConflict.between(saved: saved, given: given) == [
            ResumeConflict(option: "method", checkpointValue: "dpo", givenValue: "ddpo"),
            ResumeConflict(option: "model", checkpointValue: "/models/a.gguf", givenValue: "/models/b.gguf"),
            ResumeConflict(option: "reference-adapter", checkpointValue: "none", givenValue: "/runs/other"),
        ])
        // Checkpoints written before the model and adapters were recorded are compared without them.
        var old = saved
        old.model = nil; old.adapter = nil
        // Such a checkpoint also trained string prompts through the chat template: the CLI pins
        // that style for the resumed run, and another one is a conflict.
        #expect(old.effectivePromptStyle == .chat && saved.effectivePromptStyle == .completion)
        #expect(ResumeConflict.between(saved: old, given: given).map(\.option) == ["method", "prompt-style"])
        var pinned = given
        pinned.promptStyle = old.effectivePromptStyle
        #expect(ResumeConflict.between(saved: old, given: pinned).map(\.option) == ["method"])

        // LoRA settings left unset (nil) keep the checkpoint adapter's; set ones must match it.
        let lora = LoRAConfiguration(rank: 16, alpha: 32, dropout: 0.05)
        var loraGiven = TrainingConfiguration()
        loraGiven.loraRank = 16
        #expect(ResumeConflict.between(saved: lora, given: loraGiven) == [])
        let named = LoRAConfiguration(rank: 16, alpha: 32, dropout: 0.05, targetModules: ["q_proj", "v_proj"])
        loraGiven.loraTargets = ["v_proj", "q_proj"]
        #expect(ResumeConflict.between(saved: named, given: loraGiven) == [])
        loraGiven.loraRank = 8
        loraGiven.loraTargets = ["q_proj"]
        let conflicts = ResumeConflict.between(saved: lora, given: loraGiven)
        #expect(conflicts.map(\.option) == ["lora-rank", "lora-targets"])
        let message = TrainingError.resumeConflict(checkpoint: "/runs/dpo/checkpoint-3", conflicts[0]).description
        #expect(message.hasPrefix("--lora-rank 8 conflicts with the checkpoint /runs/dpo/checkpoint-3, trained with lora-rank 16"))
    }

    @Test func theCheckpointRecordsTheModelAndAdaptersSoAResumedDPORunKeepsItsReference() throws {
        let out = temporary()
        defer { try? FileManager.default.removeItem(at: out) }
        let trainer = try makeTrainer(output: out, steps: 1)
        var c = trainer.configuration
        c.model = "/models/m.gguf"; c.adapter = "/runs/sft"; c.referenceAdapter = "/runs/ref"
        let recorded = try Trainer(model: trainer.model, adapter: trainer.adapter, objective: c.makeObjective(), configuration: c,
                                   examples: Support.toyPairs(count: 8), output: out)
        try recorded.run()
        let state = try TrainerCheckpoint.loadState(from: out.appendingPathComponent("checkpoint-1"))
        #expect(state.configuration.model == "/models/m.gguf")
        #expect(state.configuration.adapter == "/runs/sft" && state.configuration.referenceAdapter == "/runs/ref")
    }
}
