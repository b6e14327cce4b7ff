/// The deterministic pseudo-random generator used for pair sampling and DivPO shuffles:
/// xoshiro256** (Blackman & Vigna, "Scrambled linear pseudorandom number generators", 2018),
/// its 256-bit state filled from the seed by SplitMix64 (Steele, Lea & Flood 2014).
///
/// The sequence is fixed by this file on every platform and Swift version (bounded integers use
/// our own `next(below:)`, not the standard library's `random(in:)`). Python's `random` module
/// (Mersenne Twister, as used by the reference scripts, which never set a seed) is **not**
/// reproduced: pairs are reproducible run to run for a given seed, not identical to Python's.
public struct PreferenceRandom: RandomNumberGenerator, Sendable {
    private var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64

    /// Seeds the state with four SplitMix64 outputs of `seed`.
    public init(seed: UInt64) {
        var x = seed
        func splitMix() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s0 = splitMix(); s1 = splitMix(); s2 = splitMix(); s3 = splitMix()
    }

    /// An independent stream for item `index` (e.g. a prompt), so results do not depend on
    /// processing order: seed = SplitMix-style mix of (seed, index).
    public init(seed: UInt64, stream index: Int) {
        var z = seed ^ (UInt64(truncatingIfNeeded: index) &* 0xD1B5_4A32_D192_ED03)
        z = (z ^ (z >> 32)) &* 0xDABA_0B6E_B09B_D1F5
        self.init(seed: z ^ (z >> 29))
    }

    public mutating func next() -> UInt64 {
        let result = rotl(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = rotl(s3, 45)
        return result
    }

    /// A uniform integer in `0..<bound` (`bound > 0`), without modulo bias: Lemire's
    /// multiply-shift method with rejection ("Fast random integer generation in an interval", 2019).
    public mutating func next(below bound: Int) -> Int {
        guard bound > 1 else { return 0 }
        let b = UInt64(bound)
        var m = next().multipliedFullWidth(by: b)
        if m.low < b {
            let threshold = (0 &- b) % b
            while m.low < threshold { m = next().multipliedFullWidth(by: b) }
        }
        return Int(m.high)
    }

    /// Fisher–Yates shuffle driven by `next(below:)`.
    public mutating func shuffle<T>(_ items: inout [T]) {
        guard items.count > 1 else { return }
        for i in stride(from: items.count - 1, to: 0, by: -1) {
            items.swapAt(i, next(below: i + 1))
        }
    }

    private func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }
}
