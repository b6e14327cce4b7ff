import Foundation
import Testing
@testable import ChatTemplates

/// Hostile templates (issue 23): each must end in `ChatTemplateError.limitExceeded`, never in a
/// crash, a hang or an allocation the machine cannot make.
@Suite struct TemplateLimitTests {
    /// Parses and renders `source`; returns the limit error's text (nil when it rendered).
    func limitError(_ source: String, limits: TemplateLimits = TemplateLimits(), context: [String: JinjaValue] = [:],
                    sourceLocation: Testing.SourceLocation = #_sourceLocation) -> String? {
        do {
            _ = try ChatTemplate(source, options: .jinja, limits: limits).render(context: context)
            return nil
        } catch let ChatTemplateError.limitExceeded(reason) {
            return reason
        } catch {
            Issue.record("expected a limit error, got \(error)", sourceLocation: sourceLocation)
            return "\(error)"
        }
    }

    func repeated(_ s: String, _ n: Int) -> String { String(repeating: s, count: n) }

    @Test func deeplyNestedExpressionsAreRefusedWhenParsed() throws {
        let n = 20_000   // enough to overflow the stack without the limit
        let cases = [
            "parentheses": "{{ " + repeated("(", n) + "1" + repeated(")", n) + " }}",
            "lists": "{{ " + repeated("[", n) + "1" + repeated("]", n) + " }}",
            "calls": "{{ " + repeated("f(", n) + "1" + repeated(")", n) + " }}",
            "filter chain": "{{ 'x'" + repeated(" | trim", n) + " }}",
            "unary minus": "{{ " + repeated("-", n) + "1 }}",
            "not": "{{ " + repeated("not ", n) + "1 }}",
            "sums": "{{ 1" + repeated(" + 1", n) + " }}",
            "attributes": "{{ x" + repeated(".a", n) + " }}",
            "conditionals": "{{ " + repeated("1 if x else ", n) + "1 }}",
            "blocks": repeated("{% if true %}", n) + "x" + repeated("{% endif %}", n),
        ]
        for (name, source) in cases {
            let started = Date()
            let reason = try #require(limitError(source), "\(name): rendered")
            #expect(reason.contains("nests deeper than \(TemplateLimits().maxNesting) levels at line 1"), "\(name): \(reason)")
            #expect(Date().timeIntervalSince(started) < 10, "\(name)")
        }
    }

    @Test func nestingWithinTheLimitStillRenders() throws {
        let n = 40
        let template = try ChatTemplate("{{ " + repeated("(", n) + "1" + repeated(")", n) + " }}"
                                        + "{{ 'x'" + repeated(" | trim", n) + " }}" + repeated("{% if true %}", n) + "y" + repeated("{% endif %}", n))
        #expect(try template.render(context: [:]) == "1xy")
    }

    @Test func recursiveMacrosStopAtTheDepthLimit() throws {
        let reason = try #require(limitError("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}"))
        #expect(reason.contains("macro"), "\(reason)")
        // Mutual recursion through caller() too.
        let viaCaller = try #require(limitError("{% macro w() %}{% call w() %}{% endcall %}{% endmacro %}{{ w() }}"))
        #expect(viaCaller.contains("macro"), "\(viaCaller)")
    }

    @Test func nestedLoopsStopAtTheIterationLimit() throws {
        let tenBillion = "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}"
        let started = Date()
        // With the defaults, whichever of the iteration and time limits comes first (debug builds are slow).
        let reason = try #require(limitError(tenBillion))
        #expect(reason.contains("loop iterations") || reason.contains("took longer than"), "\(reason)")
        #expect(Date().timeIntervalSince(started) < 20)
        var limits = TemplateLimits()
        limits.maxLoopIterations = 10_000
        #expect(limitError(tenBillion, limits: limits)?.contains("more than 10000 loop iterations") == true)
        // Items a loop filter skips count too.
        let filtered = "{% for i in range(100000) %}{% for j in range(100000) if j < 0 %}{% endfor %}{% endfor %}"
        #expect(limitError(filtered, limits: limits)?.contains("loop iterations") == true)
        // Below the limit, loops run.
        #expect(limitError("{% for i in range(100) %}{% for j in range(99) %}{% endfor %}{% endfor %}", limits: limits) == nil)
    }

    @Test func doublingValuesStopAtTheSizeLimit() throws {
        // A 1 MiB limit instead of 16 stops these 16 times sooner; the clock must not be what stops them.
        var limits = TemplateLimits()
        limits.maxValueSize = 1 << 20
        limits.timeLimit = .seconds(120)
        let strings = try #require(limitError(
            "{% set ns = namespace(s='ab') %}{% for i in range(64) %}{% set ns.s = ns.s + ns.s %}{% endfor %}{{ ns.s | length }}", limits: limits))
        #expect(strings.contains("larger than"), "\(strings)")
        let concat = try #require(limitError(
            "{% set ns = namespace(s='ab') %}{% for i in range(64) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}", limits: limits))
        #expect(concat.contains("larger than"), "\(concat)")
        let lists = try #require(limitError(
            "{% set ns = namespace(l=[1]) %}{% for i in range(64) %}{% set ns.l = ns.l + ns.l %}{% endfor %}", limits: limits))
        #expect(lists.contains("larger than"), "\(lists)")
        // Lists holding the same list twice: small in memory, exponential once printed.
        let shared = try #require(limitError(
            "{% set ns = namespace(l=[1]) %}{% for i in range(64) %}{% set ns.l = [ns.l, ns.l] %}{% endfor %}{{ ns.l }}", limits: limits))
        #expect(shared.contains("larger than"), "\(shared)")
        let halves = try #require(limitError(
            "{% set ns = namespace(a=1) %}{% for i in range(64) %}{% set ns.a = [ns, ns] %}{% endfor %}{{ ns | tojson }}", limits: limits))
        #expect(halves.contains("larger than"), "\(halves)")
        let joined = try #require(limitError(
            "{% set ns = namespace(s='abcd') %}{% for i in range(64) %}{% set ns.s = [ns.s, ns.s] | join %}{% endfor %}", limits: limits))
        #expect(joined.contains("larger than"), "\(joined)")
        let replaced = try #require(limitError(
            "{% set ns = namespace(s='a' * 100) %}{% for i in range(64) %}{% set ns.s = ns.s.replace('a', 'a' * 100) %}{% endfor %}", limits: limits))
        #expect(replaced.contains("larger than"), "\(replaced)")
    }

    @Test func deeplyNestedValuesStopAtTheNestingLimit() throws {
        let lists = try #require(limitError(
            "{% set ns = namespace(l=[]) %}{% for i in range(100000) %}{% set ns.l = [ns.l] %}{% endfor %}{{ ns.l }}"))
        #expect(lists.contains("nested deeper than 200 levels"), "\(lists)")
        let namespaces = try #require(limitError(
            "{% set ns = namespace(a=1) %}{% for i in range(100000) %}{% set ns.a = ns %}{% endfor %}{{ ns | tojson }}"))
        #expect(namespaces.contains("nested deeper than 200 levels"), "\(namespaces)")
    }

    @Test func hugePaddingIsRefused() throws {
        #expect(limitError("{{ 'a\nb' | indent(1000000000000) }}")?.contains("larger than") == true)
        #expect(limitError("{{ [1, 2] | tojson(indent=1000000000000) }}")?.contains("larger than") == true)
    }

    @Test func outputStopsAtTheOutputLimit() throws {
        let reason = try #require(limitError("{% set s = 'x' * 1000000 %}{% for i in range(100000) %}{{ s }}{% endfor %}"))
        #expect(reason.contains("output"), "\(reason)")
        // Captured blocks are output too.
        let captured = try #require(limitError(
            "{% set s = 'x' * 1000000 %}{% set b %}{% for i in range(100000) %}{{ s }}{% endfor %}{% endset %}"))
        #expect(captured.contains("output"), "\(captured)")
    }

    @Test func slowRendersStopAtTheTimeLimit() throws {
        var limits = TemplateLimits()
        limits.timeLimit = .milliseconds(300)
        let started = Date()
        let reason = try #require(limitError("{% for i in range(100000) %}{% set t = s.replace('a', 'b') %}{% endfor %}",
                                             limits: limits, context: ["s": .string(repeated("a", 1_000_000))]))
        #expect(reason.contains("0.3 s"), "\(reason)")
        #expect(Date().timeIntervalSince(started) < 5)
    }

    @Test func quadraticOperationsStayFast() throws {
        let started = Date()
        // `unique` over 100,000 distinct items must not compare every pair.
        #expect(try ChatTemplate("{{ range(100000) | unique | list | length }}").render(context: [:]) == "100000")
        #expect(try ChatTemplate("{{ [1, 1.0, true, 'a', 'a', [1], [1], 2] | unique | list }}").render(context: [:]) == "[1, 'a', [1], 2]")
        // Searching "aaa…ab" in "aaa…a" must not compare at every offset.
        let context: [String: JinjaValue] = ["h": .string(repeated("a", 1_000_000)), "n": .string(repeated("a", 100_000) + "b")]
        let search = try ChatTemplate("{{ h.find(n) }} {{ n in h }} {{ h.replace(n, '') | length }} {{ h.split(n) | length }} {{ h.count(n) }}")
        #expect(try search.render(context: context) == "-1 False 1000000 1 0")
        #expect(Date().timeIntervalSince(started) < 20)
    }

    @Test func longRealConversationsRenderWithinTheLimits() throws {
        // 2,000 turns of 500 characters with tools, through every fixture template.
        let messages: [ChatMessage] = (0..<2000).map { i in
            i % 2 == 0 ? .user("question \(i) " + repeated("x", 500)) : .assistant("answer \(i) " + repeated("y", 500))
        }
        let tools = try JinjaValue(json: #"[{"type": "function", "function": {"name": "f", "description": "d", "parameters": {"type": "object", "properties": {"a": {"type": "string"}}}}}]"#)
        for name in ["llama3", "llama31", "llama32", "mistral_v01", "mistral_v03", "qwen25", "smollm2"] {
            let template = try ChatTemplate(Fixture.text("templates/\(name).jinja"))
            let text = try template.render(messages: messages, addGenerationPrompt: true, bosToken: "<s>", eosToken: "</s>",
                                           extraContext: ["tools": tools])
            #expect(text.utf8.count > 1_000_000, "\(name)")
        }
    }
}
