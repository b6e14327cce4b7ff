import Base
import Foundation
import LoopbackTesting
import Testing

/// `divtune monitor`'s event stream (docs/formats.md §4.5.3) from a monitor in its own process, as
/// a page sees it: an update at once, none for a line cut off mid-write, the new point once the
/// line is complete. (In a process of its own the server's tasks cannot be starved by the tests
/// that run beside it on the test runner's few threads.)
@Suite struct MonitorEventStreamTests {
    static func append(_ text: String, to url: URL) throws {
        let handle = try FileHandle(forWritingTo: url)
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(text.utf8))
        try handle.close()
    }

    static func lossPoints(_ html: String) -> [[Double]] {
        guard let start = html.range(of: "id=\"panel-loss\""), let end = html[start.upperBound...].range(of: "</svg>") else { return [] }
        let markup = String(html[start.lowerBound..<end.upperBound])
        let regex = try! NSRegularExpression(pattern: #"data-x="([-0-9.e]+)" data-y="([-0-9.e]+)""#)
        return regex.matches(in: markup, range: NSRange(markup.startIndex..., in: markup)).map { match in
            [Double(markup[Range(match.range(at: 1), in: markup)!])!, Double(markup[Range(match.range(at: 2), in: markup)!])!]
        }
    }

    @Test func eventsStreamANewPointOnceTheRunCompletesItsLine() async throws {
        let folder = try DivTuneProcess.temporaryDirectory().appendingPathComponent("dpo")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let metrics = folder.appendingPathComponent("metrics.jsonl")
        try Data((1...3).map { "{\"step\": \($0), \"loss\": \(0.7 - 0.1 * Double($0))}\n" }.joined().utf8).write(to: metrics)
        let monitor = try MonitorBrowserTests.Monitor(runs: [folder.path])
        defer { monitor.stop() }
        let stream = try await RawHTTPClient(port: monitor.port).events("/events")
        defer { stream.close() }
        var event = try await stream.next()
        #expect(stream.status == 200 && stream.headers["content-type"] == "text/event-stream")
        var update = try JSONDecoder().decode(JSONValue.self, from: Data(event.data.utf8))
        #expect(event.name == "update" && update["version"] == .number(1))
        guard case .string(let first)? = update["html"] else { throw RawHTTPClient.ClientError("no html in \(event.data.prefix(100))") }
        #expect(Self.lossPoints(first).count == 3)
        // A line cut off mid-write is not shown (the monitor polls every 0.5 s)…
        try Self.append("{\"step\": 4, \"loss\": 0.", to: metrics)
        await #expect(throws: RawHTTPClient.ClientError.self) { _ = try await stream.next(timeoutSeconds: 1.5) }
        // …until its end arrives: then the new point comes in the next update.
        try Self.append("25, \"rewards/margins\": 0.3}\n", to: metrics)
        event = try await stream.next()
        update = try JSONDecoder().decode(JSONValue.self, from: Data(event.data.utf8))
        guard case .string(let next)? = update["html"] else { throw RawHTTPClient.ClientError("no html") }
        #expect(update["version"] == .number(2))
        #expect(Self.lossPoints(next).last == [4, 0.25])
        #expect(next.contains("step 4, 4 records"))
        #expect(monitor.stop())
    }
}
