/// Which seed each sample of an evaluation run draws with: sample j of prompt p uses
/// `base + 1000·p + j` (wrapping), so a resumed run, which samples only the prompts missing from
/// `samples.jsonl`, draws exactly what an uninterrupted run would (docs/methods.md §9). With more
/// than 1000 samples per prompt the streams of neighbouring prompts overlap.
public struct SeedScheme: Hashable, Sendable {
    public var base: UInt64
    /// Seeds reserved per prompt.
    public static let promptStride: UInt64 = 1000

    public init(base: UInt64) { self.base = base }

    /// The seed of sample 0 of prompt `prompt`; sample j adds j.
    public func firstSeed(prompt: Int) -> UInt64 { base &+ UInt64(prompt) &* Self.promptStride }

    /// The scheme as `sample_settings.json` records it, so a run drawn with another scheme is not resumed.
    public static let formula = "seed + \(promptStride)·prompt + sample"

    public func seed(prompt: Int, sample: Int) -> UInt64 { firstSeed(prompt: prompt) &+ UInt64(sample) }
}
