import Foundation
import Testing

/// `divtune inspect` reports the decoder architecture a model declares, as DivTune reads it.
@Suite struct InspectArchitectureTests {
    static let fixtures = DivTuneProcess.repositoryRoot.appendingPathComponent("Tests/ModelsTests/Fixtures")

    func report(_ path: String) throws -> [String: Any] {
        let result = try DivTuneProcess.run(["inspect", path, "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
    }

    /// A GGUF whose general.architecture is "mistral" is reported as mistral (it was reported as llama).
    @Test func ggufMistralIsReportedAsMistral() throws {
        let path = Self.fixtures.appendingPathComponent("tiny_mistral.gguf").path
        #expect(try report(path)["architecture"] as? String == "mistral")
        let text = try DivTuneProcess.run(["inspect", path])
        #expect(text.stdout.contains("\narchitecture: mistral\n"), "\(text.stdout)")
    }

    @Test func folderArchitectureComesFromConfigJSON() throws {
        let folder = Self.fixtures.appendingPathComponent("chat-templates/named-files").path
        #expect(try report(folder)["architecture"] as? String == "llama")
    }
}
