import Foundation
import Testing
@testable import Preference

@Suite struct ScoreTransformTests {
    /// docs/methods.md §1.3 golden table (min 1, max 23079), 6 decimals.
    @Test func goldenTable() throws {
        let raw: [Double] = [1, 2, 3, 4, 5, 6, 8, 10, 15, 20, 26, 50, 100, 500, 1000, 5000, 23079]
        let expected = [-1.000000, -0.310713, -0.050587, 0.092324, 0.185086, 0.251298, 0.341361, 0.401182, 0.492276,
                        0.546008, 0.588785, 0.675710, 0.745930, 0.858091, 0.892955, 0.955722, 1.000000]
        for variant in ScoreTransform.Variant.allCases {
            let t = try ScoreTransform.transform(raw, variant: variant)
            for (a, b) in zip(t, expected) { #expect(abs(a - b) < 5e-7, "\(variant): \(a) vs \(b)") }
        }
    }

    @Test func matchesReferenceScript() throws {
        let fixture = try loadFixture("preference_reference")
        for key in ["transform_paper", "transform_shifted"] {
            let c = try #require(fixture[key] as? [String: Any])
            let scores = doubles(c["scores"])
            let lo = try #require((c["min"] as? NSNumber)?.doubleValue), hi = try #require((c["max"] as? NSNumber)?.doubleValue)
            let ref = try ScoreTransform.transform(scores, minimum: lo, maximum: hi, variant: .reference)
            let con = try ScoreTransform.transform(scores, minimum: lo, maximum: hi, variant: .consistentShift)
            for (a, b) in zip(ref, doubles(c["reference"])) { #expect(close(a, b), "\(key) reference \(a) vs \(b)") }
            for (a, b) in zip(con, doubles(c["consistent"])) { #expect(close(a, b), "\(key) consistent \(a) vs \(b)") }
        }
    }

    @Test func shiftedMinimumShowsTheReferenceInconsistency() throws {
        let t = try ScoreTransform.transform([0, 100], variant: .reference)
        #expect(abs(t[0] - 0.9405) < 1e-3 && t[1] > 1, "reference maps 0 → 0.94 when the minimum is 0")
        let c = try ScoreTransform.transform([0, 100])
        #expect(c == [-1, 1])
    }

    @Test func edgeCases() throws {
        #expect(try ScoreTransform.transform([7, 7, 7]) == [0, 0, 0])
        #expect(try ScoreTransform.transform([]) == [])
        #expect(throws: PreferenceError.self) { try ScoreTransform.transform([1, .nan]) }
        #expect(throws: PreferenceError.self) { try ScoreTransform.transform([-3, 10], variant: .reference) }
        let negative = try ScoreTransform.transform([-3, 0, 10])
        #expect(negative.first == -1 && negative.last == 1 && negative[1] > -1 && negative[1] < 1)
    }
}
