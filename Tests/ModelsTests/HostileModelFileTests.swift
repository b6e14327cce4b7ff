import Foundation
import Testing
@testable import Models

/// Model files whose numbers disagree (issue 23): each must be refused with an error naming the
/// key or tensor at fault, before anything is permuted or allocated from the bad numbers.
@Suite struct HostileModelFileTests {
    /// Loads `url` and expects an error whose description has every fragment.
    func expectLoadError(_ url: URL, _ fragments: [String], sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        do {
            _ = try LanguageModel.load(path: url.path)
            Issue.record("loaded; expected an error mentioning \(fragments)", sourceLocation: sourceLocation)
        } catch {
            let text = "\(error)"
            for f in fragments where !text.contains(f) {
                Issue.record("error \"\(text)\" does not mention \"\(f)\"", sourceLocation: sourceLocation)
            }
        }
    }

    func gguf(in dir: URL, metadata: [(String, TinyModelFiles.Value)] = TinyModelFiles.ggufMetadata,
              tensors: [(name: String, shape: [Int])] = TinyModelFiles.ggufTensors) throws -> URL {
        let url = dir.appendingPathComponent("\(UUID().uuidString).gguf")
        try TinyModelFiles.writeGGUF(to: url, metadata: metadata, tensors: tensors)
        return url
    }

    /// The metadata with `key` set to `value`.
    func metadata(_ key: String, _ value: TinyModelFiles.Value) -> [(String, TinyModelFiles.Value)] {
        TinyModelFiles.ggufMetadata.filter { $0.0 != key } + [(key, value)]
    }

    /// The GGUF tensors with `name` given `shape`.
    func tensors(_ name: String, _ shape: [Int]) -> [(name: String, shape: [Int])] {
        TinyModelFiles.ggufTensors.map { $0.name == name ? (name, shape) : $0 }
    }

    func folder(in dir: URL, _ changes: [String: String] = [:]) throws -> URL {
        let url = dir.appendingPathComponent(UUID().uuidString)
        try TinyModelFiles.writeFolder(at: url, configJSON: TinyModelFiles.configJSON(changes))
        return url
    }

    @Test func consistentTinyFilesLoad() throws {
        let dir = try TinyModelFiles.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(try LanguageModel.load(path: gguf(in: dir).path).configuration.numKeyValueHeads == 1)
        #expect(try LanguageModel.load(path: folder(in: dir).path).configuration.numKeyValueHeads == 1)
    }

    @Test func ggufTensorShapesAreCheckedBeforeThePermutation() throws {
        let dir = try TinyModelFiles.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        // 6 query rows cannot be 2 heads of even size: this trapped inside the Q/K un-permutation.
        expectLoadError(try gguf(in: dir, tensors: tensors("blk.0.attn_q.weight", [6, 8])),
                        ["model.layers.0.self_attn.q_proj.weight", "blk.0.attn_q.weight", "[8, 8]", "[6, 8]"])
        expectLoadError(try gguf(in: dir, tensors: tensors("blk.0.attn_k.weight", [3, 8])),
                        ["model.layers.0.self_attn.k_proj.weight", "[4, 8]", "[3, 8]"])
        expectLoadError(try gguf(in: dir, tensors: tensors("blk.0.attn_q.weight", [8, 16])), ["q_proj", "[8, 8]", "[8, 16]"])
        expectLoadError(try gguf(in: dir, tensors: tensors("blk.0.ffn_down.weight", [8, 15])), ["down_proj", "[8, 16]", "[8, 15]"])
        expectLoadError(try gguf(in: dir, tensors: TinyModelFiles.ggufTensors.filter { $0.name != "blk.0.attn_v.weight" }),
                        ["v_proj", "missing"])
    }

    @Test func ggufHeadCountsThatDisagree() throws {
        let dir = try TinyModelFiles.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        expectLoadError(try gguf(in: dir, metadata: metadata("llama.attention.head_count_kv", .u32(3))), ["num_key_value_heads", "3"])
        expectLoadError(try gguf(in: dir, metadata: metadata("llama.attention.head_count_kv", .u32(0))), ["num_key_value_heads"])
        expectLoadError(try gguf(in: dir, metadata: metadata("llama.attention.head_count", .u32(0))), ["num_attention_heads"])
        // 3 heads of hidden 8: the derived head size (2) leaves q at 6 rows, which trapped in the un-permutation of q's 8.
        expectLoadError(try gguf(in: dir, metadata: metadata("llama.attention.head_count", .u32(3))), ["num_attention_heads", "3", "hidden_size 8"])
        // head_count 4 with head_count_kv 1: the heads divide, but q (8 rows) then holds 2-dimensional heads
        // that disagree with the 4-dimensional ones of k; the shapes, not the permutation, must say so.
        expectLoadError(try gguf(in: dir, metadata: metadata("llama.attention.head_count", .u32(4))), ["k_proj", "[2, 8]", "[4, 8]"])
        expectLoadError(try gguf(in: dir, metadata: metadata("llama.attention.key_length", .u32(3))), ["head_dim", "3"])
        expectLoadError(try gguf(in: dir, metadata: metadata("llama.block_count", .u32(4_000_000_000))), ["num_hidden_layers", "4000000000"])
        expectLoadError(try gguf(in: dir, metadata: metadata("llama.embedding_length", .u32(4_000_000_000))), ["hidden_size"])
    }

    @Test func configSizesOutOfRange() throws {
        let dir = try TinyModelFiles.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        expectLoadError(try folder(in: dir, ["num_hidden_layers": "10000000000000"]), ["num_hidden_layers", "10000000000000"])
        expectLoadError(try folder(in: dir, ["num_hidden_layers": "1e13"]), ["num_hidden_layers"])
        expectLoadError(try folder(in: dir, ["num_attention_heads": "4611686018427387904", "head_dim": "4"]), ["num_attention_heads"])
        expectLoadError(try folder(in: dir, ["num_attention_heads": "1048576", "num_key_value_heads": "1048576", "head_dim": "1048576"]),
                        ["num_attention_heads"])
        expectLoadError(try folder(in: dir, ["hidden_size": "1099511627776"]), ["hidden_size"])
        expectLoadError(try folder(in: dir, ["intermediate_size": "1000000000000"]), ["intermediate_size"])
        expectLoadError(try folder(in: dir, ["vocab_size": "1000000000000"]), ["vocab_size"])
        expectLoadError(try folder(in: dir, ["max_position_embeddings": "9223372036854775807"]), ["max_position_embeddings"])
        expectLoadError(try folder(in: dir, ["num_key_value_heads": "4"]), ["num_key_value_heads"])
        // Numbers that pass every range check but disagree with the tensors present.
        expectLoadError(try folder(in: dir, ["vocab_size": "5"]), ["model.embed_tokens.weight", "[5, 8]", "[4, 8]"])
    }

    /// An empty config.json, one holding a list, a PNG renamed config.json, and one naming a key
    /// twice (transformers would read the second value, Foundation the first).
    @Test func configFilesThatAreNotOneConfigurationObject() throws {
        let dir = try TinyModelFiles.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = try folder(in: dir)
        let config = model.appendingPathComponent("config.json")
        let good = try TinyModelFiles.configJSON()
        let cases: [(Data, String)] = [
            (Data(), "not valid JSON"),
            (Data("[1]".utf8), "the top level should be Dictionary<String, Any>"),
            (Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]), "not valid JSON"),
            (Data((good.dropLast() + #", "hidden_size": 16}"#).utf8), "key \"hidden_size\" appears twice"),
        ]
        for (bytes, reason) in cases {
            try bytes.write(to: config)
            #expect { try LanguageModel.load(path: model.path) } throws: { "\($0)" == "\(config.path): \(reason)" }
        }
    }

    @Test func encoderConfigSizesOutOfRange() throws {
        let dir = try TinyModelFiles.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let base = #""model_type": "bert", "hidden_size": 8, "intermediate_size": 16, "num_attention_heads": 2, "vocab_size": 10"#
        func expectRefused(_ fields: String, _ fragments: [String], sourceLocation: Testing.SourceLocation = #_sourceLocation) throws {
            let url = dir.appendingPathComponent("config.json")
            try Data("{\(base), \(fields)}".utf8).write(to: url)
            do {
                _ = try EncoderConfiguration(url: url)
                Issue.record("accepted \(fields)", sourceLocation: sourceLocation)
            } catch {
                for f in fragments where !"\(error)".contains(f) { Issue.record("\(error) does not mention \(f)", sourceLocation: sourceLocation) }
            }
        }
        try expectRefused(#""num_hidden_layers": 10000000000000"#, ["num_hidden_layers", "10000000000000"])
        try expectRefused(#""num_hidden_layers": 1, "max_position_embeddings": 9223372036854775807"#, ["max_position_embeddings"])
        try expectRefused(#""num_hidden_layers": 1, "type_vocab_size": 1000000000000"#, ["type_vocab_size"])
        try expectRefused(#""num_hidden_layers": 1, "pad_token_id": -5"#, ["pad_token_id"])
        try expectRefused(#""num_hidden_layers": 1, "layer_norm_eps": -1e-12"#, ["layer_norm_eps"])
        let url = dir.appendingPathComponent("config.json")
        try Data("{\(base), \"num_hidden_layers\": 1}".utf8).write(to: url)
        #expect(try EncoderConfiguration(url: url).numHiddenLayers == 1)
    }

    @Test func nonFiniteOrNegativeNumbersAreRejected() throws {
        let dir = try TinyModelFiles.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        for bad: Float in [.nan, .infinity, -1e-5, 0] {
            expectLoadError(try gguf(in: dir, metadata: metadata("llama.attention.layer_norm_rms_epsilon", .f32(bad))), ["rms_norm_eps"])
            expectLoadError(try gguf(in: dir, metadata: metadata("llama.rope.freq_base", .f32(bad))), ["rope_theta"])
        }
        expectLoadError(try folder(in: dir, ["rms_norm_eps": "-1e-05"]), ["rms_norm_eps"])
        expectLoadError(try folder(in: dir, ["rope_theta": "0"]), ["rope_theta"])
        expectLoadError(try folder(in: dir, ["rope_scaling": #"{"rope_type": "linear", "factor": -2}"#]), ["factor"])
        expectLoadError(try folder(in: dir, ["rope_scaling": #"{"rope_type": "llama3", "factor": 8, "low_freq_factor": 4, "high_freq_factor": 4, "original_max_position_embeddings": 8192}"#]),
                        ["high_freq_factor"])
    }

    @Test func loraRankAndAlphaAreChecked() throws {
        let dir = try TinyModelFiles.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = try LanguageModel.load(path: gguf(in: dir).path).model
        func expectRefused(_ configuration: LoRAConfiguration, _ fragments: [String], sourceLocation: Testing.SourceLocation = #_sourceLocation) {
            do {
                _ = try LoRAAdapter(configuration: configuration, model: model, seed: 0)
                Issue.record("accepted; expected an error mentioning \(fragments)", sourceLocation: sourceLocation)
            } catch {
                for f in fragments where !"\(error)".contains(f) {
                    Issue.record("error \"\(error)\" does not mention \"\(f)\"", sourceLocation: sourceLocation)
                }
            }
        }
        // The attention projections here are 8 → 8 and 8 → 4: no larger side exceeds 8. A rank
        // between the smaller and the larger side is accepted, as PEFT does.
        expectRefused(LoRAConfiguration(rank: 100_000), ["rank 100000", "8"])
        expectRefused(LoRAConfiguration(rank: 9), ["rank 9", "8", "proj"])
        #expect(try LoRAAdapter(configuration: LoRAConfiguration(rank: 5), model: model, seed: 0).layers.count == 7)
        expectRefused(LoRAConfiguration(rank: 0), ["rank"])
        expectRefused(LoRAConfiguration(rank: 2, alpha: .nan), ["lora_alpha"])
        expectRefused(LoRAConfiguration(rank: 2, alpha: .infinity), ["lora_alpha"])
        expectRefused(LoRAConfiguration(rank: 2, dropout: 1), ["lora_dropout"])
        expectRefused(LoRAConfiguration(rank: 2, dropout: .nan), ["lora_dropout"])
        #expect(try LoRAAdapter(configuration: LoRAConfiguration(rank: 4), model: model, seed: 0).layers.count == 7)
        // Only q_proj and o_proj (8 → 8) adapted: rank 8 fits.
        #expect(try LoRAAdapter(configuration: LoRAConfiguration(rank: 8, targetModules: ["q_proj", "o_proj"]), model: model, seed: 0).layers.count == 2)
    }
}
