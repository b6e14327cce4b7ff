import Base
import Foundation
import Testing
@testable import WeightFormats

@Suite struct SafetensorsTests {
    struct Expected: Decodable { let shape: [Int]; let values: [Float] }

    @Test func readsFilesWrittenByTheReferenceLibrary() throws {
        let f = try SafetensorsFile(url: fixtureURL("tiny", "safetensors"))
        let expected: [String: Expected] = try fixtureJSON("tiny")
        #expect(f.metadata == ["format": "pt"])
        #expect(Set(expected.keys) == ["a.f32", "b.f16", "c.bf16", "scalar"])
        for (name, e) in expected {
            #expect(f.tensors[name]?.shape == e.shape)
            #expect(try f.floats(named: name) == e.values, "\(name)")
        }
        #expect(f.tensors["c.bf16"]?.dtype == .bf16 && f.tensors["scalar"]?.shape == [])
        // Other dtypes are listed (a BERT checkpoint's I64 position_ids) but not read as floats.
        #expect(f.tensors["position_ids"]?.dtype == .i64 && f.tensors["position_ids"]?.shape == [1, 4])
        expectError(["'position_ids'", "I64"]) { _ = try f.floats(named: "position_ids") }
        expectError(["no tensor named 'zzz'"]) { _ = try f.floats(named: "zzz") }
        #expect(f.orderedTensors.map(\.offset) == f.orderedTensors.map(\.offset).sorted())
    }

    @Test func writesAndReadsBackEveryFloatDType() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let values: [Float] = [1, -2.5, 0.1, 3e-3, 65504, -0.0, 1.00390625, 3.1415927]
        let big = (0..<70_000).map { Float($0 % 256) / 8 }   // more than one conversion chunk
        for dtype in [SafetensorsDType.f32, .f16, .bf16] {
            let url = dir.appendingPathComponent("w-\(dtype.rawValue).safetensors")
            try SafetensorsWriter.write(tensors: [(name: "x", shape: [2, 4], values: values), (name: "empty", shape: [0, 3], values: []),
                                                  (name: "s", shape: [], values: [7]), (name: "big", shape: [70_000], values: big)],
                                        dtype: dtype, metadata: ["format": "pt"], to: url)
            let f = try SafetensorsFile(url: url)
            #expect(f.metadata == ["format": "pt"])
            #expect(f.tensors.values.allSatisfy { $0.dtype == dtype })
            let rounded: [Float] = values.map {
                switch dtype {
                case .f16: return Float(Float16($0))
                case .bf16: return Float(bitPattern: UInt32(SafetensorsWriter.bfloat16($0)) << 16)
                default: return $0
                }
            }
            #expect(try f.floats(named: "x") == rounded, "\(dtype)")
            #expect(try f.floats(named: "big") == big, "\(dtype)")   // k/8 for k < 256 is exact in every dtype
            #expect(try f.floats(named: "s") == [7] && f.tensors["empty"]?.shape == [0, 3] && f.tensors["empty"]?.byteCount == 0)
            #expect((try f.file.bytes(at: 0, count: 8)).load(as: UInt64.self) % 8 == 0, "data starts 8-aligned")
        }
        // BF16 rounds to nearest even: 1 + 2⁻⁸ is halfway between 1 and 1 + 2⁻⁷ → 1.
        #expect(SafetensorsWriter.bfloat16(1.00390625) == 0x3F80 && SafetensorsWriter.bfloat16(1.01171875) == 0x3F82)
        #expect((try FileManager.default.contentsOfDirectory(atPath: dir.path)).allSatisfy { !$0.hasSuffix(".tmp") })
    }

    @Test func writesAtomicallyAndRejectsBadInput() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("adapter.safetensors")
        try SafetensorsWriter.write(tensors: [(name: "a", shape: [1], values: [1])], to: url)
        try SafetensorsWriter.write(tensors: [(name: "b", shape: [2], values: [2, 3])], to: url)   // replaces
        #expect(try SafetensorsFile(url: url).tensors.keys.sorted() == ["b"])
        expectError(["4 values for shape [3]"]) { try SafetensorsWriter.write(tensors: [(name: "a", shape: [3], values: [1, 2, 3, 4])], to: url) }
        expectError(["duplicate tensor name 'a'"]) {
            try SafetensorsWriter.write(tensors: [(name: "a", shape: [1], values: [1]), (name: "a", shape: [1], values: [2])], to: url)
        }
        expectError(["cannot write dtype I64"]) { try SafetensorsWriter.write(tensors: [], dtype: .i64, to: url) }
        // The failed writes left the previous file and no temporary files.
        #expect(try SafetensorsFile(url: url).floats(named: "b") == [2, 3])
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["adapter.safetensors"])
    }

    @Test func shardedCheckpointsResolveThroughTheIndex() throws {
        let dir = try fixtureURL("model.safetensors.index", "json", subdirectory: "Fixtures/sharded").deletingLastPathComponent()
        let c = try SafetensorsCheckpoint(directory: dir)
        #expect(c.files.count == 2)
        #expect(c.tensorNames == ["lm_head.weight", "model.embed_tokens.weight", "model.norm.weight"])
        #expect(try c.floats(named: "model.embed_tokens.weight") == [0, 1, 2, 3, 4, 5])
        #expect(try c.floats(named: "model.norm.weight") == [1, -1])
        #expect(try c.floats(named: "lm_head.weight") == [Float](repeating: 0.5, count: 6))
        #expect(c.info(named: "lm_head.weight")?.shape == [3, 2] && c.info(named: "lm_head.weight")?.dtype == .f16)
        #expect(c.file(containing: "model.norm.weight")?.path.hasSuffix("model-00002-of-00002.safetensors") == true)
        expectError(["no tensor named 'zzz'"]) { _ = try c.floats(named: "zzz") }
    }

    @Test func checkpointsWithoutIndexGlobTheShards() throws {
        let source = try fixtureURL("model.safetensors.index", "json", subdirectory: "Fixtures/sharded").deletingLastPathComponent()
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        for shard in ["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"] {
            try FileManager.default.copyItem(at: source.appendingPathComponent(shard), to: dir.appendingPathComponent(shard))
        }
        try SafetensorsWriter.write(tensors: [(name: "x", shape: [1], values: [9])], to: dir.appendingPathComponent("optimizer.safetensors"))
        let c = try SafetensorsCheckpoint(directory: dir)
        #expect(c.tensorNames == ["lm_head.weight", "model.embed_tokens.weight", "model.norm.weight"])   // optimizer.* not globbed

        // An index that names the wrong shard, a duplicate across shards, an MLX-quantized folder.
        let index = #"{"weight_map": {"model.norm.weight": "model-00001-of-00002.safetensors", "lm_head.weight": "model-00002-of-00002.safetensors"}}"#
        try index.write(to: dir.appendingPathComponent("model.safetensors.index.json"), atomically: true, encoding: .utf8)
        expectError(["weight_map puts 'model.norm.weight'"]) { _ = try SafetensorsCheckpoint(directory: dir) }
        try #"{"weight_map": {"a": "../elsewhere.safetensors"}}"#.write(to: dir.appendingPathComponent("model.safetensors.index.json"), atomically: true, encoding: .utf8)
        expectError(["same folder"]) { _ = try SafetensorsCheckpoint(directory: dir) }
        try FileManager.default.removeItem(at: dir.appendingPathComponent("model.safetensors.index.json"))
        try SafetensorsWriter.write(tensors: [(name: "model.norm.weight", shape: [1], values: [0])], to: dir.appendingPathComponent("model-extra.safetensors"))
        expectError(["'model.norm.weight' is also in"]) { _ = try SafetensorsCheckpoint(directory: dir) }
        try #"{"model_type": "llama", "quantization": {"group_size": 64, "bits": 4}}"#.write(to: dir.appendingPathComponent("config.json"), atomically: true, encoding: .utf8)
        expectError(["MLX-quantized checkpoint", "bits 4"]) { _ = try SafetensorsCheckpoint(directory: dir) }
        let empty = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: empty) }
        expectError(["no model.safetensors.index.json"]) { _ = try SafetensorsCheckpoint(directory: empty) }
    }

    @Test func rejectsMalformedHeaders() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        func file(_ header: String, data: Int = 8, declaredSize: UInt64? = nil) throws -> URL {
            var d = Data()
            let h = Data(header.utf8)
            withUnsafeBytes(of: (declaredSize ?? UInt64(h.count)).littleEndian) { d.append(contentsOf: $0) }
            d.append(h)
            d.append(Data(count: data))
            let url = dir.appendingPathComponent("\(UUID().uuidString).safetensors")
            try d.write(to: url)
            return url
        }
        let cases: [(String, [String])] = [
            (#"[1, 2]"#, ["does not start with '{'"]),
            (#"{"x": 1"#, ["not a JSON object"]),
            (#"{"x": {"dtype": "F32", "shape": [3], "data_offsets": [0, 12]}}"#, ["'x'", "outside the 8-byte data buffer"]),
            (#"{"x": {"dtype": "F32", "shape": [1], "data_offsets": [0, 8]}}"#, ["'x'", "8 bytes do not hold shape [1]"]),
            (#"{"x": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}}"#, ["impossible shape"]),
            (#"{"x": {"dtype": "F32", "shape": [1.5], "data_offsets": [0, 4]}}"#, ["integer shape"]),
            (#"{"x": {"dtype": "F32", "shape": [1], "data_offsets": [4, 0]}}"#, ["outside"]),
            (#"{"x": {"dtype": "F7", "shape": [1], "data_offsets": [0, 1]}}"#, ["'x'", "unknown dtype F7"]),
            (#"{"x": {"dtype": "F32", "shape": [4611686018427387904, 4], "data_offsets": [0, 8]}}"#, ["impossible shape"]),
            (#"{"x": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}, "y": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}"#, ["overlap"]),
            (#"{"__metadata__": {"format": 3}}"#, ["__metadata__"]),
        ]
        for (header, fragments) in cases {
            let url = try file(header)
            expectError(fragments) { _ = try SafetensorsFile(url: url) }
        }
        expectError(["header size", "out of range"]) { _ = try SafetensorsFile(url: file("{}", declaredSize: 1 << 40)) }
        expectError(["truncated"]) { _ = try SafetensorsFile(url: file("{}", data: 0, declaredSize: 1000)) }
        // Space padding after the JSON is allowed; an empty header is a file without tensors.
        #expect(try SafetensorsFile(url: file("{}    ")).tensors.isEmpty)

        let good = try Data(contentsOf: fixtureURL("tiny", "safetensors"))
        let cut = dir.appendingPathComponent("cut.safetensors")
        for n in stride(from: 0, to: good.count, by: 3) {
            try good.prefix(n).write(to: cut)
            #expect(throws: WeightFormatError.self, "cut at \(n)") { try SafetensorsFile(url: cut) }
        }
    }

    /// Files with the right extension but other contents, and a header naming a tensor twice
    /// (the safetensors library refuses it; a JSON reader would silently keep one entry).
    @Test func foreignEmptyAndDuplicateKeyFilesAreRefused() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        func expectMessage(_ bytes: Data, _ message: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
            let url = dir.appendingPathComponent("\(UUID().uuidString).safetensors")
            try bytes.write(to: url)
            #expect(throws: (any Error).self, sourceLocation: sourceLocation) { try SafetensorsFile(url: url) }
            do { _ = try SafetensorsFile(url: url) } catch {
                #expect("\(error)" == "\(url.path): \(message)", sourceLocation: sourceLocation)
            }
        }
        try expectMessage(Data("[1, 2, 3]\n".utf8), "header size 3683993088988819803 is out of range (2…100000000 bytes)")
        try expectMessage(Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) + Data(count: 56),
                          "header size 727905341920923785 is out of range (2…100000000 bytes)")
        try expectMessage(Data(), "the file is empty")
        let header = Data(#"{"x": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}, "x": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}}"#.utf8)
        var file = Data()
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { file.append(contentsOf: $0) }
        try expectMessage(file + header + Data(count: 12), "header names 'x' twice")
    }

    /// The real sentence-transformers checkpoint: F32 weights plus an I64 buffer.
    @Test func opensTheMiniLMCheckpoint() throws {
        let url = try testModels.require("all-MiniLM-L6-v2/model.safetensors")
        try #require(FileManager.default.fileExists(atPath: url.path), "run scripts/fetch-models.sh first")
        let f = try SafetensorsFile(url: url)
        #expect(f.tensors["embeddings.word_embeddings.weight"]?.shape == [30522, 384])
        #expect(f.tensors["embeddings.position_ids"]?.dtype == .i64)
        let norm = try f.floats(named: "encoder.layer.0.attention.output.LayerNorm.weight")
        #expect(norm.count == 384 && norm.allSatisfy(\.isFinite))
    }
}
