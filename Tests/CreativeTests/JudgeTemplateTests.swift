import Base
import Foundation
import Testing
@testable import Creative
import Evaluation

/// Template files and labelled ideas as users write them, and the errors for broken ones.
@Suite struct JudgeTemplateTests {
    static func file(_ text: String, _ ext: String = "txt") throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("judge-\(UUID().uuidString).\(ext)")
        try Data(text.utf8).write(to: url)
        return url
    }

    static func message(_ body: () throws -> Any, _ url: URL) -> String {
        do { _ = try body(); return "no error" } catch { return "\(error)".replacingOccurrences(of: url.path, with: "F") }
    }

    @Test func builtInTemplatesParseAndRender() throws {
        let p = JudgeTemplate.builtIn(.pointwise)
        #expect(p.positive == "Yes" && p.negative == "No" && p.fields == ["brand", "problem", "idea"])
        let q = JudgeTemplate.builtIn(.pairwise)
        #expect(q.positive == "A" && q.negative == "B" && q.fields == ["brand", "problem", "idea_a", "idea_b"])
        for task in ResponseJudge.Task.allCases {
            let r = task.template
            #expect(r.mode == .response && r.positive == "Yes" && r.negative == "No" && r.fields == ["context", "response"], "\(task)")
        }
        let t = try JudgeTemplate.parse("answers: Good / Weak\n{x} then {idea}, {not a field} {x}. Good or Weak?\n", mode: .pointwise, source: "t")
        #expect(t.render(["x": "1", "idea": "an idea"]) == "1 then an idea, {not a field} 1. Good or Weak?")
    }

    @Test func brokenTemplatesAreNamed() throws {
        func message(_ text: String, _ mode: JudgeTemplate.Mode = .pointwise) throws -> String {
            let url = try Self.file(text)
            return Self.message({ try JudgeTemplate.load(file: url, mode: mode) }, url)
        }
        #expect(try message("Is {idea} good? Answer Yes or No.") == "F:1: the first line must declare the two answer words, e.g. `answers: Yes / No`")
        #expect(try message("answers: Yes\nIs {idea} good? Yes?")
                == "F:1: declare exactly two different one-word answers, positive first, e.g. `answers: Yes / No`")
        #expect(try message("answers: Yes / No\nIs {idea} good? Answer Yes or Nope.")
                == "F:1: the answer word \"No\" does not appear in the prompt: tell the model it may answer it")
        #expect(try message("answers: Yes / No\nIs it good? Answer Yes or No.") == "F: a pointwise template needs the placeholder {idea}")
        #expect(try message("answers: A / B\n{idea_a} or {idea}? A or B.", .pairwise) == "F: a pairwise template needs the placeholder {idea_b}")
        #expect(try message("answers: A / B\n{idea_a} or {idea_b} ({idea})? A or B.", .pairwise)
                == "F: {idea} belongs in a pointwise template; use {idea_a} and {idea_b}")
        #expect(try message("answers: Yes / No\n") == "F:2: the template has no prompt after its answers line")
        #expect(try message("answers: Yes / No\n{context}: is {idea} strong? Yes or No.", .response)
                == "F: a response template needs the placeholder {response}")
        #expect(try message("answers: Yes / No\n{response} for {idea}: Yes or No?", .response)
                == "F: {idea} belongs in a pointwise template; use {response}")
    }

    @Test func badLabelledRowsAreNamed() throws {
        let template = JudgeTemplate.builtIn(.pointwise)
        func message(_ lines: [String]) throws -> String {
            let url = try Self.file(lines.joined(separator: "\n") + "\n", "jsonl")
            return Self.message({ try LabelledIdea.read(file: url, template: template) }, url)
        }
        let good = #"{"brand": "B", "problem": "P", "idea": "I", "label": "good"}"#
        #expect(try message([good, #"{"brand": "B", "problem": "P", "idea": "I", "label": "great"}"#])
                == "F:2: field \"label\": must be \"good\" or \"bad\", found \"great\"")
        #expect(try message([good, #"{"brand": "B", "idea": "I", "label": "bad"}"#]) == "F:2: field \"problem\": missing")
        #expect(try message([good, #"{"brand": "B", "problem": 3, "idea": "I", "label": "bad"}"#]) == "F:2: field \"problem\": must be a string, found a number")
        #expect(try message([good, #"{"brand": "B", "problem": "P", "idea": "I"}"#]) == "F:2: field \"label\": missing")
        #expect(try message([]) == "F: no labelled ideas")
        let url = try Self.file(good + "\n", "jsonl")
        let rows = try LabelledIdea.read(file: url, template: template)
        #expect(rows.count == 1 && rows[0].isGood && rows[0].fields["brand"] == "B" && rows[0].line == 1)
    }

    @Test func thresholdMaximisesValidationAgreementNearestHalf() {
        // Goods at 0.62, 0.7, 0.9; bads at 0.1, 0.4, 0.65: the midpoints 0.51 and 0.675 each get 5 of 6
        // right (0.635 gets 4); 0.51 is nearer 0.5.
        let t = ThresholdCalibration.threshold(scores: [0.62, 0.7, 0.9, 0.1, 0.4, 0.65], positives: [true, true, true, false, false, false])
        #expect(abs(t - 0.51) < 1e-12)
        // A judge that scores everything low still separates: the threshold follows the scores.
        let low = ThresholdCalibration.threshold(scores: [0.02, 0.03, 0.01, 0.005], positives: [true, true, false, false])
        #expect(abs(low - 0.015) < 1e-12)
        #expect(ThresholdCalibration.threshold(scores: [], positives: []) == 0.5)
    }

    @Test func agreementSummaryUsesTheEvaluationStatistics() throws {
        let labels = ["good", "bad", "good", "bad", "good", "bad", "good", "good"]
        let predictions = ["good", "bad", "bad", "bad", "good", "good", "good", "good"]
        let scores = [0.9, 0.2, 0.4, 0.3, 0.8, 0.6, 0.7, 0.95]
        let s = try AgreementSummary(predictions: predictions, labels: labels, scores: scores, positives: labels.map { $0 == "good" }, resamples: 200)
        #expect(s.items == 8 && s.accuracy?.value == 0.75)
        #expect(s.kappa?.value == (try CohenKappa.value(predictions, labels)))
        #expect(s.rocAUC?.value == (try ROCAUC.value(scores: scores, positives: labels.map { $0 == "good" })))
        #expect(s.rocAUC.map { $0.lower <= $0.value && $0.value <= $0.upper } == true)
    }
}
