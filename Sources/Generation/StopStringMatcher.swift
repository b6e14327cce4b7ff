/// Cuts streamed text at the first stop string without ever releasing part of one: text that could
/// still be the start of a stop string is held back until later text settles it.
///
/// Matching is by Unicode scalars (as Python's `str.find` in vLLM and llama.cpp's byte search), so
/// a stop "\n" is found inside "\r\n" and a stop "e" before a combining accent.
public struct StopStringMatcher: Sendable {
    private let stops: [[Unicode.Scalar]]
    /// Received text not released yet: a possible stop-string prefix (at most the longest stop
    /// less one scalar) plus, during `append`, the new piece.
    private var pending: [Unicode.Scalar] = []
    /// True once a stop string has ended the text; later input is ignored.
    public private(set) var reachedStop = false

    public init(stops: [String]) {
        self.stops = stops.map { Array($0.unicodeScalars) }.filter { !$0.isEmpty }
    }

    /// Adds a piece of text; returns the text that can no longer be part of a stop string (possibly
    /// empty). When the piece completes a stop string, returns the text before it and stops.
    public mutating func append(_ piece: String) -> String {
        guard !reachedStop else { return "" }
        pending.append(contentsOf: piece.unicodeScalars)
        if let start = earliestStop() {
            reachedStop = true
            return release(upTo: start, droppingRest: true)
        }
        return release(upTo: pending.count - longestHeldPrefix(), droppingRest: false)
    }

    /// Ends the text: whatever was held back turned out not to be a stop string.
    public mutating func finish() -> String {
        guard !reachedStop else { return "" }
        return release(upTo: pending.count, droppingRest: false)
    }

    /// Where the first complete stop string in the pending text starts. Released text never holds
    /// the start of one, since a possible start is always held back.
    private func earliestStop() -> Int? {
        var earliest: Int?
        for stop in stops where stop.count <= pending.count {
            for start in 0...(pending.count - stop.count) where pending[start..<(start + stop.count)].elementsEqual(stop) {
                earliest = min(earliest ?? start, start)
                break
            }
        }
        return earliest
    }

    /// The length of the longest tail of the pending text that is a proper prefix of a stop string.
    private func longestHeldPrefix() -> Int {
        var longest = 0
        for stop in stops {
            for length in stride(from: min(stop.count - 1, pending.count), to: longest, by: -1)
            where pending[(pending.count - length)...].elementsEqual(stop[..<length]) {
                longest = length
                break
            }
        }
        return longest
    }

    private mutating func release(upTo end: Int, droppingRest: Bool) -> String {
        var text = String.UnicodeScalarView()
        text.append(contentsOf: pending[..<end])
        pending.removeFirst(droppingRest ? pending.count : end)
        return String(text)
    }
}
