import Foundation
import Testing
@testable import Evaluation

/// Fixtures/agreement_reference.json (scripts/reference/agreement_reference.py): scikit-learn 1.9.1's
/// cohen_kappa_score and roc_auc_score on the same inputs.
struct AgreementReference: Decodable {
    struct Kappa: Decodable, CustomStringConvertible { var name: String; var a: [String]; var b: [String]; var kappa: Double?; var description: String { name } }
    struct AUC: Decodable, CustomStringConvertible { var name: String; var scores: [Double]; var positives: [Bool]; var auc: Double; var description: String { name } }
    var kappa: [Kappa]
    var auc: [AUC]

    static func load() throws -> AgreementReference {
        let url = try #require(Bundle.module.url(forResource: "agreement_reference", withExtension: "json", subdirectory: "Fixtures"))
        return try JSONDecoder().decode(AgreementReference.self, from: Data(contentsOf: url))
    }
}

@Suite struct AgreementTests {
    @Test func kappaMatchesScikitLearn() throws {
        let cases = try AgreementReference.load().kappa
        #expect(cases.count == 6)
        for c in cases {
            #expect(close(try CohenKappa.value(c.a, c.b), c.kappa, relative: 1e-12), "\(c.name)")
        }
    }

    @Test func aucMatchesScikitLearn() throws {
        let cases = try AgreementReference.load().auc
        #expect(cases.count == 5)
        for c in cases {
            #expect(close(try ROCAUC.value(scores: c.scores, positives: c.positives), c.auc, relative: 1e-12), "\(c.name)")
        }
    }

    @Test func badInputsAreErrorsAndOneClassIsUndefined() throws {
        #expect(throws: EvaluationError.self) { try CohenKappa.value(["a"], ["a", "b"]) }
        #expect(throws: EvaluationError.self) { try CohenKappa.value([String](), []) }
        #expect(throws: EvaluationError.self) { try ROCAUC.value(scores: [0.1], positives: [true, false]) }
        #expect(throws: EvaluationError.self) { try ROCAUC.value(scores: [.nan, 0.2], positives: [true, false]) }
        #expect(try ROCAUC.value(scores: [0.1, 0.7], positives: [true, true]) == nil)
    }

    @Test func statisticBootstrapBracketsTheEstimateAndIsSeeded() throws {
        let cases = try AgreementReference.load()
        let c = cases.kappa[0]
        let kappa = { (idx: [Int]) throws -> Double? in try CohenKappa.value(idx.map { c.a[$0] }, idx.map { c.b[$0] }) }
        let ci = try #require(try Bootstrap.confidenceInterval(items: c.a.count, seed: 3, statistic: kappa))
        #expect(ci.mean == c.kappa && ci.lower < ci.mean && ci.mean < ci.upper && ci.count == 60)
        #expect(try Bootstrap.confidenceInterval(items: c.a.count, seed: 3, statistic: kappa) == ci)
        // κ of 60 binary items at 80% agreement has a standard error near 0.1: a 95% interval ~0.4 wide.
        #expect(ci.upper - ci.lower > 0.2 && ci.upper - ci.lower < 0.6, "\(ci)")
        // Perfect agreement stays perfect in every resample where κ is defined.
        let p = cases.kappa[2]
        let perfect = try #require(try Bootstrap.confidenceInterval(items: p.a.count, seed: 1) { idx in
            try CohenKappa.value(idx.map { p.a[$0] }, idx.map { p.b[$0] })
        })
        #expect(perfect.lower == 1 && perfect.upper == 1)
        #expect(perfect.skipped > 0)  // resamples drawing only "no" (or only "yes") leave κ undefined
        #expect(try Bootstrap.confidenceInterval(items: 3) { _ in nil } == nil)
    }
}
