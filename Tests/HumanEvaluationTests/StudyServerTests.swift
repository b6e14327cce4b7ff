import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
@testable import HumanEvaluation

/// Every route of the annotators' web app, through Hummingbird's router test client.
@Suite struct StudyServerTests {
    static let admin = "admin-token-0123456789"

    static func withServer(prompts: Int = 3, design: StudyDesign = StudyFixtures.design(labelsPerItem: 1, itemsPerAnnotator: 2),
                           _ body: @Sendable (StudyStore, any TestClientProtocol) async throws -> Void) async throws {
        var design = design
        design.completionCode = "DONE-42"
        design.completionLink = "https://example.org/back"
        let (study, _) = try StudyFixtures.study(prompts: prompts, design: design)
        let server = try StudyServer(study: study, adminToken: admin)
        try await Application(router: server.makeRouter()).test(.router) { client in try await body(study, client) }
    }

    static func form(_ fields: [(String, String)]) -> ByteBuffer {
        ByteBuffer(string: fields.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }.joined(separator: "&"))
    }

    static let formHeaders: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]

    /// The item id in a page's form action.
    static func itemID(_ page: String) throws -> Int {
        let range = try #require(page.range(of: #"/item/(\d+)""#, options: .regularExpression))
        return try #require(Int(page[range].dropFirst(6).dropLast()))
    }

    @Test func tokensGuardEveryRoute() async throws {
        try await Self.withServer { study, client in
            let token = try study.invite(name: "ann")
            try await client.execute(uri: "/health", method: .get) { #expect($0.status == .ok && String(buffer: $0.body) == "ok") }
            for uri in ["/a/\(token.dropLast())x", "/a", "/admin", "/admin/wrong-token-0123456789", "/admin/\(token)"] {
                try await client.execute(uri: uri, method: .get) { #expect($0.status == .forbidden, "\(uri)") }
            }
            try await client.execute(uri: "/a/nope/item/1", method: .post, headers: Self.formHeaders,
                                     body: Self.form([("best_story", "A-1"), ("diverse_set", "A")])) { #expect($0.status == .forbidden) }
            try await client.execute(uri: "/admin/\(Self.admin)", method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body).contains("<td>ann</td><td>0 / 2</td>"))
            }
            #expect(try study.answers().isEmpty)
        }
    }

    @Test func anAnnotatorAnswersResubmitsAndFinishes() async throws {
        try await Self.withServer { study, client in
            let token = try study.invite(name: "ann")
            let other = try study.invite(name: "bob")
            let page = try await client.execute(uri: "/a/\(token)", method: .get) { String(buffer: $0.body) }
            #expect(page.contains("Item 1 of 2") && page.contains("<h2>Set A</h2>") && page.contains("name=\"best_story\" value=\"B-4\" required"))
            #expect(page.contains("<meta name=\"viewport\""))
            let first = try Self.itemID(page)
            // A reload shows the same item.
            #expect(try Self.itemID(try await client.execute(uri: "/a/\(token)", method: .get) { String(buffer: $0.body) }) == first)
            // bob may not answer ann's item (bob's own first item is another one: one label per item).
            _ = try await client.execute(uri: "/a/\(other)", method: .get) { $0 }
            try await client.execute(uri: "/a/\(other)/item/\(first)", method: .post, headers: Self.formHeaders,
                                     body: Self.form([("best_story", "A-1"), ("diverse_set", "A")])) { #expect($0.status == .forbidden) }
            // A missing answer is not saved: the page comes back with the error and the choice kept.
            try await client.execute(uri: "/a/\(token)/item/\(first)", method: .post, headers: Self.formHeaders,
                                     body: Self.form([("best_story", "A-3")])) { response in
                #expect(response.status == .badRequest)
                let text = String(buffer: response.body)
                #expect(text.contains("Not saved: question &quot;diverse_set&quot; needs an answer."))
                #expect(text.contains("value=\"A-3\" required checked"))
            }
            try await client.execute(uri: "/a/\(token)/item/\(first)", method: .post, headers: Self.formHeaders,
                                     body: Self.form([("best_story", "A-1"), ("diverse_set", "B"), ("comment", String(repeating: "x", count: 101))])) {
                #expect($0.status == .badRequest && String(buffer: $0.body).contains("more than the study&#39;s limit of 100"))
            }
            try await client.execute(uri: "/a/\(token)/item/\(first)", method: .post, headers: Self.formHeaders,
                                     body: ByteBuffer(repeating: UInt8(ascii: "x"), count: 100_000)) { #expect($0.status == .contentTooLarge) }
            #expect(try study.answers().isEmpty)
            try await client.execute(uri: "/a/\(token)/item/\(first)", method: .post, headers: Self.formHeaders,
                                     body: Self.form([("best_story", "A-2"), ("diverse_set", "B"), ("comment", "a café, & more")])) { response in
                #expect(response.status == .seeOther && response.headers[.location] == "/a/\(token)")
            }
            // The back button posts again, differently: accepted, nothing changes.
            try await client.execute(uri: "/a/\(token)/item/\(first)", method: .post, headers: Self.formHeaders,
                                     body: Self.form([("best_story", "hard"), ("diverse_set", "hard")])) { #expect($0.status == .seeOther) }
            #expect(try study.answers().map(\.choices) == [["best_story": "A-2", "diverse_set": "B"]])
            #expect(try study.answers().map(\.comment) == ["a café, & more"])
            let second = try await client.execute(uri: "/a/\(token)", method: .get) { String(buffer: $0.body) }
            let secondID = try Self.itemID(second)
            #expect(second.contains("Item 2 of 2") && secondID != first)
            try await client.execute(uri: "/a/\(token)/item/\(secondID)", method: .post, headers: Self.formHeaders,
                                     body: Self.form([("best_story", "hard"), ("diverse_set", "A")])) { #expect($0.status == .seeOther) }
            try await client.execute(uri: "/a/\(token)", method: .get) { response in
                let text = String(buffer: response.body)
                #expect(text.contains("Thank you!") && text.contains("DONE-42") && text.contains("https://example.org/back"))
            }
            try await client.execute(uri: "/admin/\(Self.admin)", method: .get) { response in
                #expect(String(buffer: response.body).contains("<td>ann</td><td>2 / 2</td>"))
            }
        }
    }

    @Test func formBodiesDecodeAsBrowsersSendThem() {
        #expect(FormBody.decode("a=1&b=x+y%21&c=%E2%9C%93&a=2&d") == ["a": "1", "b": "x y!", "c": "✓", "d": ""])
        #expect(FormBody.decode("bad=%zz%4") == ["bad": "%zz%4"])
    }
}
