import Foundation
import Testing

/// `divtune sweep` at quick size: SmolLM2-135M-Instruct, 6 scored prompts, the tiny RoBERTa as
/// the semantic embedder, 2 grid points of 1 DDPO step each, 2 prompts × 2 samples × 4 tokens.
@Suite(.serialized) struct SweepCommandTests {
    static let tinyEmbedder = DivTuneProcess.repositoryRoot.appendingPathComponent("Tests/EmbeddingsTests/Fixtures/tiny-roberta").path

    /// Scored responses (grouped, as `prepare --input`) and two evaluation prompts.
    static func data(in folder: URL) throws -> (raw: String, prompts: String) {
        let stories = ["The lighthouse keeper counted ships until the sea went quiet.", "A dragon learned to knit scarves for winter.",
                       "Rain fell on the town and nobody minded at all.", "She found a map folded inside an old library book.",
                       "The robot waited by the door for a friend who never came."]
        var lines: [String] = []
        for p in 0..<6 {
            let responses = (0..<4).map { r in ["text": "\(stories[(p + r) % stories.count]) Part \(r).", "score": Double(3 + 7 * r + p)] as [String: Any] }
            let line: [String: Any] = ["prompt": "Write a short story number \(p).", "responses": responses]
            lines.append(String(decoding: try JSONSerialization.data(withJSONObject: line, options: .sortedKeys), as: UTF8.self))
        }
        let raw = folder.appendingPathComponent("raw.jsonl"), prompts = folder.appendingPathComponent("prompts.jsonl")
        try (lines.joined(separator: "\n") + "\n").write(to: raw, atomically: true, encoding: .utf8)
        try "{\"prompt\": \"Write about snow.\"}\n{\"prompt\": \"Write about a cat.\"}\n".write(to: prompts, atomically: true, encoding: .utf8)
        return (raw.path, prompts.path)
    }

    static func json(_ url: URL) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
    }

    /// Every file under `folder` with its modification date (what a rerun must not touch).
    static func modificationDates(_ folder: URL) throws -> [String: Date] {
        var dates: [String: Date] = [:]
        let enumerator = try #require(FileManager.default.enumerator(at: folder, includingPropertiesForKeys: [.contentModificationDateKey]))
        for case let url as URL in enumerator {
            dates[url.path] = try url.resourceValues(forKeys: [.contentModificationDateKey]).contentModificationDate
        }
        return dates
    }

    @Test func twoPointsRunEveryStageThenARerunDoesNoWork() throws {
        let folder = try DivTuneProcess.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let (raw, prompts) = try Self.data(in: folder)
        let out = folder.appendingPathComponent("sweep")
        let arguments = ["sweep", "--model", try DivTuneProcess.smolLM2, "--data", raw, "--prompts", prompts,
                         "--grid", "max-responses=2,all", "--grid", "data-fraction=0.5", "--max-steps", "1", "--max-length", "96",
                         "--samples-per-prompt", "2", "--max-tokens", "4", "--embedder", Self.tinyEmbedder, "--threads", "2",
                         "--output", out.path]
        let first = try DivTuneProcess.run(arguments)
        #expect(first.status == 0, "\(first.stderr.suffix(3000))")
        #expect(first.stdout.contains("sweep: 2 points (max-responses × 2, data-fraction × 1)"))
        #expect(first.stdout.contains("[1/2] max-responses=2, data-fraction=0.5") && first.stdout.contains("[2/2] max-responses=all, data-fraction=0.5"))
        #expect(first.stdout.contains("  train: divtune train ddpo --model ") && !first.stdout.contains("skipped"))

        // Each point's pairs follow its options: half of the 6 prompts; max-responses 2 keeps one pair per prompt, all keeps two.
        let pointFolders = ["max-responses-2_data-fraction-0.5", "max-responses-all_data-fraction-0.5"].map {
            out.appendingPathComponent("points").appendingPathComponent($0)
        }
        let pairCounts = try pointFolders.map { point in
            try String(contentsOf: point.appendingPathComponent("pairs.jsonl"), encoding: .utf8).split(separator: "\n").count
        }
        #expect(pairCounts == [3, 6], "\(pairCounts)")
        for point in pointFolders {
            let state = try Self.json(point.appendingPathComponent("point.json"))
            #expect((state["stages"] as? [[String: Any]])?.compactMap { $0["name"] as? String } == ["prepare", "train", "evaluate"])
            #expect(FileManager.default.fileExists(atPath: point.appendingPathComponent("train/adapter_model.safetensors").path))
        }

        let sweep = try Self.json(out.appendingPathComponent("sweep.json"))
        #expect(sweep["axes"] as? [String] == ["max-responses", "data-fraction"])
        let points = try #require(sweep["points"] as? [[String: Any]])
        #expect(points.count == 2)
        #expect(points.compactMap { ($0["values"] as? [String: String])?["max-responses"] } == ["2", "all"])
        #expect(points.compactMap { $0["folder"] as? String } == pointFolders.map { "points/\($0.lastPathComponent)/eval" })
        for point in points {
            for key in ["quality", "semantic_diversity", "style_diversity"] {
                let estimate = try #require(point[key] as? [String: Any], "\(key)")
                let mean = try #require(estimate["mean"] as? Double), ci = try #require(estimate["ci95"] as? [Double])
                #expect(mean.isFinite && ci.count == 2 && ci[0] <= mean && mean <= ci[1], "\(key)")
            }
            #expect(point["quality_measure"] as? String == "mean_logprob_per_token" && point["embedders_match_paper"] as? Bool == false)
        }
        let report = try String(contentsOf: out.appendingPathComponent("report.html"), encoding: .utf8)
        #expect(report.components(separatedBy: "<svg").count == 4 && report.contains("max-responses (1 = 2, 2 = all)"))

        // The rerun skips both finished points: no file under points/ changes.
        let before = try Self.modificationDates(out.appendingPathComponent("points"))
        let second = try DivTuneProcess.run(arguments)
        #expect(second.status == 0, "\(second.stderr.suffix(2000))")
        #expect(second.stdout.components(separatedBy: "finished earlier, skipped").count == 3)
        #expect(!second.stdout.contains("divtune prepare") && !second.stdout.contains("divtune train"))
        #expect(try Self.modificationDates(out.appendingPathComponent("points")) == before)

        // A rerun that would train differently is refused, naming the point and its stage.
        let changed = try DivTuneProcess.run(arguments.map { $0 == "96" ? "80" : $0 })
        #expect(changed.status != 0 && changed.stderr.contains("max-responses-2_data-fraction-0.5: its train stage ran with other settings"),
                "\(changed.stderr)")

        // A bad axis is refused before any work, naming the keys.
        let bad = try DivTuneProcess.run(["sweep", "--model", "m", "--data", raw, "--prompts", prompts, "--grid", "max-response=2", "--output", out.path])
        #expect(bad.status != 0 && bad.stderr.contains("unknown key 'max-response'") && bad.stderr.contains("min-deviation"))
        let badValue = try DivTuneProcess.run(["sweep", "--model", "m", "--data", raw, "--prompts", prompts, "--grid", "min-deviation=0.5", "--output", out.path])
        #expect(badValue.status != 0 && badValue.stderr.contains("'0.5' is not a number in [-1, 0] or none"))
    }
}
