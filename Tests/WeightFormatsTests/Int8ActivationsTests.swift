import Base
import Foundation
import Testing
@testable import WeightFormats

@Suite struct Int8ActivationsTests {
    /// Each group of 32 is scaled by max|x|/127 and rounded to the nearest step; sums are exact.
    @Test func quantizationRoundsToTheNearestStep() {
        var rng = SeededGenerator(seed: 7)
        var x = (0..<96).map { _ in Float(rng.nextDouble() * 6 - 3) }
        for i in 64..<96 { x[i] = 0 }                       // an all-zero group: scale 0, codes 0
        let (q, d, sums) = Int8Activations.quantize(x)
        for g in 0..<3 {
            let group = x[(32 * g)..<(32 * g + 32)]
            let amax = group.map(abs).max()!
            #expect(d[g] == amax / 127)
            #expect(abs(sums[g] - group.reduce(0, +)) <= 1e-5)
            for i in group.indices {
                #expect(abs(Float(q[i]) * d[g] - x[i]) <= d[g] / 2 * 1.0001, "x[\(i)]")
                #expect(abs(Int(q[i])) <= 127)
            }
        }
        #expect(q[64..<96].allSatisfy { $0 == 0 })
    }

    /// The integer kernels compute exactly Σ dequantized(w)·(q·d) (the rounded x), up to Float32
    /// summation order — checked in Double for every covered type, on the parallel path.
    @Test(arguments: [GGMLType.q4_0, .q4_1, .q8_0])
    func integerKernelsEqualTheRoundedProduct(type: GGMLType) throws {
        try #require(Int8Activations.covers(type), "no int8 kernel on this CPU")
        let rows = 200, columns = 576
        var rng = SeededGenerator(seed: UInt64(type.rawValue) + 11)
        let bytes = randomBlocks(type, count: rows * columns / 32, using: &rng)
        let x = (0..<columns).map { _ in Float(rng.nextDouble() * 2 - 1) }
        let (q, d, _) = Int8Activations.quantize(x)
        var dense = [Float](repeating: 0, count: rows * columns), fast = [Float](repeating: .nan, count: rows)
        var exactPath = fast
        bytes.withUnsafeBytes { raw in
            dense.withUnsafeMutableBufferPointer { Dequantizer.rows(type, raw, rows: 0..<rows, rowLength: columns, into: $0) }
            x.withUnsafeBufferPointer { xp in
                fast.withUnsafeMutableBufferPointer {
                    quantizedMatVec(type: type, rows: raw, rowCount: rows, columns: columns, x: xp, y: $0, int8Activations: true)
                }
                exactPath.withUnsafeMutableBufferPointer {
                    quantizedMatVec(type: type, rows: raw, rowCount: rows, columns: columns, x: xp, y: $0, int8Activations: false)
                }
            }
        }
        var worstRelative = 0.0
        for r in 0..<rows {
            var rounded = 0.0, exact = 0.0, scale = 0.0
            for c in 0..<columns {
                let w = Double(dense[r * columns + c])
                // Q4 offsets (−8·d, m) multiply the exact group sum, so only the q·x part is rounded.
                let xr = Double(Float(q[c]) * d[c / 32])
                rounded += w * xr
                exact += w * Double(x[c])
                scale += abs(w * Double(x[c]))
            }
            if type == .q8_0 {
                #expect(abs(Double(fast[r]) - rounded) <= 1e-5 * max(scale, 1e-3), "\(type.name) row \(r)")
            }
            #expect(abs(Double(exactPath[r]) - exact) <= 1e-5 * max(scale, 1e-3))
            worstRelative = max(worstRelative, abs(Double(fast[r]) - exact) / max(scale, 1e-3))
        }
        // Rounding x to 8 bits moves each product by at most half a step: ≤ 1/254 of Σ|w·x|.
        #expect(worstRelative <= 1.0 / 254, "\(type.name): worst error \(worstRelative) of Σ|w·x|")
        #expect(worstRelative > 0, "the int8 path must really have run")
    }
}
