import Foundation
import Testing
@testable import Evaluation

/// Fixtures/chi_square_reference.json, written by scripts/reference/chi_square_reference.py (scipy's
/// `chisquare` and `gammaincc`).
struct ChiSquareReference: Decodable {
    struct Case: Decodable, CustomStringConvertible {
        var observed: [Int], proportions: [Double], statistic: Double, degreesOfFreedom: Int, pValue: Double
        enum CodingKeys: String, CodingKey {
            case observed, proportions, statistic, degreesOfFreedom = "degrees_of_freedom", pValue = "p_value"
        }
        var description: String { "\(observed)" }
    }
    struct Gamma: Decodable, CustomStringConvertible {
        var a: Double, x: Double, q: Double
        var description: String { "Q(\(a), \(x))" }
    }
    var tests: [Case]
    var upperRegularizedGamma: [Gamma]
    enum CodingKeys: String, CodingKey { case tests, upperRegularizedGamma = "upper_regularized_gamma" }

    static let file: ChiSquareReference? = {
        guard let url = Bundle.module.url(forResource: "chi_square_reference", withExtension: "json", subdirectory: "Fixtures"),
              let data = try? Data(contentsOf: url) else { return nil }
        return try? JSONDecoder().decode(ChiSquareReference.self, from: data)
    }()
}

@Suite struct ChiSquareTestTests {
    @Test func fixtureIsPresent() throws {
        let file = try #require(ChiSquareReference.file, "run scripts/reference/chi_square_reference.py")
        #expect(file.tests.count >= 8 && file.upperRegularizedGamma.count >= 15)
    }

    @Test(arguments: ChiSquareReference.file?.tests ?? [])
    func goodnessOfFitMatchesScipy(_ c: ChiSquareReference.Case) throws {
        let test = try ChiSquareTest(observed: c.observed, expected: c.proportions)
        #expect(close(test.statistic, c.statistic, relative: 1e-12), "X² \(test.statistic) vs \(c.statistic)")
        #expect(test.degreesOfFreedom == c.degreesOfFreedom)
        #expect(close(test.pValue, c.pValue, relative: 1e-10), "p \(test.pValue) vs \(c.pValue)")
    }

    @Test(arguments: ChiSquareReference.file?.upperRegularizedGamma ?? [])
    func upperRegularizedGammaMatchesScipy(_ c: ChiSquareReference.Gamma) {
        let q = ChiSquareTest.upperRegularizedGamma(c.a, c.x)
        #expect(close(q, c.q, relative: 1e-10), "\(q) vs \(c.q)")
    }

    @Test func badCountsAreRefused() {
        #expect(throws: EvaluationError.self) { try ChiSquareTest(observed: [1, 2], expected: [1]) }
        #expect(throws: EvaluationError.self) { try ChiSquareTest(observed: [-1, 2], expected: [1, 1]) }
        #expect(throws: EvaluationError.self) { try ChiSquareTest(observed: [0, 0], expected: [1, 1]) }
        #expect(throws: EvaluationError.self) { try ChiSquareTest(observed: [3, 2], expected: [1, 0]) }
        #expect(throws: EvaluationError.self) { try ChiSquareTest(observed: [3, 0], expected: [1, 0]) }
        #expect(throws: EvaluationError.self) { try ChiSquareTest(observed: [3, 2], expected: [.nan, 1]) }
    }
}
