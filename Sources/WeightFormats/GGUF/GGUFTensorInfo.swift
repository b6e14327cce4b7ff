/// One entry of a GGUF tensor table, validated against the file: the data range lies inside the
/// file, is aligned, overlaps no other tensor, and holds exactly `elementCount` weights of `type`.
///
/// `dimensions` are in GGUF order — `ne[0]`, the contiguous (fastest-varying) axis, first —
/// and ``shape`` is the PyTorch/numpy order (reversed): a `[out, in]` weight matrix is stored with
/// `dimensions == [in, out]`, i.e. `out` rows of `in` contiguous weights.
public struct GGUFTensorInfo: Sendable, Equatable {
    public let name: String
    /// GGUF order: `ne[0]` (contiguous) first.
    public let dimensions: [Int]
    public let type: GGMLType
    /// Absolute byte offset of the data in the file.
    public let offset: Int
    /// Bytes of data: `ne[0] / blockSize * typeSize * ne[1] * ne[2] * ne[3]`.
    public let byteCount: Int

    /// PyTorch order: `dimensions` reversed (`[out, in]` for a weight matrix).
    public var shape: [Int] { dimensions.reversed() }
    public var elementCount: Int { dimensions.reduce(1, *) }
    /// Elements per row: `ne[0]`.
    public var rowLength: Int { dimensions.first ?? 1 }
    /// Rows of `ne[0]` elements: `ne[1] * ne[2] * ne[3]`.
    public var rowCount: Int { dimensions.dropFirst().reduce(1, *) }
    /// Bytes per row.
    public var rowBytes: Int { type.rowBytes(rowLength) }
}
