import Foundation
import Testing
@testable import Preference

@Suite struct DeviationTests {
    let sem: [[Float]] = [[1, 0], [0.9, 0.1], [0, 1], [0.7, 0.7]]
    let sty: [[Float]] = [[1, 0.2], [0.2, 1], [0.5, 0.5], [1, 0.1]]

    /// docs/methods.md §3.5 worked example.
    @Test func workedExample() throws {
        let both = try Deviation.compute(semantic: sem, style: sty)
        let expectD = [[0.433003, 0.371605, 0.727487, 0.268306], [0.262702, 0.496873, 0.187314, 0.312700]]
        for (got, want) in zip(both.distances, expectD) { for (a, b) in zip(got, want) { #expect(abs(a - b) < 1e-6) } }
        for (a, b) in zip(both.normalized[0], [-0.282648, -0.550071, 1, -1]) { #expect(abs(a - b) < 1e-6) }
        for (a, b) in zip(both.deviations, [0.535614, 1.464386, -1, -1]) { #expect(abs(a - b) < 1e-6) }
        for (a, b) in zip(both.weights, [1.535614, 2.464386, 0, 0]) { #expect(abs(a - b) < 1e-6) }
        let semantic = try Deviation.compute(semantic: sem, style: nil)
        for (a, b) in zip(semantic.deviations, [-0.094047, -0.431779, 1.525826, -1]) { #expect(abs(a - b) < 1e-6) }
        #expect(abs(semantic.weights.reduce(0, +) / 4 - 1) < 1e-12, "weights average 1 over the prompt")
    }

    @Test func matchesReferenceScript() throws {
        let fixture = try loadFixture("preference_reference")
        let cases = try #require(fixture["deviation_cases"] as? [[String: Any]])
        #expect(cases.count >= 8)
        for c in cases {
            let name = c["name"] as? String ?? "?"
            let spaces = (c["spaces"] as? [Any] ?? []).map(matrix)
            let r = try Deviation.compute(spaces: spaces)
            let wantD = (c["distances"] as? [Any] ?? []).map(doubles)
            // Embeddings are Float in DivTune: compare distances at Float input precision.
            for (got, want) in zip(r.distances, wantD) { for (a, b) in zip(got, want) { #expect(abs(a - b) < 1e-6, "\(name)") } }
            for (a, b) in zip(r.deviations, doubles(c["deviations"])) { #expect(abs(a - b) < 1e-5, "\(name): δ \(a) vs \(b)") }
        }
    }

    @Test func degenerateSets() throws {
        let one = try Deviation.compute(spaces: [[[1, 2]]])
        #expect(one.weights == [1])
        let two = try Deviation.compute(spaces: [[[1, 0], [0, 1]]])
        #expect(two.weights == [1, 1], "two responses are equally far from each other")
        let zero = try Deviation.meanCosineDistances([[0, 0], [1, 0], [0, 1]])
        #expect(zero[0] == 1, "a zero vector is at cosine distance 1 from everything")
        #expect(throws: PreferenceError.self) { try Deviation.compute(spaces: [[[1, 0], [1, 0, 0]]]) }
        #expect(throws: PreferenceError.self) { try Deviation.compute(semantic: nil, style: nil) }
    }
}
