/// The row permutation `convert_hf_to_gguf.py` applies to Llama q_proj/k_proj weights (and their
/// biases): within each head, HF's rotate-half row order is interleaved for GGML's RoPE.
///
///     permute(w, n_head) = w.reshape(n_head, 2, D/2, …).swapaxes(1, 2).reshape(w.shape)
///
/// so GGUF row h·D + 2i + j holds HF row h·D + j·D/2 + i. `unpermute` restores HF order, letting
/// one rotate-half RoPE serve both formats.
public enum LlamaQKPermutation {
    /// HF row order from GGUF row order. `values` is rowCount × columns, row-major.
    public static func unpermute(_ values: [Float], rowCount: Int, columns: Int, heads: Int) -> [Float] {
        reorder(values, rowCount: rowCount, columns: columns, heads: heads, toHF: true)
    }

    /// GGUF row order from HF row order (for writing GGUF files).
    public static func permute(_ values: [Float], rowCount: Int, columns: Int, heads: Int) -> [Float] {
        reorder(values, rowCount: rowCount, columns: columns, heads: heads, toHF: false)
    }

    private static func reorder(_ values: [Float], rowCount: Int, columns: Int, heads: Int, toHF: Bool) -> [Float] {
        guard heads > 0, rowCount % heads == 0, (rowCount / heads) % 2 == 0, values.count == rowCount * columns else { return values }
        let d = rowCount / heads, half = d / 2
        var out = values
        values.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for h in 0..<heads {
                    for i in 0..<half {
                        for j in 0..<2 {
                            let gguf = h * d + 2 * i + j, hf = h * d + j * half + i
                            let (from, to) = toHF ? (gguf, hf) : (hf, gguf)
                            for c in 0..<columns { dst[to * columns + c] = src[from * columns + c] }
                        }
                    }
                }
            }
        }
        return out
    }
}
