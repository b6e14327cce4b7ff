import Foundation

/// Principal component scores of a set of vectors, as sklearn's `PCA` (centered, not whitened)
/// gives them, for MAUVE's quantization (docs/methods.md §13). The eigenvectors come from the
/// smaller of the Gram matrix (n × n) and the covariance (d × d), by cyclic Jacobi rotations: the
/// scores and explained variances are the same either way, and a component's sign (which differs
/// between SVD implementations) does not change any distance between scores.
public struct PrincipalComponents: Sendable {
    /// Each point's coordinates on the components, largest variance first.
    public var scores: [[Double]]
    /// The share of the total variance each component explains, largest first.
    public var explainedVarianceRatio: [Double]

    public init(_ points: [[Double]]) throws {
        guard let d = points.first?.count, d > 0, points.count >= 2 else {
            throw EvaluationError.invalidArgument(name: "points", reason: "PCA needs at least 2 points of at least 1 dimension")
        }
        guard points.allSatisfy({ $0.count == d }) else {
            throw EvaluationError.invalidArgument(name: "points", reason: "the points have different dimensions")
        }
        let n = points.count
        let mean = (0..<d).map { j in points.reduce(0) { $0 + $1[j] } / Double(n) }
        let centered = points.map { zip($0, mean).map { $0 - $1 } }
        let gram = n <= d
        let m = gram ? n : d
        var matrix = [Double](repeating: 0, count: m * m)
        for i in 0..<m {
            for j in i..<m {
                var s = 0.0
                if gram {
                    for k in 0..<d { s += centered[i][k] * centered[j][k] }
                } else {
                    for k in 0..<n { s += centered[k][i] * centered[k][j] }
                }
                matrix[i * m + j] = s
                matrix[j * m + i] = s
            }
        }
        let (values, vectors) = Self.symmetricEigen(matrix, size: m)
        let order = values.indices.sorted { (-values[$0], $0) < (-values[$1], $1) }
        let total = values.reduce(0) { $0 + max($1, 0) }
        guard total > 0 else { throw EvaluationError.invalidArgument(name: "points", reason: "all points are the same") }
        let kept = order.filter { values[$0] > total * 1e-12 }
        explainedVarianceRatio = kept.map { values[$0] / total }
        if gram {
            // X_c = U S Vᵀ: the scores X_c V = U S, S = √eigenvalue of X_c X_cᵀ.
            scores = (0..<n).map { i in kept.map { c in vectors[i * m + c] * values[c].squareRoot() } }
        } else {
            scores = centered.map { x in kept.map { c in (0..<d).reduce(0) { $0 + x[$1] * vectors[$1 * m + c] } } }
        }
    }

    /// The scores on the fewest leading components that explain at least `share` of the
    /// variance (mauve-text's `argmax(cumsum(ratio) >= share) + 1`).
    public func scores(explaining share: Double) -> [[Double]] {
        var cumulative = 0.0
        var count = explainedVarianceRatio.count
        for (i, r) in explainedVarianceRatio.enumerated() {
            cumulative += r
            if cumulative >= share { count = i + 1; break }
        }
        return scores.map { Array($0.prefix(count)) }
    }

    /// Eigenvalues and eigenvectors (column c of the row-major `vectors`) of a symmetric matrix.
    static func symmetricEigen(_ input: [Double], size m: Int) -> (values: [Double], vectors: [Double]) {
        var a = input
        var v = [Double](repeating: 0, count: m * m)
        for i in 0..<m { v[i * m + i] = 1 }
        let scale = a.reduce(0) { $0 + $1 * $1 }
        for _ in 0..<100 {
            var off = 0.0
            for p in 0..<m { for q in (p + 1)..<m { off += a[p * m + q] * a[p * m + q] } }
            if off <= scale * 1e-30 { break }
            for p in 0..<(m - 1) {
                for q in (p + 1)..<m {
                    let apq = a[p * m + q]
                    if apq == 0 { continue }
                    let theta = (a[q * m + q] - a[p * m + p]) / (2 * apq)
                    let t = (theta >= 0 ? 1.0 : -1.0) / (abs(theta) + (theta * theta + 1).squareRoot())
                    let c = 1 / (t * t + 1).squareRoot(), s = t * c
                    for k in 0..<m {   // columns p, q
                        let (akp, akq) = (a[k * m + p], a[k * m + q])
                        a[k * m + p] = c * akp - s * akq
                        a[k * m + q] = s * akp + c * akq
                    }
                    for k in 0..<m {   // rows p, q
                        let (apk, aqk) = (a[p * m + k], a[q * m + k])
                        a[p * m + k] = c * apk - s * aqk
                        a[q * m + k] = s * apk + c * aqk
                    }
                    for k in 0..<m {
                        let (vkp, vkq) = (v[k * m + p], v[k * m + q])
                        v[k * m + p] = c * vkp - s * vkq
                        v[k * m + q] = s * vkp + c * vkq
                    }
                }
            }
        }
        return ((0..<m).map { a[$0 * m + $0] }, v)
    }
}
