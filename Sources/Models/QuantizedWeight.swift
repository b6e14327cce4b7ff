import WeightFormats

/// A linear layer's weight as the GGUF file stores it (quantized blocks, memory-mapped), used for
/// decode steps: y = W·x straight from the blocks reads 4–8× fewer bytes than the dequantized
/// Float32 copy, and decode is bound by memory bandwidth.
public struct QuantizedWeight: @unchecked Sendable {
    /// The file's blocks; a Q/K projection that llama GGUF files store with their RoPE row
    /// permutation is read in HF row order (``QuantizedMatrix/reorderingRows(_:)``).
    public let matrix: QuantizedMatrix

    public init(matrix: QuantizedMatrix) {
        self.matrix = matrix
    }

    /// weights[i]·xᵣ for the `rows` rows of `x` into `ys[i]` (rows `rowCount` apart), for weights
    /// sharing their input rows: one parallel run where the kernels allow (a decode step's q/k/v or
    /// gate/up, for every sequence of a batch).
    /// `after`: see ``QuantizedMatrix/multiply(_:rows:_:into:int8Activations:after:)``.
    public static func multiply(_ weights: [QuantizedWeight], rows: Int, _ x: UnsafePointer<Float>, into ys: [UnsafeMutablePointer<Float>],
                                after: ((Range<Int>) -> Void)? = nil) {
        QuantizedMatrix.multiply(weights.map(\.matrix), rows: rows, x, into: ys, after: after)
    }
}
