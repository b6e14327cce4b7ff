import Foundation

/// A Hugging Face model folder's weights: the shards named by `model.safetensors.index.json`
/// (`{"weight_map": {tensor: shard file}}`), or — without an index — every `model*.safetensors`
/// in the folder (as `mlx_lm/utils.py` and mlx-swift-lm's `Load.swift` do). Tensor names are looked
/// up across shards; a name in two shards, or an index entry whose shard lacks the tensor, is an
/// error. Quantized checkpoints (MLX `"quantization"` or HF `"quantization_config"` in
/// `config.json`) are refused with an explicit error rather than failing on their packed U32/I32 data.
public final class SafetensorsCheckpoint: @unchecked Sendable {
    public let directory: URL
    /// The shard files, sorted by name.
    public let files: [SafetensorsFile]
    private let location: [String: Int]

    public init(directory: URL) throws {
        self.directory = directory
        try Self.refuseQuantized(directory)
        let indexURL = directory.appendingPathComponent("model.safetensors.index.json")
        var weightMap: [String: String]?
        if FileManager.default.fileExists(atPath: indexURL.path) {
            guard let data = FileManager.default.contents(atPath: indexURL.path),
                  let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
                  let map = json["weight_map"] as? [String: String] else {
                throw WeightFormatError.invalid(path: indexURL.path, reason: "missing or malformed \"weight_map\" (an object of tensor name → shard file)")
            }
            for shard in Set(map.values) where shard.contains("/") || shard.hasPrefix(".") {
                throw WeightFormatError.invalid(path: indexURL.path, reason: "shard name '\(shard)' must be a file in the same folder")
            }
            weightMap = map
        }
        let shardNames: [String]
        if let weightMap {
            shardNames = Set(weightMap.values).sorted()
        } else {
            let listing = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
            shardNames = listing.filter { $0.hasPrefix("model") && $0.hasSuffix(".safetensors") }.sorted()
        }
        guard !shardNames.isEmpty else {
            throw WeightFormatError.cannotOpen(path: directory.path, reason: "no model.safetensors.index.json and no model*.safetensors files")
        }
        files = try shardNames.map { try SafetensorsFile(url: directory.appendingPathComponent($0)) }
        var location: [String: Int] = [:]
        for (i, f) in files.enumerated() {
            for name in f.tensors.keys {
                if let j = location[name] {
                    throw WeightFormatError.invalid(path: f.path, reason: "tensor '\(name)' is also in \(files[j].path)")
                }
                location[name] = i
            }
        }
        for (name, shard) in weightMap ?? [:] where location[name].map({ shardNames[$0] }) != shard {
            throw WeightFormatError.invalid(path: indexURL.path, reason: "weight_map puts '\(name)' in \(shard), which does not contain it")
        }
        self.location = location
    }

    /// config.json's quantization keys mean packed integer weights DivTune cannot read.
    private static func refuseQuantized(_ directory: URL) throws {
        let config = directory.appendingPathComponent("config.json")
        guard let data = FileManager.default.contents(atPath: config.path),
              let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else { return }
        if let q = json["quantization"] as? [String: Any] {
            throw WeightFormatError.invalid(path: directory.path, reason:
                "MLX-quantized checkpoint (bits \(q["bits"] ?? "?"), group_size \(q["group_size"] ?? "?")) is not supported; use the unquantized model or a GGUF file")
        }
        if let q = json["quantization_config"] as? [String: Any] {
            throw WeightFormatError.invalid(path: directory.path, reason:
                "quantized checkpoint (quant_method \(q["quant_method"] ?? "?")) is not supported; use the unquantized model or a GGUF file")
        }
    }

    /// Every tensor name, sorted.
    public var tensorNames: [String] { location.keys.sorted() }
    public func contains(_ name: String) -> Bool { location[name] != nil }

    /// The header entry of `name` (nil if absent).
    public func info(named name: String) -> SafetensorsTensorInfo? { location[name].flatMap { files[$0].tensors[name] } }

    /// The shard holding `name`.
    public func file(containing name: String) -> SafetensorsFile? { location[name].map { files[$0] } }

    /// `name` as Float32, from whichever shard holds it.
    public func floats(named name: String) throws -> [Float] {
        guard let i = location[name] else { throw WeightFormatError.missingTensor(path: directory.path, name: name) }
        return try files[i].floats(named: name)
    }
}
