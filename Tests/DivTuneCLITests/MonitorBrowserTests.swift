import Base
import Foundation
import LoopbackTesting
import Testing

/// `divtune monitor` in a real browser (docs/formats.md §4.5.3): headless Chromium over WebDriver
/// shows a tiny DPO run with probes, and new points appear on the open page while a resumed run
/// writes them (the resume also rewrites metrics.jsonl, cut back to its checkpoint).
@Suite struct MonitorBrowserTests {
    /// A running `divtune monitor` on a free loopback port.
    final class Monitor {
        let process = Process()
        let port: Int

        init(runs: [String]) throws {
            port = try DivTuneProcess.startServer(process, ["monitor"] + runs + ["--port", "0"])
        }

        /// Sends SIGTERM; whether the server exited within `seconds` (else it is killed).
        @discardableResult
        func stop(within seconds: Double = 10) -> Bool {
            guard process.isRunning else { return true }
            process.terminate()
            let deadline = Date().addingTimeInterval(seconds)
            while process.isRunning && Date() < deadline { usleep(20_000) }
            guard process.isRunning else { return true }
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            return false
        }
    }

    /// The steps of the points in panel `id` as the browser shows them.
    static func steps(_ browser: WebDriver, panel id: String) async throws -> [Double] {
        let value = try await browser.execute("""
            return Array.from(document.querySelectorAll('#panel-' + arguments[0] + ' circle')).map(function (c) { return Number(c.getAttribute('data-x')); });
            """, [id])
        guard case .array(let list) = value else { return [] }
        return list.compactMap { if case .number(let n) = $0 { return n } else { return nil } }
    }

    @Test func thePageShowsNewPointsWhileTheRunWritesThem() async throws {
        let dir = try DivTuneProcess.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = try TinyTrainingRun.model(in: dir), pairs = try TinyTrainingRun.pairData(in: dir)
        try "{\"prompt\": \"tell a story\"}\n{\"prompt\": \"name a colour\"}\n".write(to: dir.appendingPathComponent("monitor.jsonl"),
                                                                                   atomically: true, encoding: .utf8)
        let miniLM = try ModelCache(root: DivTuneProcess.repositoryRoot).require(ModelCache.miniLM).path
        let train = ["train", "dpo", "--model", model, "--data", pairs, "--output", "run", "--logging-steps", "1", "--batch-size", "2",
                     "--learning-rate", "1e-2", "--save-every", "4", "--monitor-prompts", "monitor.jsonl", "--monitor-every", "2",
                     "--monitor-samples", "2", "--monitor-max-tokens", "8", "--monitor-system", "", "--embedder", miniLM]
        let first = try DivTuneProcess.run(train + ["--max-steps", "4"], in: dir)
        #expect(first.status == 0, "\(first.stderr)")

        // A folder that is not a run is refused, naming it.
        let refused = try DivTuneProcess.run(["monitor", dir.path])
        #expect(refused.status != 0 && refused.stderr.contains("\(dir.path): not a training run"), "\(refused.stderr)")

        let monitor = try Monitor(runs: [dir.appendingPathComponent("run").path])
        defer { monitor.stop() }
        let browser = try await WebDriver.start(width: 1300, height: 1100)
        defer { browser.quit() }
        try await browser.navigate(to: "http://127.0.0.1:\(monitor.port)/")
        try await browser.waitUntil("the event stream", script: "return document.body.getAttribute('data-live') === 'yes'")
        #expect(try await Self.steps(browser, panel: "loss") == [1, 2, 3, 4])
        #expect(try await Self.steps(browser, panel: "margins") == [1, 2, 3, 4])
        #expect(try await Self.steps(browser, panel: "semantic_diversity") == [0, 2, 4])
        #expect(try await browser.findAll("#panel-semantic_diversity line.ci").count == 3)
        #expect(try await browser.text("h2") == "Latest samples")

        // The run goes on (resumed from its checkpoint): its new points appear without a reload.
        try await browser.execute("window.notReloaded = true")
        let second = try DivTuneProcess.run(train + ["--max-steps", "8", "--resume", "run/checkpoint-4"], in: dir)
        #expect(second.status == 0, "\(second.stderr)")
        // (The run has ended, but the page may still show an update from before its last probe.)
        try await browser.waitUntil("step 8 on the loss and diversity panels", seconds: 60, script: """
            var loss = document.querySelectorAll('#panel-loss circle'), probes = document.querySelectorAll('#panel-semantic_diversity circle');
            return loss.length === 8 && loss[7].getAttribute('data-x') === '8.0' && probes.length === 5;
            """)
        #expect(try await Self.steps(browser, panel: "semantic_diversity") == [0, 2, 4, 6, 8])
        #expect(try await browser.execute("return window.notReloaded === true") == .bool(true))
        #expect(try await browser.findAll("h4").count == 4)  // step 0 and step 8, for each of the two prompts

        // The README's picture of the page (docs/images/monitor.png) when asked for.
        let png = try await browser.screenshot()
        if let path = ProcessInfo.processInfo.environment["DIVTUNE_MONITOR_SCREENSHOT"] {
            try png.write(to: URL(fileURLWithPath: path))
        }
        // SIGTERM stops the server although the page still holds its event stream open.
        #expect(monitor.stop())
    }
}
