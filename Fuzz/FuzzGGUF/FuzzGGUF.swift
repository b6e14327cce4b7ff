import FuzzSupport
import Models
import Tokenizers
import WeightFormats

/// A GGUF file as `LanguageModel.load` reads one: header, metadata and tensor table, every tensor
/// dequantized, the model configuration and the tokenizer from the metadata (docs/fuzzing.md).
@main enum FuzzGGUF {
    static func main() {
        FuzzTarget.run { data in
            let gguf = try GGUFFile(file: MappedFile(data: data, name: "input.gguf"))
            for tensor in gguf.tensors { _ = try? gguf.dequantize(tensor) }
            if let configuration = try? LlamaConfiguration(gguf: gguf) { try? configuration.validate() }
            let tokenizer = try PreTrainedTokenizer.fromGGUF(gguf)
            _ = tokenizer.decode(tokenizer.encode("Hello, world! <|im_start|>user\n"))
        }
    }
}
