/// Turns a stream of token ids into text without ever emitting broken UTF-8, at a cost per token
/// that does not grow with the length of the text (the offsets scheme of Hugging Face's
/// text-generation-inference and vLLM): only a short window of ids is decoded — the ids already
/// emitted by the previous step (as context, so that decoders which look at neighbours, such as
/// WordPiece's `##` joining or space clean-up, see them) and those not yet emitted. The window's
/// context text is decoded too; what the whole window decodes to beyond it is the new text. While
/// that ends in U+FFFD (bytes of a character still split across tokens, e.g. an emoji) nothing is
/// emitted and the window grows until the character is complete.
public struct StreamingDetokenizer {
    private let tokenizer: any Tokenizer
    public let skipSpecialTokens: Bool
    /// The window: `window[..<readOffset]` was emitted by the previous step (context only), the rest not yet.
    private var window: [Int] = []
    private var readOffset = 0

    public init(tokenizer: any Tokenizer, skipSpecialTokens: Bool = true) {
        self.tokenizer = tokenizer
        self.skipSpecialTokens = skipSpecialTokens
    }

    /// The new text `id` completes (possibly empty).
    public mutating func append(_ id: Int) -> String {
        window.append(id)
        let text = decode(window[...])
        if text.unicodeScalars.last == "\u{FFFD}" { return "" }
        let new = text.suffix(after: decode(window[..<readOffset]))
        // The ids just emitted become the next step's context — unless they showed nothing (skipped
        // special tokens): a context must show text, or the next window's first visible token would
        // be decoded as if it began the text (WordPiece drops its space, Metaspace its `▁`).
        guard !new.isEmpty else { return "" }
        window.removeFirst(readOffset)
        readOffset = window.count
        return new
    }

    /// Whatever is still held back (an incomplete character becomes U+FFFD), ending the stream.
    public mutating func flush() -> String {
        defer {
            window.removeAll()
            readOffset = 0
        }
        guard window.count > readOffset else { return "" }
        return decode(window[...]).suffix(after: decode(window[..<readOffset]))
    }

    private func decode(_ ids: ArraySlice<Int>) -> String {
        ids.isEmpty ? "" : tokenizer.decode(Array(ids), skipSpecialTokens: skipSpecialTokens)
    }
}

private extension String {
    /// The part of `self` after its common prefix with `context` (all of it beyond `context` when
    /// `self` extends it, which is the usual case).
    func suffix(after context: String) -> String {
        let scalars = unicodeScalars, contextScalars = context.unicodeScalars
        var i = scalars.startIndex, j = contextScalars.startIndex
        while i != scalars.endIndex && j != contextScalars.endIndex && scalars[i] == contextScalars[j] {
            scalars.formIndex(after: &i)
            contextScalars.formIndex(after: &j)
        }
        return String(scalars[i...])
    }
}
