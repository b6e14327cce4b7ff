import Base
import Foundation
import Testing
@testable import WeightFormats

@Suite struct QuantizedMatVecTests {
    /// W·x straight from the blocks equals gguf-py's dequantized W times x (float64 reference).
    @Test func matchesGGUFPyReference() throws {
        let file = try GGUFFile(url: fixtureURL("quants", "gguf"))
        let expected: [String: QuantExpectation] = try fixtureJSON("quants")
        for (name, e) in expected where !e.matvec.isEmpty {
            let w = try file.quantizedMatrix(named: name)
            #expect(w.rowCount == e.shape[0] && w.columns == e.shape[1])
            let x = probe(w.columns)
            let y = w.multiply(x, int8Activations: false)
            for r in 0..<w.rowCount {
                let scale = (0..<w.columns).reduce(0.0) { $0 + Double(abs(e.values[r * w.columns + $1] * x[$1])) }
                #expect(abs(Double(y[r]) - e.matvec[r]) <= 1e-5 * max(scale, 1), "\(name) row \(r): \(y[r]) vs \(e.matvec[r])")
            }
        }
    }

    /// Every dequantizable type, on matrices big enough to take the parallel path, against
    /// dequantize-then-dot in Double.
    @Test(arguments: GGMLType.allCases.filter(\.isDequantizable))
    func matchesDequantizeThenDot(type: GGMLType) {
        let rows = 96, columns = 1024
        var rng = SeededGenerator(seed: UInt64(type.rawValue) + 1)
        let bytes = randomBlocks(type, count: rows * columns / type.blockSize, using: &rng)
        let x = (0..<columns).map { _ in Float(rng.nextDouble() * 2 - 1) }
        var dense = [Float](repeating: 0, count: rows * columns), y = [Float](repeating: .nan, count: rows)
        bytes.withUnsafeBytes { raw in
            dense.withUnsafeMutableBufferPointer { Dequantizer.rows(type, raw, rows: 0..<rows, rowLength: columns, into: $0) }
            x.withUnsafeBufferPointer { xp in
                y.withUnsafeMutableBufferPointer {
                    quantizedMatVec(type: type, rows: raw, rowCount: rows, columns: columns, x: xp, y: $0, int8Activations: false)
                }
            }
        }
        for r in 0..<rows {
            let (exact, scale) = exactProduct(dense, row: r, columns: columns, x)
            #expect(abs(Double(y[r]) - exact) <= 1e-5 * max(scale, 1e-3), "\(type.name) row \(r): \(y[r]) vs \(exact)")
        }
    }

    @Test func halfConversionIsExactForEveryBitPattern() {
        let bits = (0...UInt16.max).map { $0 }
        var out = [Float](repeating: 0, count: bits.count)
        bits.withUnsafeBytes { src in out.withUnsafeMutableBufferPointer { Dequantizer.halfToFloat(src.baseAddress!, $0.baseAddress!, count: bits.count) } }
        for (b, v) in zip(bits, out) {
            let reference = Float(Float16(bitPattern: b))
            #expect(reference.isNaN ? v.isNaN : v.bitPattern == reference.bitPattern, "half 0x\(String(b, radix: 16))")
        }
    }
}

/// Row `row` of a dense `columns`-wide matrix times x in Double, and Σ|w·x| (the error scale).
func exactProduct(_ dense: [Float], row: Int, columns: Int, _ x: [Float]) -> (value: Double, scale: Double) {
    var value = 0.0, scale = 0.0
    for c in 0..<columns {
        let p = Double(dense[row * columns + c]) * Double(x[c])
        value += p; scale += abs(p)
    }
    return (value, scale)
}

/// Random blocks of `type` whose f16 scale fields hold small finite values (raw random bits
/// would make NaN/Inf scales).
func randomBlocks(_ type: GGMLType, count: Int, using rng: inout SeededGenerator) -> [UInt8] {
    var bytes = (0..<(count * type.typeSize)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
    let scaleOffsets: [Int]
    switch type {
    case .q4_0, .q5_0, .q8_0: scaleOffsets = [0]
    case .q4_1, .q5_1, .q4_K, .q5_K: scaleOffsets = [0, 2]
    case .q6_K: scaleOffsets = [208]
    case .f16: scaleOffsets = Array(stride(from: 0, to: type.typeSize, by: 2))
    case .bf16, .f32: scaleOffsets = []
    default: scaleOffsets = []
    }
    for b in 0..<count {
        for o in scaleOffsets {
            let h = Float16(Float(rng.nextDouble() * 0.1 - 0.05)).bitPattern
            bytes[b * type.typeSize + o] = UInt8(h & 0xFF)
            bytes[b * type.typeSize + o + 1] = UInt8(h >> 8)
        }
        if type == .f32 {   // a finite float instead of random bits
            let v = Float(rng.nextDouble() * 2 - 1).bitPattern
            for k in 0..<4 { bytes[b * 4 + k] = UInt8(truncatingIfNeeded: v >> (8 * UInt32(k))) }
        }
        if type == .bf16 {
            let v = UInt16(Float(rng.nextDouble() * 2 - 1).bitPattern >> 16)
            bytes[b * 2] = UInt8(v & 0xFF); bytes[b * 2 + 1] = UInt8(v >> 8)
        }
    }
    return bytes
}

