import Base
import Foundation
import Testing
import Models
import TensorEngine
@testable import Training

/// Padding-free micro-batches (docs/methods.md §6.4) against right-padded ones: the same losses,
/// metrics (per-example log-probs among them) and LoRA gradients for SFT, DPO and ORPO, with
/// examples of different lengths; a batch longer than the context is split into rows and counted.
///
/// Tolerances (Float32): losses and log-probs agree to 1e-5 relative; each LoRA tensor's gradient
/// to 1e-5 of that tensor's largest entry (only the summation order differs).
@Suite struct PaddingFreeTests {
    /// Examples over the 24-token vocabulary with prompts and completions of different lengths
    /// (`scale` stretches them, for batches that overrun a 128-token context).
    static func examples(count: Int, scale: Int = 1, seed: UInt64 = 17) -> [TrainingExample] {
        var rng = SeededGenerator(seed: seed)
        func tokens(_ n: Int) -> [Int] { (0..<n).map { _ in 1 + Int(rng.next() % 23) } }
        return (0..<count).map { i in
            let prompt = tokens(scale * (3 + i % 3)), chosen = tokens(scale * (2 + (i * 5) % 7)) + [0]
            let rejected = tokens(scale * (1 + (i * 3) % 5)) + [0]
            return TrainingExample(prompt: prompt, chosen: chosen, rejected: rejected, weight: 0.5 + Float(i % 3) * 0.5, index: i)
        }
    }

    struct Outcome {
        var loss: Float
        var metrics: [String: Double]
        var gradients: [[Float]]
        var contextSplits: Int
    }

    /// One micro-batch's loss, metrics and LoRA gradients on a fresh model and adapter.
    static func run(_ make: (Bool) -> any TrainingObjective, paddingFree: Bool, batch: [TrainingExample]) throws -> Outcome {
        let model = try Support.tinyModel()
        let adapter = try Support.randomAdapter(model: model)
        try model.attach(adapter)
        let out = try make(paddingFree).loss(model: model, batch: batch)
        try out.loss.backward()
        return Outcome(loss: out.loss.item, metrics: out.metrics, gradients: try adapter.parameters.map { try #require($0.grad).scalars },
                       contextSplits: out.contextSplits)
    }

    static func expectEqual(_ free: Outcome, _ padded: Outcome, _ label: String) {
        #expect(abs(free.loss - padded.loss) <= 1e-5 * max(abs(padded.loss), 1e-3), "\(label): loss \(free.loss) vs \(padded.loss)")
        #expect(free.metrics.keys.sorted() == padded.metrics.keys.sorted())
        for (key, value) in padded.metrics {
            let other = free.metrics[key] ?? .nan
            #expect(abs(other - value) <= 1e-5 * max(abs(value), 1e-3), "\(label): \(key) \(other) vs \(value)")
        }
        #expect(free.gradients.count == padded.gradients.count)
        for (i, (f, p)) in zip(free.gradients, padded.gradients).enumerated() {
            let scale = p.map(abs).max() ?? 0, worst = zip(f, p).map { abs($0 - $1) }.max() ?? 0
            #expect(scale > 0 && worst <= 1e-5 * scale, "\(label): LoRA gradient \(i) differs by \(worst) (largest entry \(scale))")
        }
    }

    static let objectives: [(String, (Bool) -> any TrainingObjective)] = [
        ("sft", { SFTObjective(paddingFree: $0) }),
        ("sft train-on-prompt", { SFTObjective(trainOnPrompt: true, paddingFree: $0) }),
        ("dpo", { DPOObjective(beta: 0.1, paddingFree: $0) }),
        ("ddpo ipo", { DPOObjective(beta: 0.1, lossType: .ipo, weighted: true, paddingFree: $0) }),
        ("orpo", { ORPOObjective(beta: 0.1, paddingFree: $0) }),
        ("dorpo per-example", { ORPOObjective(beta: 0.25, weighting: .perExample, paddingFree: $0) }),
    ]

    @Test(arguments: 0..<6)
    func paddingFreeEqualsPaddedBatch(objective: Int) throws {
        let (label, make) = Self.objectives[objective]
        let batch = Self.examples(count: 4)
        let free = try Self.run(make, paddingFree: true, batch: batch), padded = try Self.run(make, paddingFree: false, batch: batch)
        Self.expectEqual(free, padded, label)
        #expect(free.contextSplits == 0 && padded.contextSplits == 0)
    }

    /// Per-example sequence log-probs (the sums DPO compares) and NLL of one padding-free row
    /// equal the padded batch's, sequence by sequence.
    @Test func perSequenceLogProbsAreThePaddedBatchs() throws {
        let batch = Self.examples(count: 5)
        let sequences = batch.map { ($0.prompt, $0.chosen) } + batch.map { ($0.prompt, $0.rejected!) }
        let model = try Support.tinyModel()
        try model.attach(Support.randomAdapter(model: model))
        for packPairs in [true, false] {
            let free = try SequenceScores(model: model, sequences: sequences, packPairs: packPairs, paddingFree: true)
            let padded = try SequenceScores(model: model, sequences: sequences, packPairs: packPairs, paddingFree: false)
            #expect(free.logProbs.shape[0] == 1 && padded.logProbs.shape[0] == (packPairs ? 5 : 10))
            #expect(free.completionCounts == padded.completionCounts && free.sequenceCounts == padded.sequenceCounts)
            for (a, b) in zip(try free.completionSums().scalars, try padded.completionSums().scalars) {
                #expect(abs(a - b) <= 1e-5 * max(abs(b), 1e-3), "pairs packed \(packPairs): \(a) vs \(b)")
            }
            let (a, b) = (try free.negativeLogLikelihood(rows: 0..<10, completionOnly: false).item,
                          try padded.negativeLogLikelihood(rows: 0..<10, completionOnly: false).item)
            #expect(abs(a - b) <= 1e-5 * abs(b))
        }
    }

    /// A micro-batch longer than the model's context (128 positions) is split into rows that each
    /// fit, the extra rows are counted, and the numbers stay the padded batch's.
    @Test(arguments: [0, 2, 4])
    func batchOverTheContextIsSplitAndCounted(objective: Int) throws {
        let (label, make) = Self.objectives[objective]
        let batch = Self.examples(count: 6, scale: 4)
        let rows = batch.map { label.hasPrefix("sft") ? $0.prompt.count + $0.chosen.count : $0.prompt.count + $0.chosen.count + 1 + $0.rejected!.count }
        #expect(rows.reduce(0, +) > 128 && rows.allSatisfy { $0 <= 128 })
        // The rows the greedy packing must start: a new one whenever the next example would pass 128.
        var expected = 0, filled = 0
        for r in rows { if filled + r > 128 { expected += 1; filled = 0 }; filled += r }
        let free = try Self.run(make, paddingFree: true, batch: batch), padded = try Self.run(make, paddingFree: false, batch: batch)
        Self.expectEqual(free, padded, label + " over the context")
        #expect(expected >= 1 && free.contextSplits == expected && padded.contextSplits == 0)
    }

    @Test func layoutPlacesSegmentsAndHidesTheEarlierOnes() {
        let segments = [BatchLayout.Segment(tokens: [5, 6, 7]),
                        BatchLayout.Segment(tokens: [8, 9, 9, 4], positions: [0, 1, 1, 2], hidden: (queries: 2..<4, keys: 1..<2)),
                        BatchLayout.Segment(tokens: [3, 3])]
        let free = BatchLayout(segments, paddingFree: true, maxRowLength: 7)
        #expect(free.ids == [[5, 6, 7, 8, 9, 9, 4], [3, 3, 0, 0, 0, 0, 0]])
        #expect(free.positions == [[0, 1, 2, 0, 1, 1, 2], [0, 1, 0, 0, 0, 0, 0]])
        #expect(free.keyPadding == [[true, true, true, true, true, true, true], [true, true, false, false, false, false, false]])
        #expect(free.hiddenKeys == [HiddenKeys(batchRow: 0, queries: 3..<7, keys: 0..<3), HiddenKeys(batchRow: 0, queries: 5..<7, keys: 4..<5)])
        #expect(free.origins.map(\.row) == [0, 0, 1] && free.origins.map(\.offset) == [0, 3, 0])
        #expect(free.contextSplits == 1 && free.flatIndex(segment: 1, token: 2) == 5 && free.flatIndex(segment: 2, token: 1) == 8)
        let padded = BatchLayout(segments, paddingFree: false, maxRowLength: 7)
        #expect(padded.ids == [[5, 6, 7, 0], [8, 9, 9, 4], [3, 3, 0, 0]] && padded.contextSplits == 0)
        #expect(padded.hiddenKeys == [HiddenKeys(batchRow: 1, queries: 2..<4, keys: 1..<2)])
        // A segment longer than a row on its own keeps a row to itself (the model then refuses it, as a padded batch).
        let long = BatchLayout([BatchLayout.Segment(tokens: [1, 2]), BatchLayout.Segment(tokens: Array(repeating: 1, count: 9))],
                               paddingFree: true, maxRowLength: 7)
        #expect(long.ids.map(\.count) == [9, 9] && long.contextSplits == 1)
    }

    /// The configuration's `padding_free` reaches every objective, and training steps give the
    /// padded run's losses and adapter.
    @Test func trainerStepsMatchThePaddedRun() throws {
        func train(_ paddingFree: Bool?) throws -> (losses: [Double], adapter: [[Float]]) {
            let model = try Support.tinyModel()
            let adapter = try Support.randomAdapter(model: model)
            try model.attach(adapter)
            var c = TrainingConfiguration()
            c.method = .dorpo
            c.batchSize = 3
            c.maxSteps = 2
            c.learningRate = 1e-2
            c.paddingFree = paddingFree
            let objective = c.makeObjective()
            #expect(objective.paddingFree == (paddingFree ?? false))
            let output = FileManager.default.temporaryDirectory.appendingPathComponent("padding-free-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: output) }
            let trainer = try Trainer(model: model, adapter: adapter, objective: objective, configuration: c,
                                      examples: Self.examples(count: 6), output: output)
            var losses: [Double] = []
            try trainer.run { if case let .step(s) = $0 { losses.append(s.metrics["loss"] ?? .nan) } }
            return (losses, adapter.parameters.map(\.scalars))
        }
        let (free, padded, unset) = (try train(true), try train(false), try train(nil))
        #expect(padded.losses == unset.losses && padded.adapter == unset.adapter)
        #expect(free.losses.count == 2)
        for (a, b) in zip(free.losses, padded.losses) { #expect(abs(a - b) <= 1e-5 * abs(b)) }
        for (f, p) in zip(free.adapter, padded.adapter) {
            #expect(zip(f, p).allSatisfy { abs($0 - $1) <= 1e-5 * max(1, abs($1)) })
        }
    }

    @Test func configurationRecordsPaddingFreeUnderTRLsName() throws {
        var c = TrainingConfiguration()
        c.paddingFree = true
        let json = try #require(String(data: JSONEncoder().encode(c), encoding: .utf8))
        #expect(json.contains("\"padding_free\":true"))
        #expect(try JSONDecoder().decode(TrainingConfiguration.self, from: Data(json.utf8)).paddingFree == true)
        // Checkpoints written before the option existed decode with it off.
        let old = json.replacingOccurrences(of: ",\"padding_free\":true", with: "").replacingOccurrences(of: "\"padding_free\":true,", with: "")
        #expect(!old.contains("padding_free"))
        #expect(try JSONDecoder().decode(TrainingConfiguration.self, from: Data(old.utf8)).paddingFree == nil)
    }
}
