import Base
import Foundation

/// What `divtune train reward --backend torch` adds to its run spec (docs/scale-out.md §8): the
/// reward model's settings, and the data the Swift side resolved before launch — each example's
/// token ids and target (the score transform applied), the validation split, each epoch's order
/// and the score head's first weights — so the tokenization, transform, split, shuffling and head
/// initialisation have one implementation, and the Python trainer only trains.
public struct TorchRewardRun {
    /// One example as the trainer sees it: the laid-out text's token ids and its target in [-1, 1].
    public struct Example: Sendable, Equatable {
        public var ids: [Int]
        public var target: Double
        public init(ids: [Int], target: Double) {
            self.ids = ids
            self.target = target
        }
    }

    /// The data resolved from the training file (written at launch, not for `--dry-run`).
    public struct Resolved {
        public var train: [Example]
        public var validation: [Example]
        /// Per epoch, the order of `train`'s indices (``RewardTrainer.epochOrders``).
        public var epochOrders: [[Int]]
        /// score.weight [1, hidden] before training (``RewardModel.initialHead``); the bias starts at 0.
        public var initialHead: [Float]
        /// The reward_config.json fields known before training (all but `validation`), as the Swift trainer writes them.
        public var config: [String: Any]
        public init(train: [Example], validation: [Example], epochOrders: [[Int]], initialHead: [Float], config: [String: Any]) {
            self.train = train
            self.validation = validation
            self.epochOrders = epochOrders
            self.initialHead = initialHead
            self.config = config
        }
    }

    public static let dataFile = "reward_data.jsonl"

    /// The resolved settings (loss, epochs, max_steps, learning_rate, batch_size, the LoRA shape, max_length, seed, …).
    public var settings: [String: Any]
    public var resolved: Resolved?

    public init(settings: [String: Any], resolved: Resolved? = nil) {
        self.settings = settings
        self.resolved = resolved
    }

    /// The spec's fields for the resolved data, whose examples live in `dataURL`.
    func specValues(dataURL: URL) -> [String: Any] {
        guard let resolved else { return [:] }
        return ["reward_data": dataURL.path, "epoch_orders": resolved.epochOrders,
                "reward_head": ["weight": resolved.initialHead.map(Double.init), "bias": 0.0], "reward_config": resolved.config]
    }

    /// `reward_data.jsonl`: one `{"ids", "target", "split"}` object per example, the training
    /// examples first in the order `epoch_orders` indexes, then the validation examples.
    func writeData(to url: URL) throws {
        guard let resolved else { return }
        try AtomicFile.write(to: url, chunks: { write in
            for (split, examples) in [("train", resolved.train), ("validation", resolved.validation)] {
                for example in examples {
                    let line = try JSONSerialization.data(withJSONObject: ["ids": example.ids, "target": example.target, "split": split],
                                                          options: [.sortedKeys])
                    try write(line + Data("\n".utf8))
                }
            }
        })
    }
}
