import Foundation
import Testing
@testable import ChatTemplates

/// Engine features one at a time, with the expected text written out.
@Suite struct JinjaFeatureTests {
    func render(_ source: String, _ context: [String: JinjaValue] = [:], options: TemplateOptions = .jinja) throws -> String {
        try ChatTemplate(source, options: options).render(context: context)
    }

    let xs: JinjaValue = ["a", "b", "c"]

    @Test func loopVariables() throws {
        #expect(try render("{% for x in xs %}{{ loop.index }}{{ x }}{% if not loop.last %},{% endif %}{% endfor %}", ["xs": xs]) == "1a,2b,3c")
        #expect(try render("{% for x in xs %}{{ loop.index0 }}{{ loop.revindex }}{{ loop.length }}{{ loop.first }} {% endfor %}", ["xs": xs])
            == "033True 123False 213False ")
        #expect(try render("{% for x in xs %}{{ loop.previtem }}>{{ loop.nextitem }} {% endfor %}", ["xs": xs]) == ">b a>c b> ")
        #expect(try render("{% for x in xs if x != 'b' %}{{ loop.index }}/{{ loop.length }}{% endfor %}", ["xs": xs]) == "1/22/2")
        #expect(try render("{% for x in [] %}y{% else %}empty{% endfor %}") == "empty")
        #expect(try render("{% for k, v in d.items() %}{{ k }}{{ v }}{% endfor %}", ["d": ["z": 1, "a": 2]]) == "z1a2")
        #expect(try render("{% for x in xs %}{% if x == 'b' %}{% break %}{% endif %}{{ x }}{% endfor %}", ["xs": xs]) == "a")
    }

    @Test func whitespaceControl() throws {
        #expect(try render("a  {%- if true -%}  b  {%- endif -%}  c") == "abc")
        #expect(try render("a {{- 'b' -}} c") == "abc")
        #expect(try render("{% if true %}\n  x\n{% endif %}\n") == "\n  x\n")
        #expect(try render("{% if true %}\n  x\n  {% endif %}\n", options: .chatTemplate) == "  x\n")
        #expect(try render("  {%+ if true %}x{% endif %}", options: .chatTemplate) == "  x")
        #expect(try render("a\r\nb\n", options: .jinja) == "a\nb")
        #expect(try render("a\n", options: TemplateOptions(keepTrailingNewline: true)) == "a\n")
        #expect(try render("{% raw %}{{ x }}{% endraw %}") == "{{ x }}")
    }

    @Test func namespacesAndScopes() throws {
        let source = "{% set ns = namespace(n=0) %}{% set outer = 1 %}{% for i in range(3) %}{% set ns.n = ns.n + i %}{% set outer = 5 %}{% endfor %}{{ ns.n }} {{ outer }}"
        #expect(try render(source) == "3 1")
        #expect(try render("{% if true %}{% set x = 2 %}{% endif %}{{ x }}") == "2")
        #expect(try render("{% macro m(a, b=2) %}{{ a }}{{ b }}{{ top }}{% endmacro %}{% set top = 't' %}{{ m(1) }}{{ m(a=3, b=4) }}") == "12t34t")
        #expect(try render("{% macro w() %}[{{ caller() }}]{% endmacro %}{% call w() %}in{% endcall %}") == "[in]")
    }

    @Test func expressionsAndSlices() throws {
        #expect(try render("{{ xs[1:] }}{{ xs[::-1] | join }}{{ xs[-1] }}{{ xs[:1] }}", ["xs": xs]) == "['b', 'c']cbac['a']")
        #expect(try render("{{ 7 // 2 }} {{ -7 // 2 }} {{ 7 % 3 }} {{ 2 ** 3 }} {{ 1 + 2 * 3 }} {{ 7 / 2 }} {{ 4 / 2 }}") == "3 -4 1 8 7 3.5 2.0")
        #expect(try render("{{ 'a' ~ 1 ~ none }} {{ 'a' + 'b' }} {{ 'yes' if 1 in [1] else 'no' }} {{ 'x' not in 'abc' }}") == "a1None ab yes True")
        #expect(try render("{{ missing }}|{{ missing.attr }}|{{ missing | default('d') }}|{{ (missing or 'o') }}") == "|||d|o".dropFirst().description)
        #expect(try render("{{ 'héllo🙂'[1] }}{{ 'héllo🙂' | length }}{{ 'héllo🙂'[-1] }}") == "é6🙂")
        #expect(try render("{{ 1e16 }} {{ 1e15 }} {{ 0.0001 }} {{ 1e-05 }} {{ 2.5 }}") == "1e+16 1000000000000000.0 0.0001 1e-05 2.5")
    }

    @Test func tests() throws {
        #expect(try render("{{ x is defined }} {{ y is defined }} {{ none is none }} {{ x is not none }}", ["x": 1]) == "True False True True")
        #expect(try render("{{ 'a' is string }} {{ {} is mapping }} {{ [] is iterable }} {{ 1 is number }} {{ 3 is odd }} {{ 2 is equalto 2 }}")
            == "True True True True True True")
        #expect(try render("{{ strftime_now is defined }} {{ nothing is defined }}") == "True False")
    }

    @Test func filters() throws {
        #expect(try render("{{ '  hi  ' | trim }}|{{ 'Hi' | upper }}|{{ 'Hi' | lower }}|{{ 'a b-c' | title }}|{{ 'hI' | capitalize }}") == "hi|HI|hi|A B-C|Hi")
        #expect(try render("{{ 'a-b' | replace('-', '+') }} {{ xs | length }} {{ xs | first }} {{ xs | last }} {{ xs | join('/') }}", ["xs": xs]) == "a+b 3 a c a/b/c")
        #expect(try render("{{ 'ab' | list }} {{ 5 | string }} {{ '7' | int }} {{ '2.5' | float }} {{ 3 | float }} {{ x | safe }}", ["x": "<b>"]) == "['a', 'b'] 5 7 2.5 3.0 <b>")
        let ms: JinjaValue = [["role": "user", "content": "a"], ["role": "assistant", "content": "b"], ["role": "user", "content": "c"]]
        #expect(try render("{{ ms | selectattr('role', 'equalto', 'user') | map(attribute='content') | join }}", ["ms": ms]) == "ac")
        #expect(try render("{{ ms | rejectattr('role', 'equalto', 'user') | map(attribute='content') | list }}", ["ms": ms]) == "['b']")
        #expect(try render("{% for k, v in d | items %}{{ k }}={{ v }} {% endfor %}", ["d": ["b": 1, "a": 2]]) == "b=1 a=2 ")
        #expect(try render("{{ d | tojson }}", ["d": ["b": 1, "a": [true, .none, "é\"\n"], "c": 1.5]]) == #"{"b": 1, "a": [true, null, "é\"\n"], "c": 1.5}"#)
        #expect(try render("{{ d | tojson(indent=2) }}", ["d": ["k": [1, 2], "e": [:]]]) == "{\n  \"k\": [\n    1,\n    2\n  ],\n  \"e\": {}\n}")
    }

    @Test func methods() throws {
        #expect(try render("{{ ' x '.strip() }}|{{ 'xay'.lstrip('x') }}|{{ 'a,b'.split(',') }}|{{ 'a  b'.split() }}") == "x|ay|['a', 'b']|['a', 'b']")
        #expect(try render("{{ 'abc'.startswith('ab') }} {{ 'abc'.endswith('c') }} {{ 'Ab'.upper() }}{{ 'Ab'.lower() }} {{ 'a-a'.replace('a', 'b') }}") == "True True ABab b-b")
        #expect(try render("{{ d.get('a') }} {{ d.get('z', 0) }} {{ d.keys() | list }} {{ d.values() | list }}", ["d": ["a": 1]]) == "1 0 ['a'] [1]")
    }

    @Test func errorsCarryPositions() throws {
        #expect(throws: ChatTemplateError.syntax(line: 2, column: 7, reason: "unexpected '}}'")) { try ChatTemplate("line\n{{ 1 +}}") }
        #expect(throws: ChatTemplateError.self) { try ChatTemplate("{% if x %}unclosed") }
        #expect(throws: ChatTemplateError.self) { try ChatTemplate("{% frobnicate %}") }
        #expect(throws: ChatTemplateError.self) { try ChatTemplate("{{ 'open }}") }
        #expect(throws: ChatTemplateError.raised("boom")) { try render("{{ raise_exception('boom') }}") }
        #expect(throws: ChatTemplateError.runtime("at 1:8: no filter named 'nosuch'")) { try render("{{ x | nosuch }}") }
        #expect(throws: ChatTemplateError.runtime("at 1:6: division by zero")) { try render("{{ 1 / 0 }}") }
        #expect(throws: ChatTemplateError.runtime("at 1:6: integer overflow in '**'")) { try render("{{ 2 ** 64 }}") }
    }

    @Test func valuesFromJSONKeepKeyOrder() throws {
        let v = try JinjaValue(json: #"{"z": 1, "a": [1.5, true, null, "\u00e9\ud83d\ude42"], "m": {}}"#)
        guard case let .object(o) = v else { Issue.record("not an object"); return }
        #expect(o.keys == ["z", "a", "m"])
        #expect(o["a"] == [1.5, true, .none, "é🙂"])
        #expect(throws: ChatTemplateError.self) { try JinjaValue(json: "{\"a\": }") }
        #expect(JinjaValue(any: ["k": [1, 2.5, "s", true] as [Any]] as [String: Any]) == ["k": [1, 2.5, "s", true]])
        #expect(JinjaValue.int(1) == .double(1.0) && JinjaValue.bool(true) == .int(1) && JinjaValue.undefined != .none)
    }
}
