import Foundation
import Hummingbird
import Logging

/// The annotators' web app (docs/human-evaluation.md §7) on Hummingbird:
/// `GET /a/TOKEN` shows the annotator's current item (or the completion page),
/// `POST /a/TOKEN/item/ID` records an answer and redirects (303) back, `GET /admin/TOKEN` shows
/// progress, `GET /health` answers `ok`. A wrong or missing token gets 403. Every answer is
/// committed (``StudyStore/submit(annotator:item:choices:comment:now:)``) before the redirect is sent.
public struct StudyServer: Sendable {
    public let study: StudyStore
    let adminTokenHash: String
    let items: [Int: StoredItem]
    /// Largest form body accepted; comments are bounded by the design well below it.
    let maxBodyBytes: Int

    public init(study: StudyStore, adminToken: String, maxBodyBytes: Int = 64 << 10) throws {
        guard adminToken.count >= 16 else {
            throw StudyError.invalidArgument(name: "admin token", reason: "must have at least 16 characters")
        }
        self.study = study
        self.adminTokenHash = AnnotatorToken.hash(adminToken)
        self.items = Dictionary(uniqueKeysWithValues: try study.items().map { ($0.id, $0) })
        self.maxBodyBytes = max(maxBodyBytes, study.design.maxCommentCharacters * 4 + 4096)
    }

    public func makeRouter() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.get("/health") { _, _ in "ok" }
        // No token at all is refused like a wrong one.
        router.get("/a") { _, _ in Self.forbidden() }
        router.get("/admin") { _, _ in Self.forbidden() }
        router.get("/a/:token") { _, context -> Response in
            let token = context.parameters.get("token") ?? ""
            guard let annotator = try? study.annotator(token: token) else { return Self.forbidden() }
            return try current(annotator: annotator, token: token)
        }
        router.post("/a/:token/item/:item") { request, context -> Response in
            let token = context.parameters.get("token") ?? ""
            guard let annotator = try? study.annotator(token: token) else { return Self.forbidden() }
            guard let id = context.parameters.get("item", as: Int.self), let item = items[id],
                  try study.isAssigned(item: id, to: annotator) else {
                return Self.page(.forbidden, AnnotatorPages.message("Not your item", "This item was not given to you; your own items are at your link."))
            }
            var request = request
            let body: ByteBuffer
            do { body = try await request.collectBody(upTo: maxBodyBytes) } catch {
                return Self.page(.contentTooLarge, AnnotatorPages.message("Too large", "The answer is larger than \(maxBodyBytes) bytes."))
            }
            let form = FormBody.decode(String(buffer: body))
            var choices: [String: String] = [:]
            for question in study.design.questions {
                if let value = form[question.id], !value.isEmpty { choices[question.id] = value }
            }
            let comment = (form["comment"] ?? "").replacingOccurrences(of: "\r\n", with: "\n")
            do {
                try study.submit(annotator: annotator, item: id, choices: choices, comment: comment)
            } catch let StudyError.invalidAnswer(reason) {
                // Show the item again with what was chosen, and why it was not accepted.
                return Self.page(.badRequest, AnnotatorPages.item(item, design: study.design, token: token, progress: try study.progress(of: annotator),
                                                                   error: "Not saved: \(reason).", selected: choices, comment: String(comment.prefix(study.design.maxCommentCharacters))))
            }
            return Response(status: .seeOther, headers: [.location: "/a/\(token)", .cacheControl: "no-store"])
        }
        router.get("/admin/:token") { _, context -> Response in
            guard AnnotatorToken.hash(context.parameters.get("token") ?? "") == adminTokenHash else { return Self.forbidden() }
            return Self.page(.ok, AdminPage.render(try study.studyProgress(), design: study.design))
        }
        return router
    }

    /// The item the annotator is on, or the completion page.
    func current(annotator: Annotator, token: String) throws -> Response {
        let progress = try study.progress(of: annotator)
        guard let id = try study.nextItem(for: annotator), let item = items[id] else {
            return Self.page(.ok, AnnotatorPages.done(design: study.design, progress: progress))
        }
        return Self.page(.ok, AnnotatorPages.item(item, design: study.design, token: token, progress: progress))
    }

    static func page(_ status: HTTPResponse.Status, _ html: String) -> Response {
        Response(status: status, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
                 body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    static func forbidden() -> Response {
        page(.forbidden, AnnotatorPages.message("Forbidden", "This link is not valid. Use the personal link you were given."))
    }

    /// The application on `host:port` (port 0 picks a free one, reported to `onRunning`).
    public func makeApplication(host: String, port: Int, logger: Logger? = nil,
                                onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        var log = logger ?? Logger(label: "divtune.humaneval")
        if logger == nil { log.logLevel = .notice }
        return Application(router: makeRouter(), configuration: .init(address: .hostname(host, port: port), serverName: "divtune-humaneval"),
                           onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? 0) }, logger: log)
    }
}
