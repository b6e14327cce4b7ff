/// Turns a stream of token ids into text without ever emitting broken UTF-8 (after
/// mlx-swift-lm `NaiveStreamingDetokenizer`): the ids of the current line are decoded together;
/// while the result ends in U+FFFD (bytes of a character still split across tokens, e.g. an emoji)
/// nothing is emitted; otherwise the text beyond what was already returned is. A newline starts a
/// new segment, which keeps the re-decoding cost per token bounded by the line length.
public struct StreamingDetokenizer {
    private let tokenizer: any Tokenizer
    public let skipSpecialTokens: Bool
    private var segment: [Int] = []
    /// Scalars of the current segment's text already returned.
    private var emitted: [Unicode.Scalar] = []

    public init(tokenizer: any Tokenizer, skipSpecialTokens: Bool = true) {
        self.tokenizer = tokenizer
        self.skipSpecialTokens = skipSpecialTokens
    }

    /// The new text `id` completes (possibly empty).
    public mutating func append(_ id: Int) -> String {
        segment.append(id)
        let text = tokenizer.decode(segment, skipSpecialTokens: skipSpecialTokens)
        if text.unicodeScalars.last == "\u{FFFD}" { return "" }
        let new = takeNew(text)
        if text.unicodeScalars.last == "\n" {
            segment.removeAll(keepingCapacity: true)
            emitted.removeAll(keepingCapacity: true)
        }
        return new
    }

    /// Whatever is still held back (an incomplete character becomes U+FFFD), ending the stream.
    public mutating func flush() -> String {
        defer {
            segment.removeAll()
            emitted.removeAll()
        }
        return segment.isEmpty ? "" : takeNew(tokenizer.decode(segment, skipSpecialTokens: skipSpecialTokens))
    }

    /// The part of `text` after its common prefix with what was already emitted.
    private mutating func takeNew(_ text: String) -> String {
        let scalars = Array(text.unicodeScalars)
        var common = 0
        while common < min(scalars.count, emitted.count) && scalars[common] == emitted[common] { common += 1 }
        emitted = scalars
        var out = String.UnicodeScalarView()
        out.append(contentsOf: scalars[common...])
        return String(out)
    }
}
