import Foundation
import Testing
@testable import ChatTemplates

/// ~100 small templates covering lexer options, literals, operators, loops, scoping, macros,
/// tests, filters, `tojson`, methods and errors, each compared with jinja2's output
/// (scripts/reference/chat_templates_engine_cases.py).
@Suite struct EngineCaseTests {
    @Test func engineMatchesJinja2() throws {
        let cases = try Fixture.json("engine_cases.json").arrayValue
        #expect(cases.count > 100)
        var errors = 0
        for c in cases {
            let source = try #require(c["template"].stringValue)
            let flags = c["options"].arrayValue
            let options = TemplateOptions(trimBlocks: flags.first?.isTruthy ?? true, lstripBlocks: flags.last?.isTruthy ?? true)
            guard case let .object(context) = try JinjaValue(json: try #require(c["context"].stringValue)) else {
                Issue.record("context of \(source) is not an object")
                continue
            }
            let variables = Dictionary(uniqueKeysWithValues: context.map { ($0.key, $0.value) })
            do {
                var template = try ChatTemplate(source, options: options)
                template.now = { Fixture.now }
                template.timeZone = Fixture.utc
                let text = try template.render(context: variables)
                #expect(c["error"].isUndefined, "\(source): expected \(c["error"].rendered) error \(c["message"].rendered), got \(text.debugDescription)")
                #expect(text == c["text"].stringValue, "\(source)")
            } catch let ChatTemplateError.raised(message) {
                #expect(c["error"] == "raised" && c["message"].stringValue == message, "\(source): raised \(message)")
                errors += 1
            } catch let error as ChatTemplateError {
                // jinja2 reports some errors at compile time that we report when rendering (unknown
                // filters); any template error is accepted where jinja2 fails with a non-raise error.
                #expect(c["error"] == "syntax" || c["error"] == "runtime", "\(source): unexpected \(error)")
                errors += 1
            }
        }
        #expect(errors == cases.filter { !$0["error"].isUndefined }.count)
    }
}
