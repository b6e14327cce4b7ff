import Foundation
import Testing
@testable import WeightFormats

@Suite struct SafetensorsTests {
    struct Expected: Decodable { let shape: [Int]; let values: [Float] }

    @Test func readsFilesWrittenByTheReferenceLibrary() throws {
        let f = try SafetensorsFile(url: fixtureURL("tiny", "safetensors"))
        let expected = try JSONDecoder().decode([String: Expected].self, from: Data(contentsOf: fixtureURL("tiny", "json")))
        #expect(f.metadata["format"] == "pt")
        for (name, e) in expected {
            #expect(f.tensors[name]?.shape == e.shape)
            #expect(try f.floats(named: name) == e.values, "\(name)")
        }
    }

    @Test func writesAndReadsBackEveryDType() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let values: [Float] = [1, -2.5, 0.1, 3e-3, 65504, -0]
        for dtype in SafetensorsDType.allCases {
            let url = dir.appendingPathComponent("w-\(dtype.rawValue).safetensors")
            try SafetensorsWriter.write([.init(name: "x", shape: [2, 3], values: values), .init(name: "e", shape: [0], values: [])],
                                        dtype: dtype, metadata: ["format": "pt"], to: url)
            let f = try SafetensorsFile(url: url)
            let back = try f.floats(named: "x")
            let tolerance: Float = dtype == .f32 ? 0 : (dtype == .f16 ? 1e-3 : 1e-2)
            #expect(zip(back, values).allSatisfy { abs($0 - $1) <= tolerance * max(1, abs($1)) }, "\(dtype)")
            #expect(f.tensors["e"]?.shape == [0])
        }
        #expect((try FileManager.default.contentsOfDirectory(atPath: dir.path)).allSatisfy { !$0.hasSuffix(".tmp") })
    }

    @Test func shardedCheckpointsResolveThroughTheIndex() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try SafetensorsWriter.write([.init(name: "a", shape: [2], values: [1, 2])], to: dir.appendingPathComponent("model-00001-of-00002.safetensors"))
        try SafetensorsWriter.write([.init(name: "b", shape: [1], values: [3])], to: dir.appendingPathComponent("model-00002-of-00002.safetensors"))
        let index = #"{"metadata": {"total_size": 12}, "weight_map": {"a": "model-00001-of-00002.safetensors", "b": "model-00002-of-00002.safetensors"}}"#
        try index.write(to: dir.appendingPathComponent("model.safetensors.index.json"), atomically: true, encoding: .utf8)
        let c = try SafetensorsCheckpoint(directory: dir)
        #expect(c.tensorNames == ["a", "b"])
        #expect(try c.floats(named: "b") == [3])
        #expect(throws: WeightFormatError.self) { try c.floats(named: "zzz") }
    }

    @Test func rejectsMalformedHeaders() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        func file(_ header: String, data: Int = 8) throws -> URL {
            var d = Data()
            let h = Data(header.utf8)
            withUnsafeBytes(of: UInt64(h.count).littleEndian) { d.append(contentsOf: $0) }
            d.append(h)
            d.append(Data(count: data))
            let url = dir.appendingPathComponent("\(UUID().uuidString).safetensors")
            try d.write(to: url)
            return url
        }
        let cases = [
            #"[1, 2]"#,
            #"{"x": {"dtype": "F32", "shape": [3], "data_offsets": [0, 12]}}"#,               // past the buffer
            #"{"x": {"dtype": "F32", "shape": [1], "data_offsets": [0, 8]}}"#,                // size ≠ shape
            #"{"x": {"dtype": "I64", "shape": [1], "data_offsets": [0, 8]}}"#,                // unsupported dtype
            #"{"x": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}, "y": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}"#,
        ]
        for header in cases {
            let url = try file(header)
            #expect(throws: WeightFormatError.self, "\(header)") { try SafetensorsFile(url: url) }
        }
        var truncated = Data()
        withUnsafeBytes(of: UInt64(1000).littleEndian) { truncated.append(contentsOf: $0) }
        let url = dir.appendingPathComponent("t.safetensors")
        try truncated.write(to: url)
        #expect(throws: WeightFormatError.self) { try SafetensorsFile(url: url) }
    }
}
