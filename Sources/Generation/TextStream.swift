import Tokenizers

/// One sample's text as it is generated: token ids in, text that is safe to show out. Safe means
/// whole characters only (a character's UTF-8 bytes may be split over several tokens) and nothing
/// that may still turn out to be part of a stop string; the text ends just before the first stop
/// string. The concatenation of everything it returns is the sample's final text.
public struct TextStream {
    private var detokenizer: StreamingDetokenizer
    private var matcher: StopStringMatcher

    public init(tokenizer: any Tokenizer, stops: [String]) {
        self.detokenizer = StreamingDetokenizer(tokenizer: tokenizer)
        self.matcher = StopStringMatcher(stops: stops)
    }

    /// Whether a stop string has ended the text (later tokens add nothing).
    public var reachedStop: Bool { matcher.reachedStop }

    /// Adds one generated token. Returns nil while the token completes no character (its bytes wait
    /// for the next token); otherwise the text now released, empty while a possible start of a stop
    /// string is held back.
    public mutating func append(_ token: Int) -> String? {
        guard !reachedStop else { return "" }
        let decoded = detokenizer.append(token)
        return decoded.isEmpty ? nil : matcher.append(decoded)
    }

    /// Ends the text after the last token: the detokenizer's tail (an unfinished character shows
    /// as U+FFFD) and the held-back text that was not a stop string after all.
    public mutating func finish() -> String {
        guard !reachedStop else { return "" }
        let released = matcher.append(detokenizer.flush())
        return released + matcher.finish()
    }
}
