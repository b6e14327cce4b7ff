import Foundation

/// An offline, deterministic style vector: the default style space when no style-embedding model
/// (the paper's `AnnaWegmann/Style-Embedding`) is given. It measures *how* a text is written —
/// sentence rhythm, punctuation, dialogue, pronoun and function-word habits — and deliberately
/// ignores content words, so two stories on different topics in the same style stay close.
///
/// ``dimension`` = 55 values, each standardised against hand-set reference values typical of
/// English narrative prose (not fitted to a corpus), then divided by √(size of its group) so that
/// each of the five groups weighs about the same in a cosine:
///
/// **A. Rhythm and structure** (10; `z = (x − μ)/σ` with (μ, σ) listed)
///  0. mean sentence length in words (14, 6)
///  1. standard deviation of sentence length in words (8, 4)
///  2. mean word length in letters (4.2, 0.4)
///  3. share of long words, ≥ 7 characters (0.15, 0.05)
///  4. share of short words, ≤ 3 characters (0.50, 0.07)
///  5. type–token ratio, moving average over 50-word windows (MATTR; plain TTR below 50 words) (0.72, 0.06)
///  6. dialogue share: fraction of words inside quotation marks (`"…"`, `“…”`) (0.15, 0.15)
///  7. ln(mean paragraph length in words), paragraphs = non-empty lines (3.8, 0.8)
///  8. share of sentences ending in `?` (0.06, 0.06)
///  9. share of sentences ending in `!` (0.03, 0.04)
///
/// Rates below are occurrences per word, transformed as `z = (√rate − √μ) / 0.04` (a square root
/// stabilises the variance of count rates; 0.04 ≈ their spread between ~500-word texts).
///
/// **B. Punctuation** (8): 10. commas (μ 0.06), 11. semicolons (0.002), 12. colons (0.002),
/// 13. dashes — `—`, `–`, `--` or a spaced `-` (0.006), 14. ellipses `…`/`...` (0.003),
/// 15. parentheses `(` (0.002), 16. quotation marks `"“”` (0.03), 17. words with an apostrophe,
/// i.e. contractions and possessives (0.04).
///
/// **C. Characters** (3, `z = (x − μ)/σ`): 18. uppercase share of letters (0.035, 0.015),
/// 19. digit share of letters and digits (0.002, 0.004), 20. ln(1 + words) − ln(500) over 1.0 (length).
///
/// **D. Person** (3 rates): 21. first person `i me my mine myself we us our ours ourselves` (0.04),
/// 22. second person `you your yours yourself yourselves` (0.01), 23. third person
/// `he him his himself she her hers herself they them their theirs themselves it its itself` (0.06).
///
/// **E. Function words** (31 rates, dimensions 24–54, μ as listed in ``functionWords``): `the a an and but or of to in
/// on at with for from as that this not no was were is had have be been would could so then there`.
///
/// Words are maximal runs of letters and digits, joined across an inner apostrophe (`don't`),
/// compared lowercased. Sentences end at `.`, `!`, `?`, `…` once the next word starts, and at line
/// breaks (abbreviations such as "Mr." split sentences: an accepted approximation).
public struct StylometricEmbedder: TextEmbedder, Sendable {
    public static let dimension = 55

    /// The function words of group E with their reference rates per word.
    public static let functionWords: [(word: String, rate: Double)] = [
        ("the", 0.055), ("a", 0.025), ("an", 0.004), ("and", 0.030), ("but", 0.006), ("or", 0.003),
        ("of", 0.025), ("to", 0.028), ("in", 0.015), ("on", 0.007), ("at", 0.006), ("with", 0.007),
        ("for", 0.007), ("from", 0.004), ("as", 0.006), ("that", 0.012), ("this", 0.004), ("not", 0.005),
        ("no", 0.002), ("was", 0.015), ("were", 0.004), ("is", 0.008), ("had", 0.007), ("have", 0.005),
        ("be", 0.004), ("been", 0.002), ("would", 0.003), ("could", 0.003), ("so", 0.004), ("then", 0.002),
        ("there", 0.003),
    ]

    static let firstPerson: Set<String> = ["i", "me", "my", "mine", "myself", "we", "us", "our", "ours", "ourselves"]
    static let secondPerson: Set<String> = ["you", "your", "yours", "yourself", "yourselves"]
    static let thirdPerson: Set<String> = ["he", "him", "his", "himself", "she", "her", "hers", "herself", "they", "them",
                                           "their", "theirs", "themselves", "it", "its", "itself"]

    public init() {}

    public func embed(_ texts: [String]) throws -> [[Float]] { texts.map(vector) }

    /// The standardised style vector of one text.
    public func vector(_ text: String) -> [Float] {
        let f = StyleCounts(text)
        let words = Double(max(f.words.count, 1))
        let sentences = Double(max(f.sentenceLengths.count, 1))
        func z(_ x: Double, _ mu: Double, _ sigma: Double) -> Double { (x - mu) / sigma }
        func rate(_ count: Int, _ mu: Double) -> Double { ((Double(count) / words).squareRoot() - mu.squareRoot()) / 0.04 }

        let lengths = f.sentenceLengths.map(Double.init)
        let meanSentence = lengths.reduce(0, +) / sentences
        let sdSentence = (lengths.reduce(0) { $0 + ($1 - meanSentence) * ($1 - meanSentence) } / sentences).squareRoot()
        let wordLengths = f.words.map { Double($0.count) }
        let paragraphs = Double(max(f.paragraphs, 1))

        let rhythm = [
            z(meanSentence, 14, 6), z(sdSentence, 8, 4),
            z(wordLengths.reduce(0, +) / words, 4.2, 0.4),
            z(Double(wordLengths.filter { $0 >= 7 }.count) / words, 0.15, 0.05),
            z(Double(wordLengths.filter { $0 <= 3 }.count) / words, 0.50, 0.07),
            z(Self.movingTypeTokenRatio(f.words, window: 50), 0.72, 0.06),
            z(Double(f.dialogueWords) / words, 0.15, 0.15),
            z(log(max(Double(f.words.count) / paragraphs, 1)), 3.8, 0.8),
            z(Double(f.questions) / sentences, 0.06, 0.06),
            z(Double(f.exclamations) / sentences, 0.03, 0.04),
        ]
        let punctuation = [
            rate(f.commas, 0.06), rate(f.semicolons, 0.002), rate(f.colons, 0.002), rate(f.dashes, 0.006),
            rate(f.ellipses, 0.003), rate(f.parentheses, 0.002), rate(f.quotes, 0.03), rate(f.apostropheWords, 0.04),
        ]
        let characters = [
            z(Double(f.uppercase) / Double(max(f.letters, 1)), 0.035, 0.015),
            z(Double(f.digits) / Double(max(f.letters + f.digits, 1)), 0.002, 0.004),
            log1p(Double(f.words.count)) - log(500.0),
        ]
        var counts: [String: Int] = [:]
        for w in f.words { counts[w, default: 0] += 1 }
        func total(_ set: Set<String>) -> Int { set.reduce(0) { $0 + (counts[$1] ?? 0) } }
        let person = [rate(total(Self.firstPerson), 0.04), rate(total(Self.secondPerson), 0.01), rate(total(Self.thirdPerson), 0.06)]
        let function = Self.functionWords.map { rate(counts[$0.word] ?? 0, $0.rate) }

        var out: [Float] = []
        out.reserveCapacity(Self.dimension)
        for group in [rhythm, punctuation, characters, person, function] {
            let scale = 1 / Double(group.count).squareRoot()
            out += group.map { Float($0 * scale) }
        }
        return out
    }

    /// Mean type–token ratio over all windows of `window` consecutive words (Covington & McFall 2010);
    /// the plain ratio for shorter texts, 0 for an empty one.
    static func movingTypeTokenRatio(_ words: [String], window: Int) -> Double {
        guard !words.isEmpty else { return 0 }
        guard words.count > window else { return Double(Set(words).count) / Double(words.count) }
        var counts: [String: Int] = [:]
        for w in words[0..<window] { counts[w, default: 0] += 1 }
        var sum = Double(counts.count)
        for i in window..<words.count {
            counts[words[i], default: 0] += 1
            let old = words[i - window]
            let left = (counts[old] ?? 1) - 1
            counts[old] = left > 0 ? left : nil
            sum += Double(counts.count)
        }
        return sum / Double(words.count - window + 1) / Double(window)
    }
}
