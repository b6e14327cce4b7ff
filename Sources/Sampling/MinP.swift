/// Min-p sampling (Nguyen et al. 2024): keeps tokens with p ≥ min_p · p_max. min_p ≤ 0 disables it.
public struct MinP: LogitProcessor {
    public let minP: Float
    public var name: String { "min_p" }

    public init(_ minP: Float) { self.minP = minP }

    public mutating func process(_ candidates: inout TokenCandidates) {
        guard minP > 0, candidates.count > 1, let maxLogit = candidates.logits.max() else { return }
        // p_i / p_max = exp(l_i − l_max) ≥ min_p  ⇔  l_i ≥ l_max + ln(min_p)
        let threshold = maxLogit + Foundation.log(minP)
        let wasSorted = candidates.isSortedDescending
        candidates.keep { _, logit in logit >= threshold }
        candidates.isSortedDescending = wasSorted
    }
}

import Foundation
