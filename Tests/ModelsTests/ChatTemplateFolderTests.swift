import ChatTemplates
import Foundation
import Testing
@testable import Models
import Tokenizers

/// Model folders as transformers 5 saves and reads them (scripts/reference/chat_template_folders.py
/// wrote the folders and transformers' own `apply_chat_template` text and ids): which template is
/// used, which special-token strings it sees, and the ids that come out.
@Suite struct ChatTemplateFolderTests {
    struct Rendering: Decodable { let text: String; let ids: [Int] }
    struct Folder: Decodable {
        let special_tokens: [String: String]
        let bos_token_id: Int?
        let eos_token_id: Int?
        let tokenizer_size: Int
        let templates: [String: [String: Rendering]]
    }
    struct Reference: Decodable {
        let conversations: [String: [ChatMessage]]
        let folders: [String: Folder]
    }

    static func reference() throws -> Reference {
        let url = try #require(Bundle.module.url(forResource: "chat_template_folders", withExtension: "json", subdirectory: "Fixtures"))
        return try JSONDecoder().decode(Reference.self, from: Data(contentsOf: url))
    }

    static func load(_ folder: String) throws -> LanguageModel {
        let url = try #require(Bundle.module.url(forResource: folder, withExtension: nil, subdirectory: "Fixtures/chat-templates"))
        return try LanguageModel.load(path: url.path)
    }

    @Test func everyFolderRendersAndTokenizesAsTransformers() throws {
        let reference = try Self.reference()
        #expect(reference.folders.count == 5)
        for (name, folder) in reference.folders {
            let lm = try Self.load(name)
            #expect(lm.templateSpecialTokens == folder.special_tokens, "\(name)")
            #expect(lm.tokenizer.bosTokenId == folder.bos_token_id && lm.tokenizer.eosTokenId == folder.eos_token_id, "\(name)")
            #expect(lm.tokenizer.vocabularySize == folder.tokenizer_size, "\(name)")
            for (templateName, renderings) in folder.templates {
                let renderer = try PromptRenderer(model: lm, templateName: templateName == "default" ? nil : templateName)
                for (conversation, expected) in renderings {
                    let messages = try #require(reference.conversations[conversation])
                    let text = try renderer.render(messages)
                    #expect(text == expected.text, "\(name) \(templateName) \(conversation)")
                    #expect(lm.tokenizer.encode(text, addSpecialTokens: false) == expected.ids, "\(name) \(templateName) \(conversation)")
                }
            }
        }
    }

    @Test func smolLM2TemplateFileWinsOverTheConfigAndKeepsItsSystemPrompt() throws {
        let lm = try Self.load("smollm2-jinja")
        let folder = try #require(Bundle.module.url(forResource: "smollm2-jinja", withExtension: nil, subdirectory: "Fixtures/chat-templates"))
        let config = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("tokenizer_config.json"))) as? [String: Any]
        let stale = try #require(config?["chat_template"] as? String)
        let file = try String(contentsOf: folder.appendingPathComponent("chat_template.jinja"), encoding: .utf8)
        #expect(lm.chatTemplate == file && lm.chatTemplate != stale)
        let ids = try PromptRenderer(model: lm).ids(messages: [.user("Hi")])
        #expect(lm.tokenizer.decode(ids, skipSpecialTokens: false)
                    .hasPrefix("<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n"))
    }

    @Test func namedTemplatesFromTheConfigListOrTheFilesPickDefaultUnlessNamed() throws {
        for name in ["named-list", "named-files"] {
            let lm = try Self.load(name)
            #expect(lm.chatTemplates?.byName.keys.sorted() == ["default", "tool_use"], "\(name)")
            let plain = try PromptRenderer(model: lm).render([.user("x")])
            let tools = try PromptRenderer(model: lm, templateName: "tool_use").render([.user("x")])
            #expect(!plain.contains("# Tools") && tools.contains("# Tools"), "\(name)")
            #expect(throws: NamedChatTemplates.SelectionError(requested: "rag", available: ["default", "tool_use"])) {
                try PromptRenderer(model: lm, templateName: "rag")
            }
        }
        // Several templates and none called "default": transformers asks for a name, and so does DivTune.
        let unnamed = NamedChatTemplates(["tool_use": "T", "rag": "R"])
        #expect(throws: NamedChatTemplates.SelectionError(requested: nil, available: ["rag", "tool_use"])) { try unnamed.template() }
        #expect(try unnamed.template(named: "rag") == "R")
    }

    /// bos "<s>" and eos "</s>" are configured (a string and an AddedToken object) but not in the
    /// vocabulary: the template sees the strings, the tokenizer adds them as tokens 300 and 301 as
    /// transformers does, and a prompt holding them is refused, since the model has 300 embeddings.
    @Test func configuredTokenStringsReachTheTemplateAndUnknownOnesAreRefusedForTheModel() throws {
        let lm = try Self.load("token-strings")
        #expect(lm.templateSpecialTokens == ["bos_token": "<s>", "eos_token": "</s>"])
        #expect(lm.tokenizer.eosTokenId == 301 && lm.tokenizer.tokenToId("<|endoftext|>") != 301)
        let renderer = try PromptRenderer(model: lm)
        #expect(try renderer.render([.user("hi")]) == "<s>user: hi</s>\nassistant:")
        #expect(throws: ModelError.self) { try renderer.ids(messages: [.user("hi")]) }
        do {
            _ = try renderer.ids(messages: [.user("hi")])
        } catch {
            #expect("\(error)".contains("token 300 ('<s>'), past the model's 300 token embeddings"))
        }
    }

    @Test func aSystemOnlyConversationThatRendersToNothingHasNoIds() throws {
        let renderer = try PromptRenderer(model: Self.load("system-only"))
        #expect(try renderer.render([.system("You are a poet.")]) == "")
        #expect(try renderer.ids(messages: [.system("You are a poet.")]) == [])
        #expect(try renderer.ids(messages: [.system("You are a poet."), .user("Hi")]).count > 3)
    }
}
