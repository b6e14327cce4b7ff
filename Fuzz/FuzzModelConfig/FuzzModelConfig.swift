// A downloaded checkpoint's `config.json` (docs/fuzzing.md §1): the decoder side (Llama, Mistral,
// Qwen2, Gemma 2, OLMo 2) as `LanguageModel` decodes and validates it before any allocation, and the
// encoder side (BERT, RoBERTa, XLM-RoBERTa with rotary and task LoRA, as jina-embeddings-v3) as the
// sentence embedders read it from their folder.
import Foundation
import FuzzSupport
import Models

@main enum FuzzModelConfig {
    static func main() {
        let file = FuzzTarget.scratchFile("config.json")
        FuzzTarget.run { data in
            if let configuration = try? JSONDecoder().decode(LlamaConfiguration.self, from: data) {
                try? configuration.validate()
            }
            // Foundation's file reader leaks its 4 KB buffer on an empty file (not DivTune's code, and
            // EncoderConfiguration reports the empty file as "not a JSON object"): keep LeakSanitizer to ours.
            guard !data.isEmpty else { return }
            try data.write(to: file)
            _ = try EncoderConfiguration(url: file)
        }
    }
}
