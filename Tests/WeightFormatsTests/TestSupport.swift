import Base
import Foundation
import Testing
@testable import WeightFormats

func fixtureURL(_ name: String, _ ext: String, subdirectory: String = "Fixtures") throws -> URL {
    try #require(Bundle.module.url(forResource: name, withExtension: ext, subdirectory: subdirectory), "fixture \(name).\(ext)")
}

func fixtureJSON<T: Decodable>(_ name: String, as: T.Type = T.self) throws -> T {
    try JSONDecoder().decode(T.self, from: Data(contentsOf: fixtureURL(name, "json")))
}

/// The default models (docs/formats.md): a missing one fails with the command that fetches it.
let testModels = ModelCache.forRepository(containing: #filePath)

func smolLM2Path() throws -> String {
    try testModels.require(ModelCache.smolLM2).path
}

/// A fresh folder, removed by `body`'s caller via `defer`.
func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("divtune-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// The probe vector the reference script multiplies with: x[i] = ((7·i) mod 13 − 6) / 4.
func probe(_ n: Int) -> [Float] { (0..<n).map { Float((7 * $0) % 13 - 6) / 4 } }

/// Asserts that `body` throws a WeightFormatError whose description contains every fragment.
func expectError(_ fragments: [String], sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void) {
    do {
        try body()
        Issue.record("expected an error mentioning \(fragments)", sourceLocation: sourceLocation)
    } catch let error as WeightFormatError {
        let text = error.description
        for f in fragments where !text.contains(f) {
            Issue.record("error \"\(text)\" does not mention \"\(f)\"", sourceLocation: sourceLocation)
        }
    } catch {
        Issue.record("unexpected error type: \(error)", sourceLocation: sourceLocation)
    }
}

/// Builds GGUF bytes field by field, for crafting corrupt files.
struct GGUFBuilder {
    var bytes = Data()

    mutating func u8(_ v: UInt8) { bytes.append(v) }
    mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func string(_ s: String) { u64(UInt64(s.utf8.count)); bytes.append(contentsOf: Array(s.utf8)) }

    /// magic, version, counts
    mutating func header(version: UInt32 = 3, tensors: UInt64, kvs: UInt64) {
        bytes.append(contentsOf: Array("GGUF".utf8))
        u32(version); u64(tensors); u64(kvs)
    }

    mutating func tensorInfo(_ name: String, dims: [UInt64], type: UInt32, offset: UInt64) {
        string(name); u32(UInt32(dims.count)); for d in dims { u64(d) }
        u32(type); u64(offset)
    }

    /// Zero padding to 32, then `count` data bytes.
    mutating func data(_ count: Int) {
        while bytes.count % 32 != 0 { u8(0) }
        bytes.append(Data(count: count))
    }

    func write(in dir: URL, _ name: String = UUID().uuidString) throws -> URL {
        let url = dir.appendingPathComponent("\(name).gguf")
        try bytes.write(to: url)
        return url
    }
}
