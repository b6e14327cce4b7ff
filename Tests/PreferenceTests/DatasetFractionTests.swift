import Foundation
import Testing
@testable import Preference

/// `prepare --data-fraction` (docs/methods.md §2.4): a seeded share of the prompts in file order.
@Suite struct DatasetFractionTests {
    static let data = PreferenceDataset(prompts: (0..<10).map { i in
        PromptResponses(prompt: "p\(i)", responses: [ScoredResponse(text: "a\(i)", score: 1), ScoredResponse(text: "b\(i)", score: 9)])
    })

    @Test func keepsARoundedSeededShareInFileOrder() throws {
        let half = try Self.data.fraction(0.5, seed: 7)
        #expect(half.prompts.count == 5 && half.prompts.allSatisfy { $0.responses.count == 2 })
        let indices = half.prompts.map { Int($0.prompt.dropFirst())! }
        #expect(indices == indices.sorted())
        #expect(try Self.data.fraction(0.5, seed: 7).prompts == half.prompts)
        // The seed draws the prompts: ten seeds give more than one subset.
        #expect(Set(try (0..<10).map { try Self.data.fraction(0.5, seed: $0).prompts.map(\.prompt) }).count > 1)
        #expect(try Self.data.fraction(1, seed: 7).prompts == Self.data.prompts)
        #expect(try Self.data.fraction(0.01, seed: 7).prompts.count == 1)
        #expect(try Self.data.fraction(0.26, seed: 7).prompts.count == 3)
    }

    @Test func aFractionOutsideTheUnitIntervalIsRefused() {
        for bad in [0, -0.5, 1.5, Double.nan] {
            #expect(throws: PreferenceError.self) { _ = try Self.data.fraction(bad, seed: 0) }
        }
    }
}
