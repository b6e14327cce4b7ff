import Base
import Foundation
import Testing
@testable import Evaluation

@Suite struct BootstrapTests {
    @Test func intervalBracketsTheMeanAndIsSeeded() throws {
        var rng = SeededGenerator(seed: 1)
        let values: [Double?] = (0..<200).map { _ in Double(rng.next(below: 1000)) / 1000 }
        let ci = try #require(try Bootstrap.confidenceInterval(values, resamples: 1000, seed: 5))
        #expect(ci.lower < ci.mean && ci.mean < ci.upper)
        // Standard error of a uniform(0,1) mean over 200 values ≈ 0.0204 → 95% half-width ≈ 0.04.
        #expect(abs((ci.upper - ci.lower) / 2 - 0.04) < 0.01, "\(ci)")
        #expect(try Bootstrap.confidenceInterval(values, resamples: 1000, seed: 5) == ci)
        #expect(try Bootstrap.confidenceInterval(values, resamples: 1000, seed: 6) != ci)
    }

    @Test func nilValuesAreSkippedNotFatal() throws {
        let ci = try #require(try Bootstrap.confidenceInterval([nil, 2, nil, 2, 2]))
        #expect(ci.mean == 2 && ci.lower == 2 && ci.upper == 2 && ci.count == 3 && ci.skipped == 2)
        #expect(try Bootstrap.confidenceInterval([nil, nil]) == nil)
        #expect(try Bootstrap.confidenceInterval([]) == nil)
        #expect(try Bootstrap.confidenceInterval([4])?.upper == 4)
        #expect(throws: EvaluationError.self) { try Bootstrap.confidenceInterval([1, .infinity]) }
        #expect(throws: EvaluationError.self) { try Bootstrap.confidenceInterval([1], confidence: 1) }
        #expect(ci.description.contains("2 skipped"))
    }
}
