import Base
import Evaluation
import Foundation
import Hummingbird
import HummingbirdTesting
import LoopbackTesting
import Testing
@testable import Monitor

/// `divtune monitor`'s page (docs/formats.md §4.5.3) over runs the tests write as a training run
/// writes them; its event stream is tested on a monitor process (MonitorEventStreamTests).
@Suite struct MonitorServerTests {
    /// A DPO run's folder at step 3 with probes at steps 0 and 2 (their intervals in `monitor/step-N`).
    static func run(named name: String = "dpo") throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("monitor-\(UUID().uuidString)").appendingPathComponent(name)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var lines = ["{\"step\": 0, \"monitor/semantic_diversity\": 0.6, \"monitor/quality_mean_logprob_per_token\": -2.5}"]
        for step in 1...3 {
            lines.append("{\"step\": \(step), \"epoch\": 0.1, \"loss\": \(0.7 - 0.1 * Double(step)), \"rewards/chosen\": 0.1, \"rewards/rejected\": -0.1, \"rewards/margins\": 0.2}")
            if step == 2 { lines.append("{\"step\": 2, \"monitor/semantic_diversity\": 0.4, \"monitor/quality_mean_logprob_per_token\": -2.0}") }
        }
        try Data(lines.map { $0 + "\n" }.joined().utf8).write(to: folder.appendingPathComponent("metrics.jsonl"))
        var samples = ""
        for (step, diversity) in [(0, 0.6), (2, 0.4)] {
            let metrics = RunMetrics(run: "step-\(step)", model: "m.gguf", quality: Estimate(mean: -2, lower: -2.2, upper: -1.8),
                                     qualityMeasure: "mean_logprob_per_token",
                                     semanticDiversity: Estimate(mean: diversity, lower: diversity - 0.05, upper: diversity + 0.05), styleDiversity: nil,
                                     compressionRatio: nil, homogenizationRougel: nil, ngramDiversity: nil, prompts: 2, samplesPerPrompt: 2)
            let probe = folder.appendingPathComponent("monitor/step-\(step)")
            try FileManager.default.createDirectory(at: probe, withIntermediateDirectories: true)
            try metrics.write(runDirectory: probe)
            for prompt in ["A poem about rain.", "A story <of> cats."] {
                samples += "{\"step\": \(step), \"prompt\": \"\(prompt)\", \"samples\": [\"step \(step) one\", \"step \(step) two\"]}\n"
            }
        }
        try Data(samples.utf8).write(to: folder.appendingPathComponent("monitor_samples.jsonl"))
        return folder
    }

    static func append(_ text: String, to url: URL) throws {
        let handle = try FileHandle(forWritingTo: url)
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(text.utf8))
        try handle.close()
    }

    /// The markup of panel `id`, and its points' steps and values.
    static func panel(_ id: String, in html: String) -> (markup: String, points: [(x: Double, y: Double)])? {
        guard let start = html.range(of: "id=\"panel-\(id)\""), let end = html[start.upperBound...].range(of: "</svg>") else { return nil }
        let markup = String(html[start.lowerBound..<end.upperBound])
        let pattern = #"data-x="([-0-9.e]+)" data-y="([-0-9.e]+)""#
        let regex = try! NSRegularExpression(pattern: pattern)
        let points = regex.matches(in: markup, range: NSRange(markup.startIndex..., in: markup)).map { match in
            (Double(markup[Range(match.range(at: 1), in: markup)!])!, Double(markup[Range(match.range(at: 2), in: markup)!])!)
        }
        return (markup, points)
    }

    @Test func pageShowsCurvesIntervalsAndSamples() async throws {
        let folder = try Self.run()
        let server = try MonitorServer(runs: [folder])
        try await Application(router: server.makeRouter()).test(.router) { client in
            try await client.execute(uri: "/health", method: .get) { #expect($0.status == .ok && String(buffer: $0.body) == "ok") }
            let html = try await client.execute(uri: "/", method: .get) { response -> String in
                #expect(response.status == .ok && response.headers[.contentType] == "text/html; charset=utf-8")
                return String(buffer: response.body)
            }
            #expect(html.contains("dpo (\(folder.path)): step 3, 5 records, probes at steps 0, 2"))
            let loss = try #require(Self.panel("loss", in: html))
            #expect(loss.points.map(\.x) == [1, 2, 3] && loss.points.map(\.y) == (1...3).map { 0.7 - 0.1 * Double($0) })
            #expect(try #require(Self.panel("margins", in: html)).points.count == 3)
            #expect(try #require(Self.panel("rewards", in: html)).markup.contains("data-label=\"rewards/rejected\""))
            // The probe curves carry their bootstrap intervals as error bars.
            let semantic = try #require(Self.panel("semantic_diversity", in: html))
            #expect(semantic.points.map(\.x) == [0, 2] && semantic.points.map(\.y) == [0.6, 0.4])
            #expect(semantic.markup.components(separatedBy: "class=\"ci\"").count - 1 == 2)
            #expect(Self.panel("monitor-quality_mean_logprob_per_token", in: html)?.markup.contains("Quality (mean logprob per token)") == true)
            #expect(Self.panel("style_diversity", in: html) == nil)
            // The first and the latest probe's samples, per prompt, escaped.
            #expect(html.contains("<h3>A story &lt;of&gt; cats.</h3>") && html.contains("<h4>step 0</h4>") && html.contains("<h4>step 2</h4>"))
            #expect(html.contains("new EventSource('/events')") && html.contains("<body data-version=\"1\">"))
        }
    }

    @Test func severalRunsShareThePanels() async throws {
        let (a, b) = (try Self.run(named: "ddpo"), try Self.run(named: "dpo"))
        try Self.append("{\"step\": 4, \"loss\": 0.1}\n", to: b.appendingPathComponent("metrics.jsonl"))
        let server = try MonitorServer(runs: [a, b])
        let (_, page) = await server.watcher.current()
        let loss = try #require(Self.panel("loss", in: page.sections))
        #expect(loss.markup.contains("data-label=\"ddpo loss\"") && loss.markup.contains("data-label=\"dpo loss\"") && loss.points.count == 7)
        #expect(page.sections.contains("<h4>ddpo, step 2</h4>") && page.sections.contains("<h4>dpo, step 2</h4>"))
    }

    @Test func refusesWhatIsNotARunAndReportsBadLines() async throws {
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("monitor-empty-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        for (url, reason) in [(empty, "not a training run"), (empty.appendingPathComponent("missing"), "no such folder")] {
            #expect(throws: FileError.self) { try MonitorServer(runs: [url]) }
            do { _ = try MonitorServer(runs: [url]) } catch { #expect("\(error)".hasPrefix("\(url.path): \(reason)")) }
        }
        // A malformed line is named on the page; the records around it are still drawn; a warning is shown.
        let folder = try Self.run()
        try Self.append("{\"step\": 4, \"loss\": }\n{\"step\": 5, \"loss\": 0.2}\n{\"step\": 5, \"warning\": \"diversity <fell>\"}\n",
                        to: folder.appendingPathComponent("metrics.jsonl"))
        let (_, page) = await (try MonitorServer(runs: [folder])).watcher.current()
        #expect(page.sections.contains("Could not read: \(folder.path)/metrics.jsonl:6: malformed JSON"))
        #expect(Self.panel("loss", in: page.sections)?.points.map(\.x) == [1, 2, 3, 5])
        #expect(page.sections.contains("<p>Warning at step 5: diversity &lt;fell&gt;</p>"))
    }
}
