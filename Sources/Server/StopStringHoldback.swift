/// Streams text without ever sending part of a stop string: text that could be the start of a stop
/// string is held back until the next piece settles it. The generator cuts the final text at the
/// stop string; `remainder(of:)` is then whatever of that final text was not streamed yet.
struct StopStringHoldback: Sendable {
    let stops: [[Unicode.Scalar]]
    private var received: [Unicode.Scalar] = []
    private(set) var emittedScalars = 0

    init(stops: [String]) {
        self.stops = stops.map { Array($0.unicodeScalars) }.filter { !$0.isEmpty }
    }

    /// Adds a streamed piece; returns the text now safe to send (possibly empty).
    mutating func append(_ piece: String) -> String {
        received.append(contentsOf: piece.unicodeScalars)
        var safeEnd = received.count
        for stop in stops {
            if let start = firstIndex(of: stop) {
                safeEnd = min(safeEnd, start)
                continue
            }
            // The longest tail of the text that is a proper prefix of this stop string.
            for length in stride(from: min(stop.count - 1, received.count), to: 0, by: -1)
            where received[(received.count - length)...].elementsEqual(stop[..<length]) {
                safeEnd = min(safeEnd, received.count - length)
                break
            }
        }
        guard safeEnd > emittedScalars else { return "" }
        let text = Self.string(received[emittedScalars..<safeEnd])
        emittedScalars = safeEnd
        return text
    }

    /// The part of the final text that has not been sent.
    func remainder(of finalText: String) -> String {
        let scalars = Array(finalText.unicodeScalars)
        guard scalars.count > emittedScalars else { return "" }
        return Self.string(scalars[emittedScalars...])
    }

    private func firstIndex(of needle: [Unicode.Scalar]) -> Int? {
        guard needle.count <= received.count else { return nil }
        for start in 0...(received.count - needle.count)
        where received[start..<(start + needle.count)].elementsEqual(needle) {
            return start
        }
        return nil
    }

    private static func string(_ scalars: ArraySlice<Unicode.Scalar>) -> String {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars)
        return String(view)
    }
}
