import ArgumentParser
import Foundation
import Models
import Training

/// `divtune fuse`: base model + LoRA adapter → a standalone HF safetensors checkpoint.
struct FuseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fuse", abstract: "Merge a LoRA adapter into its base model and write an HF checkpoint folder.")
    @Option(help: "Base model: a .gguf file or an HF model folder.") var model: String
    @Option(help: "PEFT adapter folder.") var adapter: String
    @Option(help: "Output folder (config.json, model.safetensors, tokenizer files).") var output: String

    func run() throws {
        let lm = try LanguageModel.load(path: model)
        let lora = try LoRAAdapter.load(directory: URL(fileURLWithPath: adapter))
        let notes = try FusedCheckpoint.write(model: lm, adapter: lora, to: URL(fileURLWithPath: output))
        for note in notes { print("note: \(note)") }
        print("fused \(lora.layers.count) LoRA layers into \(output)")
    }
}
