import Foundation

/// y = W·x for a `rowCount × columns` matrix W stored as rows of GGML blocks (row r = output r,
/// `columns` weights = `columns / blockSize` blocks), computed directly from the blocks — W is
/// never dequantized to memory, so a decode step reads 4–8× fewer bytes than an F32 sgemv.
///
/// ``QuantizedMatrix/multiply(_:into:int8Activations:)`` first tries its row-group copy
/// (``RowGroupedMatrix``, AVX-512); this function works on the file's blocks as they are.
/// With `int8Activations` (opt-in, ``Int8Activations``) on x86 CPUs with AVX2 or AVX512-VNNI,
/// Q4_0, Q4_1 and Q8_0 take x quantized to int8 per 32-group and integer block products, as llama.cpp.
/// Otherwise Q4_0, Q4_1 and Q8_0 use ``NativeFloatKernels`` on x86 (exact Float32, C intrinsics).
/// Elsewhere rows are split across cores (``SpinningWorkers``); inside a row each block is
/// unpacked into SIMD registers (see ``BlockDot``) and multiplied with x in Float32. Q4_0, Q4_1, Q8_0, Q4_K, Q6_K
/// and F32 have fused kernels; every other dequantizable type goes block by block through a
/// scratch buffer. Results equal dequantize-then-dot up to Float32 summation order.
///
/// - Precondition: `type.isDequantizable`, `columns % type.blockSize == 0`,
///   `rows.count >= rowCount * type.rowBytes(columns)`, `x.count >= columns`, `y.count >= rowCount`.
public func quantizedMatVec(type: GGMLType, rows: UnsafeRawBufferPointer, rowCount: Int, columns: Int,
                            x: UnsafeBufferPointer<Float>, y: UnsafeMutableBufferPointer<Float>,
                            int8Activations: Bool = Int8Activations.isEnabled) {
    precondition(type.isDequantizable && columns % type.blockSize == 0, "no \(type.name) kernel for rows of \(columns)")
    let rowBytes = type.rowBytes(columns)
    precondition(rows.count >= rowCount * rowBytes && x.count >= columns && y.count >= rowCount,
                 "quantizedMatVec: buffers do not match a \(rowCount)×\(columns) \(type.name) matrix")
    guard rowCount > 0 else { return }
    guard columns > 0, let w = rows.baseAddress, let xp = x.baseAddress, let yp = y.baseAddress else {
        for i in 0..<rowCount { y[i] = 0 }
        return
    }
    let blocks = columns / type.blockSize
    if int8Activations && Int8Activations.covers(type) {
        Int8Activations.multiply(type: type, rows: w, rowBytes: rowBytes, rowCount: rowCount, blocks: blocks, x: xp, y: yp)
        return
    }
    // Sums of x over each 32-weight group: the offset/min terms of Q4_0, Q4_1 and Q4_K factor out
    // of the block dot product as (constant)·Σx. `xq` is x in the Swift kernels' lane order.
    withUnsafeTemporaryAllocation(of: Float.self, capacity: columns + (columns + 31) / 32) { scratch in
        let xq = scratch.baseAddress!, sums = xq + columns
        sumGroupsOf32(xp, columns: columns, into: sums)
        if NativeFloatKernels.covers(type) {
            NativeFloatKernels.multiply(type: type, rows: w, rowBytes: rowBytes, rowCount: rowCount, blocks: blocks,
                                        x: xp, groupSums: sums, y: yp)
            return
        }
        BlockDot.permute(xp, into: xq, count: columns)
        let (permuted, groupSums) = (UnsafePointer(xq), UnsafePointer(sums))
        Dequantizer.parallelRows(rowCount, work: rowCount * columns) { range in
            if type.hasFusedMatVec {
                for r in range { yp[r] = BlockDot.row(type, w + r * rowBytes, xp, permuted, groupSums, blocks: blocks) }
            } else {
                withUnsafeTemporaryAllocation(of: Float.self, capacity: BlockDot.scratchSize) { block in
                    for r in range {
                        yp[r] = BlockDot.viaScratch(type, w + r * rowBytes, xp, blocks: blocks, block.baseAddress!)
                    }
                }
            }
        }
    }
}

/// A quantized weight matrix in a mapped file, ready for ``multiply(_:into:)``; it keeps its file
/// mapped for as long as it lives. Obtain one with ``GGUFFile/quantizedMatrix(named:)``.
public struct QuantizedMatrix: @unchecked Sendable {
    public let type: GGMLType
    /// Output rows (PyTorch `shape[0]` of a `[out, in]` weight).
    public let rowCount: Int
    /// Inputs per row (`ne[0]`).
    public let columns: Int
    /// The blocks, row after row.
    public let bytes: UnsafeRawBufferPointer
    /// Output row i is stored row `rowOrder[i]` (nil: the stored order) — a file that stores a
    /// projection's rows permuted multiplies in the order its users expect.
    public let rowOrder: [Int]?
    private let owner: AnyObject?
    /// The decode layout, made on the first product where the CPU and shape allow it.
    private let decodeLayout = LazyRowGroups()

    /// A view of `bytes` (owned by `owner`, which is retained) as a `rowCount × columns` matrix.
    /// - Precondition: the geometry matches the byte count and the type is dequantizable.
    public init(type: GGMLType, bytes: UnsafeRawBufferPointer, rowCount: Int, columns: Int, owner: AnyObject?) {
        precondition(type.isDequantizable && columns % type.blockSize == 0 && bytes.count >= rowCount * type.rowBytes(columns),
                     "QuantizedMatrix: \(bytes.count) bytes cannot hold \(rowCount)×\(columns) \(type.name)")
        self.type = type
        self.bytes = bytes
        self.rowCount = rowCount
        self.columns = columns
        self.owner = owner
        self.rowOrder = nil
    }

    /// This matrix with output row i taken from stored row `order[i]` (in products and in
    /// dequantized rows alike). The row-group layout is built in that order, so a product costs
    /// the same; the other kernels put their outputs in order afterwards.
    /// - Precondition: `order` is a permutation of `0..<rowCount`.
    public func reorderingRows(_ order: [Int]) -> QuantizedMatrix {
        precondition(order.count == rowCount && Set(order) == Set(0..<rowCount), "QuantizedMatrix: the row order is not a permutation of \(rowCount) rows")
        return QuantizedMatrix(self, rowOrder: order.enumerated().allSatisfy { $0 == $1 } ? nil : order)
    }

    private init(_ matrix: QuantizedMatrix, rowOrder: [Int]?) {
        (type, bytes, rowCount, columns, owner) = (matrix.type, matrix.bytes, matrix.rowCount, matrix.columns, matrix.owner)
        self.rowOrder = rowOrder
    }

    /// y = W·x (`x.count >= columns`, `y.count >= rowCount`); `int8Activations`: see ``quantizedMatVec``.
    public func multiply(_ x: UnsafeBufferPointer<Float>, into y: UnsafeMutableBufferPointer<Float>,
                         int8Activations: Bool = Int8Activations.isEnabled) {
        if let grouped = rowGrouped(int8Activations: int8Activations), let xp = x.baseAddress, let yp = y.baseAddress {
            precondition(x.count >= columns && y.count >= rowCount, "QuantizedMatrix.multiply: buffers do not match \(rowCount)×\(columns)")
            grouped.multiply(xp, into: yp, int8Activations: int8Activations)
            return
        }
        guard let rowOrder else {
            quantizedMatVec(type: type, rows: bytes, rowCount: rowCount, columns: columns, x: x, y: y, int8Activations: int8Activations)
            return
        }
        let stored = [Float](unsafeUninitializedCapacity: rowCount) { buffer, initialized in
            quantizedMatVec(type: type, rows: bytes, rowCount: rowCount, columns: columns, x: x, y: buffer, int8Activations: int8Activations)
            initialized = rowCount
        }
        for (i, row) in rowOrder.enumerated() { y[i] = stored[row] }
    }

    /// Whether ``multiply(_:rows:int8Activations:)`` takes many rows in one pass over the weights
    /// with the current activation setting: the row-group layout covers the matrix and Float32
    /// activations are on (the int8 kernels take one row at a time). Each row's outputs are then
    /// exactly those of the row alone, whatever the other rows (docs/methods.md §12).
    public var multipliesRowsTogether: Bool {
        !Int8Activations.isEnabled && rowGrouped() != nil
    }

    /// The row-group copy of this matrix (made now if it is the first call), or nil where
    /// ``RowGroupedMatrix`` does not cover the type, shape or CPU — or, for `int8Activations`, has
    /// no int8 kernel on it (the row kernels have AVX2 ones).
    func rowGrouped(int8Activations: Bool = false) -> RowGroupedMatrix? {
        guard RowGroupedMatrix.covers(type, rowCount: rowCount), !int8Activations || RowGroupedMatrix.level >= 2,
              columns > 0, let base = bytes.baseAddress else { return nil }
        return decodeLayout.value { RowGroupedMatrix(type: type, bytes: base, rowCount: rowCount, columns: columns, order: rowOrder) }
    }

    /// matrices[i]·x for matrices with the same number of columns — in one parallel run where all
    /// of them take the row-group layout, else one after the other.
    public static func multiply(_ matrices: [QuantizedMatrix], _ x: [Float],
                                int8Activations: Bool = Int8Activations.isEnabled) -> [[Float]] {
        guard let columns = matrices.first?.columns, x.count >= columns else {
            return matrices.map { $0.multiply(x, int8Activations: int8Activations) }
        }
        return multiply(matrices, rows: Array(x.prefix(columns)), int8Activations: int8Activations)
    }

    /// matrices[i]·xᵢ for every row xᵢ of `x` (rows of `columns` floats end to end), as one array
    /// per matrix holding the rows' outputs end to end (`rowCount` apart): batched decoding's
    /// products (docs/methods.md §12), see ``multiply(_:rows:_:into:int8Activations:)``.
    public static func multiply(_ matrices: [QuantizedMatrix], rows x: [Float],
                                int8Activations: Bool = Int8Activations.isEnabled) -> [[Float]] {
        guard let columns = matrices.first?.columns else { return [] }
        precondition(columns > 0 && x.count % columns == 0, "QuantizedMatrix.multiply: \(x.count) inputs are not rows of \(columns)")
        let rows = x.count / columns
        // All outputs end to end in one buffer, then cut into one array per matrix.
        var starts = [0]
        for m in matrices { starts.append(starts.last! + m.rowCount * rows) }
        let flat = [Float](unsafeUninitializedCapacity: starts.last!) { buffer, initialized in
            x.withUnsafeBufferPointer {
                multiply(matrices, rows: rows, $0.baseAddress!, into: matrices.indices.map { buffer.baseAddress! + starts[$0] },
                         int8Activations: int8Activations)
            }
            initialized = starts.last!
        }
        return matrices.indices.map { Array(flat[starts[$0]..<starts[$0 + 1]]) }
    }

    /// ys[i][r·rowCountᵢ ..< (r+1)·rowCountᵢ] = matrices[i]·xᵣ for the `rows` rows of `x`
    /// (`columns` apart), for matrices with the same number of columns. Where every matrix takes
    /// the row-group layout, all rows and matrices go through one parallel pass over the weights;
    /// otherwise row by row. Either way each row's outputs are exactly those of multiplying that
    /// row alone. `after` (matrices of one row count): run on ranges of output rows once every
    /// matrix has written them for every activation row, inside the parallel run where there is one
    /// (``RowGroupedMatrix/multiply(_:_:rows:into:int8Activations:after:)``), else once at the end.
    public static func multiply(_ matrices: [QuantizedMatrix], rows: Int, _ x: UnsafePointer<Float>,
                                into ys: [UnsafeMutablePointer<Float>], int8Activations: Bool = Int8Activations.isEnabled,
                                after: ((Range<Int>) -> Void)? = nil) {
        guard let columns = matrices.first?.columns, rows > 0 else { return }
        precondition(columns > 0 && matrices.allSatisfy { $0.columns == columns } && ys.count == matrices.count,
                     "QuantizedMatrix.multiply: the matrices must share their columns, one output each")
        precondition(after == nil || matrices.allSatisfy { $0.rowCount == matrices[0].rowCount },
                     "QuantizedMatrix.multiply: `after` needs matrices of one row count")
        let grouped = matrices.compactMap { $0.rowGrouped(int8Activations: int8Activations) }
        guard grouped.count == matrices.count, matrices.count > 1 || rows > 1 || after != nil else {
            for (m, y) in zip(matrices, ys) {
                for i in 0..<rows {
                    m.multiply(UnsafeBufferPointer(start: x + i * columns, count: columns),
                               into: UnsafeMutableBufferPointer(start: y + i * m.rowCount, count: m.rowCount), int8Activations: int8Activations)
                }
            }
            after?(0..<matrices[0].rowCount)
            return
        }
        RowGroupedMatrix.multiply(grouped, x, rows: rows, into: ys, int8Activations: int8Activations, after: after)
    }

    /// W·x as a new array.
    public func multiply(_ x: [Float], int8Activations: Bool = Int8Activations.isEnabled) -> [Float] {
        [Float](unsafeUninitializedCapacity: rowCount) { y, initialized in
            x.withUnsafeBufferPointer { multiply($0, into: y, int8Activations: int8Activations) }
            initialized = rowCount
        }
    }

    /// Rows `rows` dequantized into `destination` (`rows.count * columns` floats).
    public func dequantizeRows(_ rows: Range<Int>, into destination: UnsafeMutableBufferPointer<Float>) {
        guard let rowOrder else { return Dequantizer.rows(type, bytes, rows: rows, rowLength: columns, into: destination) }
        for (i, row) in rows.enumerated() {
            let start = i * columns
            Dequantizer.rows(type, bytes, rows: rowOrder[row]..<(rowOrder[row] + 1), rowLength: columns,
                             into: UnsafeMutableBufferPointer(rebasing: destination[start..<(start + columns)]))
        }
    }
}

/// A value made once, on first use, by whichever thread gets there first (the others wait).
final class LazyRowGroups: @unchecked Sendable {
    private let lock = NSLock()
    private var made: RowGroupedMatrix?

    func value(_ make: () -> RowGroupedMatrix) -> RowGroupedMatrix {
        lock.lock()
        defer { lock.unlock() }
        if let made { return made }
        let value = make()
        made = value
        return value
    }
}
