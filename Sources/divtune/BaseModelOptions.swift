import ArgumentParser

/// `--base-model` and `--base-adapter`: the base model of conformative decoding (docs/methods.md
/// §8), shared by `serve` and, through ``ConformativeOptions``, `generate` and `evaluate run`.
struct BaseModelOptions: ParsableArguments {
    @Option(help: "Base model for conformative decoding (must share the tokenizer; may be --model itself).") var baseModel: String?
    @Option(help: "A PEFT LoRA adapter folder applied to --base-model.") var baseAdapter: String?

    func validate() throws {
        if baseAdapter != nil && baseModel == nil { throw ValidationError("--base-adapter needs --base-model") }
    }
}
