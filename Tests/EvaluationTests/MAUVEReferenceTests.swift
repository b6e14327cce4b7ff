import Foundation
import Testing
@testable import Evaluation

/// Fixtures/mauve_reference.json, written by scripts/reference/mauve_reference.py with the
/// `mauve-text` package (0.4.0, faiss k-means) and Le Bronnec et al.'s PRD code.
struct MAUVEReference: Decodable {
    struct Histograms: Decodable, CustomStringConvertible {
        var p: [Double], q: [Double]
        var mauve: Double, frontierIntegral: Double, precision: Double, recall: Double
        var curve: [[Double]]
        enum CodingKeys: String, CodingKey { case p, q, mauve, precision, recall, curve, frontierIntegral = "frontier_integral" }
        var description: String { "\(p) vs \(q)" }
    }
    struct Result: Decodable {
        var seed: Int, buckets: Int
        var mauve: Double, mauveStar: Double, frontierIntegral: Double, frontierIntegralStar: Double
        var pHist: [Double], qHist: [Double], precision: Double, recall: Double
        enum CodingKeys: String, CodingKey {
            case seed, buckets, mauve, precision, recall, mauveStar = "mauve_star", frontierIntegral = "frontier_integral"
            case frontierIntegralStar = "frontier_integral_star", pHist = "p_hist", qHist = "q_hist"
        }
    }
    struct Features: Decodable {
        var p: [[Float]], q: [[Float]]
        var results: [Result]
    }
    var histograms: [Histograms]
    var separated: Features
    var overlapping: Features

    static let file: MAUVEReference? = {
        guard let url = Bundle.module.url(forResource: "mauve_reference", withExtension: "json", subdirectory: "Fixtures"),
              let data = try? Data(contentsOf: url) else { return nil }
        return try? JSONDecoder().decode(MAUVEReference.self, from: data)
    }()
}

@Suite struct MAUVEReferenceTests {
    static func close(_ a: Double, _ b: Double, _ tolerance: Double = 1e-9) -> Bool { abs(a - b) <= tolerance }

    @Test func fixtureIsPresent() throws {
        let file = try #require(MAUVEReference.file, "run scripts/reference/mauve_reference.py")
        #expect(file.histograms.count >= 5 && file.separated.results.count >= 3 && file.overlapping.results.count >= 100)
    }

    /// The stage after k-means, exactly: divergence curve, MAUVE, frontier integral, PRD precision/recall.
    @Test(arguments: MAUVEReference.file?.histograms ?? [])
    func histogramStageMatchesMauveText(_ c: MAUVEReference.Histograms) throws {
        let frontier = try DivergenceFrontier(p: c.p, q: c.q)
        #expect(Self.close(frontier.mauve, c.mauve, 1e-12), "\(frontier.mauve) vs \(c.mauve)")
        #expect(Self.close(frontier.frontierIntegral, c.frontierIntegral, 1e-12))
        #expect(frontier.curve.count == c.curve.count)
        #expect(zip(frontier.curve, c.curve).allSatisfy { Self.close($0.x, $1[0], 1e-12) && Self.close($0.y, $1[1], 1e-12) })
        let pr = try PrecisionRecallDivergence(reference: c.p, model: c.q)
        #expect(Self.close(pr.precision, c.precision, 1e-12) && Self.close(pr.recall, c.recall, 1e-12),
                "\(pr.precision), \(pr.recall) vs \(c.precision), \(c.recall)")
    }

    /// Well-separated clusters: any k-means finds the one partition, so the whole pipeline (L2,
    /// PCA, k-means, histograms, scores) matches mauve-text to rounding, whatever the seed.
    @Test(arguments: [25, 1, 7] as [UInt64])
    func separatedClustersMatchMauveTextExactly(seed: UInt64) throws {
        let file = try #require(MAUVEReference.file)
        let reference = file.separated.results[0]
        #expect(file.separated.results.allSatisfy { $0.mauve == reference.mauve }, "mauve-text itself is seed-independent here")
        let m = try MAUVE(p: file.separated.p, q: file.separated.q, options: .init(seed: seed))
        #expect(m.buckets == reference.buckets)
        #expect(Self.close(m.mauve, reference.mauve) && Self.close(m.mauveStar, reference.mauveStar), "\(m.mauve) vs \(reference.mauve)")
        #expect(Self.close(m.frontierIntegral, reference.frontierIntegral) && Self.close(m.frontierIntegralStar, reference.frontierIntegralStar))
        #expect(Self.close(m.precision, reference.precision) && Self.close(m.recall, reference.recall))
        // The same histograms, up to the clusters' names.
        func pairs(_ p: [Double], _ q: [Double]) -> [[Double]] { zip(p, q).map { [$0, $1] }.sorted { $0.lexicographicallyPrecedes($1) } }
        #expect(pairs(m.pHistogram, m.qHistogram) == pairs(reference.pHist, reference.qHist))
    }

    /// Overlapping clouds: k-means partitions depend on the initialisation (faiss's draws vs
    /// DivTune's), and mauve-text's own MAUVE spreads widely over seeds (0.44–0.91 here). Over the
    /// same 100 seeds the two means agree within 0.05 (about 3 standard errors of their
    /// difference), and DivTune's middle 80% lies inside mauve-text's range (± 0.02).
    @Test func overlappingCloudsAgreeWithMauveTextOverSeeds() throws {
        let file = try #require(MAUVEReference.file)
        let reference = file.overlapping.results.map(\.mauve)
        let ours = try file.overlapping.results.map { try MAUVE(p: file.overlapping.p, q: file.overlapping.q, options: .init(seed: UInt64($0.seed))).mauve }
        let mean = { (v: [Double]) in v.reduce(0, +) / Double(v.count) }
        #expect(abs(mean(ours) - mean(reference)) < 0.05, "mean \(mean(ours)) vs mauve-text's \(mean(reference))")
        let sorted = ours.sorted()
        let (p10, p90) = (sorted[sorted.count / 10], sorted[sorted.count * 9 / 10])
        #expect(p10 >= reference.min()! - 0.02 && p90 <= reference.max()! + 0.02,
                "DivTune's 10th–90th percentiles [\(p10), \(p90)] vs mauve-text's range [\(reference.min()!), \(reference.max()!)]")
    }

    @Test func sameSeedGivesTheSameScores() throws {
        let file = try #require(MAUVEReference.file)
        let a = try MAUVE(p: file.overlapping.p, q: file.overlapping.q, options: .init(seed: 3))
        let b = try MAUVE(p: file.overlapping.p, q: file.overlapping.q, options: .init(seed: 3))
        #expect(a.mauve == b.mauve && a.pHistogram == b.pHistogram && a.precision == b.precision)
    }

    /// P = Q: every curve point is (1, 1); with ties kept in the curve's order the area is 0.75,
    /// the value mauve-text's argsort gives (docs/methods.md §13), not 1.
    @Test func identicalHistogramsGiveTheDocumentedDegenerateValue() throws {
        #expect(Self.close(try DivergenceFrontier(p: [0.25, 0.25, 0.25, 0.25], q: [0.25, 0.25, 0.25, 0.25]).mauve, 0.75, 1e-12))
    }

    @Test func badInputIsRefused() throws {
        #expect(throws: EvaluationError.self) { try DivergenceFrontier(p: [0.5, 0.5], q: [1]) }
        #expect(throws: EvaluationError.self) { try DivergenceFrontier(p: [0, 0], q: [0.5, 0.5]) }
        #expect(throws: EvaluationError.self) { try MAUVE(p: [], q: [[1, 2]]) }
        #expect(throws: EvaluationError.self) { try MAUVE(p: [[1, 2]], q: [[1, 2, 3]]) }
        #expect(throws: EvaluationError.self) { try MAUVE(p: [[1, .nan]], q: [[1, 2]]) }
        #expect(throws: EvaluationError.self) { try MAUVE(pLabels: [0, 3], qLabels: [1], buckets: 3) }
    }
}

