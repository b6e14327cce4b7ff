import Foundation

/// Tensor access: lookup, raw bytes, dequantization (whole tensor or row ranges) and quantized
/// matrix–vector products straight from the mapped blocks.
extension GGUFFile {
    /// The table entry of `name`, or nil.
    public func tensorInfo(named name: String) -> GGUFTensorInfo? { index[name].map { tensors[$0] } }

    /// The table entry of `name`; throws ``WeightFormatError/missingTensor(path:name:)``.
    public func tensor(named name: String) throws -> GGUFTensorInfo {
        guard let info = tensorInfo(named: name) else { throw WeightFormatError.missingTensor(path: path, name: name) }
        return info
    }

    /// The raw bytes of a tensor: a slice of the mapping, valid while this file is alive.
    public func bytes(of info: GGUFTensorInfo) throws -> UnsafeRawBufferPointer { try file.bytes(at: info.offset, count: info.byteCount) }

    /// The raw bytes of tensor `name`.
    public func bytes(named name: String) throws -> UnsafeRawBufferPointer { try bytes(of: tensor(named: name)) }

    /// Same as ``bytes(of:)``.
    public func data(of info: GGUFTensorInfo) throws -> UnsafeRawBufferPointer { try bytes(of: info) }

    /// All elements of tensor `name` as Float32, row-major in PyTorch order (``GGUFTensorInfo/shape``).
    public func dequantize(named name: String) throws -> [Float] { try dequantize(tensor(named: name)) }

    public func dequantize(_ info: GGUFTensorInfo) throws -> [Float] {
        try requireDequantizable(info)
        let bytes = try bytes(of: info)
        return [Float](unsafeUninitializedCapacity: info.elementCount) { out, initialized in
            Dequantizer.rows(info.type, bytes, rows: 0..<info.rowCount, rowLength: info.rowLength, into: out)
            initialized = info.elementCount
        }
    }

    /// Rows `rows` (each `ne[0]` = ``GGUFTensorInfo/rowLength`` elements; for a `[out, in]` matrix
    /// row r is output r) dequantized into the first `rows.count * rowLength` floats of `destination`.
    public func dequantizeRows(named name: String, rows: Range<Int>, into destination: UnsafeMutableBufferPointer<Float>) throws {
        try dequantizeRows(tensor(named: name), rows: rows, into: destination)
    }

    public func dequantizeRows(_ info: GGUFTensorInfo, rows: Range<Int>, into destination: UnsafeMutableBufferPointer<Float>) throws {
        try requireDequantizable(info)
        guard rows.lowerBound >= 0, rows.upperBound <= info.rowCount else {
            throw WeightFormatError.invalid(path: path, reason: "row range \(rows) is outside tensor '\(info.name)' (\(info.rowCount) rows)")
        }
        guard destination.count >= rows.count * info.rowLength else {
            throw WeightFormatError.invalid(path: path, reason: "destination of \(destination.count) floats is too small for \(rows.count) rows of '\(info.name)'")
        }
        Dequantizer.rows(info.type, try bytes(of: info), rows: rows, rowLength: info.rowLength, into: destination)
    }

    /// A 2-D view of tensor `name` for ``QuantizedMatrix/multiply(_:into:)`` (y = W·x without
    /// dequantizing W). Tensors of 3 or 4 dimensions are viewed as `ne[1]·ne[2]·ne[3]` rows.
    public func quantizedMatrix(named name: String) throws -> QuantizedMatrix {
        let info = try tensor(named: name)
        try requireDequantizable(info)
        return QuantizedMatrix(type: info.type, bytes: try bytes(of: info), rowCount: info.rowCount, columns: info.rowLength, owner: file)
    }

    private func requireDequantizable(_ info: GGUFTensorInfo) throws {
        guard info.type.isDequantizable else { throw WeightFormatError.unsupportedType(path: path, tensor: info.name, type: info.type.name) }
    }
}
