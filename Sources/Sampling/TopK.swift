/// Keeps the k highest-logit tokens (HF semantics: tokens tied with the k-th logit stay).
/// k ≤ 0 disables the stage.
public struct TopK: LogitProcessor {
    public let k: Int
    public var name: String { "top_k" }

    public init(_ k: Int) { self.k = k }

    public mutating func process(_ candidates: inout TokenCandidates) {
        guard k > 0, k < candidates.count else { return }
        if candidates.isSortedDescending {
            let threshold = candidates.logits[k - 1]
            var end = k
            while end < candidates.count && candidates.logits[end] >= threshold { end += 1 }
            candidates.keepPrefix(end)
            return
        }
        let threshold = Self.kthLargest(candidates.logits, k)
        candidates.keep { _, logit in logit >= threshold }
        candidates.sortDescending()
    }

    /// The k-th largest value (1-based) by quickselect: O(n) on average, no full sort of the vocabulary.
    static func kthLargest(_ values: [Float], _ k: Int) -> Float {
        var a = values
        var low = 0, high = a.count - 1
        let target = k - 1
        while low < high {
            let pivot = a[(low + high) / 2]
            var i = low, j = high
            while i <= j {
                while a[i] > pivot { i += 1 }
                while a[j] < pivot { j -= 1 }
                if i <= j { a.swapAt(i, j); i += 1; j -= 1 }
            }
            if target <= j { high = j } else if target >= i { low = i } else { return a[target] }
        }
        return a[target]
    }
}
