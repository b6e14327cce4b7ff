import Base
import Testing
@testable import Models
@testable import TensorEngine

@Suite struct KVCacheTests {
    func random(_ shape: [Int], _ rng: inout SeededGenerator) -> Tensor { Tensor.randomNormal(shape, std: 1, using: &rng) }

    /// Appending step by step (past the first buffer size, so the buffer grows) stores exactly the
    /// concatenation, and attention over the cache's strided view equals attention over a copy.
    @Test func appendsInPlaceAndAttentionReadsTheView() throws {
        var rng = SeededGenerator(seed: 5)
        let cache = KVCache(layers: 1, capacity: 200)
        var keys: [Tensor] = [], values: [Tensor] = []
        var stored: (Tensor, Tensor)?
        for step in 0..<150 {
            let t = step == 0 ? 7 : 1
            let (k, v) = (random([1, 2, t, 8], &rng), random([1, 2, t, 8], &rng))
            keys.append(k); values.append(v)
            stored = try cache.append(layer: 0, key: k, value: v)
        }
        let (k, v) = try #require(stored)
        #expect(cache.length == 156 && k.shape == [1, 2, 156, 8])
        #expect(!k.isContiguous, "the cache hands out a view of its buffer")
        #expect(k.scalars == (try concat(keys, axis: 2)).scalars)
        #expect(v.scalars == (try concat(values, axis: 2)).scalars)

        let q = random([1, 4, 1, 8], &rng)
        let viaView = try Tensor.withNoGrad { try scaledDotProductAttention(query: q, key: k, value: v, causal: true, queryOffset: 155) }
        let viaCopy = try Tensor.withNoGrad { try scaledDotProductAttention(query: q, key: k.copy(), value: v.copy(), causal: true, queryOffset: 155) }
        #expect(viaView.scalars == viaCopy.scalars)
    }

    /// A decode step writing its position in place: `room` grows a full buffer keeping what it
    /// holds, `advance` counts the position, and the views show exactly what was written.
    @Test func roomGrowsAndAdvanceCountsPositionsWrittenInPlace() throws {
        var rng = SeededGenerator(seed: 7)
        let cache = KVCache(layers: 2, capacity: 150)
        #expect(try cache.room(layer: 0) == nil, "nothing stored yet: the step appends instead")
        var keys = [random([1, 2, 5, 4], &rng)]
        for layer in 0..<2 { _ = try cache.append(layer: layer, key: keys[0], value: keys[0]) }
        for step in 0..<140 {
            let row = random([1, 2, 1, 4], &rng)
            keys.append(row)
            for layer in 0..<2 {
                let (k, v) = try #require(try cache.room(layer: layer))
                let position = 5 + step, allocated = k.shape[2]
                #expect(allocated > position)
                let values = row.scalars
                for buffer in [k, v] {
                    buffer.withUnsafeMutableBufferPointer { p in
                        for h in 0..<2 { for j in 0..<4 { p[(h * allocated + position) * 4 + j] = values[h * 4 + j] } }
                    }
                }
                cache.advance(layer: layer, to: position + 1)
            }
        }
        #expect(cache.length == 145)
        let expected = try concat(keys, axis: 2).scalars
        #expect(try #require(cache.keys[1]).scalars == expected && (try #require(cache.values[0]).scalars) == expected)
        #expect(throws: ModelError.self) {
            for layer in 0..<2 { for _ in 0..<6 { _ = try cache.room(layer: layer); cache.advance(layer: layer, to: cache.storedLength(layer: layer) + 1) } }
        }
    }

    /// A copy continues independently: steps written to one never show in the other.
    @Test func copiesDoNotShareBuffers() throws {
        var rng = SeededGenerator(seed: 6)
        let cache = KVCache(layers: 1, capacity: 64)
        _ = try cache.append(layer: 0, key: random([1, 1, 3, 4], &rng), value: random([1, 1, 3, 4], &rng))
        let fork = cache.copy()
        let before = try #require(cache.keys[0]).scalars
        let (a, b) = (random([1, 1, 1, 4], &rng), random([1, 1, 1, 4], &rng))
        _ = try fork.append(layer: 0, key: a, value: a)
        _ = try cache.append(layer: 0, key: b, value: b)
        #expect(Array(try #require(fork.keys[0]).scalars.suffix(4)) == a.scalars)
        #expect(Array(try #require(cache.keys[0]).scalars.suffix(4)) == b.scalars)
        #expect(Array(try #require(cache.keys[0]).scalars.prefix(12)) == before)
        #expect(throws: ModelError.self) {
            _ = try cache.append(layer: 0, key: random([1, 1, 61, 4], &rng), value: random([1, 1, 61, 4], &rng))
        }
    }

    /// A copy keeps its positions and reserves room for a sample's steps; positions of another
    /// batch, head count or head width than those stored are refused, naming both shapes.
    @Test func copiesReserveRoomAndMismatchedPositionsAreRefused() throws {
        var rng = SeededGenerator(seed: 7)
        let cache = KVCache(layers: 1, capacity: 1000)
        let first = random([1, 2, 5, 4], &rng)
        _ = try cache.append(layer: 0, key: first, value: first)
        let fork = cache.copy(positions: 3)
        #expect(try #require(fork.keys[0]).scalars == (try slice(first, axis: 2, range: 0..<3)).contiguous().scalars)
        let step = random([1, 2, 1, 4], &rng)
        for _ in 0..<KVCache.copyRoom { _ = try fork.append(layer: 0, key: step, value: step) }
        #expect(fork.length == 3 + KVCache.copyRoom)
        #expect(Array(try #require(fork.keys[0]).scalars.prefix(12)) == Array(first.scalars.prefix(12)))
        for wrong in [[2, 2, 1, 4], [1, 3, 1, 4], [1, 2, 1, 8]] {
            #expect(throws: ModelError.self) { _ = try cache.append(layer: 0, key: random(wrong, &rng), value: random(wrong, &rng)) }
        }
    }
}
