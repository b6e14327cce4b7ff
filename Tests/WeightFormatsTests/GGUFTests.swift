import Foundation
import Testing
@testable import WeightFormats

/// Fixture expectations written by scripts/reference/formats_fixtures.py (gguf-py).
struct QuantExpectation: Decodable { let type: String; let shape: [Int]; let values: [Float]; let matvec: [Double] }

@Suite struct GGUFTests {
    @Test func dequantizesEveryTypeLikeGGUFPy() throws {
        let file = try GGUFFile(url: fixtureURL("quants", "gguf"))
        let expected: [String: QuantExpectation] = try fixtureJSON("quants")
        #expect(Set(expected.values.map(\.type)) == ["F32", "F16", "BF16", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0", "Q4_K", "Q5_K", "Q6_K"])
        for (name, e) in expected {
            let info = try file.tensor(named: name)
            #expect(info.type.name == e.type, "\(name) type")
            #expect(info.shape == e.shape && info.dimensions == e.shape.reversed(), "\(name) shape")
            let values = try file.dequantize(named: name)
            #expect(values.count == e.values.count)
            // gguf-py computes in float32 too; the only differences are in the last bit of d·q + m.
            let worst = zip(values, e.values).map { abs($0 - $1) / max(abs($1), 1e-3) }.max() ?? .infinity
            #expect(worst < 1e-6, "\(name): worst relative error \(worst)")
            // A row range reproduces the same numbers.
            let n = info.rowLength
            var rows = [Float](repeating: .nan, count: 2 * n)
            try rows.withUnsafeMutableBufferPointer { try file.dequantizeRows(named: name, rows: 1..<3, into: $0) }
            #expect(rows == Array(values[n..<(3 * n)]), "\(name) rows 1..<3")
        }
    }

    @Test func viewsHigherRankTensorsAsRows() throws {
        let file = try GGUFFile(url: fixtureURL("quants", "gguf"))
        let cube = try file.tensor(named: "t.cube")
        #expect(cube.shape == [2, 3, 32] && cube.dimensions == [32, 3, 2])
        #expect(cube.rowLength == 32 && cube.rowCount == 6 && cube.elementCount == 192 && cube.byteCount == 768)
        #expect(try file.dequantize(named: "t.cube") == (0..<192).map(Float.init))
        #expect(try file.bytes(named: "t.cube").count == 768)
        expectError(["no tensor named 'nope'", "quants.gguf"]) { _ = try file.tensor(named: "nope") }
        expectError(["row range"]) {
            var out = [Float](repeating: 0, count: 64)
            try out.withUnsafeMutableBufferPointer { try file.dequantizeRows(named: "t.cube", rows: 5..<7, into: $0) }
        }
        expectError(["too small"]) {
            var out = [Float](repeating: 0, count: 63)
            try out.withUnsafeMutableBufferPointer { try file.dequantizeRows(named: "t.cube", rows: 0..<2, into: $0) }
        }
    }

    @Test func readsEveryMetadataType() throws {
        let f = try GGUFFile(url: fixtureURL("quants", "gguf"))
        #expect(f.version == 3 && f.alignment == 32 && f.dataOffset % 32 == 0)
        #expect(f.string("general.architecture") == "llama")
        #expect(f.metadataKeys.first == "general.architecture" && f.metadataKeys.contains("test.nested"))
        #expect(f.metadata["test.u8"] == .uint(200) && f.metadata["test.i8"] == .int(-100))
        #expect(f.int("test.u16") == 60000 && f.int("test.i16") == -30000)
        #expect(f.int("test.u32") == 4_000_000_000 && f.int("test.i32") == -2_000_000_000)
        #expect(f.int("test.u64") == 1 << 40 && f.int("test.i64") == -(1 << 40))
        #expect(f.float("test.f32") == 0.25 && f.double("test.f64") == 1e-300)
        #expect(f.bool("test.bool") == true)
        #expect(f.string("test.string") == "héllo ✓")
        #expect(f.stringArray("test.strings") == ["a", "bc", ""])
        #expect(f.intArray("test.ints") == [1, -2, 3])
        #expect(f.floatArray("test.floats") == [0.5, -1.25, 3.0])
        #expect(f.metadata["test.bools"] == .array([.bool(true), .bool(false)]))
        #expect(f.metadata["test.nested"] == .array([.array([.int(1), .int(2)]), .array([.int(3)]), .array([.int(4), .int(5), .int(6)])]))
        #expect(f.metadata["test.nested_strings"]?.arrayValue?.map { $0.elements(\.stringValue) } == [["x", "y"], ["z"]])
        // Mistyped requests give nil, never a partial array.
        #expect(f.stringArray("test.ints") == nil && f.intArray("test.nested") == nil && f.string("test.u8") == nil)
        #expect(f.int("missing") == nil)
        #expect(GGUFValue.array((0..<10).map { .uint(UInt64($0)) }).summary == "[0, 1, 2, 3, 4, …] (10 items)")
    }

    @Test func readsVersion2WithCustomAlignment() throws {
        let f = try GGUFFile(url: fixtureURL("aligned_v2", "gguf"))
        #expect(f.version == 2 && f.alignment == 64 && f.dataOffset % 64 == 0)
        #expect(f.int("test.count") == 7)
        #expect(f.tensors.map(\.name) == ["a", "b"] && f.tensors.allSatisfy { $0.offset % 64 == 0 })
        #expect(try f.dequantize(named: "a") == (0..<24).map(Float.init))
        #expect(try f.tensor(named: "b").type == .q8_0)
    }
}

@Suite struct GGUFCorruptionTests {
    @Test func truncatedFilesFailWithoutCrashing() throws {
        let data = try Data(contentsOf: fixtureURL("quants", "gguf"))
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("cut.gguf")
        for cut in Array(stride(from: 0, to: data.count, by: 11)) + [data.count - 1] {
            try data.prefix(cut).write(to: url)
            #expect(throws: WeightFormatError.self, "cut at \(cut)") { try GGUFFile(url: url) }
        }
        try data.write(to: url)
        #expect(try GGUFFile(url: url).tensors.count == 12)
    }

    /// Files with the right extension but other contents: a PNG, an empty file, a safetensors file.
    @Test func foreignAndEmptyFilesNamedGGUFAreRefused() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let png = dir.appendingPathComponent("picture.gguf"), empty = dir.appendingPathComponent("empty.gguf")
        try (Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) + Data(count: 56)).write(to: png)
        try Data().write(to: empty)
        let safetensors = dir.appendingPathComponent("weights.gguf")
        try Data(contentsOf: fixtureURL("tiny", "safetensors")).write(to: safetensors)
        for url in [png, safetensors] {
            #expect { try GGUFFile(url: url) } throws: { "\($0)" == "\(url.path): not a GGUF file (bad magic)" }
        }
        #expect { try GGUFFile(url: empty) } throws: { "\($0)" == "\(empty.path): the file is empty" }
    }

    @Test func rejectsBadHeaders() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var b = GGUFBuilder()
        b.bytes = Data("GGML".utf8); b.u32(3); b.u64(0); b.u64(0)
        let magic = try b.write(in: dir, "magic")
        expectError(["magic.gguf", "bad magic"]) { _ = try GGUFFile(url: magic) }

        b = GGUFBuilder(); b.header(version: 1, tensors: 0, kvs: 0)
        expectError(["version 1"]) { _ = try GGUFFile(url: b.write(in: dir)) }

        b = GGUFBuilder(); b.header(tensors: 1 << 60, kvs: 0); b.data(64)
        expectError(["implausible counts"]) { _ = try GGUFFile(url: b.write(in: dir)) }

        b = GGUFBuilder(); b.header(tensors: 0, kvs: UInt64.max)
        expectError(["implausible counts"]) { _ = try GGUFFile(url: b.write(in: dir)) }

        expectError(["cannot open", "missing.gguf"]) { _ = try GGUFFile(url: dir.appendingPathComponent("missing.gguf")) }
        expectError(["not a regular file"]) { _ = try GGUFFile(url: dir) }
    }

    @Test func rejectsBadMetadata() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var b = GGUFBuilder(); b.header(tensors: 0, kvs: 1); b.u64(1 << 62); b.bytes.append(Data(count: 64))
        expectError(["metadata key length", "exceeds"]) { _ = try GGUFFile(url: b.write(in: dir)) }

        b = GGUFBuilder(); b.header(tensors: 0, kvs: 1); b.string("k"); b.u32(8); b.u64(1 << 40); b.bytes.append(Data(count: 64))
        expectError(["string length"]) { _ = try GGUFFile(url: b.write(in: dir)) }

        b = GGUFBuilder(); b.header(tensors: 0, kvs: 1); b.string("k"); b.u32(9); b.u32(0); b.u64(1 << 50)
        expectError(["array of", "cannot fit"]) { _ = try GGUFFile(url: b.write(in: dir)) }

        // 100 u64 items need 800 bytes: counting one byte per item let this reserve 100 values first.
        b = GGUFBuilder(); b.header(tensors: 0, kvs: 1); b.string("k"); b.u32(9); b.u32(10); b.u64(100); b.bytes.append(Data(count: 400))
        expectError(["array of 100 items", "needs at least 800 bytes"]) { _ = try GGUFFile(url: b.write(in: dir)) }

        b = GGUFBuilder(); b.header(tensors: 0, kvs: 1); b.string("k"); b.u32(9); b.u32(8); b.u64(50); b.bytes.append(Data(count: 200))
        expectError(["array of 50 items", "needs at least 400 bytes"]) { _ = try GGUFFile(url: b.write(in: dir)) }

        b = GGUFBuilder(); b.header(tensors: 0, kvs: 1); b.string("k"); b.u32(9); b.u32(0); b.u64(1 << 24 + 1)
        b.bytes.append(Data(count: 1 << 24 + 1))
        expectError(["array of 16777217 items", "above the limit of 16777216"]) { _ = try GGUFFile(url: b.write(in: dir)) }

        b = GGUFBuilder(); b.header(tensors: 0, kvs: 1); b.string("k"); b.u32(13); b.u64(0)
        expectError(["unknown metadata value type 13"]) { _ = try GGUFFile(url: b.write(in: dir)) }

        b = GGUFBuilder(); b.header(tensors: 0, kvs: 1); b.string("k"); b.u32(7); b.u8(2)
        expectError(["bool value 2"]) { _ = try GGUFFile(url: b.write(in: dir)) }

        b = GGUFBuilder(); b.header(tensors: 0, kvs: 2); b.string("k"); b.u32(0); b.u8(1); b.string("k"); b.u32(0); b.u8(2)
        expectError(["duplicate metadata key 'k'"]) { _ = try GGUFFile(url: b.write(in: dir)) }

        b = GGUFBuilder(); b.header(tensors: 0, kvs: 1); b.string("general.alignment"); b.u32(4); b.u32(12)
        expectError(["general.alignment"]) { _ = try GGUFFile(url: b.write(in: dir)) }

        b = GGUFBuilder(); b.header(tensors: 0, kvs: 1); b.string("deep")
        b.u32(9)
        for _ in 0..<5 { b.u32(9); b.u64(1) }   // arrays of arrays of …
        b.u32(0); b.u64(1); b.u8(0)
        expectError(["nested deeper"]) { _ = try GGUFFile(url: b.write(in: dir)) }
    }

    @Test func rejectsBadTensorTables() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        func file(_ infos: [(String, [UInt64], UInt32, UInt64)], data: Int) throws -> URL {
            var b = GGUFBuilder(); b.header(tensors: UInt64(infos.count), kvs: 0)
            for (n, d, t, o) in infos { b.tensorInfo(n, dims: d, type: t, offset: o) }
            b.data(data)
            return try b.write(in: dir)
        }
        #expect(try GGUFFile(url: file([("w", [32, 2], 0, 0)], data: 256)).tensors.count == 1)
        expectError(["truncated", "needs 256 bytes"]) { _ = try GGUFFile(url: file([("w", [32, 2], 0, 0)], data: 255)) }
        expectError(["past the end"]) { _ = try GGUFFile(url: file([("w", [32], 0, 1 << 40)], data: 128)) }
        expectError(["truncated"]) { _ = try GGUFFile(url: file([("w", [32], 0, 96)], data: 128)) }
        expectError(["not a multiple of the alignment"]) { _ = try GGUFFile(url: file([("w", [8], 0, 4)], data: 64)) }
        expectError(["5 dimensions"]) { _ = try GGUFFile(url: file([("w", [1, 1, 1, 1, 1], 0, 0)], data: 64)) }
        expectError(["dimension 0"]) { _ = try GGUFFile(url: file([("w", [0], 0, 0)], data: 64)) }
        expectError(["impossible shape"]) { _ = try GGUFFile(url: file([("w", [1 << 30, 1 << 30, 1 << 30], 0, 0)], data: 64)) }
        expectError(["unknown ggml type 99", "'w'"]) { _ = try GGUFFile(url: file([("w", [32], 99, 0)], data: 128)) }
        expectError(["row length 40", "Q4_0"]) { _ = try GGUFFile(url: file([("w", [40], 2, 0)], data: 128)) }
        expectError(["duplicate tensor 'w'"]) { _ = try GGUFFile(url: file([("w", [8], 0, 0), ("w", [8], 0, 32)], data: 64)) }
        expectError(["overlap"]) { _ = try GGUFFile(url: file([("a", [16], 0, 0), ("b", [16], 0, 32)], data: 128)) }
        // Valid but not dequantizable: listed, and refused with the type's name.
        let q2 = try GGUFFile(url: file([("w", [256], 10, 0)], data: 128))
        expectError(["'w'", "unsupported type Q2_K"]) { _ = try q2.dequantize(named: "w") }
        expectError(["Q2_K"]) { _ = try q2.quantizedMatrix(named: "w") }
    }
}
