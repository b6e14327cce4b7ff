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

    /// The k-th largest value (1-based). Over a vocabulary a small k is found among few values:
    /// the values, as 16 lanes of rows, fall into groups of 64 (one lane of 64 consecutive rows),
    /// whose maxima come out of a vectorised pass; the k-th largest group maximum is a lower bound
    /// (k groups reach it, so k values do), and only the values at or above it — found in the
    /// groups whose maximum reaches it — go to the quickselect. The value is the same either way.
    static func kthLargest(_ values: [Float], _ k: Int) -> Float {
        let chunk = 1024, chunks = values.count / chunk   // a chunk: 64 rows of 16 lanes
        guard k >= 1, k * 8 <= 16 * chunks else { return quickselect(values, k) }
        let contenders = values.withUnsafeBufferPointer { p -> [Float] in
            let raw = UnsafeRawPointer(p.baseAddress!)
            var maxima = [Float](repeating: 0, count: 16 * chunks)
            maxima.withUnsafeMutableBytes { out in
                for c in 0..<chunks {
                    var m = SIMD16<Float>(repeating: -.infinity)   // NaNs never enter the maxima
                    for r in 0..<64 {
                        let x = raw.loadUnaligned(fromByteOffset: 4 * (chunk * c + 16 * r), as: SIMD16<Float>.self)
                        m.replace(with: x, where: x .> m)
                    }
                    out.storeBytes(of: m, toByteOffset: 64 * c, as: SIMD16<Float>.self)
                }
            }
            let bound = quickselect(maxima, k)
            var found: [Float] = []
            for (group, top) in maxima.enumerated() where top >= bound {
                let first = chunk * (group / 16) + group % 16
                for r in 0..<64 where p[first + 16 * r] >= bound { found.append(p[first + 16 * r]) }
            }
            for i in (chunk * chunks)..<p.count where p[i] >= bound { found.append(p[i]) }
            return found
        }
        // NaN values are never contenders; if fewer than k values are left, the plain way.
        return contenders.count >= k ? quickselect(contenders, k) : quickselect(values, k)
    }

    /// The k-th largest value (1-based) by quickselect: O(n) on average, no full sort.
    static func quickselect(_ values: [Float], _ k: Int) -> Float {
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
