import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import HumanEvaluation
import Testing

/// `divtune humaneval serve` killed with SIGKILL right after answers were acknowledged: a new
/// server on the same study has every answer and hands the annotator the same open item.
@Suite struct HumanEvalServeKillTests {
    /// A running `divtune humaneval serve` on a free loopback port.
    final class Server {
        let process = Process()
        let port: Int

        init(study: String) throws {
            port = try DivTuneProcess.startServer(process, ["humaneval", "serve", "--study", study, "--port", "0",
                                                            "--admin-token", "admin-token-0123456789"])
        }

        func kill9() {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }

        /// GET or POST (a form), following the 303 to the next page; status and page.
        func request(_ path: String, form: String? = nil) async throws -> (Int, String) {
            var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
            if let form {
                request.httpMethod = "POST"
                request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
                request.httpBody = Data(form.utf8)
            }
            let (data, response) = try await URLSession.shared.data(for: request)
            return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
        }
    }

    static func itemID(_ page: String) throws -> Int {
        let range = try #require(page.range(of: #"/item/(\d+)""#, options: .regularExpression))
        return try #require(Int(page[range].dropFirst(6).dropLast()))
    }

    @Test func answersSurviveKillNineAndTheAssignmentResumes() async throws {
        let folder = try DivTuneProcess.temporaryDirectory()
        let (ddpo, dpo) = try HumanEvalCommandsTests.runs(in: folder)
        let study = folder.appendingPathComponent("study.sqlite").path
        #expect(try DivTuneProcess.run(["humaneval", "create", "--run", "ddpo=\(ddpo)", "--run", "dpo=\(dpo)", "--output", study]).status == 0)
        let link = try DivTuneProcess.run(["humaneval", "invite", "--study", study, "--name", "ann"]).stdout
        let token = String(try #require(link.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "/").last))

        let server = try Server(study: study)
        var (status, page) = try await server.request("/a/\(token)")
        #expect(status == 200 && page.contains("Item 1 of 4"))
        var answered: [Int] = []
        for _ in 0..<2 {
            let id = try Self.itemID(page)
            (status, page) = try await server.request("/a/\(token)/item/\(id)", form: "best_story=A-1&diverse_set=B&comment=item+\(id)")
            #expect(status == 200, "\(page)")
            answered.append(id)
        }
        let open = try Self.itemID(page)
        #expect(page.contains("Item 3 of 4"))
        server.kill9()

        let again = try Server(study: study)
        defer { again.kill9() }
        (status, page) = try await again.request("/a/\(token)")
        let resumed = try Self.itemID(page)
        #expect(status == 200 && page.contains("Item 3 of 4") && resumed == open)
        let answers = try StudyStore(path: study).answers()
        #expect(answers.map(\.item) == answered && answers.map(\.comment) == answered.map { "item \($0)" })
        // A resubmission of an answered item after the restart changes nothing.
        (status, page) = try await again.request("/a/\(token)/item/\(answered[0])", form: "best_story=hard&diverse_set=hard")
        let after = try StudyStore(path: study).answers()
        #expect(status == 200 && after == answers)
    }
}
