import WeightFormats

/// A linear layer's weight as the GGUF file stores it (quantized blocks, memory-mapped), used for
/// single-token decode steps: y = W·x straight from the blocks reads 4–8× fewer bytes than the
/// dequantized Float32 copy, and decode is bound by memory bandwidth.
public struct QuantizedWeight: @unchecked Sendable {
    public let matrix: QuantizedMatrix
    /// Q/K projections of the llama architecture are stored with GGUF's row permutation; their
    /// outputs come back in GGUF order and are put in HF order with this many heads.
    public let permutedHeads: Int?

    public init(matrix: QuantizedMatrix, permutedHeads: Int? = nil) {
        self.matrix = matrix
        self.permutedHeads = permutedHeads
    }

    /// W·x in HF row order.
    public func multiply(_ x: [Float]) -> [Float] {
        inHFOrder(matrix.multiply(x))
    }

    /// weights[i]·x for weights sharing one input, in one parallel run where the kernels allow.
    public static func multiply(_ weights: [QuantizedWeight], _ x: [Float]) -> [[Float]] {
        zip(weights, QuantizedMatrix.multiply(weights.map(\.matrix), x)).map { $0.inHFOrder($1) }
    }

    private func inHFOrder(_ y: [Float]) -> [Float] {
        guard let heads = permutedHeads else { return y }
        return LlamaQKPermutation.unpermute(y, rowCount: matrix.rowCount, columns: 1, heads: heads)
    }
}
