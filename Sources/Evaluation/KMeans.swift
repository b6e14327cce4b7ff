import Base

/// Lloyd's k-means with restarts, for MAUVE's quantization (docs/methods.md §13): like faiss's
/// `Kmeans` (which mauve-text uses), each restart starts from k distinct points drawn at random,
/// iterates until no assignment changes or `maxIterations`, and the restart with the lowest
/// objective (sum of squared distances to the assigned centroid) is kept. The draws come from
/// `SeededGenerator(seed)`, so a seed gives one clustering; faiss's own draws differ, so labels
/// match mauve-text's only up to renaming where the clusters are clear.
public struct KMeans: Sendable {
    public var centroids: [[Double]]
    /// Each point's nearest centroid.
    public var labels: [Int]
    public var objective: Double

    public init(_ points: [[Double]], clusters k: Int, restarts: Int = 5, maxIterations: Int = 500, seed: UInt64) throws {
        guard k >= 1, k <= points.count else {
            throw EvaluationError.invalidArgument(name: "clusters", reason: "\(k) clusters for \(points.count) points")
        }
        guard restarts >= 1, maxIterations >= 1 else {
            throw EvaluationError.invalidArgument(name: "restarts", reason: "k-means needs at least one restart and one iteration")
        }
        var rng = SeededGenerator(seed: seed)
        var best: KMeans?
        for _ in 0..<restarts {
            var order = Array(points.indices)
            rng.shuffle(&order)
            let run = Self.lloyd(points, initial: order.prefix(k).map { points[$0] }, maxIterations: maxIterations)
            if best == nil || run.objective < best!.objective { best = run }
        }
        self = best!
    }

    private init(centroids: [[Double]], labels: [Int], objective: Double) {
        self.centroids = centroids
        self.labels = labels
        self.objective = objective
    }

    static func distance(_ a: [Double], _ b: [Double]) -> Double {
        var s = 0.0
        for i in a.indices { let t = a[i] - b[i]; s += t * t }
        return s
    }

    /// The index of the nearest centroid (the first on ties) and the squared distance to it.
    static func nearest(_ x: [Double], _ centroids: [[Double]]) -> (Int, Double) {
        var best = (0, Double.infinity)
        for (c, centroid) in centroids.enumerated() {
            let d = distance(x, centroid)
            if d < best.1 { best = (c, d) }
        }
        return best
    }

    static func lloyd(_ points: [[Double]], initial: [[Double]], maxIterations: Int) -> KMeans {
        var centroids = initial
        var labels = [Int](repeating: -1, count: points.count)
        for _ in 0..<maxIterations {
            var changed = false
            var distances = [Double](repeating: 0, count: points.count)
            for (i, x) in points.enumerated() {
                let (c, d) = nearest(x, centroids)
                if c != labels[i] { labels[i] = c; changed = true }
                distances[i] = d
            }
            if !changed { break }
            var sums = centroids.map { [Double](repeating: 0, count: $0.count) }
            var counts = [Int](repeating: 0, count: centroids.count)
            for (i, x) in points.enumerated() {
                counts[labels[i]] += 1
                for j in x.indices { sums[labels[i]][j] += x[j] }
            }
            for c in centroids.indices {
                if counts[c] > 0 {
                    centroids[c] = sums[c].map { $0 / Double(counts[c]) }
                } else if let far = distances.indices.max(by: { distances[$0] < distances[$1] }) {
                    // An empty cluster takes the point farthest from its centroid.
                    centroids[c] = points[far]
                    distances[far] = 0
                }
            }
        }
        var objective = 0.0
        for (i, x) in points.enumerated() {
            let (c, d) = nearest(x, centroids)
            labels[i] = c
            objective += d
        }
        return KMeans(centroids: centroids, labels: labels, objective: objective)
    }
}
