import Foundation
import Testing

/// `--lora-targets` goes through the one list of module names (HFModuleNames): a name outside it
/// stops `train` before any step, with an error naming it.
@Suite struct LoRATargetsCommandTests {
    @Test func aTargetOutsideTheProjectionsIsRefusedByName() throws {
        let dir = try DivTuneProcess.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = try TinyTrainingRun.model(in: dir), data = try TinyTrainingRun.sftData(in: dir)
        for targets in ["q_proj,qproj", "lm_head", "embed_tokens"] {
            let name = targets.split(separator: ",").last.map(String.init) ?? targets
            let result = try DivTuneProcess.run(["train", "sft", "--model", model, "--data", data, "--output", "out", "--max-steps", "1",
                                                 "--lora-targets", targets], in: dir)
            #expect(result.status != 0, "\(targets) was accepted")
            #expect(result.stderr.contains("'\(name)'") && result.stderr.contains("target_modules"), "\(targets): \(result.stderr)")
            #expect(!result.stdout.contains("training sft"), "\(targets) started training")
        }
        let accepted = try DivTuneProcess.run(["train", "sft", "--model", model, "--data", data, "--output", "ok", "--max-steps", "1",
                                               "--lora-targets", "self_attn.q_proj,v_proj"], in: dir)
        #expect(accepted.status == 0, "\(accepted.stderr)")
    }
}
