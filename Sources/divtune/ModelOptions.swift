import ArgumentParser

/// `--model` and `--adapter`: the model a command samples, shared by `generate`, `evaluate run`
/// and `serve`.
struct ModelOptions: ParsableArguments {
    @Option(help: "The model: a .gguf file or an HF model folder.") var model: String
    @Option(help: "A PEFT LoRA adapter folder applied to --model.") var adapter: String?
}
