import Foundation
import Testing
@testable import Evaluation

/// One sample set of Fixtures/diversity_reference.json (scripts/reference/diversity_reference.py).
struct ReferenceCase: Decodable, CustomStringConvertible {
    struct Values: Decodable { var compression: Double; var homogenization: Double?; var ngram: Double? }
    var name: String
    var samples: [String]
    var tokens: [[String]]
    var rouge: [[Double]]
    var intended: Values
    var diversity02: Values
    var description: String { name }

    static let all: [ReferenceCase] = {
        struct File: Decodable { var cases: [ReferenceCase] }
        guard let url = Bundle.module.url(forResource: "diversity_reference", withExtension: "json", subdirectory: "Fixtures"),
              let data = try? Data(contentsOf: url), let file = try? JSONDecoder().decode(File.self, from: data) else { return [] }
        return file.cases
    }()
}

func close(_ a: Double?, _ b: Double?, relative: Double = 1e-9) -> Bool {
    guard let a, let b else { return a == nil && b == nil }
    return abs(a - b) <= max(1e-15, relative * max(abs(a), abs(b)))
}

@Suite struct DiversityReferenceTests {
    @Test func fixtureIsPresent() {
        #expect(ReferenceCase.all.count >= 12, "run scripts/reference/diversity_reference.py")
    }

    @Test(arguments: ReferenceCase.all)
    func rougeTokensAndScores(_ c: ReferenceCase) {
        #expect(c.samples.map(RougeL.tokenize) == c.tokens)
        for i in c.samples.indices {
            for j in c.samples.indices {
                let f = RougeL.fMeasure(target: c.samples[i], prediction: c.samples[j])
                #expect(close(f, c.rouge[i][j]), "\(c.name) [\(i)][\(j)]: \(f) vs \(c.rouge[i][j])")
            }
        }
    }

    @Test(arguments: ReferenceCase.all)
    func intendedDefinitions(_ c: ReferenceCase) throws {
        #expect(try CompressionRatio.ratio(c.samples) == c.intended.compression, "compression ratio is exact")
        #expect(close(Homogenization.score(c.samples), c.intended.homogenization))
        #expect(close(NGramDiversity.score(c.samples), c.intended.ngram))
    }

    @Test(arguments: ReferenceCase.all)
    func diversity020Compatibility(_ c: ReferenceCase) throws {
        #expect(try CompressionRatio.ratio(c.samples, compat: .diversity02) == c.diversity02.compression)
        let homogenization = Homogenization.score(c.samples, compat: .diversity02)
        if c.samples.count < 2 {
            #expect(homogenization == nil, "the package's 0.0 for one sample is reported as undefined")
        } else {
            #expect(homogenization == c.diversity02.homogenization)
        }
        #expect(NGramDiversity.score(c.samples, compat: .diversity02) == c.diversity02.ngram)
    }
}
