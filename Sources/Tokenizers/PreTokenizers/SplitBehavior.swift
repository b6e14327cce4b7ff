/// What a splitting pre-tokenizer does with the delimiters it finds (HF `SplitDelimiterBehavior`,
/// `tokenizer/normalizer.rs`). With delimiter "-" on "the-final--countdown":
/// `Removed` → the, final, countdown · `Isolated` → the, -, final, -, -, countdown ·
/// `MergedWithPrevious` → the-, final-, -, countdown · `MergedWithNext` → the, -final, -, -countdown ·
/// `Contiguous` → the, -, final, --, countdown.
enum SplitBehavior: String, Decodable, Sendable {
    case removed = "Removed"
    case isolated = "Isolated"
    case mergedWithPrevious = "MergedWithPrevious"
    case mergedWithNext = "MergedWithNext"
    case contiguous = "Contiguous"

    /// The pieces `segments` become (empty pieces are dropped).
    func apply(_ segments: [Segment], invert: Bool = false) -> [String] {
        let segs = invert ? segments.map { Segment(text: $0.text, isMatch: !$0.isMatch) } : segments
        var out: [Segment] = []
        out.reserveCapacity(segs.count)
        switch self {
        case .removed:
            return segs.filter { !$0.isMatch && !$0.text.isEmpty }.map(\.text)
        case .isolated:
            return segs.filter { !$0.text.isEmpty }.map(\.text)
        case .mergedWithPrevious:
            var previousMatch = false
            for s in segs {
                if s.isMatch && !previousMatch, !out.isEmpty { out[out.count - 1].text += s.text } else { out.append(s) }
                previousMatch = s.isMatch
            }
        case .mergedWithNext:
            var previousMatch = false
            for s in segs.reversed() {
                if s.isMatch && !previousMatch, !out.isEmpty { out[out.count - 1].text = s.text + out[out.count - 1].text } else { out.append(s) }
                previousMatch = s.isMatch
            }
            out.reverse()
        case .contiguous:
            var previousMatch = false
            for s in segs {
                if s.isMatch == previousMatch, !out.isEmpty { out[out.count - 1].text += s.text } else { out.append(s) }
                previousMatch = s.isMatch
            }
        }
        return out.filter { !$0.text.isEmpty }.map(\.text)
    }
}

extension Segment {
    /// `text` cut before and after every scalar satisfying `isDelimiter`, each such scalar its own
    /// matched segment (HF's `Pattern` for `Fn(char) -> bool`).
    static func scalars(of text: String, isDelimiter: (Unicode.Scalar) -> Bool) -> [Segment] {
        var out: [Segment] = []
        let scalars = text.unicodeScalars
        var start = scalars.startIndex
        var i = scalars.startIndex
        while i < scalars.endIndex {
            let next = scalars.index(after: i)
            if isDelimiter(scalars[i]) {
                if start < i { out.append(Segment(text: String(scalars[start..<i]), isMatch: false)) }
                out.append(Segment(text: String(scalars[i..<next]), isMatch: true))
                start = next
            }
            i = next
        }
        if start < scalars.endIndex {
            out.append(Segment(text: start == scalars.startIndex ? text : String(scalars[start...]), isMatch: false))
        }
        return out
    }
}
