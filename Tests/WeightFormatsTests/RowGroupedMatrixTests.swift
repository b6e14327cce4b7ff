import Base
import Foundation
import Testing
@testable import WeightFormats

@Suite struct RowGroupedMatrixTests {
    /// Owns the bytes a test matrix views.
    final class Bytes {
        let pointer: UnsafeMutableRawBufferPointer
        init(_ bytes: [UInt8]) {
            pointer = .allocate(byteCount: bytes.count, alignment: 16)
            pointer.copyBytes(from: bytes)
        }
        deinit { pointer.deallocate() }
    }

    static let types = [GGMLType.q4_0, .q4_1, .q8_0]

    /// A random `rows × columns` matrix of `type`, its dequantized values and x.
    func fixture(_ type: GGMLType, rows: Int, columns: Int) -> (QuantizedMatrix, dense: [Float], x: [Float]) {
        var rng = SeededGenerator(seed: UInt64(type.rawValue) + 41)
        let owner = Bytes(randomBlocks(type, count: rows * columns / 32, using: &rng))
        let matrix = QuantizedMatrix(type: type, bytes: UnsafeRawBufferPointer(owner.pointer), rowCount: rows, columns: columns, owner: owner)
        var dense = [Float](repeating: 0, count: rows * columns)
        dense.withUnsafeMutableBufferPointer { matrix.dequantizeRows(0..<rows, into: $0) }
        // An outlier channel, as real activations have, next to ordinary values.
        var x = (0..<columns).map { _ in Float(rng.nextDouble() * 2 - 1) }
        x[37] = 40
        return (matrix, dense, x)
    }

    /// Float32 group kernels equal dequantize-then-dot (in Double) up to summation order, on a
    /// matrix of 13 groups (uneven across cores) and 19 blocks per row.
    @Test(arguments: types)
    func floatKernelsEqualDequantizeThenDot(type: GGMLType) throws {
        try #require(RowGroupedMatrix.covers(type, rowCount: 16), "no row-group kernels on this CPU")
        let rows = 208, columns = 608
        let (matrix, dense, x) = fixture(type, rows: rows, columns: columns)
        #expect(matrix.rowGrouped() != nil)
        let y = matrix.multiply(x, int8Activations: false)
        for r in 0..<rows {
            let (exact, scale) = exactProduct(dense, row: r, columns: columns, x)
            #expect(abs(Double(y[r]) - exact) <= 1e-6 * max(scale, 1e-3), "\(type.name) row \(r): \(y[r]) vs \(exact)")
        }
    }

    /// Int8 group kernels compute Σ (w − offset)·(q·d) + offset·Σx exactly up to Float32 rounding,
    /// where offset is the block's constant term (Q4_1 m, Q4_0 −8·d, Q8_0 none) and q·d is x
    /// rounded as ``Int8Activations/quantize(_:)`` rounds it.
    @Test(arguments: types)
    func int8KernelsEqualTheRoundedProduct(type: GGMLType) throws {
        try #require(RowGroupedMatrix.level >= 2, "no int8 row-group kernels on this CPU")
        let rows = 208, columns = 608
        let (matrix, dense, x) = fixture(type, rows: rows, columns: columns)
        let y = matrix.multiply(x, int8Activations: true)
        let (q, d, sums) = Int8Activations.quantize(x)
        for r in 0..<rows {
            var expected = 0.0, scale = 0.0
            for b in 0..<columns / 32 {
                let block = matrix.bytes.baseAddress! + r * type.rowBytes(columns) + b * type.typeSize
                let half = { (o: Int) in Double(Float(Float16(bitPattern: block.loadUnaligned(fromByteOffset: o, as: UInt16.self)))) }
                let offset = type == .q4_1 ? half(2) : type == .q4_0 ? -8 * half(0) : 0
                for c in 32 * b..<32 * b + 32 {
                    let w = Double(dense[r * columns + c])
                    expected += (w - offset) * Double(Float(q[c]) * d[b])
                    scale += abs(w * Double(x[c]))
                }
                expected += offset * Double(sums[b])
            }
            #expect(abs(Double(y[r]) - expected) <= 2e-6 * max(scale, 1e-3), "\(type.name) row \(r): \(y[r]) vs \(expected)")
        }
    }

    /// Several matrices of one input in one parallel run give exactly what each gives alone (same
    /// kernels, same sums); with a matrix the layout does not take, all go one by one.
    @Test(arguments: [false, true])
    func batchedProductsEqualSingleOnes(int8: Bool) throws {
        try #require(RowGroupedMatrix.level >= (int8 ? 2 : 1), "no row-group kernels on this CPU")
        let q = fixture(.q4_1, rows: 96, columns: 576), k = fixture(.q4_0, rows: 32, columns: 576)
        let v = fixture(.q8_0, rows: 48, columns: 576), odd = fixture(.q4_1, rows: 40, columns: 576)
        let x = q.x
        let together = QuantizedMatrix.multiply([q.0, k.0, v.0], x, int8Activations: int8)
        let alone = [q.0, k.0, v.0].map { $0.multiply(x, int8Activations: int8) }
        #expect(together == alone)
        #expect(together.map(\.count) == [96, 32, 48])
        let mixed = QuantizedMatrix.multiply([q.0, odd.0], x, int8Activations: int8)
        #expect(mixed == [q.0, odd.0].map { $0.multiply(x, int8Activations: int8) })
    }

    /// B activation rows through one pass over the weights (batched decoding) give, for every B in
    /// 1...16 (tiles of 4 and every remainder), each row's outputs bit for bit as the row alone, and
    /// those equal dequantize-then-dot; a matrix outside the layout (40 rows) goes row by row.
    @Test(arguments: types)
    func rowBatchesEqualEachRowAlone(type: GGMLType) throws {
        try #require(RowGroupedMatrix.covers(type, rowCount: 16), "no row-group kernels on this CPU")
        let rows = 208, columns = 608
        let (matrix, dense, x0) = fixture(type, rows: rows, columns: columns)
        let other = fixture(type == .q4_1 ? .q4_0 : .q4_1, rows: 48, columns: columns).0
        let odd = fixture(type, rows: 40, columns: columns).0
        var rng = SeededGenerator(seed: 99)
        let inputs = [x0] + (1..<16).map { i in (0..<columns).map { c in Float(rng.nextDouble() * 2 - 1) * (c == 5 * i ? 30 : 1) } }
        for b in 1...16 {
            let batch = Array(inputs.prefix(b))
            let together = QuantizedMatrix.multiply([matrix, other, odd], rows: batch.flatMap { $0 }, int8Activations: false)
            #expect(together.map(\.count) == [rows * b, 48 * b, 40 * b])
            for (i, x) in batch.enumerated() {
                #expect(Array(together[0][(i * rows)..<((i + 1) * rows)]) == matrix.multiply(x, int8Activations: false), "B \(b) row \(i)")
                #expect(Array(together[1][(i * 48)..<((i + 1) * 48)]) == other.multiply(x, int8Activations: false), "B \(b) row \(i)")
                #expect(Array(together[2][(i * 40)..<((i + 1) * 40)]) == odd.multiply(x, int8Activations: false), "B \(b) row \(i)")
            }
            let last = batch.count - 1
            for r in stride(from: 0, to: rows, by: 13) {
                let (exact, scale) = exactProduct(dense, row: r, columns: columns, batch[last])
                let y = together[0][last * rows + r]
                #expect(abs(Double(y) - exact) <= 1e-6 * max(scale, 1e-3), "\(type.name) B \(b) row \(r): \(y) vs \(exact)")
            }
        }
    }

    /// `after` sees each range of output rows once, every matrix's outputs for every activation row
    /// already written there — inside the parallel run (208 rows: 13 groups) and after the row
    /// kernels (40 rows, not whole groups of 16).
    @Test(arguments: [208, 40])
    func afterRunsOnFinishedRangesOfOutputs(rows: Int) throws {
        let (a, _, x) = fixture(.q4_1, rows: rows, columns: 576)
        let b = fixture(.q4_0, rows: rows, columns: 576).0
        let inputs = x + x.map { $0 * 0.5 } + x.reversed()
        let plain = QuantizedMatrix.multiply([a, b], rows: inputs, int8Activations: false)
        var ya = [Float](repeating: .nan, count: 3 * rows), yb = ya, combined = ya
        let lock = NSLock()
        var seen: [Int] = []
        ya.withUnsafeMutableBufferPointer { pa in
            yb.withUnsafeMutableBufferPointer { pb in
                combined.withUnsafeMutableBufferPointer { pc in
                    let (pa, pb, pc) = (pa.baseAddress!, pb.baseAddress!, pc.baseAddress!)
                    inputs.withUnsafeBufferPointer { xs in
                        QuantizedMatrix.multiply([a, b], rows: 3, xs.baseAddress!, into: [pa, pb], int8Activations: false) { range in
                            for i in 0..<3 { for r in range { pc[i * rows + r] = pa[i * rows + r] - 2 * pb[i * rows + r] } }
                            lock.withLock { seen += range }
                        }
                    }
                }
            }
        }
        #expect(seen.sorted() == Array(0..<rows), "each output row once")
        #expect(ya == plain[0] && yb == plain[1])
        #expect(combined == zip(plain[0], plain[1]).map { $0 - 2 * $1 })
    }

    /// With int8 activations each row of a batch is quantized and multiplied on its own: the same
    /// outputs as the row alone.
    @Test func int8RowBatchesEqualEachRowAlone() throws {
        try #require(RowGroupedMatrix.level >= 2, "no int8 row-group kernels on this CPU")
        let (matrix, _, x) = fixture(.q4_1, rows: 96, columns: 576)
        let y = x.map { -$0 }
        let together = QuantizedMatrix.multiply([matrix], rows: x + y, int8Activations: true)[0]
        #expect(Array(together[..<96]) == matrix.multiply(x, int8Activations: true))
        #expect(Array(together[96...]) == matrix.multiply(y, int8Activations: true))
    }

    /// The arena hands out 64-byte-aligned blocks back to back in huge-page-aligned regions, starts
    /// a region of its own for a block larger than a region, and unmaps a region with its blocks.
    @Test func arenaPlacesBlocksBackToBack() {
        let arena = HugePageArena()
        weak var firstRegion: HugePageArena.Region?
        do {
            let a = arena.allocate(100), b = arena.allocate(10)
            firstRegion = a.region
            #expect(Int(bitPattern: a.pointer) % HugePageArena.hugePage == 0)
            #expect(b.pointer == a.pointer + 128 && a.region === b.region)
            let big = arena.allocate(HugePageArena.regionSize + 1)
            #expect(big.region !== a.region && big.region.size == HugePageArena.regionSize + HugePageArena.hugePage)
            big.pointer.storeBytes(of: 7, toByteOffset: HugePageArena.regionSize, as: UInt8.self)   // the last byte is mapped
        }
        #expect(firstRegion == nil)
    }

    /// A matrix read in another row order (a GGUF Q/K projection in HF order) gives its rows'
    /// products and dequantized rows in that order — built into the row-group layout (208 rows),
    /// or put in order after the row kernels (200 rows, not grouped).
    @Test(arguments: [208, 200])
    func reorderedRowsMultiplyAndDequantizeInTheirNewOrder(rows: Int) throws {
        let columns = 96
        let (matrix, dense, x) = fixture(.q4_1, rows: rows, columns: columns)
        var rng = SeededGenerator(seed: 43)
        let order = (0..<rows).shuffled(using: &rng)
        let reordered = matrix.reorderingRows(order)
        #expect((reordered.rowGrouped() != nil) == RowGroupedMatrix.covers(.q4_1, rowCount: rows))
        let stored = matrix.multiply(x, int8Activations: false)
        #expect(reordered.multiply(x, int8Activations: false) == order.map { stored[$0] })
        let x2 = x.map { -0.5 * $0 } + x
        let both = QuantizedMatrix.multiply([reordered], rows: x2, int8Activations: false)[0]
        let storedBoth = QuantizedMatrix.multiply([matrix], rows: x2, int8Activations: false)[0]
        #expect(both == order.map { storedBoth[$0] } + order.map { storedBoth[rows + $0] })
        var rowsBack = [Float](repeating: 0, count: 5 * columns)
        rowsBack.withUnsafeMutableBufferPointer { reordered.dequantizeRows(3..<8, into: $0) }
        #expect(rowsBack == (3..<8).flatMap { dense[(order[$0] * columns)..<((order[$0] + 1) * columns)] })
        #expect(matrix.reorderingRows(Array(0..<rows)).rowOrder == nil)
    }

    /// Shapes the layout does not take (rows not a multiple of 16, other types) keep the row kernels.
    @Test func otherShapesAndTypesAreNotGrouped() {
        #expect(!RowGroupedMatrix.covers(.q4_1, rowCount: 200))
        #expect(!RowGroupedMatrix.covers(.q6_K, rowCount: 256))
        #expect(!RowGroupedMatrix.covers(.q4_1, rowCount: 0))
        let (matrix, dense, x) = fixture(.q4_1, rows: 200, columns: 64)
        #expect(matrix.rowGrouped() == nil)
        let y = matrix.multiply(x, int8Activations: false)
        for r in 0..<200 {
            let exact = (0..<64).reduce(0.0) { $0 + Double(dense[r * 64 + $1]) * Double(x[$1]) }
            #expect(abs(Double(y[r]) - exact) <= 1e-4)
        }
    }
}
