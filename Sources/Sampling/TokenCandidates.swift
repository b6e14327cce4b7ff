/// The tokens still in the running at one decoding step, with their (possibly modified) logits.
///
/// Starts as the whole vocabulary in id order; truncating processors (top-k, top-p, min-p) shrink
/// it, and may sort it by descending logit (`isSortedDescending`) so later processors can skip work.
public struct TokenCandidates: Sendable {
    public var ids: [Int]
    public var logits: [Float]
    public var isSortedDescending: Bool

    /// All tokens of a vocabulary, in id order.
    public init(logits: [Float]) {
        self.ids = Array(0..<logits.count)
        self.logits = logits
        self.isSortedDescending = false
    }

    public init(ids: [Int], logits: [Float], isSortedDescending: Bool = false) {
        self.ids = ids
        self.logits = logits
        self.isSortedDescending = isSortedDescending
    }

    public var count: Int { ids.count }

    /// Sorts by descending logit (ties by ascending id, so results never depend on sort stability).
    public mutating func sortDescending() {
        if isSortedDescending { return }
        let order = logits.indices.sorted { a, b in
            logits[a] != logits[b] ? logits[a] > logits[b] : ids[a] < ids[b]
        }
        ids = order.map { ids[$0] }
        logits = order.map { logits[$0] }
        isSortedDescending = true
    }

    /// Keeps the first `n` candidates (callers sort first).
    public mutating func keepPrefix(_ n: Int) {
        let n = max(1, min(n, count))
        ids.removeSubrange(n...)
        logits.removeSubrange(n...)
    }

    /// Keeps the candidates whose (id, logit) satisfies `keep`, in order; the best one always survives.
    public mutating func keep(where keep: (_ id: Int, _ logit: Float) -> Bool) {
        var newIds: [Int] = []
        var newLogits: [Float] = []
        for i in ids.indices where keep(ids[i], logits[i]) {
            newIds.append(ids[i])
            newLogits.append(logits[i])
        }
        if newIds.isEmpty, let best = logits.indices.max(by: { logits[$0] < logits[$1] }) {
            newIds = [ids[best]]
            newLogits = [logits[best]]
        }
        ids = newIds
        logits = newLogits
    }

    /// Softmax of the current logits, in candidate order (max-subtracted, computed in Double).
    public func probabilities() -> [Double] {
        guard let maxLogit = logits.max(), maxLogit.isFinite else {
            return [Double](repeating: 1.0 / Double(max(count, 1)), count: count)
        }
        let exps = logits.map { Double($0 - maxLogit).exp() }
        let total = exps.reduce(0, +)
        return exps.map { $0 / total }
    }
}

extension Double {
    @inlinable func exp() -> Double { Foundation.exp(self) }
}

import Foundation
