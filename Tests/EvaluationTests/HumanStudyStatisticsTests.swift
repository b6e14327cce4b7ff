import Foundation
import Testing
@testable import Evaluation

/// Fixtures/humaneval_stats.json, written by scripts/reference/humaneval_stats.py (statsmodels,
/// scipy, krippendorff).
struct HumanStudyReference: Decodable {
    struct Wilson: Decodable, CustomStringConvertible {
        var successes: Int, trials: Int, confidence: Double, lower: Double, upper: Double
        var description: String { "\(successes)/\(trials) at \(confidence)" }
    }
    struct Sign: Decodable, CustomStringConvertible {
        var a: Int, b: Int
        var pValue: Double
        enum CodingKeys: String, CodingKey { case a, b, pValue = "p_value" }
        var description: String { "\(a) vs \(b)" }
    }
    struct Fleiss: Decodable, CustomStringConvertible {
        var name: String, counts: [[Int]], kappa: Double?
        var description: String { name }
    }
    struct Alpha: Decodable, CustomStringConvertible {
        var name: String, units: [[Int]], alpha: Double?
        var description: String { name }
    }
    var wilson: [Wilson]
    var signTest: [Sign]
    var fleissKappa: [Fleiss]
    var krippendorffAlpha: [Alpha]
    enum CodingKeys: String, CodingKey {
        case wilson, signTest = "sign_test", fleissKappa = "fleiss_kappa", krippendorffAlpha = "krippendorff_alpha"
    }

    static let file: HumanStudyReference? = {
        guard let url = Bundle.module.url(forResource: "humaneval_stats", withExtension: "json", subdirectory: "Fixtures"),
              let data = try? Data(contentsOf: url) else { return nil }
        return try? JSONDecoder().decode(HumanStudyReference.self, from: data)
    }()
}

@Suite struct HumanStudyStatisticsTests {
    @Test func fixtureIsPresent() throws {
        let file = try #require(HumanStudyReference.file, "run scripts/reference/humaneval_stats.py")
        #expect(file.wilson.count >= 10 && file.signTest.count >= 10 && file.fleissKappa.count >= 6 && file.krippendorffAlpha.count >= 5)
    }

    @Test(arguments: HumanStudyReference.file?.wilson ?? [])
    func wilsonIntervalMatchesStatsmodels(_ c: HumanStudyReference.Wilson) throws {
        let interval = try WilsonInterval(successes: c.successes, trials: c.trials, confidence: c.confidence)
        #expect(abs(interval.lower - c.lower) < 1e-12, "lower \(interval.lower) vs \(c.lower)")
        #expect(abs(interval.upper - c.upper) < 1e-12, "upper \(interval.upper) vs \(c.upper)")
        #expect(interval.proportion == Double(c.successes) / Double(c.trials))
    }

    @Test(arguments: HumanStudyReference.file?.signTest ?? [])
    func signTestMatchesScipy(_ c: HumanStudyReference.Sign) throws {
        let test = try SignTest(a: c.a, b: c.b)
        #expect(close(test.pValue, c.pValue, relative: 1e-9), "\(test.pValue) vs \(c.pValue)")
    }

    @Test(arguments: HumanStudyReference.file?.fleissKappa ?? [])
    func fleissKappaMatchesStatsmodels(_ c: HumanStudyReference.Fleiss) throws {
        let kappa = try FleissKappa.kappa(counts: c.counts)
        #expect(close(kappa, c.kappa, relative: 1e-9), "\(String(describing: kappa)) vs \(String(describing: c.kappa))")
    }

    @Test(arguments: HumanStudyReference.file?.krippendorffAlpha ?? [])
    func krippendorffAlphaMatchesPackage(_ c: HumanStudyReference.Alpha) {
        let alpha = KrippendorffAlpha.nominal(units: c.units)
        #expect(close(alpha, c.alpha, relative: 1e-9), "\(String(describing: alpha)) vs \(String(describing: c.alpha))")
    }

    @Test func badInputsAreNamed() {
        #expect(throws: EvaluationError.invalidArgument(name: "trials", reason: "must be ≥ 1, got 0")) { try WilsonInterval(successes: 0, trials: 0) }
        #expect(throws: EvaluationError.invalidArgument(name: "successes", reason: "must lie in 0…3, got 4")) { try WilsonInterval(successes: 4, trials: 3) }
        #expect(throws: EvaluationError.self) { try WilsonInterval(successes: 1, trials: 3, confidence: 1) }
        #expect(throws: EvaluationError.self) { try SignTest(a: -1, b: 2) }
        #expect(throws: EvaluationError.self) { try FleissKappa.kappa(counts: []) }
        // Unequal raters per subject: Fleiss' κ is not defined, say so rather than compute something else.
        #expect(throws: EvaluationError.invalidArgument(
            name: "Fleiss' κ table", reason: "row 1 has 2 ratings, row 0 has 3 (Fleiss' κ needs the same number per subject)")) {
            try FleissKappa.kappa(counts: [[2, 1], [1, 1]])
        }
        #expect(KrippendorffAlpha.nominal(units: [[1], [2], [3]]) == nil)
        #expect(KrippendorffAlpha.nominal(units: [["x", "x"], ["x", "x", "x"]]) == nil)
    }

    @Test func standardNormalQuantile() throws {
        #expect(abs(try StandardNormal.quantile(0.975) - 1.959963984540054) < 1e-14)
        #expect(abs(try StandardNormal.quantile(0.995) - 2.5758293035489004) < 1e-14)
    }
}
