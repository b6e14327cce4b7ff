import WeightFormats

/// A linear layer's weight as the GGUF file stores it (quantized blocks, memory-mapped), used for
/// decode steps: y = W·x straight from the blocks reads 4–8× fewer bytes than the dequantized
/// Float32 copy, and decode is bound by memory bandwidth.
public struct QuantizedWeight: @unchecked Sendable {
    public let matrix: QuantizedMatrix
    /// Q/K projections of the llama architecture are stored with GGUF's row permutation; their
    /// outputs come back in GGUF order and are put in HF order with this many heads.
    public let permutedHeads: Int?

    public init(matrix: QuantizedMatrix, permutedHeads: Int? = nil) {
        self.matrix = matrix
        self.permutedHeads = permutedHeads
    }

    /// W·xᵢ in HF row order for each row xᵢ of `x` (rows of `matrix.columns` end to end), the
    /// outputs end to end; all rows in one pass over the weights where the kernels allow.
    public func multiply(rows x: [Float]) -> [Float] {
        Self.multiply([self], rows: x)[0]
    }

    /// weights[i]·xⱼ for weights sharing their input rows, in one parallel run where the kernels
    /// allow (a decode step's q/k/v or gate/up, for every sequence of a batch).
    public static func multiply(_ weights: [QuantizedWeight], rows x: [Float]) -> [[Float]] {
        zip(weights, QuantizedMatrix.multiply(weights.map(\.matrix), rows: x)).map { $0.inHFOrder($1) }
    }

    /// Each output row (`rowCount` apart) put in HF order.
    private func inHFOrder(_ y: [Float]) -> [Float] {
        guard let heads = permutedHeads else { return y }
        let n = matrix.rowCount
        guard y.count > n else { return LlamaQKPermutation.unpermute(y, rowCount: n, columns: 1, heads: heads) }
        return stride(from: 0, to: y.count, by: n).flatMap {
            LlamaQKPermutation.unpermute(Array(y[$0..<($0 + n)]), rowCount: n, columns: 1, heads: heads)
        }
    }
}
