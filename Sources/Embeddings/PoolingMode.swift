/// How sentence-transformers' `Pooling` module turns token vectors into one sentence vector.
/// Several modes concatenate their vectors in the order listed (as `Pooling.forward` does).
public enum PoolingMode: String, Sendable, CaseIterable {
    case cls, max, mean
    case meanSqrtLength = "mean_sqrt_len_tokens"
    case weightedMean = "weightedmean"
    case lastToken = "lasttoken"

    /// The legacy boolean keys of `1_Pooling/config.json`, in `Pooling`'s concatenation order.
    static let legacyKeys: [(String, PoolingMode)] = [
        ("pooling_mode_cls_token", .cls), ("pooling_mode_max_tokens", .max), ("pooling_mode_mean_tokens", .mean),
        ("pooling_mode_mean_sqrt_len_tokens", .meanSqrtLength), ("pooling_mode_weightedmean_tokens", .weightedMean),
        ("pooling_mode_lasttoken", .lastToken),
    ]

    /// Pools the first `length` rows (the real tokens; padding follows them) of `tokens`
    /// [rows, width] into `out` [width].
    func pool(_ tokens: UnsafePointer<Float>, length: Int, width: Int, into out: UnsafeMutablePointer<Float>) {
        switch self {
        case .cls:
            out.update(from: tokens, count: width)
        case .lastToken:
            out.update(from: tokens + Swift.max(length - 1, 0) * width, count: width)
        case .max:
            out.update(from: tokens, count: width)
            for r in 1..<Swift.max(length, 1) {
                let row = tokens + r * width
                for j in 0..<width where row[j] > out[j] { out[j] = row[j] }
            }
        case .mean, .meanSqrtLength, .weightedMean:
            out.update(repeating: 0, count: width)
            var total: Float = 0
            for r in 0..<length {
                let weight: Float = self == .weightedMean ? Float(r + 1) : 1
                let row = tokens + r * width
                for j in 0..<width { out[j] += weight * row[j] }
                total += weight
            }
            let denominator = self == .meanSqrtLength ? total.squareRoot() : total
            let scale = 1 / Swift.max(denominator, 1e-9)
            for j in 0..<width { out[j] *= scale }
        }
    }
}
