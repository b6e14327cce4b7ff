import Foundation
import Testing
import Models
import TensorEngine
@testable import Training

/// One step of DPO (sigmoid, ipo, hinge), ORPO and SFT against TRL 1.16
/// (scripts/reference/trl_parity.py): same tiny Llama, same LoRA weights from safetensors, same
/// token ids. Losses and log-probs agree to 1e-4 (relative), LoRA gradient norms to 1e-3.
@Suite struct TRLParityTests {
    struct Pair: Decodable { let prompt: [Int]; let chosen: [Int]; let rejected: [Int] }
    struct Run: Decodable { let loss: Double; let metrics: [String: Double]; let pairs: [Pair]; let grad_norms: [String: Double] }
    struct AdamWCase: Decodable { let start: [Float]; let grads: [[Float]]; let params: [[Float]] }
    struct Fixture: Decodable {
        let dpo: Run, orpo: Run, dpoIPO: Run, dpoHinge: Run, sft: Run, adamw: AdamWCase
        enum CodingKeys: String, CodingKey { case dpo, orpo, dpoIPO = "dpo_ipo", dpoHinge = "dpo_hinge", sft, adamw }
    }

    static func fixture() throws -> Fixture {
        try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: Support.fixtureURL("trl_parity.json")))
    }

    /// `architecture`: nil for the Llama fixtures, else the name in trl_parity_<name>_model/.
    func check(_ objective: any TrainingObjective, _ run: Run, logps: [String], architecture: String? = nil) throws {
        let stem = architecture.map { "trl_parity_\($0)" } ?? "trl_parity"
        let model = try Support.parityModel(stem + "_model")
        let adapter = try LoRAAdapter.load(directory: Support.fixtureURL(stem + "_adapter"))
        try model.attach(adapter)
        let batch = run.pairs.enumerated().map { i, p in
            TrainingExample(prompt: p.prompt, chosen: p.chosen, rejected: p.rejected.isEmpty ? nil : p.rejected, index: i)
        }
        let out = try objective.loss(model: model, batch: batch)
        #expect(Support.relativeError(Double(out.loss.item), run.loss) < 1e-4, "loss \(out.loss.item) vs TRL \(run.loss)")
        for key in logps {
            let ours = try #require(out.metrics[key], "metric \(key)")
            let theirs = try #require(run.metrics[key])
            #expect(Support.relativeError(ours, theirs) < 1e-4, "\(key): \(ours) vs TRL \(theirs)")
        }
        try out.loss.backward()
        for (name, p) in zip(adapter.parameterNames, adapter.parameters) {
            let expected = try #require(run.grad_norms[name], "TRL has no gradient for \(name)")
            let norm = Double(p.grad.map { g in g.scalars.reduce(Float(0)) { $0 + $1 * $1 }.squareRoot() } ?? 0)
            #expect(Support.relativeError(norm, expected) < 1e-3, "grad norm of \(name): \(norm) vs TRL \(expected)")
        }
    }

    @Test func dpoMatchesTRL() throws {
        let f = try Self.fixture()
        try check(DPOObjective(beta: 0.1), f.dpo,
                  logps: ["logps/chosen", "logps/rejected", "rewards/chosen", "rewards/rejected", "rewards/margins"])
    }

    @Test func dpoIPOMatchesTRL() throws {
        let f = try Self.fixture()
        try check(DPOObjective(beta: 0.1, lossType: .ipo), f.dpoIPO,
                  logps: ["logps/chosen", "logps/rejected", "rewards/chosen", "rewards/rejected", "rewards/margins"])
    }

    @Test func dpoHingeMatchesTRL() throws {
        let f = try Self.fixture()
        try check(DPOObjective(beta: 0.1, lossType: .hinge), f.dpoHinge,
                  logps: ["logps/chosen", "logps/rejected", "rewards/chosen", "rewards/rejected", "rewards/margins"])
    }

    /// TRL's SFTTrainer: completion-only token-mean NLL, EOS appended to the completion (in the ids).
    @Test func sftMatchesTRL() throws {
        try check(SFTObjective(), try Self.fixture().sft, logps: [])
    }

    @Test func orpoMatchesTRL() throws {
        let f = try Self.fixture()
        try check(ORPOObjective(beta: 0.1), f.orpo,
                  logps: ["logps/chosen", "logps/rejected", "nll_loss", "log_odds_ratio", "log_odds_chosen", "rewards/chosen", "rewards/margins"])
    }

    /// The same one-step checks of DPO and SFT on tiny Gemma 2 (soft-caps, sliding window, GeGLU,
    /// sandwich norms) and OLMo 2 (QK-norm, post-norms) checkpoints
    /// (scripts/reference/trl_parity_architectures.py).
    struct ArchitectureRuns: Decodable { let dpo: Run; let sft: Run }

    @Test(arguments: ["gemma2", "olmo2"])
    func dpoAndSFTMatchTRLOnTheOtherArchitectures(_ architecture: String) throws {
        let runs = try JSONDecoder().decode(ArchitectureRuns.self, from: Data(contentsOf: Support.fixtureURL("trl_parity_\(architecture).json")))
        try check(DPOObjective(beta: 0.1), runs.dpo,
                  logps: ["logps/chosen", "logps/rejected", "rewards/chosen", "rewards/rejected", "rewards/margins"], architecture: architecture)
        try check(SFTObjective(), runs.sft, logps: [], architecture: architecture)
    }

    @Test func adamWMatchesTorch() throws {
        let f = try Self.fixture().adamw
        let p = try Tensor(f.start, shape: [f.start.count])
        p.requiresGrad = true
        let opt = AdamW(parameters: [p], hyperparameters: .init(weightDecay: 0.1))
        for (g, expected) in zip(f.grads, f.params) {
            p.grad = try Tensor(g, shape: [g.count])
            opt.update(learningRate: 1e-2)
            for (a, b) in zip(p.scalars, expected) { #expect(abs(a - b) <= 1e-6 * max(1, abs(b)), "\(a) vs torch \(b)") }
        }
    }
}
