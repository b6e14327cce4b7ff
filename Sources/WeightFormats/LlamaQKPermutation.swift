/// The row permutation `convert_hf_to_gguf.py` (`LlamaModel.permute`) applies to Llama `q_proj`
/// (with `n_head`) and `k_proj` (with `n_head_kv`) weights and biases:
///
///     w.reshape(heads, 2, D/2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)      D = rowCount / heads
///
/// so GGUF row `h·D + 2i + j` holds HF row `h·D + j·D/2 + i` (i < D/2, j ∈ {0, 1}): HF's
/// rotate-half RoPE pairs (i, i + D/2) become GGML's adjacent pairs (2i, 2i + 1). ``unpermute``
/// restores HF order, so one rotate-half RoPE serves GGUF and safetensors weights alike;
/// ``permute`` is its inverse (for writing GGUF).
public enum LlamaQKPermutation {
    /// HF row order from GGUF row order. `rows` is `rowCount × columns`, row-major (a bias is
    /// `columns == 1`).
    /// - Precondition: `rows.count == rowCount * columns` and `rowCount` is a multiple of `2 · heads`
    ///   (validate head counts read from a file before calling).
    public static func unpermute(_ rows: [Float], rowCount: Int, columns: Int, heads: Int) -> [Float] {
        reorder(rows, rowCount: rowCount, columns: columns, heads: heads, toHF: true)
    }

    /// GGUF row order from HF row order (what the converter does).
    public static func permute(_ rows: [Float], rowCount: Int, columns: Int, heads: Int) -> [Float] {
        reorder(rows, rowCount: rowCount, columns: columns, heads: heads, toHF: false)
    }

    /// For each HF row, the GGUF row that holds it: a quantized matrix read in this row order
    /// (``QuantizedMatrix/reorderingRows(_:)``) multiplies in HF order.
    /// - Precondition: ``isValid(rowCount:heads:)``.
    public static func ggufRows(rowCount: Int, heads: Int) -> [Int] {
        precondition(isValid(rowCount: rowCount, heads: heads), "LlamaQKPermutation: \(rowCount) rows are not \(heads) heads of even size")
        let d = rowCount / heads, half = d / 2
        var rows = [Int](repeating: 0, count: rowCount)
        for h in 0..<heads {
            for i in 0..<half {
                for j in 0..<2 { rows[h * d + j * half + i] = h * d + 2 * i + j }
            }
        }
        return rows
    }

    /// Whether `rowCount` rows can be split into `heads` heads of even dimension.
    public static func isValid(rowCount: Int, heads: Int) -> Bool {
        heads > 0 && rowCount % heads == 0 && (rowCount / heads) % 2 == 0
    }

    private static func reorder(_ values: [Float], rowCount: Int, columns: Int, heads: Int, toHF: Bool) -> [Float] {
        precondition(isValid(rowCount: rowCount, heads: heads) && columns >= 0 && values.count == rowCount * columns,
                     "LlamaQKPermutation: \(values.count) values are not \(rowCount)×\(columns) rows in \(heads) heads of even size")
        let ggufRows = ggufRows(rowCount: rowCount, heads: heads)
        return [Float](unsafeUninitializedCapacity: values.count) { dst, initialized in
            values.withUnsafeBufferPointer { src in
                guard let s = src.baseAddress, let t = dst.baseAddress else { return }
                for (hf, gguf) in ggufRows.enumerated() {
                    let (from, to) = toHF ? (gguf, hf) : (hf, gguf)
                    (t + to * columns).initialize(from: s + from * columns, count: columns)
                }
            }
            initialized = values.count
        }
    }
}
