import Foundation

extension LanguageModel {
    /// Loads a `.gguf` file or HF folder and attaches a PEFT LoRA adapter folder when one is given
    /// (adapters attach to this instance's layers, so each adapted model is its own instance).
    public static func load(path: String, adapter: String?) throws -> LanguageModel {
        let model = try load(path: path)
        if let adapter { try model.model.attach(LoRAAdapter.load(directory: URL(fileURLWithPath: adapter))) }
        return model
    }
}
