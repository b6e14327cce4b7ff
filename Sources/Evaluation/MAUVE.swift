import Foundation

/// MAUVE between two sets of text embeddings (Pillutla et al. 2021; docs/methods.md §13), the
/// steps of the `mauve-text` package on DivTune's own embeddings: the rows of Q and P stacked and
/// L2-normalized, PCA down to the leading components that explain `explainedVariance` of the
/// variance, k-means into `buckets` clusters, a histogram of each set's labels, and the divergence
/// frontier of the two histograms (``DivergenceFrontier``) — MAUVE and the frontier integral, on the
/// raw and on the smoothed (+0.5 per bucket) histograms — plus the PRD precision and recall of Q
/// against P (``PrecisionRecallDivergence``).
public struct MAUVE: Sendable, Encodable {
    public struct Options: Sendable, Equatable {
        /// Histogram buckets; nil = mauve-text's 'auto', max(2, round(min(|P|, |Q|)/10)).
        public var buckets: Int?
        public var explainedVariance = 0.9
        public var kmeansRestarts = 5
        public var kmeansMaxIterations = 500
        /// The constant c of the divergence curve.
        public var scaling = 5.0
        public var curvePoints = 25
        /// k-means draws (mauve-text's default seed is 25; its k-means draws differ from these).
        public var seed: UInt64 = 25

        public init(buckets: Int? = nil, seed: UInt64 = 25) {
            self.buckets = buckets
            self.seed = seed
        }
    }

    public var buckets: Int
    /// PCA components kept for clustering.
    public var components: Int
    public var pHistogram: [Double]
    public var qHistogram: [Double]
    public var mauve: Double
    public var frontierIntegral: Double
    /// MAUVE* and FI* (Pillutla et al. 2023): on the histograms smoothed by 0.5 per bucket.
    public var mauveStar: Double
    public var frontierIntegralStar: Double
    /// PRD precision and recall of Q (the samples judged) against P (the reference).
    public var precision: Double
    public var recall: Double
    /// The vectors on each side (the samples the scores are of).
    public var pCount: Int
    public var qCount: Int

    enum CodingKeys: String, CodingKey {
        case buckets, components, mauve, precision, recall
        case pCount = "p_count", qCount = "q_count"
        case pHistogram = "p_histogram", qHistogram = "q_histogram", frontierIntegral = "frontier_integral"
        case mauveStar = "mauve_star", frontierIntegralStar = "frontier_integral_star"
    }

    /// - Parameters:
    ///   - p: the reference's embeddings (mauve-text's `p_features`).
    ///   - q: the embeddings of the samples judged (`q_features`).
    public init(p: [[Float]], q: [[Float]], options: Options = Options()) throws {
        guard !p.isEmpty, !q.isEmpty else {
            throw EvaluationError.invalidEmbeddings(reason: "MAUVE needs at least one vector on each side (P \(p.count), Q \(q.count))")
        }
        guard let d = p.first?.count, d > 0, (p + q).allSatisfy({ $0.count == d }) else {
            throw EvaluationError.invalidEmbeddings(reason: "MAUVE's vectors must all have one dimension")
        }
        guard (p + q).allSatisfy({ $0.allSatisfy(\.isFinite) }) else {
            throw EvaluationError.invalidEmbeddings(reason: "MAUVE's vectors hold a non-finite value")
        }
        let k = options.buckets ?? max(2, Int((Double(min(p.count, q.count)) / 10).rounded(.toNearestOrEven)))
        guard k >= 1, k <= p.count + q.count else {
            throw EvaluationError.invalidArgument(name: "buckets", reason: "\(k) buckets for \(p.count + q.count) vectors")
        }
        // As mauve-text: Q first, then P.
        let rows = (q + p).map { v -> [Double] in
            let x = v.map(Double.init)
            let norm = x.reduce(0) { $0 + $1 * $1 }.squareRoot()
            return norm > 0 ? x.map { $0 / norm } : x
        }
        let reduced = try PrincipalComponents(rows).scores(explaining: options.explainedVariance)
        let clustering = try KMeans(reduced, clusters: k, restarts: options.kmeansRestarts,
                                    maxIterations: options.kmeansMaxIterations, seed: options.seed)
        try self.init(pLabels: Array(clustering.labels[q.count...]), qLabels: Array(clustering.labels[..<q.count]),
                      buckets: k, options: options)
        components = reduced.first?.count ?? 0
    }

    /// The scores of given cluster labels (the stage after k-means), e.g. mauve-text's own.
    public init(pLabels: [Int], qLabels: [Int], buckets k: Int, options: Options = Options()) throws {
        guard let bad = (pLabels + qLabels).first(where: { $0 < 0 || $0 >= k }) else {
            func counts(_ labels: [Int]) -> [Double] {
                var c = [Double](repeating: 0, count: k)
                for l in labels { c[l] += 1 }
                return c
            }
            let (pc, qc) = (counts(pLabels), counts(qLabels))
            buckets = k
            components = 0
            (pCount, qCount) = (pLabels.count, qLabels.count)
            pHistogram = pc.map { $0 / Double(pLabels.count) }
            qHistogram = qc.map { $0 / Double(qLabels.count) }
            let raw = try DivergenceFrontier(p: pHistogram, q: qHistogram, scaling: options.scaling, points: options.curvePoints)
            let smoothed = try DivergenceFrontier(p: pc.map { $0 + 0.5 }, q: qc.map { $0 + 0.5 }, scaling: options.scaling,
                                                  points: options.curvePoints)
            let pr = try PrecisionRecallDivergence(reference: pHistogram, model: qHistogram)
            (mauve, frontierIntegral) = (raw.mauve, raw.frontierIntegral)
            (mauveStar, frontierIntegralStar) = (smoothed.mauve, smoothed.frontierIntegral)
            (precision, recall) = (pr.precision, pr.recall)
            return
        }
        throw EvaluationError.invalidArgument(name: "labels", reason: "label \(bad) is not one of the \(k) buckets")
    }
}
