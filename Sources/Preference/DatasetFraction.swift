import Base
import Foundation

extension PreferenceDataset {
    /// A seeded share of the prompts (all their responses), in file order: the data-set size axis of
    /// a sweep (docs/methods.md §2.4). round(n · fraction) prompts, at least 1; 1 keeps every prompt.
    public func fraction(_ fraction: Double, seed: UInt64) throws -> PreferenceDataset {
        guard fraction > 0, fraction <= 1 else {
            throw PreferenceError.invalidOption(name: "dataFraction", reason: "must lie in (0, 1], got \(fraction)")
        }
        let n = prompts.count
        let kept = min(n, max(1, Int((Double(n) * fraction).rounded())))
        guard kept < n else { return self }
        var order = Array(0..<n)
        var rng = SeededGenerator(seed: seed)
        rng.shuffle(&order)
        let chosen = Set(order.prefix(kept))
        return PreferenceDataset(prompts: prompts.indices.filter(chosen.contains).map { prompts[$0] }, skipped: skipped)
    }
}
