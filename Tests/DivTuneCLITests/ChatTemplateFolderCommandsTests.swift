import Foundation
import Testing

/// `divtune tokenize --messages` on model folders as transformers 5 saves them gives the ids
/// transformers' `apply_chat_template(..., add_generation_prompt=True)` gives
/// (Tests/ModelsTests/Fixtures/chat_template_folders.json, from scripts/reference/chat_template_folders.py);
/// `generate` refuses what the model cannot take, with a message that says why.
@Suite struct ChatTemplateFolderCommandsTests {
    static let fixtures = DivTuneProcess.repositoryRoot.appendingPathComponent("Tests/ModelsTests/Fixtures")

    static func folder(_ name: String) -> String { fixtures.appendingPathComponent("chat-templates/\(name)").path }

    static func reference() throws -> [String: Any] {
        let data = try Data(contentsOf: fixtures.appendingPathComponent("chat_template_folders.json"))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    @Test func tokenizeMessagesGivesTransformersIdsForEveryFolderAndTemplateName() throws {
        let reference = try Self.reference()
        let conversations = try #require(reference["conversations"] as? [String: Any])
        let folders = try #require(reference["folders"] as? [String: [String: Any]])
        var checked = 0
        for (name, folder) in folders {
            let templates = try #require(folder["templates"] as? [String: [String: [String: Any]]])
            for (template, renderings) in templates {
                for (conversation, expected) in renderings {
                    let messages = String(decoding: try JSONSerialization.data(withJSONObject: conversations[conversation]!), as: UTF8.self)
                    var arguments = ["tokenize", "--model", Self.folder(name), "--messages", messages]
                    if template != "default" { arguments += ["--chat-template-name", template] }
                    let result = try DivTuneProcess.run(arguments)
                    #expect(result.status == 0, "\(name) \(template) \(conversation): \(result.stderr)")
                    let ids = (try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: [Int]])?["ids"]
                    #expect(ids == expected["ids"] as? [Int], "\(name) \(template) \(conversation)")
                    checked += 1
                }
            }
        }
        #expect(checked == 21)
    }

    @Test func anUnknownTemplateNameListsTheNamesThereAre() throws {
        let result = try DivTuneProcess.run(["tokenize", "--model", Self.folder("named-files"), "--text", "hi", "--chat",
                                             "--chat-template-name", "rag"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("no chat template named 'rag' (it has 'default', 'tool_use')"), "\(result.stderr)")
    }

    @Test func generateRefusesTokensTheModelHasNoEmbeddingFor() throws {
        let result = try DivTuneProcess.run(["generate", "--model", Self.folder("token-strings"), "--prompt", "hi", "--chat",
                                             "--max-tokens", "2"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("token 300 ('<s>'), past the model's 300 token embeddings"), "\(result.stderr)")
    }

    @Test func generateNamesAPromptThatRendersToNothing() throws {
        let dir = try DivTuneProcess.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("prompts.jsonl")
        try Data(#"{"messages": [{"role": "system", "content": "You are a poet."}]}"#.utf8).write(to: file)
        let result = try DivTuneProcess.run(["generate", "--model", Self.folder("system-only"), "--prompts", file.path, "--max-tokens", "2"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("prompt 1 has no tokens to generate from: the chat template renders its messages to no text"),
                "\(result.stderr)")
    }
}
