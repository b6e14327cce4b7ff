import Base
import Foundation
import Models
import TensorEngine
import Tokenizers
import WeightFormats

/// Writes base + adapter as a plain HF checkpoint folder: `config.json`, `model.safetensors`
/// (merged weights W + α/r·B·A under HF names), and the tokenizer files — copied from an HF
/// base, or rebuilt from the GGUF tokenizer metadata (`GGUFTokenizerExport`) for a GGUF base.
public enum FusedCheckpoint {
    /// Merges `adapter` into `model` (the model is changed) and writes the folder. Returns notes
    /// about anything that could not be reproduced.
    @discardableResult
    public static func write(model: LanguageModel, adapter: LoRAAdapter?, to directory: URL) throws -> [String] {
        let fm = FileManager.default
        try fm.createDirectory(at: directory, withIntermediateDirectories: true)
        if let adapter {
            try model.model.attach(adapter)
            try model.model.mergeAdapters()
        }
        var notes: [String] = []
        let c = model.configuration
        var config = try JSONSerialization.jsonObject(with: JSONEncoder().encode(c)) as? [String: Any] ?? [:]
        config["architectures"] = [c.architecture.causalLMClassName]
        config["torch_dtype"] = "float32"
        if c.eosTokenIds.count == 1 { config["eos_token_id"] = c.eosTokenIds[0] }
        try AtomicFile.write(JSONSerialization.data(withJSONObject: config, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]),
                             to: directory.appendingPathComponent("config.json"))
        let tensors = model.model.namedWeights.map { (name: $0.name, shape: $0.tensor.shape, values: $0.tensor.scalars) }
        try SafetensorsWriter.write(tensors: tensors, metadata: ["format": "pt"], to: directory.appendingPathComponent("model.safetensors"))

        var isDirectory: ObjCBool = false
        if fm.fileExists(atPath: model.source, isDirectory: &isDirectory), isDirectory.boolValue {
            let source = URL(fileURLWithPath: model.source)
            // transformers 5 keeps chat templates in files of their own (TokenizerConfig.chatTemplatePaths).
            for name in ["tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "generation_config.json"]
                + TokenizerConfig.chatTemplatePaths(in: source).map(\.path) {
                guard let data = try? Data(contentsOf: source.appendingPathComponent(name)) else { continue }
                try AtomicFile.write(data, to: directory.appendingPathComponent(name))   // creates the template folder too
            }
        } else {
            notes += try GGUFTokenizerExport.write(gguf: GGUFFile(path: model.source), chatTemplate: model.chatTemplate, to: directory)
        }
        return notes
    }
}
