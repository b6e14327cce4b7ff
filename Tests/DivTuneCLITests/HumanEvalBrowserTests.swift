import Foundation
import HumanEvaluation
import LoopbackTesting
import Testing

/// The annotators' web app in a real browser (docs/human-evaluation.md §8): headless Chromium over
/// WebDriver opens an annotator's link, answers three items by clicking radio buttons, reloads
/// mid-study, finishes, and `divtune humaneval results` counts exactly those answers.
@Suite struct HumanEvalBrowserTests {
    @Test func anAnnotatorClicksThroughReloadsAndFinishes() async throws {
        let folder = try DivTuneProcess.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let (ddpo, dpo) = try HumanEvalCommandsTests.runs(in: folder, prompts: 3)
        let study = folder.appendingPathComponent("study.sqlite").path
        let create = try DivTuneProcess.run(["humaneval", "create", "--run", "ddpo=\(ddpo)", "--run", "dpo=\(dpo)", "--labels-per-item", "1",
                                             "--completion-code", "XK-7", "--output", study])
        #expect(create.status == 0, "\(create.stderr)")
        let server = try HumanEvalServeKillTests.Server(study: study)
        defer { server.kill9() }
        let invite = try DivTuneProcess.run(["humaneval", "invite", "--study", study, "--name", "ann", "--base-url", "http://127.0.0.1:\(server.port)"])
        let link = invite.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(link.hasPrefix("http://127.0.0.1:\(server.port)/a/"), "\(invite.stderr)")

        let browser = try await WebDriver.start()
        defer { browser.quit() }
        try await browser.navigate(to: link)
        try await browser.waitForText("Item 1 of 3")
        // Submitting with nothing chosen is stopped by the browser (required radios): still item 1.
        try await browser.click("button[type=submit]")
        #expect(try await browser.text(".progress") == "Item 1 of 3")
        var seen: [String] = [try await browser.currentURL()]
        let picks = [("A-2", "B", "first by clicks"), ("hard", "A", ""), ("B-4", "hard", "")]
        for (index, (story, set, comment)) in picks.enumerated() {
            if index == 1 {
                // Reload mid-study: the same item again, nothing counted twice.
                let action = try await browser.execute("return document.forms[0].getAttribute('action')")
                try await browser.refresh()
                try await browser.waitForText("Item 2 of 3")
                #expect(try await browser.execute("return document.forms[0].getAttribute('action')") == action)
            }
            try await browser.click("input[name=best_story][value='\(story)']")
            try await browser.click("input[name=diverse_set][value='\(set)']")
            if !comment.isEmpty { try await browser.sendKeys(comment, to: browser.find("textarea[name=comment]")) }
            #expect(try await browser.execute("return document.querySelector('input[name=best_story]:checked').value") == .string(story))
            try await browser.click("button[type=submit]")
            try await browser.waitForText(index < 2 ? "Item \(index + 2) of 3" : "Thank you!")
            seen.append(try await browser.currentURL())
        }
        #expect(try await browser.text("#completion-code") == "XK-7")
        // The 303 after each answer brings the browser back to the annotator's own link.
        #expect(seen.allSatisfy { $0 == link })

        let results = try DivTuneProcess.run(["humaneval", "results", "--study", study, "--json"])
        #expect(results.status == 0, "\(results.stderr)")
        let decoded = try JSONDecoder().decode(StudyResults.self, from: Data(results.stdout.utf8))
        #expect(decoded.questions.map(\.answers) == [3, 3])
        #expect(decoded.questions[0].options == ["A-2": 1, "hard": 1, "B-4": 1])
        #expect(decoded.questions[1].options == ["B": 1, "A": 1, "hard": 1])
        #expect(decoded.annotators.map(\.name) == ["ann"] && decoded.annotators.map(\.answers) == [3])
        let answers = try StudyStore(path: study).answers()
        #expect(answers.map(\.comment) == ["first by clicks", "", ""])
    }
}
