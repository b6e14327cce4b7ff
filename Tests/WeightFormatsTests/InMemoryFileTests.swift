import Foundation
import Testing
@testable import WeightFormats

/// `MappedFile(data:name:)`, the in-memory entry the fuzz targets use (docs/fuzzing.md), reads
/// exactly what the mapped file reads and names the given name in errors.
@Suite struct InMemoryFileTests {
    @Test func ggufFromMemoryMatchesTheMappedFile() throws {
        let url = try fixtureURL("quants", "gguf")
        let mapped = try GGUFFile(url: url)
        let copy = try GGUFFile(file: MappedFile(data: Data(contentsOf: url), name: "copy.gguf"))
        #expect(copy.path == "copy.gguf")
        #expect(copy.metadataKeys == mapped.metadataKeys)
        #expect(copy.tensors == mapped.tensors)
        for tensor in mapped.tensors { #expect(try copy.dequantize(tensor) == mapped.dequantize(tensor)) }
    }

    @Test func safetensorsFromMemoryMatchesTheMappedFile() throws {
        let url = try fixtureURL("tiny", "safetensors")
        let mapped = try SafetensorsFile(url: url)
        let copy = try SafetensorsFile(file: MappedFile(data: Data(contentsOf: url), name: "copy.safetensors"))
        #expect(copy.tensors == mapped.tensors)
        for tensor in mapped.orderedTensors { #expect(try Array(copy.bytes(of: tensor)) == Array(mapped.bytes(of: tensor))) }
    }

    @Test func errorsNameTheGivenName() throws {
        expectError(["empty.gguf", "empty"]) { _ = try MappedFile(data: Data(), name: "empty.gguf") }
        expectError(["short.gguf", "truncated"]) { _ = try GGUFFile(file: MappedFile(data: Data("GGUF".utf8), name: "short.gguf")) }
    }
}
