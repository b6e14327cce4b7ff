import Foundation
import Training

/// `--dry-run`'s per-device memory estimate of a torch-backend run (docs/scale-out.md §2.1): the
/// frozen weights, the LoRA weights with their gradients and AdamW moments, the activations kept
/// for the backward pass at the configured length, and the logits. An estimate from the model's
/// config.json, not a measurement; `--device-memory GB` refuses a run whose estimate exceeds it.
public struct TorchMemoryEstimate: Equatable, Sendable {
    /// The shape fields of a Hugging Face config.json that the estimate needs.
    public struct ModelShape: Decodable, Equatable, Sendable {
        public var hiddenSize: Int, intermediateSize: Int, layers: Int, heads: Int
        public var kvHeads: Int?, headDim: Int?, vocabSize: Int, tied: Bool?
        enum CodingKeys: String, CodingKey {
            case hiddenSize = "hidden_size", intermediateSize = "intermediate_size", layers = "num_hidden_layers"
            case heads = "num_attention_heads", kvHeads = "num_key_value_heads", headDim = "head_dim"
            case vocabSize = "vocab_size", tied = "tie_word_embeddings"
        }
        var headSize: Int { headDim ?? hiddenSize / heads }
        var kvWidth: Int { (kvHeads ?? heads) * headSize }

        /// (in, out) of each projection DivTune can adapt.
        var projections: [String: (Int, Int)] {
            let h = hiddenSize, i = intermediateSize, q = heads * headSize
            return ["q_proj": (h, q), "k_proj": (h, kvWidth), "v_proj": (h, kvWidth), "o_proj": (q, h),
                    "gate_proj": (h, i), "up_proj": (h, i), "down_proj": (i, h)]
        }

        /// Every weight of a Llama-family model: embeddings (and an untied head), each layer's seven
        /// projections and two norms, the final norm.
        public var parameterCount: Int {
            let perLayer = projections.values.reduce(0) { $0 + $1.0 * $1.1 } + 2 * hiddenSize
            return vocabSize * hiddenSize * (tied == true ? 1 : 2) + layers * perLayer + hiddenSize
        }
    }

    public var parameters: Int
    public var loraParameters: Int
    public var sequenceLength: Int
    public var sequencesPerMicroBatch: Int
    public var weightBytes: Double
    public var loraBytes: Double
    public var activationBytes: Double
    public var logitBytes: Double
    public var totalBytes: Double { weightBytes + loraBytes + activationBytes + logitBytes }

    /// `scoreHead`: a reward model's run (`train reward`), whose scalar head replaces the logits.
    public init(shape: ModelShape, configuration c: TrainingConfiguration, launch: TorchLaunch, zeroStage: Int?, scoreHead: Bool = false) {
        let lora = c.lora(over: .init())
        let targets = lora.targetModules.map { $0.split(separator: ".").last.map(String.init) ?? $0 }
        let projections = shape.projections
        parameters = shape.parameterCount
        loraParameters = shape.layers * targets.compactMap { projections[$0] }.reduce(0) { $0 + lora.rank * ($1.0 + $1.1) }
        sequenceLength = c.effectiveMaxLength ?? 1024
        // A preference pair is two sequences (chosen, rejected); SFT one.
        sequencesPerMicroBatch = c.batchSize * (c.method == .sft ? 1 : 2)
        let valueBytes = launch.precision == .bf16 ? 2.0 : 4.0
        let devices = Double(launch.numProcesses)
        let shardsWeights = launch.fsdp || zeroStage == 3
        let shardsOptimizer = launch.fsdp || (zeroStage ?? 0) >= 2
        weightBytes = Double(parameters) * valueBytes / (shardsWeights ? devices : 1)
        // LoRA weights stay F32 (4 bytes); gradients 4 and AdamW's two moments 8 per weight.
        loraBytes = Double(loraParameters) * (4 + 12 / (shardsOptimizer ? devices : 1))
        // Kept for the backward pass, per token and layer: the inputs of the norms, projections and
        // activations (6h + 2·kv + 4i values; attention scores are not kept by SDPA kernels).
        let perTokenLayer = Double(6 * shape.hiddenSize + 2 * shape.kvWidth + 4 * shape.intermediateSize) * valueBytes
        let tokens = Double(sequenceLength * sequencesPerMicroBatch)
        activationBytes = tokens * Double(shape.layers) * perTokenLayer
        // F32 logits and their log-softmax; a reward model reads one hidden state per sequence instead.
        logitBytes = scoreHead ? 0 : tokens * Double(shape.vocabSize) * 4 * 2
    }

    /// Reads `model/config.json`; a missing or foreign file is an error naming it.
    public static func shape(modelFolder: URL) throws -> ModelShape {
        let url = modelFolder.appendingPathComponent("config.json")
        do {
            return try JSONDecoder().decode(ModelShape.self, from: Data(contentsOf: url))
        } catch {
            throw TorchBackendError.invalidOption(name: "model", reason: "\(url.path): not a Hugging Face config.json with the Llama shape fields (\(error.localizedDescription))")
        }
    }

    /// The ZeRO stage of a DeepSpeed JSON config (`zero_optimization.stage`).
    public static func zeroStage(deepspeed: String?) throws -> Int? {
        guard let deepspeed else { return nil }
        guard let object = try? JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: deepspeed))) as? [String: Any] else {
            throw TorchBackendError.invalidOption(name: "deepspeed", reason: "\(deepspeed) is not a JSON object")
        }
        return (object["zero_optimization"] as? [String: Any])?["stage"] as? Int
    }

    static func gib(_ bytes: Double) -> String { String(format: "%.2f GiB", bytes / 1_073_741_824) }

    /// The lines `--dry-run` prints.
    public var lines: [String] {
        ["per-device memory estimate (docs/scale-out.md §2.1):",
         "  weights     \(Self.gib(weightBytes))  (\(parameters) parameters)",
         "  LoRA        \(Self.gib(loraBytes))  (\(loraParameters) weights with gradients and AdamW moments)",
         "  activations \(Self.gib(activationBytes))  (\(sequencesPerMicroBatch) sequences × \(sequenceLength) tokens)",
         "  logits      \(Self.gib(logitBytes))",
         "  total       \(Self.gib(totalBytes))"]
    }

    /// Refuses a run whose estimate exceeds `deviceMemoryGiB`.
    public func check(deviceMemoryGiB: Double?) throws {
        guard let deviceMemoryGiB, totalBytes > deviceMemoryGiB * 1_073_741_824 else { return }
        throw TorchBackendError.invalidOption(name: "device-memory", reason: "the run needs about \(Self.gib(totalBytes)) per device, more than "
            + "the \(deviceMemoryGiB) GiB given: lower batch_size (raise grad_accum), max_length, use --precision bf16, "
            + "--deepspeed with ZeRO-3 or --fsdp, or more processes")
    }
}
