/// The pointwise judge's decision threshold, chosen on a validation split (docs/creative.md §3):
/// of the midpoints between adjacent distinct validation scores (and one below and one above
/// all of them), the one whose "good when score > t" predictions agree with the most labels;
/// among equally good thresholds the one nearest 0.5, the uncalibrated choice.
public enum ThresholdCalibration {
    public static func threshold(scores: [Double], positives: [Bool]) -> Double {
        let distinct = Array(Set(scores)).sorted()
        guard let lowest = distinct.first, let highest = distinct.last else { return 0.5 }
        var candidates = [lowest - 1e-9, highest + 1e-9]
        for (a, b) in zip(distinct, distinct.dropFirst()) { candidates.append((a + b) / 2) }
        func correct(_ t: Double) -> Int { zip(scores, positives).filter { ($0 > t) == $1 }.count }
        return candidates.map { ($0, correct($0)) }.max { x, y in
            x.1 != y.1 ? x.1 < y.1 : abs(x.0 - 0.5) > abs(y.0 - 0.5)
        }!.0
    }
}
