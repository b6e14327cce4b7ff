import ArgumentParser
import Foundation
import Models
import WeightFormats

/// `divtune inspect FILE`: the metadata and tensor table of a GGUF file, a safetensors file, or an
/// HF model folder of safetensors shards, and the decoder architecture a model declares (GGUF
/// `general.architecture`, config.json `model_type`) as DivTune reads it. Long arrays (the
/// vocabulary, merges) and long strings (the chat template) are abbreviated; `--json` prints the
/// same as one JSON object.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "List the metadata and tensors (name, type, shape, offset, size) of a GGUF or safetensors file.")

    @Argument(help: "A .gguf file, a .safetensors file, or a folder with model*.safetensors shards.")
    var file: String

    @Flag(help: "Print JSON instead of text.")
    var json = false

    @Option(help: "Array items shown before abbreviating.")
    var arrayLimit = 8

    func run() throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: file, isDirectory: &isDirectory) else {
            throw ValidationError("no such file or folder: \(file)")
        }
        let report: Report
        if isDirectory.boolValue {
            report = try Self.checkpoint(SafetensorsCheckpoint(directory: URL(fileURLWithPath: file)))
        } else if Self.isGGUF(file) {
            report = try Self.gguf(GGUFFile(path: file), arrayLimit: arrayLimit)
        } else {
            report = try Self.safetensors([SafetensorsFile(path: file)], format: "safetensors")
        }
        print(json ? report.json() : report.text())
    }

    /// A `.gguf` name or the GGUF magic: a foreign file named `.gguf` is then refused as "not a GGUF
    /// file" rather than read as safetensors.
    static func isGGUF(_ path: String) -> Bool {
        if path.lowercased().hasSuffix(".gguf") { return true }
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        return (try? handle.read(upToCount: 4)) == Data("GGUF".utf8)
    }

    // MARK: Report

    struct Tensor { var name: String, type: String, shape: [Int], offset: Int, size: Int, file: String? }

    struct Report {
        var format: String
        var header: [(String, Any)]
        var metadata: [(key: String, text: String, json: Any)]
        var tensors: [Tensor]

        func text() -> String {
            var lines = header.map { "\($0.0): \($0.1)" }
            lines.append("metadata (\(metadata.count)):")
            lines += metadata.map { "  \($0.key) = \($0.text)" }
            let total = tensors.reduce(0) { $0 + $1.size }
            lines.append("tensors (\(tensors.count), \(ByteCountFormatter.string(fromByteCount: Int64(total), countStyle: .binary))):")
            let width = min(tensors.map(\.name.count).max() ?? 0, 60)
            for t in tensors {
                let name = t.name.padding(toLength: max(width, t.name.count), withPad: " ", startingAt: 0)
                let type = t.type.padding(toLength: 5, withPad: " ", startingAt: 0)
                lines.append("  \(name)  \(type) \(t.shape)  offset \(t.offset)  \(t.size) bytes" + (t.file.map { "  [\($0)]" } ?? ""))
            }
            return lines.joined(separator: "\n")
        }

        func json() -> String {
            var object: [String: Any] = ["format": format]
            for (k, v) in header { object[k] = v }
            object["metadata"] = Dictionary(metadata.map { ($0.key, $0.json) }, uniquingKeysWith: { a, _ in a })
            object["tensors"] = tensors.map { t -> [String: Any] in
                var o: [String: Any] = ["name": t.name, "type": t.type, "shape": t.shape, "offset": t.offset, "size": t.size]
                if let f = t.file { o["file"] = f }
                return o
            }
            guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]) else {
                return "{}"
            }
            return String(decoding: data, as: UTF8.self)
        }
    }

    static func gguf(_ f: GGUFFile, arrayLimit: Int) -> Report {
        let metadata = f.metadataKeys.compactMap { key in
            f.metadata[key].map { (key: key, text: $0.summary, json: $0.jsonObject(arrayLimit: arrayLimit)) }
        }
        let tensors = f.tensors.map { Tensor(name: $0.name, type: $0.type.name, shape: $0.shape, offset: $0.offset, size: $0.byteCount, file: nil) }
        var header: [(String, Any)] = [("path", f.path), ("version", Int(f.version)), ("alignment", f.alignment), ("data_offset", f.dataOffset)]
        if let name = f.string("general.architecture") { header.append(("architecture", architecture(name, ModelArchitecture(ggufName: name)))) }
        return Report(format: "gguf", header: header, metadata: metadata, tensors: tensors)
    }

    /// The architecture's name when DivTune runs it; else the declared name and what DivTune runs.
    static func architecture(_ declared: String, _ found: ModelArchitecture?) -> String {
        found?.rawValue ?? "\(declared) (not a decoder DivTune runs: \(ModelArchitecture.supportedNames))"
    }

    static func safetensors(_ files: [SafetensorsFile], format: String) -> Report {
        var metadata: [(key: String, text: String, json: Any)] = []
        var tensors: [Tensor] = []
        for f in files {
            for (k, v) in f.metadata.sorted(by: { $0.key < $1.key }) where !metadata.contains(where: { $0.key == k }) {
                metadata.append((k, "\"\(v)\"", v))
            }
            let shard = files.count > 1 ? URL(fileURLWithPath: f.path).lastPathComponent : nil
            tensors += f.orderedTensors.map { Tensor(name: $0.name, type: $0.dtype.rawValue, shape: $0.shape, offset: $0.offset, size: $0.byteCount, file: shard) }
        }
        return Report(format: format, header: [("path", files.count == 1 ? files[0].path : files.map(\.path).joined(separator: ", "))],
                      metadata: metadata, tensors: tensors)
    }

    static func checkpoint(_ c: SafetensorsCheckpoint) -> Report {
        var report = safetensors(c.files, format: "safetensors-checkpoint")
        report.header = [("path", c.directory.path), ("shards", c.files.count)]
        if let data = try? Data(contentsOf: c.directory.appendingPathComponent("config.json")),
           let config = try? JSONSerialization.jsonObject(with: data) as? [String: Any], let name = config["model_type"] as? String {
            report.header.append(("architecture", architecture(name, ModelArchitecture(modelType: name))))
        }
        return report
    }
}
