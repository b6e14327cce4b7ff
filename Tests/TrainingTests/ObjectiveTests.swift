import Foundation
import Testing
import Models
import TensorEngine
@testable import Training

@Suite struct ObjectiveTests {
    func lossValue(_ objective: any TrainingObjective, _ model: LlamaModel, _ batch: [TrainingExample]) throws -> Float {
        try Tensor.withNoGrad { try objective.loss(model: model, batch: batch).loss.item }
    }

    @Test func weightOneMakesDDPOEqualDPOAndDORPOEqualORPO() throws {
        let model = try Support.tinyModel()
        try model.attach(Support.randomAdapter(model: model))
        let batch = Support.toyPairs(count: 3).map { var e = $0; e.weight = 1; return e }
        #expect(try lossValue(DPOObjective(weighted: true), model, batch) == lossValue(DPOObjective(weighted: false), model, batch))
        let orpo = try lossValue(ORPOObjective(weighting: .none), model, batch)
        #expect(try lossValue(ORPOObjective(weighting: .reference), model, batch) == orpo)
        #expect(try lossValue(ORPOObjective(weighting: .perExample), model, batch) == orpo)
    }

    /// Pairs packed one per row (the shared prompt computed once, the chosen part hidden from the
    /// rejected one) give the separate sequences' log-prob sums, NLL and LoRA gradients, with
    /// completions of different lengths (padding), for completion-only and whole scoring.
    @Test(arguments: [false, true])
    func packedPairsEqualSeparateSequences(scoringPrompt: Bool) throws {
        let pairs = Support.toyPairs(count: 2)
        var sequences = pairs.map { (prompt: $0.prompt, completion: $0.chosen) } + pairs.map { (prompt: $0.prompt, completion: $0.rejected!) }
        sequences[0].completion += [3, 4]
        sequences[3].completion.removeLast()
        func run(packing: Bool) throws -> (values: [Float], gradients: [[Float]], counts: [[Int]]) {
            let model = try Support.tinyModel()
            let adapter = try Support.randomAdapter(model: model)
            try model.attach(adapter)
            let scores = try SequenceScores(model: model, sequences: sequences, scoringPrompt: scoringPrompt, packPairs: packing)
            #expect(scores.packed == packing)
            let sums = try scores.completionSums()
            var loss = try sum(mul(sums, Tensor([1, 2, 3, 4], shape: [4])))
            var values = sums.scalars
            if scoringPrompt {
                let nll = try scores.negativeLogLikelihood(rows: 0..<4, completionOnly: false, weights: [1, 0.5, 2, 1])
                values.append(nll.item)
                loss = try add(loss, nll)
            }
            try loss.backward()
            return (values, try adapter.parameters.map { try #require($0.grad).scalars }, [scores.completionCounts, scores.sequenceCounts])
        }
        let (packed, separate) = (try run(packing: true), try run(packing: false))
        #expect(packed.counts == separate.counts)
        for (a, b) in zip(packed.values, separate.values) { #expect(abs(a - b) <= 1e-5 * max(1, abs(b)), "\(a) vs \(b)") }
        for (ga, gb) in zip(packed.gradients, separate.gradients) {
            #expect(zip(ga, gb).allSatisfy { abs($0 - $1) <= 1e-4 * max(1, abs($1)) })
        }
        #expect(packed.gradients.flatMap { $0 }.contains { $0 != 0 })
    }

    @Test func ddpoScalesEachPairsLossByItsWeight() throws {
        let model = try Support.tinyModel()
        try model.attach(Support.randomAdapter(model: model))
        let pairs = Support.toyPairs(count: 3)
        var expected: Float = 0
        for p in pairs { expected += p.weight * (try lossValue(DPOObjective(), model, [p])) }
        let weighted = try lossValue(DPOObjective(weighted: true), model, pairs)
        #expect(abs(weighted - expected / 3) < 1e-5)
    }

    @Test func dorpoReferenceFormPutsTheWeightInsideTheSigmoid() throws {
        let model = try Support.tinyModel()
        try model.attach(Support.randomAdapter(model: model))
        var pair = Support.toyPairs(count: 1)[0]
        pair.weight = 0
        // w = 0: the odds-ratio term is the constant −β·log σ(0) = β·ln 2 and the NLL is scaled by 0.
        #expect(abs(try lossValue(ORPOObjective(beta: 0.25, weighting: .reference), model, [pair]) - 0.25 * Float(log(2.0))) < 1e-6)
    }

    @Test func freshAdapterMakesDPOLossLn2() throws {
        let model = try Support.tinyModel()
        try model.attach(LoRAAdapter(configuration: LoRAConfiguration(rank: 2, alpha: 4, dropout: 0), model: model, seed: 3))
        #expect(abs(try lossValue(DPOObjective(), model, Support.toyPairs(count: 2)) - Float(log(2.0))) < 1e-6)
    }

    /// dLoss/dθ from autograd against central differences, for every objective.
    @Test(arguments: ["sft", "dpo", "ddpo", "ipo", "hinge", "orpo", "dorpo", "dorpo-per-example"])
    func gradientsMatchFiniteDifferences(_ name: String) throws {
        let model = try Support.tinyModel(seed: 4)
        let adapter = try Support.randomAdapter(model: model, rank: 2, seed: 8, targets: ["q_proj", "v_proj", "down_proj"])
        try model.attach(adapter)
        // A reference that differs from the policy (hinge needs βz < 1 to have a gradient).
        let objective: any TrainingObjective = switch name {
        case "sft": SFTObjective()
        case "dpo": DPOObjective(beta: 0.5)
        case "ddpo": DPOObjective(beta: 0.5, weighted: true)
        case "ipo": DPOObjective(beta: 0.5, lossType: .ipo)
        case "hinge": DPOObjective(beta: 0.5, lossType: .hinge)
        case "orpo": ORPOObjective(beta: 0.3)
        case "dorpo": ORPOObjective(beta: 0.3, weighting: .reference)
        default: ORPOObjective(beta: 0.3, weighting: .perExample)
        }
        let batch = Support.toyPairs(count: 2, seed: 21)
        let loss = try objective.loss(model: model, batch: batch).loss
        try loss.backward()
        let h: Float = 1e-2
        for p in [adapter.parameters[0], adapter.parameters[3], adapter.parameters[5]] {
            let grad = try #require(p.grad).scalars
            for i in [0, p.count / 2, p.count - 1] {
                let original = p.scalars[i]
                func at(_ v: Float) throws -> Double {
                    p.withUnsafeMutableBufferPointer { $0[i] = v }
                    return Double(try lossValue(objective, model, batch))
                }
                let numeric = (try at(original + h) - at(original - h)) / Double(2 * h)
                p.withUnsafeMutableBufferPointer { $0[i] = original }
                #expect(abs(Double(grad[i]) - numeric) <= 2e-3 + 2e-2 * abs(numeric), "\(name) ∂/∂θ[\(i)]: autograd \(grad[i]) vs numeric \(numeric)")
            }
        }
    }

    @Test func referenceAdapterEqualToThePolicyGivesZeroRewards() throws {
        let model = try Support.tinyModel()
        let policy = try Support.randomAdapter(model: model, targets: ["q_proj", "v_proj"])
        try model.attach(policy)
        let out = try DPOObjective(reference: ReferenceLogProbs(referenceAdapter: policy)).loss(model: model, batch: Support.toyPairs(count: 2))
        #expect(abs(out.loss.item - Float(log(2.0))) < 1e-6)
        #expect(abs(out.metrics["rewards/chosen"]!) < 1e-6)
        // The policy is back in place afterwards.
        #expect(model.linearLayers.compactMap { $0.layer.lora }.count == 4)
    }

    @Test func log1mexpIsStableNearZero() throws {
        let x = try Tensor([-1e-6, -0.5, -3], shape: [3])
        x.requiresGrad = true
        let y = try log1mexp(x)
        let expected = [-1e-6, -0.5, -3.0].map { Foundation.log(-Foundation.expm1($0)) }
        for (a, b) in zip(y.scalars, expected) { #expect(abs(Double(a) - b) < 1e-5 * abs(b)) }
        try sum(y).backward()
        let slopes = [-1e-6, -0.5, -3.0].map { -Foundation.exp($0) / (1 - Foundation.exp($0)) }
        for (a, b) in zip(x.grad!.scalars, slopes) { #expect(abs(Double(a) - b) < 1e-4 * abs(b)) }
    }
}
