/// An entry of `tokenizer.json` `"added_tokens"`: a string matched whole in the input before any
/// other stage, e.g. `{"id": 1, "content": "<|im_start|>", "special": true, "normalized": false, …}`.
public struct AddedToken: Decodable, Sendable, Equatable {
    public var id: Int
    public var content: String
    /// Only matched when not inside a word (no letter, digit or `_` touching either side).
    public var singleWord: Bool
    /// The match swallows whitespace on its left / right.
    public var lstrip: Bool
    public var rstrip: Bool
    /// Matched in the normalized text (true) or the raw input (false).
    public var normalized: Bool
    /// Dropped by `decode(skipSpecialTokens: true)`.
    public var special: Bool

    public init(id: Int, content: String, special: Bool, singleWord: Bool = false, lstrip: Bool = false,
                rstrip: Bool = false, normalized: Bool? = nil) {
        self.id = id
        self.content = content
        self.special = special
        self.singleWord = singleWord
        self.lstrip = lstrip
        self.rstrip = rstrip
        self.normalized = normalized ?? !special
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: JSONKey.self)
        let special: Bool = try c.value("special", default: false)
        self.init(id: try c.value("id"), content: try c.value("content"), special: special,
                  singleWord: try c.value("single_word", default: false), lstrip: try c.value("lstrip", default: false),
                  rstrip: try c.value("rstrip", default: false), normalized: try c.value("normalized", default: !special))
    }
}

/// The added tokens of a tokenizer and the matcher that cuts them out of text (HF
/// `tokenizer/added_vocabulary.rs`): raw-text tokens (`normalized: false`) are found first, in the
/// input; the rest of the text is normalized and searched for `normalized: true` tokens.
/// Matching is leftmost-longest over UTF-8 bytes with a trie, like HF's Aho-Corasick `LeftmostLongest`.
struct AddedVocabulary: Sendable {
    enum Piece: Equatable { case text(String), token(Int) }

    let tokens: [AddedToken]
    let idByContent: [String: Int]
    let tokenById: [Int: AddedToken]
    private let rawTrie: TokenTrie
    private let normalizedTrie: TokenTrie

    init(_ tokens: [AddedToken]) {
        self.tokens = tokens
        var idByContent: [String: Int] = [:]
        var tokenById: [Int: AddedToken] = [:]
        for t in tokens {
            idByContent[t.content] = t.id
            tokenById[t.id] = t
        }
        self.idByContent = idByContent
        self.tokenById = tokenById
        rawTrie = TokenTrie(tokens.filter { !$0.normalized })
        normalizedTrie = TokenTrie(tokens.filter { $0.normalized })
    }

    func isSpecial(_ id: Int) -> Bool { tokenById[id]?.special ?? false }

    /// `text` as added-token ids and normalized text pieces, in order (empty pieces dropped).
    func split(_ text: String, normalizer: Normalizer?) -> [Piece] {
        var out: [Piece] = []
        for piece in rawTrie.split(text) {
            guard case let .text(raw) = piece else { out.append(piece); continue }
            let normalized = normalizer?.normalize(raw) ?? raw
            if normalized.isEmpty { continue }
            out.append(contentsOf: normalizedTrie.split(normalized))
        }
        return out
    }
}

/// A byte trie of added-token contents with HF's matching rules (`find_matches`).
struct TokenTrie: Sendable {
    private var children: [[UInt8: Int32]] = [[:]]
    private var terminal: [AddedToken?] = [nil]
    private var firstBytes = [Bool](repeating: false, count: 256)

    init(_ tokens: [AddedToken]) {
        for token in tokens where !token.content.isEmpty {
            var node = 0
            for byte in token.content.utf8 {
                if let next = children[node][byte] { node = Int(next); continue }
                children.append([:])
                terminal.append(nil)
                children[node][byte] = Int32(children.count - 1)
                node = children.count - 1
            }
            terminal[node] = token
            if let first = token.content.utf8.first { firstBytes[Int(first)] = true }
        }
    }

    var isEmpty: Bool { children.count == 1 }

    /// Longest token starting at `start`, as (token, end).
    private func longest(in bytes: UnsafeBufferPointer<UInt8>, at start: Int) -> (AddedToken, Int)? {
        var node = 0
        var best: (AddedToken, Int)?
        var i = start
        while i < bytes.count, let next = children[node][bytes[i]] {
            node = Int(next)
            i += 1
            if let t = terminal[node] { best = (t, i) }
        }
        return best
    }

    func split(_ text: String) -> [AddedVocabulary.Piece] {
        if isEmpty || text.isEmpty { return text.isEmpty ? [] : [.text(text)] }
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBufferPointer { buf -> [AddedVocabulary.Piece] in
            var out: [AddedVocabulary.Piece] = []
            var emitted = 0      // end of the text already assigned to a piece
            var i = 0
            while i < buf.count {
                guard firstBytes[Int(buf[i])], let (token, end) = longest(in: buf, at: i) else { i += 1; continue }
                var start = i, stop = end
                i = end
                if token.singleWord && (Self.wordCharacter(before: start, in: buf) || Self.wordCharacter(after: stop, in: buf)) { continue }
                if token.lstrip { start = max(Self.whitespaceStart(before: start, in: buf), emitted) }
                if token.rstrip { stop = Self.whitespaceEnd(after: stop, in: buf); i = stop }
                if emitted < start { out.append(.text(String(decoding: buf[emitted..<start], as: UTF8.self))) }
                out.append(.token(token.id))
                emitted = stop
            }
            if emitted < buf.count { out.append(.text(String(decoding: buf[emitted...], as: UTF8.self))) }
            return out
        }
    }

    /// The scalar ending at byte `end` (exclusive).
    private static func scalar(endingAt end: Int, in b: UnsafeBufferPointer<UInt8>) -> (Unicode.Scalar, Int)? {
        guard end > 0 else { return nil }
        var s = end - 1
        while s > 0 && b[s] & 0xC0 == 0x80 { s -= 1 }
        return String(decoding: b[s..<end], as: UTF8.self).unicodeScalars.first.map { ($0, s) }
    }

    /// The scalar starting at byte `start`.
    private static func scalar(startingAt start: Int, in b: UnsafeBufferPointer<UInt8>) -> (Unicode.Scalar, Int)? {
        guard start < b.count else { return nil }
        var e = start + 1
        while e < b.count && b[e] & 0xC0 == 0x80 { e += 1 }
        return String(decoding: b[start..<e], as: UTF8.self).unicodeScalars.first.map { ($0, e) }
    }

    /// Rust `char::is_alphanumeric() || c == '_'`.
    private static func isWord(_ s: Unicode.Scalar) -> Bool {
        s == "_" || s.properties.isAlphabetic || DigitsPreTokenizer.isNumeric(s)
    }

    private static func wordCharacter(before i: Int, in b: UnsafeBufferPointer<UInt8>) -> Bool {
        scalar(endingAt: i, in: b).map { isWord($0.0) } ?? false
    }

    private static func wordCharacter(after i: Int, in b: UnsafeBufferPointer<UInt8>) -> Bool {
        scalar(startingAt: i, in: b).map { isWord($0.0) } ?? false
    }

    private static func whitespaceStart(before i: Int, in b: UnsafeBufferPointer<UInt8>) -> Int {
        var i = i
        while let (s, start) = scalar(endingAt: i, in: b), s.properties.isWhitespace { i = start }
        return i
    }

    private static func whitespaceEnd(after i: Int, in b: UnsafeBufferPointer<UInt8>) -> Int {
        var i = i
        while let (s, end) = scalar(startingAt: i, in: b), s.properties.isWhitespace { i = end }
        return i
    }
}
