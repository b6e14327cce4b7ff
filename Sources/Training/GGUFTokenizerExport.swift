import Base
import Foundation
import WeightFormats

/// Rebuilds `tokenizer.json` and `tokenizer_config.json` from a GGUF file's byte-level BPE
/// metadata (`tokenizer.ggml.*`), so a fused GGUF model is a complete HF folder. Supports the
/// GPT-2 and SmolLM/StarCoder pre-tokenizers (byte-level, with individual digits for the latter);
/// other `tokenizer.ggml.pre` families are reported as not reproduced.
public enum GGUFTokenizerExport {
    public static func write(gguf file: GGUFFile, chatTemplate: String?, to directory: URL) throws -> [String] {
        guard file.string("tokenizer.ggml.model") == "gpt2", let tokens = file.strings("tokenizer.ggml.tokens") else {
            return ["tokenizer: only GGUF byte-level BPE (tokenizer.ggml.model = gpt2) is exported; no tokenizer.json written"]
        }
        let pre = file.string("tokenizer.ggml.pre") ?? "default"
        let byteLevel: [String: Any] = ["type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true]
        let preTokenizer: [String: Any]
        switch pre {
        case "default", "gpt-2", "gpt2":
            preTokenizer = byteLevel
        case "smollm", "starcoder", "refact":
            preTokenizer = ["type": "Sequence", "pretokenizers": [["type": "Digits", "individual_digits": true], byteLevel]]
        default:
            return ["tokenizer: GGUF pre-tokenizer '\(pre)' is not exported; no tokenizer.json written"]
        }
        let types = file.ints("tokenizer.ggml.token_type") ?? []
        var added: [[String: Any]] = []
        for (id, type) in types.enumerated() where type == 3 || type == 4 {
            added.append(["id": id, "content": tokens[id], "single_word": false, "lstrip": false, "rstrip": false,
                          "normalized": false, "special": type == 3])
        }
        var vocab: [String: Int] = [:]
        for (id, t) in tokens.enumerated() { vocab[t] = id }
        let json: [String: Any] = [
            "version": "1.0", "truncation": NSNull(), "padding": NSNull(), "added_tokens": added, "normalizer": NSNull(),
            "pre_tokenizer": preTokenizer,
            "post_processor": ["type": "ByteLevel", "add_prefix_space": true, "trim_offsets": false, "use_regex": true],
            "decoder": ["type": "ByteLevel", "add_prefix_space": true, "trim_offsets": true, "use_regex": true],
            "model": ["type": "BPE", "dropout": NSNull(), "unk_token": NSNull(), "continuing_subword_prefix": NSNull(),
                      "end_of_word_suffix": NSNull(), "fuse_unk": false, "byte_fallback": false, "ignore_merges": false,
                      "vocab": vocab, "merges": file.strings("tokenizer.ggml.merges") ?? []] as [String: Any],
        ]
        try AtomicFile.write(JSONSerialization.data(withJSONObject: json, options: [.sortedKeys, .withoutEscapingSlashes]),
                             to: directory.appendingPathComponent("tokenizer.json"))
        var config: [String: Any] = ["tokenizer_class": "PreTrainedTokenizerFast", "clean_up_tokenization_spaces": false,
                                     "model_max_length": 8192]
        if let id = file.int("tokenizer.ggml.bos_token_id"), id < tokens.count { config["bos_token"] = tokens[id] }
        if let id = file.int("tokenizer.ggml.eos_token_id"), id < tokens.count { config["eos_token"] = tokens[id] }
        if let id = file.int("tokenizer.ggml.padding_token_id"), id < tokens.count { config["pad_token"] = tokens[id] }
        if let id = file.int("tokenizer.ggml.unknown_token_id"), id < tokens.count { config["unk_token"] = tokens[id] }
        if let add = file.bool("tokenizer.ggml.add_bos_token") { config["add_bos_token"] = add }
        if let chatTemplate { config["chat_template"] = chatTemplate }
        try AtomicFile.write(JSONSerialization.data(withJSONObject: config, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]),
                             to: directory.appendingPathComponent("tokenizer_config.json"))
        return []
    }
}
