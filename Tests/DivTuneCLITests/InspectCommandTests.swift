import Foundation
import Testing
@testable import divtune

/// `divtune inspect` on foreign files with a model file's extension: the error says what the
/// extension promised (a PNG named `.gguf` used to be read as safetensors and get a header-size error).
@Suite struct InspectCommandTests {
    @Test func aForeignFileNamedGGUFIsRefusedAsGGUF() throws {
        let dir = try DivTuneProcess.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let png = dir.appendingPathComponent("picture.gguf")
        try (Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) + Data(count: 56)).write(to: png)
        var command = try DivTune.parseAsRoot(["inspect", png.path])
        #expect { try command.run() } throws: { "\($0)" == "\(png.path): not a GGUF file (bad magic)" }
        let renamed = dir.appendingPathComponent("picture.safetensors")
        try FileManager.default.moveItem(at: png, to: renamed)
        command = try DivTune.parseAsRoot(["inspect", renamed.path])
        #expect { try command.run() } throws: { "\($0)" == "\(renamed.path): header size 727905341920923785 is out of range (2…100000000 bytes)" }
    }
}
