import Base
import Testing
@testable import Preference

@Suite struct PairBuilderTests {
    @Test func pairsAreDisjointOrderedAndNeverTied() {
        let scores: [Double] = [3, 10, 3, 7, 1, 50, 2, 9, 9, 12, 4]
        for seed in 0..<50 {
            var rng = SeededGenerator(seed: UInt64(seed))
            let pairs = PairBuilder().pairs(for: scores, using: &rng)
            let used = pairs.flatMap { [$0.chosen, $0.rejected] }
            #expect(Set(used).count == used.count, "each response at most once")
            #expect(pairs.allSatisfy { scores[$0.chosen] > scores[$0.rejected] })
            #expect(pairs.count == 5, "11 responses with enough distinct scores give ⌊11/2⌋ pairs")
        }
    }

    @Test func gapIsPreferredButNotRequired() {
        // Only (1, 20) has a gap ≥ 5; the rest must fall back to non-tie pairs.
        let scores: [Double] = [1, 2, 3, 20]
        for seed in 0..<30 {
            var rng = SeededGenerator(seed: UInt64(seed))
            let pairs = PairBuilder(minimumGap: 5).pairs(for: scores, using: &rng)
            #expect(pairs.count == 2)
            let first = pairs[0]
            #expect(scores[first.chosen] - scores[first.rejected] >= 5, "the first draw takes a gap-≥5 pair")
        }
    }

    @Test func tiesAreNeverPaired() {
        var rng = SeededGenerator(seed: 1)
        #expect(PairBuilder().pairs(for: [4, 4, 4], using: &rng).isEmpty)
        let mixed = PairBuilder().pairs(for: [4, 4, 4, 5], using: &rng)
        #expect(mixed.count == 1 && mixed[0].chosen == 3)
    }

    @Test func drawIsUniformOverValidPairs() {
        // Four distinct scores, gap 0: all 6 pairs valid for the first draw.
        var counts: [PairBuilder.IndexPair: Int] = [:]
        var rng = SeededGenerator(seed: 99)
        for _ in 0..<6000 {
            let first = PairBuilder(minimumGap: 0).pairs(for: [1, 2, 3, 4], using: &rng)[0]
            counts[first, default: 0] += 1
        }
        #expect(counts.count == 6)
        #expect(counts.values.allSatisfy { $0 > 850 && $0 < 1150 }, "\(counts)")
    }

    @Test func seedsAreReproducible() {
        let scores = (0..<40).map { Double(($0 * 37) % 23) }
        var a = SeededGenerator(seed: 7), b = SeededGenerator(seed: 7), c = SeededGenerator(seed: 8)
        let pa = PairBuilder().pairs(for: scores, using: &a)
        #expect(pa == PairBuilder().pairs(for: scores, using: &b))
        #expect(pa != PairBuilder().pairs(for: scores, using: &c))
    }

    @Test func generatorBasics() {
        var rng = SeededGenerator(seed: 0)
        let first = (0..<4).map { _ in rng.next() }
        var again = SeededGenerator(seed: 0)
        #expect(first == (0..<4).map { _ in again.next() })
        #expect(Set(first).count == 4)
        for bound in [1, 2, 3, 7, 1000] { for _ in 0..<200 { #expect((0..<bound).contains(rng.next(below: bound))) } }
        var s1 = SeededGenerator(seed: 5, stream: 1), s2 = SeededGenerator(seed: 5, stream: 2)
        #expect(s1.next() != s2.next())
        var items = Array(0..<20)
        rng.shuffle(&items)
        #expect(items.sorted() == Array(0..<20) && items != Array(0..<20))
    }
}
