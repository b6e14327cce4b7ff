import Foundation
import Testing
@testable import ChatTemplates

func fixtures() throws -> URL {
    try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
}

@Suite struct RealTemplateTests {
    /// SmolLM2 (ChatML), Llama 3, Llama 3.1, Mistral and Qwen2 templates against jinja2 as
    /// transformers configures it (scripts/reference/chat_templates_reference.py): byte for byte.
    @Test func renderingsMatchTransformers() throws {
        let data = try Data(contentsOf: fixtures().appendingPathComponent("renderings.json"))
        let cases = try #require(JSONSerialization.jsonObject(with: data) as? [[String: Any]])
        #expect(cases.count == 56)
        let date = ISO8601DateFormatter().date(from: "2026-11-22T12:00:00Z")!
        for c in cases {
            let name = c["template"] as! String
            let source = try String(contentsOf: fixtures().appendingPathComponent("templates/\(name)"), encoding: .utf8)
            let template = try ChatTemplate(source)
            let messages = (c["messages"] as! [[String: String]]).map { ChatMessage(role: $0["role"]!, content: $0["content"]!) }
            var extra: [String: JinjaValue] = [:]
            if let tools = c["tools"], !(tools is NSNull) {
                extra["tools"] = JinjaValue.from(tools)
                if name == "llama31.jinja" { extra["tools_in_user_message"] = .bool(false) }
            }
            let label = "\(name) / \(c["conversation"]!) / gen=\(c["add_generation_prompt"]!) / tools=\(extra["tools"] != nil)"
            do {
                let text = try template.render(messages: messages, addGenerationPrompt: c["add_generation_prompt"] as! Bool,
                                               bosToken: "<s>", eosToken: "</s>", extraContext: extra, now: { date })
                #expect(c["error"] == nil, "\(label): expected an error")
                #expect(text == c["text"] as? String, "\(label)")
            } catch let ChatTemplateError.raised(message) {
                #expect(message == c["error"] as? String, "\(label)")
            }
        }
    }
}

@Suite struct JinjaFeatureTests {
    func render(_ source: String, _ context: [String: JinjaValue] = [:], trim: Bool = false) throws -> String {
        try ChatTemplate(source, trimBlocks: trim, lstripBlocks: trim).render(context: context)
    }

    @Test func loopVariablesAndFilters() throws {
        let xs: JinjaValue = .array([.string("a"), .string("b"), .string("c")])
        #expect(try render("{% for x in xs %}{{ loop.index }}{{ x }}{% if not loop.last %},{% endif %}{% endfor %}", ["xs": xs]) == "1a,2b,3c")
        #expect(try render("{% for x in xs if x != 'b' %}{{ loop.index0 }}{{ loop.length }}{% endfor %}", ["xs": xs]) == "0212")
        #expect(try render("{% for x in [] %}y{% else %}empty{% endfor %}") == "empty")
        #expect(try render("{{ xs | length }} {{ xs | join('-') }} {{ xs | first }} {{ xs | last | upper }}", ["xs": xs]) == "3 a-b-c a C")
        #expect(try render("{{ '  hi  ' | trim }}|{{ 'x' ~ 1 ~ none }}") == "hi|x1None")
        #expect(try render("{{ {'b': 1, 'a': [true, none, 'é']} | tojson }}") == #"{"b": 1, "a": [true, null, "é"]}"#)
        #expect(try render("{{ xs[1:] }}{{ xs[::-1] | join }}{{ xs[-1] }}", ["xs": xs]) == "['b', 'c']cbac")
        #expect(try render("{{ 'a,b'.split(',') }} {{ ' x '.strip() }} {{ 'abc'.startswith('ab') }}") == "['a', 'b'] x True")
        #expect(try render("{{ 7 // 2 }} {{ 7 % 3 }} {{ 2 ** 3 }} {{ 1 + 2 * 3 }} {{ 7 / 2 }}") == "3 1 8 7 3.5")
    }

    @Test func namespacesAndScopes() throws {
        let source = "{% set ns = namespace(n=0) %}{% set outer = 1 %}{% for i in range(3) %}{% set ns.n = ns.n + i %}{% set outer = 5 %}{% endfor %}{{ ns.n }} {{ outer }}"
        #expect(try render(source) == "3 1")
    }

    @Test func testsAndConditionals() throws {
        #expect(try render("{{ x is defined }} {{ y is defined }} {{ none is none }} {{ 'a' is string }} {{ {} is mapping }}", ["x": .int(1)]) == "True False True True True")
        #expect(try render("{{ 'yes' if 1 in [1, 2] else 'no' }} {{ 'a' not in 'bcd' }}") == "yes True")
        #expect(try render("{% if a %}A{% elif b %}B{% else %}C{% endif %}", ["b": .bool(true)]) == "B")
        #expect(try render("{{ missing.attr | default('d') }}") == "d")
    }

    @Test func whitespaceControl() throws {
        #expect(try render("a  {%- if true -%}  b  {%- endif -%}  c") == "abc")
        #expect(try render("{% if true %}\n  x\n{% endif %}\n", trim: true) == "  x\n")
        #expect(try render("  {% if true %}x{% endif %}", trim: true) == "x")
    }

    @Test func errorsCarryPositions() throws {
        #expect { try ChatTemplate("{{ 1 + }}") } throws: { ($0 as? ChatTemplateError).map { if case .syntax = $0 { return true }; return false } ?? false }
        #expect(throws: ChatTemplateError.self) { try ChatTemplate("{% if x %}unclosed") }
        #expect(throws: ChatTemplateError.raised("boom")) { try render("{{ raise_exception('boom') }}") }
        #expect(throws: ChatTemplateError.self) { try render("{{ x | nosuchfilter }}") }
    }

    @Test func chatMLFallback() throws {
        let text = try ChatTemplate(ChatTemplate.chatML).render(messages: [ChatMessage(role: "user", content: "hi")], addGenerationPrompt: true)
        #expect(text == "<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n")
    }
}
