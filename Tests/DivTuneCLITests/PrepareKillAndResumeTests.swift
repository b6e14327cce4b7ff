import Base
import Embeddings
import Foundation
import Testing

/// Crash-safe `prepare --cache`, proven (issue 23 item 3): `divtune prepare` is killed with SIGKILL
/// at random moments — some the moment an embedding cache or the output is being written — and run
/// again; every rerun must write the uninterrupted run's pairs, byte for byte, the caches and the
/// output must never be found partial, and a rerun must take from the cache every vector the killed
/// run saved (the caches are saved while embedding, docs/formats.md §4.3).
@Suite(.serialized) struct PrepareKillAndResumeTests {
    /// 96 prompts of 3 distinct responses: two embedding batches (of 64 and 32 prompts) per space.
    static func input(in directory: URL) throws -> URL {
        let url = directory.appendingPathComponent("raw.jsonl")
        let lines = try (0..<96).map { p in
            let responses = (0..<3).map { r in
                ["text": "response \(r) to prompt \(p): \(String(repeating: ["the sea ", "a red kite ", "bread and salt "][r], count: 1 + p % 4))",
                 "score": Double((p * 7 + r * 3) % 10)] as [String: Any]
            }
            return String(decoding: try JSONSerialization.data(withJSONObject: ["prompt": "prompt \(p)", "responses": responses], options: .sortedKeys),
                          as: UTF8.self)
        }
        try (lines.joined(separator: "\n") + "\n").write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    static func arguments(input: URL, folder: URL) -> [String] {
        ["prepare", "--input", input.path, "--output", folder.appendingPathComponent("pairs.jsonl").path,
         "--embedder", EmbeddingCommandsTests.tinyModel, "--style-embedder", EmbeddingCommandsTests.tinyModel,
         "--deviation", "both", "--min-gap", "1", "--cache", folder.appendingPathComponent("embeddings.cache").path, "--threads", "1"]
    }

    static let cacheNames = ["embeddings.cache", "embeddings.cache.style"]

    /// Vectors in the folder's cache files; records an issue for one that cannot be read whole.
    static func cachedVectors(in folder: URL, trial: Int) -> Int {
        cacheNames.reduce(0) { total, name in
            let file = folder.appendingPathComponent(name)
            guard FileManager.default.fileExists(atPath: file.path) else { return total }
            do {
                return total + (try EmbeddingCache(wrapping: StylometricEmbedder(), modelID: "check", file: file)).count
            } catch {
                Issue.record("trial \(trial): \(name) cannot be read: \(error)")
                return total
            }
        }
    }

    /// "embedding cache: H hits, E embedded" from a run's output.
    static func cacheCounts(_ stdout: String) throws -> (hits: Int, embedded: Int) {
        let line = try #require(stdout.split(separator: "\n").first { $0.hasPrefix("embedding cache: ") })
        let numbers = line.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
        try #require(numbers.count == 2)
        return (numbers[0], numbers[1])
    }

    @Test func prepareKilledAtRandomMomentsRerunsToTheSamePairs() throws {
        let dir = try DivTuneProcess.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = try Self.input(in: dir)

        let straightFolder = dir.appendingPathComponent("straight")
        let (status, duration) = try KilledRuns.timedRun(Self.arguments(input: input, folder: straightFolder))
        try #require(status == 0)
        let pairs = try Data(contentsOf: straightFolder.appendingPathComponent("pairs.jsonl"))
        let texts = Self.cachedVectors(in: straightFolder, trial: -1)
        // The responses of the pairs (the cutoffs leave some out), in both spaces.
        #expect(texts > 2 * 96 && texts <= 2 * 288 && texts % 2 == 0)

        var rng = SeededGenerator(seed: 23)
        var killedWhileSaving = 0, rerunsWithHits = 0, finishedBeforeKill = 0
        let trials = 21
        for trial in 0..<trials {
            let folder = dir.appendingPathComponent("trial-\(trial)")
            let process = try KilledRuns.launch(Self.arguments(input: input, folder: folder))
            switch trial % 3 {
            case 0: // the moment a cache is being written, in the first half of the run (the saves come while embedding)
                KilledRuns.sleep(randomFractionOf: duration / 2, using: &rng)
                KilledRuns.wait(process, timeout: 10 * duration + 5) { Self.cacheNames.contains { KilledRuns.isWriting($0, in: folder) } }
            case 1: // the moment the pairs are being written
                KilledRuns.wait(process, timeout: 10 * duration + 5) { KilledRuns.isWriting("pairs.jsonl", in: folder) }
            default:
                KilledRuns.sleep(randomFractionOf: duration, using: &rng)
            }
            if KilledRuns.kill(process) { finishedBeforeKill += 1 }
            if KilledRuns.entries(folder).contains(where: { $0.hasSuffix(".tmp") }) { killedWhileSaving += 1 }

            let cached = Self.cachedVectors(in: folder, trial: trial)
            let output = folder.appendingPathComponent("pairs.jsonl")
            if FileManager.default.fileExists(atPath: output.path) {
                #expect(try Data(contentsOf: output) == pairs, "trial \(trial): the killed run left partial or different pairs")
            }
            let rerun = try DivTuneProcess.run(Self.arguments(input: input, folder: folder))
            #expect(rerun.status == 0, "trial \(trial): \(rerun.stderr)")
            #expect(try Data(contentsOf: output) == pairs, "trial \(trial): the rerun's pairs differ from the uninterrupted run's")
            let counts = try Self.cacheCounts(rerun.stdout)
            #expect(counts.hits == cached && counts.embedded == texts - cached,
                    "trial \(trial): \(cached) vectors were saved, the rerun took \(counts.hits) from the cache and embedded \(counts.embedded)")
            if counts.hits > 0 && counts.embedded > 0 { rerunsWithHits += 1 }
            #expect(Self.cachedVectors(in: folder, trial: trial) == texts)
            #expect(KilledRuns.temporaryFiles(in: folder) == [], "trial \(trial): the rerun left the killed run's temporary files")
            try? FileManager.default.removeItem(at: folder)
        }
        print("prepare kill -9: \(trials) trials; \(killedWhileSaving) killed while writing a file, \(rerunsWithHits) reruns resumed"
              + " part-way, \(finishedBeforeKill) finished first; uninterrupted run \(String(format: "%.2f", duration)) s")
        #expect(killedWhileSaving >= trials / 6)
        // How many kills land between two saves depends on the machine's speed (a fast build embeds the
        // tiny model's batches in milliseconds); one resumed rerun proves the saves while embedding.
        #expect(rerunsWithHits >= 1, "the caches saved while embedding must spare reruns some work")
        #expect(finishedBeforeKill < trials / 2)
    }
}
