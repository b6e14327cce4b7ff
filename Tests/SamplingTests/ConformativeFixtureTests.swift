import Foundation
import Testing
import Sampling

/// `ConformativeDecoding` against the hand-computed cases of scripts/reference/conformative_reference.py
/// (python/tests/fixtures/conformative_cases.json), the fixture the torch backend's logits processor
/// is checked against too (python/tests/test_sampling.py), so both backends draw from one distribution.
@Suite struct ConformativeFixtureTests {
    struct Case: Decodable {
        var name: String
        var weight: Double
        var space: String
        var truncateOn: String
        var temperature: Float
        var topK: Int
        var topP: Double
        var minP: Float
        var repetitionPenalty: Float
        var context: [Int]
        var baseTemperature: Float?
        var instruct: [Float]
        var base: [Float]
        var expected: [Double]
        var greedyToken: Int
        enum CodingKeys: String, CodingKey {
            case name, weight, space, temperature, context, instruct, base, expected
            case truncateOn = "truncate_on", topK = "top_k", topP = "top_p", minP = "min_p"
            case repetitionPenalty = "repetition_penalty", baseTemperature = "base_temperature", greedyToken = "greedy_token"
        }
    }

    static let cases: [Case] = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../python/tests/fixtures/conformative_cases.json").standardizedFileURL
        struct File: Decodable { var cases: [Case] }
        do { return try JSONDecoder().decode(File.self, from: Data(contentsOf: url)).cases } catch {
            Issue.record("cannot read \(url.path): \(error)")
            return []
        }
    }()

    /// Hands out one chosen number as `Double.random(in: 0..<1)` reads it (the low 53 bits × 2⁻⁵³).
    struct FixedDraw: RandomNumberGenerator {
        var u: Double
        mutating func next() -> UInt64 { UInt64(u * 0x1p53) }
    }

    /// The token each of `n` evenly spaced uniform numbers draws: each token's share is its
    /// probability to within 1/n (an inverse-CDF draw gives a token an interval of that length).
    func shares(_ c: Case, n: Int) throws -> [Double] {
        var counts = [Double](repeating: 0, count: c.instruct.count)
        let decoding = ConformativeDecoding(weight: c.weight, space: try #require(ConformativeDecoding.Space(rawValue: c.space)),
                                            truncateOn: try #require(ConformativeDecoding.TruncationSource(rawValue: c.truncateOn)), baseTemperature: c.baseTemperature)
        for k in 0..<n {
            var sampler = Sampler(SamplingParameters(temperature: c.temperature, topK: c.topK, topP: c.topP, minP: c.minP,
                                                     repetitionPenalty: c.repetitionPenalty))
            sampler.reset(context: c.context)
            var rng = FixedDraw(u: (Double(k) + 0.5) / Double(n))
            counts[try decoding.sample(instructLogits: c.instruct, baseLogits: c.base, sampler: &sampler, using: &rng)] += 1
        }
        return counts.map { $0 / Double(n) }
    }

    @Test func theCasesAreRead() { #expect(Self.cases.count == 4) }

    @Test(arguments: 0..<4)
    func drawsFromTheReferenceDistribution(index: Int) throws {
        let c = try #require(Self.cases.indices.contains(index) ? Self.cases[index] : nil)
        if c.temperature <= 0 {
            #expect(try shares(c, n: 3).firstIndex(of: 1) == c.greedyToken, "\(c.name)")
            return
        }
        let n = 2000
        for (token, (got, expected)) in zip(try shares(c, n: n), c.expected).enumerated() {
            #expect(abs(got - expected) <= 1.0 / Double(n) + 1e-9, "\(c.name): token \(token) drawn \(got), expected \(expected)")
        }
    }
}
