import Foundation

/// A Hugging Face model folder's weights: one `model.safetensors`, or shards listed in
/// `model.safetensors.index.json` (`weight_map`: tensor → shard file), falling back to every
/// `model*.safetensors` in the folder when there is no index (as mlx-lm does).
public final class SafetensorsCheckpoint: @unchecked Sendable {
    public let directory: URL
    public let files: [SafetensorsFile]
    private let location: [String: Int]

    public init(directory: URL) throws {
        self.directory = directory
        let index = directory.appendingPathComponent("model.safetensors.index.json")
        var shardNames: [String]
        if FileManager.default.fileExists(atPath: index.path) {
            guard let json = try? JSONSerialization.jsonObject(with: Data(contentsOf: index)) as? [String: Any],
                  let map = json["weight_map"] as? [String: String] else {
                throw WeightFormatError.invalid(path: index.path, reason: "missing or malformed \"weight_map\"")
            }
            shardNames = Array(Set(map.values)).sorted()
        } else {
            let listing = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
            shardNames = listing.filter { $0.hasPrefix("model") && $0.hasSuffix(".safetensors") }.sorted()
        }
        guard !shardNames.isEmpty else {
            throw WeightFormatError.cannotOpen(path: directory.path, reason: "no model*.safetensors files")
        }
        files = try shardNames.map { try SafetensorsFile(url: directory.appendingPathComponent($0)) }
        var location: [String: Int] = [:]
        for (i, f) in files.enumerated() {
            for name in f.tensors.keys {
                if location[name] != nil { throw WeightFormatError.invalid(path: f.path, reason: "tensor '\(name)' appears in two shards") }
                location[name] = i
            }
        }
        self.location = location
    }

    public var tensorNames: [String] { location.keys.sorted() }
    public func contains(_ name: String) -> Bool { location[name] != nil }

    public func info(named name: String) -> SafetensorsTensorInfo? { location[name].flatMap { files[$0].tensors[name] } }

    public func floats(named name: String) throws -> [Float] {
        guard let i = location[name] else { throw WeightFormatError.missingTensor(path: directory.path, name: name) }
        return try files[i].floats(named: name)
    }
}
