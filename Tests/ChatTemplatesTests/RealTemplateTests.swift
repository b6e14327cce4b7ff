import Foundation
import Testing
@testable import ChatTemplates

/// SmolLM2 (from the GGUF), Llama 3 / 3.1 / 3.2, Mistral v0.1 / v0.3 and Qwen2.5 templates,
/// rendered like transformers' `render_jinja_template` (scripts/reference/chat_templates_reference.py).
@Suite struct RealTemplateTests {
    @Test func renderingsMatchTransformersByteForByte() throws {
        let fixture = try Fixture.json("renderings.json")
        let cases = fixture["cases"].arrayValue
        #expect(cases.count == 108)
        let tools = try JinjaValue(json: try #require(fixture["tools"].stringValue))
        var templates: [String: ChatTemplate] = [:]
        var raised = 0
        for c in cases {
            let name = try #require(c["template"].stringValue)
            if templates[name] == nil {
                var template = try ChatTemplate(Fixture.text("templates/\(name)"))
                template.now = { Fixture.now }
                template.timeZone = Fixture.utc
                templates[name] = template
            }
            let template = try #require(templates[name])
            let conversation = try #require(c["conversation"].stringValue)
            let messages = try JinjaValue(json: try #require(fixture["conversations"][conversation].stringValue)).arrayValue.map {
                ChatMessage(role: $0["role"].rendered, content: $0["content"].rendered)
            }
            let withTools = c["tools"] == .bool(true)
            let label = "\(name) / \(conversation) / generation prompt \(c["add_generation_prompt"].rendered) / tools \(withTools)"
            do {
                let text = try template.render(messages: messages, addGenerationPrompt: c["add_generation_prompt"].isTruthy,
                                               bosToken: c["bos_token"].stringValue, eosToken: c["eos_token"].stringValue,
                                               extraContext: withTools ? ["tools": tools] : [:])
                #expect(c["error"].isUndefined, "\(label): expected an error")
                #expect(text == c["text"].stringValue, "\(label)")
            } catch let ChatTemplateError.raised(message) {
                #expect(c["error"] == "raised", "\(label)")
                #expect(message == c["message"].stringValue, "\(label)")
                raised += 1
            }
        }
        #expect(raised == 9)
    }

    @Test func smolLM2AddsItsDefaultSystemPrompt() throws {
        let template = try ChatTemplate(Fixture.text("templates/smollm2.jinja"))
        let text = try template.render(messages: [.user("Hi")], addGenerationPrompt: true)
        #expect(text == "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n"
            + "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n")
        let withSystem = try template.render(messages: [.system("Be terse."), .user("Hi")], addGenerationPrompt: false)
        #expect(withSystem == "<|im_start|>system\nBe terse.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n")
    }

    @Test func llama3TrimsContentAndPrependsBOS() throws {
        let template = try ChatTemplate(Fixture.text("templates/llama3.jinja"))
        let text = try template.render(messages: [.user("  Hi \n")], addGenerationPrompt: true, bosToken: "<|begin_of_text|>")
        #expect(text == "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n")
    }

    @Test func llama32DatesTheSystemHeaderWithStrftimeNow() throws {
        var template = try ChatTemplate(Fixture.text("templates/llama32.jinja"))
        template.now = { Fixture.now }
        template.timeZone = Fixture.utc
        let text = try template.render(messages: [.user("Hi")], addGenerationPrompt: false, bosToken: "<|begin_of_text|>")
        #expect(text.contains("Cutting Knowledge Date: December 2023\nToday Date: 22 Nov 2026\n\n<|eot_id|>"))
        let pinned = try template.render(messages: [.user("Hi")], addGenerationPrompt: false, bosToken: "",
                                         extraContext: ["date_string": "01 Jan 2025"])
        #expect(pinned.contains("Today Date: 01 Jan 2025\n"))
    }

    @Test func mistralRejectsNonAlternatingRoles() throws {
        let template = try ChatTemplate(Fixture.text("templates/mistral_v01.jinja"))
        #expect(throws: ChatTemplateError.raised("Conversation roles must alternate user/assistant/user/assistant/...")) {
            try template.render(messages: [.user("a"), .user("b")], addGenerationPrompt: false, bosToken: "<s>", eosToken: "</s>")
        }
        let ok = try template.render(messages: [.user("a"), .assistant("b")], addGenerationPrompt: false, bosToken: "<s>", eosToken: "</s>")
        #expect(ok == "<s>[INST] a [/INST]b</s>")
    }

    @Test func chatMLFallback() throws {
        let text = try ChatTemplate.chatML.render(messages: [.system("s"), .user("hi")], addGenerationPrompt: true)
        #expect(text == "<|im_start|>system\ns<|im_end|>\n<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n")
        #expect(try ChatTemplate.chatML.render(messages: [.user("hi")], addGenerationPrompt: false) == "<|im_start|>user\nhi<|im_end|>\n")
    }
}
