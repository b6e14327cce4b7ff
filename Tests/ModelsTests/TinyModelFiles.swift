import Foundation
import WeightFormats

/// Tiny Llama model files (hidden 8, 2 heads of 4 with 1 KV head, FFN 16, 1 layer, vocab 4),
/// written field by field so that a test can make their numbers disagree.
enum TinyModelFiles {
    /// GGUF metadata values of the types the loader reads.
    enum Value { case u32(UInt32), f32(Float), string(String), strings([String]) }

    static let tokens = ["a", "b", "c", "d"]

    /// Metadata of a consistent tiny llama GGUF.
    static var ggufMetadata: [(String, Value)] {
        [("general.architecture", .string("llama")), ("llama.embedding_length", .u32(8)), ("llama.feed_forward_length", .u32(16)),
         ("llama.block_count", .u32(1)), ("llama.attention.head_count", .u32(2)), ("llama.attention.head_count_kv", .u32(1)),
         ("llama.attention.layer_norm_rms_epsilon", .f32(1e-5)), ("llama.rope.freq_base", .f32(10_000)),
         ("llama.context_length", .u32(64)), ("tokenizer.ggml.model", .string("gpt2")), ("tokenizer.ggml.tokens", .strings(tokens))]
    }

    /// GGUF tensors (PyTorch-order shapes) of a consistent tiny llama.
    static var ggufTensors: [(name: String, shape: [Int])] {
        [("token_embd.weight", [4, 8]), ("output_norm.weight", [8]), ("blk.0.attn_norm.weight", [8]), ("blk.0.ffn_norm.weight", [8]),
         ("blk.0.attn_q.weight", [8, 8]), ("blk.0.attn_k.weight", [4, 8]), ("blk.0.attn_v.weight", [4, 8]),
         ("blk.0.attn_output.weight", [8, 8]), ("blk.0.ffn_gate.weight", [16, 8]), ("blk.0.ffn_up.weight", [16, 8]),
         ("blk.0.ffn_down.weight", [8, 16])]
    }

    /// Writes a GGUF v3 file of F32 tensors (values 0.01·i) to `url`.
    static func writeGGUF(to url: URL, metadata: [(String, Value)] = ggufMetadata,
                          tensors: [(name: String, shape: [Int])] = ggufTensors) throws {
        var out = Data()
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        func string(_ s: String) { u64(UInt64(s.utf8.count)); out.append(contentsOf: Array(s.utf8)) }
        out.append(contentsOf: Array("GGUF".utf8))
        u32(3); u64(UInt64(tensors.count)); u64(UInt64(metadata.count))
        for (key, value) in metadata {
            string(key)
            switch value {
            case let .u32(v): u32(4); u32(v)
            case let .f32(v): u32(6); u32(v.bitPattern)
            case let .string(s): u32(8); string(s)
            case let .strings(list): u32(9); u32(8); u64(UInt64(list.count)); list.forEach(string)
            }
        }
        var offset = 0
        for (name, shape) in tensors {
            string(name)
            u32(UInt32(shape.count))
            for d in shape.reversed() { u64(UInt64(d)) }
            u32(0)   // F32
            u64(UInt64(offset))
            offset += (shape.reduce(1, *) * 4 + 31) / 32 * 32
        }
        for (_, shape) in tensors {
            while out.count % 32 != 0 { out.append(0) }
            for i in 0..<shape.reduce(1, *) { withUnsafeBytes(of: (Float(i) * 0.01).bitPattern.littleEndian) { out.append(contentsOf: $0) } }
        }
        try out.write(to: url)
    }

    /// config.json of a consistent tiny llama, as a dictionary to edit.
    static var config: [String: Any] {
        ["model_type": "llama", "hidden_size": 8, "intermediate_size": 16, "num_hidden_layers": 1, "num_attention_heads": 2,
         "num_key_value_heads": 1, "vocab_size": 4, "rms_norm_eps": 1e-5, "rope_theta": 10_000, "max_position_embeddings": 64]
    }

    /// HF tensors of a consistent tiny llama.
    static var hfTensors: [(name: String, shape: [Int])] {
        [("model.embed_tokens.weight", [4, 8]), ("model.norm.weight", [8]), ("model.layers.0.input_layernorm.weight", [8]),
         ("model.layers.0.post_attention_layernorm.weight", [8]), ("model.layers.0.self_attn.q_proj.weight", [8, 8]),
         ("model.layers.0.self_attn.k_proj.weight", [4, 8]), ("model.layers.0.self_attn.v_proj.weight", [4, 8]),
         ("model.layers.0.self_attn.o_proj.weight", [8, 8]), ("model.layers.0.mlp.gate_proj.weight", [16, 8]),
         ("model.layers.0.mlp.up_proj.weight", [16, 8]), ("model.layers.0.mlp.down_proj.weight", [8, 16])]
    }

    /// An HF folder: config.json (raw JSON text), model.safetensors and a four-token tokenizer.json.
    static func writeFolder(at dir: URL, configJSON: String, tensors: [(name: String, shape: [Int])] = hfTensors) throws {
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try Data(configJSON.utf8).write(to: dir.appendingPathComponent("config.json"))
        try SafetensorsWriter.write(tensors: tensors.map { ($0.name, $0.shape, (0..<$0.shape.reduce(1, *)).map { Float($0) * 0.01 }) },
                                    to: dir.appendingPathComponent("model.safetensors"))
        let tokenizer = #"{"model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "c": 2, "d": 3}, "merges": []}}"#
        try Data(tokenizer.utf8).write(to: dir.appendingPathComponent("tokenizer.json"))
    }

    /// `config` with `changes` applied, as JSON text (numbers written as given, e.g. "1e13").
    static func configJSON(_ changes: [String: String] = [:]) throws -> String {
        var fields = try config.mapValues { value -> String in
            String(decoding: try JSONSerialization.data(withJSONObject: value, options: .fragmentsAllowed), as: UTF8.self)
        }
        fields.merge(changes) { _, new in new }
        return "{" + fields.sorted { $0.key < $1.key }.map { "\"\($0.key)\": \($0.value)" }.joined(separator: ", ") + "}"
    }

    /// A fresh folder for one test.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("divtune-models-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
