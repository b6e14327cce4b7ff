import Base
import Foundation
import Testing
@testable import Preference

/// `divtune stats`' numbers against pandas' `describe` and the released transform
/// (Fixtures/dataset_stats.json, scripts/reference/dataset_stats.py).
@Suite struct DatasetStatisticsTests {
    func check(_ stats: DatasetStatistics, _ expected: [String: Any]) throws {
        func distribution(_ d: Distribution, _ key: String) throws {
            let e = try #require(expected[key] as? [String: Any])
            #expect(d.count == e["count"] as? Int, "\(key) count")
            for (name, value) in [("mean", d.mean), ("min", d.min), ("q25", d.q25), ("median", d.median), ("q75", d.q75), ("max", d.max)] {
                let want = try #require((e[name] as? NSNumber)?.doubleValue)
                #expect(close(value, want), "\(key).\(name): \(value) vs \(want)")
            }
            if let std = (e["std"] as? NSNumber)?.doubleValue { #expect(close(try #require(d.std), std), "\(key).std") } else { #expect(d.std == nil) }
        }
        #expect(stats.prompts == expected["prompts"] as? Int && stats.responses == expected["responses"] as? Int)
        #expect(close(stats.promptWords, try #require((expected["prompt_words"] as? NSNumber)?.doubleValue)))
        #expect(close(stats.responseWords, try #require((expected["response_words"] as? NSNumber)?.doubleValue)))
        #expect(stats.scoreTransform == expected["score_transform"] as? String)
        try distribution(stats.responsesPerPrompt, "responses_per_prompt")
        try distribution(stats.rawScores, "raw_scores")
        try distribution(stats.transformedScores, "transformed_scores")
    }

    @Test func tablesThreeAndFourMatchPandasOnTheSampleDataAndAFlatFile() throws {
        let fixture = try loadFixture("dataset_stats")
        let train = try PreferenceDataset.read(url: SampleDataTests.dataFolder.appendingPathComponent("train.jsonl"))
        let flatURL = try #require(Bundle.module.url(forResource: "dataset_stats_flat", withExtension: "jsonl", subdirectory: "Fixtures"))
        let flat = try PreferenceDataset.read(url: flatURL)
        for (dataset, key) in [(train, "train"), (flat, "flat")] {
            let expected = try #require(fixture[key] as? [[String: Any]])
            try check(try DatasetStatistics(dataset, transform: .consistentShift), expected[0])
            try check(try DatasetStatistics(dataset, transform: .reference), expected[1])
        }
        // The flat file's minimum is 0: the released transform's ends are not ±1 (docs/methods.md §1.2).
        let reference = try DatasetStatistics(flat, transform: .reference)
        #expect(reference.transformedScores.min > 0.9 && reference.weights == nil)
        let weighted = try DatasetStatistics(flat, weights: [0, 0.5, 1])
        #expect(weighted.weights?.median == 0.5 && weighted.weights?.count == 3)
        #expect(throws: PreferenceError.self) { try DatasetStatistics(PreferenceDataset(prompts: [])) }
    }
}
