import Base
import Foundation
import Testing
@testable import Models
@testable import TensorEngine
@testable import WeightFormats

/// The elementwise steps made inside the quantized products' parallel run (docs/methods.md §12)
/// give the numbers of the separate ops exactly: a residual sum after a projection, SwiGLU
/// after gate and up — for a decode batch and for one row.
@Suite struct FusedProductsTests {
    /// Owns the Q4_1 blocks a layer's quantized weight views.
    final class Blocks {
        let bytes: UnsafeMutableRawBufferPointer
        init(count: Int, rng: inout SeededGenerator) {
            bytes = .allocate(byteCount: 20 * count, alignment: 16)
            for b in 0..<count {
                let d = Float16(Float(rng.next() % 100 + 1) / 2000), m = Float16(-Float(rng.next() % 100) / 1000)
                bytes.storeBytes(of: d.bitPattern, toByteOffset: 20 * b, as: UInt16.self)
                bytes.storeBytes(of: m.bitPattern, toByteOffset: 20 * b + 2, as: UInt16.self)
                for i in 4..<20 { bytes[20 * b + i] = UInt8(truncatingIfNeeded: rng.next()) }
            }
        }
        deinit { bytes.deallocate() }
    }

    /// A Q4_1 layer `rows × columns` with its dequantized weight as the Float32 one.
    static func layer(rows: Int, columns: Int, seed: UInt64) throws -> Linear {
        var rng = SeededGenerator(seed: seed)
        let blocks = Blocks(count: rows * columns / 32, rng: &rng)
        let matrix = QuantizedMatrix(type: .q4_1, bytes: UnsafeRawBufferPointer(blocks.bytes), rowCount: rows, columns: columns, owner: blocks)
        var dense = [Float](repeating: 0, count: rows * columns)
        dense.withUnsafeMutableBufferPointer { matrix.dequantizeRows(0..<rows, into: $0) }
        let linear = try Linear(weight: Tensor(dense, shape: [rows, columns]))
        linear.quantized = QuantizedWeight(matrix: matrix)
        return linear
    }

    static func input(_ shape: [Int], seed: UInt64) -> Tensor {
        var rng = SeededGenerator(seed: seed)
        return Tensor.randomNormal(shape, std: 1, using: &rng)
    }

    @Test(arguments: [[3, 1], [1, 1]])
    func residualSumsEqualTheSeparateAdd(leading: [Int]) throws {
        let o = try Self.layer(rows: 96, columns: 64, seed: 1)
        let (x, residual) = (Self.input(leading + [64], seed: 2), Self.input(leading + [96], seed: 3))
        try Tensor.withNoGrad {
            #expect(Linear.fusedProducts(x, through: [o]) { _, _, _, _ in } != nil, "the quantized kernels take x")
            let (fused, separate) = try (o(x, plus: residual), add(residual, o(x)))
            #expect(fused.scalars == separate.scalars)
        }
    }

    @Test(arguments: [[3, 1], [1, 1]])
    func swiGLUAfterGateAndUpEqualsTheSeparateOps(leading: [Int]) throws {
        let (gate, up, down) = try (Self.layer(rows: 160, columns: 64, seed: 4), Self.layer(rows: 160, columns: 64, seed: 5),
                                    Self.layer(rows: 64, columns: 160, seed: 6))
        let mlp = LlamaMLP(gate: gate, up: up, down: down)
        let (x, residual) = (Self.input(leading + [64], seed: 7), Self.input(leading + [64], seed: 8))
        try Tensor.withNoGrad {
            #expect(Linear.fusedProducts(x, through: [gate, up]) { _, _, _, _ in } != nil, "the quantized kernels take x")
            let separate = try down(swiGLU(gate: gate(x), up: up(x)))
            let (fused, fusedSum, separateSum) = try (mlp(x), mlp(x, plus: residual), add(residual, separate))
            #expect(fused.scalars == separate.scalars)
            #expect(fusedSum.scalars == separateSum.scalars)
        }
    }

    /// With gradients on (training), the ops stay separate and differentiable.
    @Test func withGradientsTheProductsAreNotFused() throws {
        let o = try Self.layer(rows: 96, columns: 64, seed: 9)
        let x = Self.input([2, 64], seed: 10)
        x.requiresGrad = true
        #expect(Linear.fusedProducts(x, through: [o]) { _, _, _, _ in } == nil)
        let y = try o(x, plus: Self.input([2, 96], seed: 11))
        #expect(y.requiresGrad)
    }
}
