import Testing
@testable import Generation

/// Stop strings over streamed pieces, without a model: what is released when, and where the text ends.
@Suite struct StopStringMatcherTests {
    /// Feeds `pieces` one at a time; returns what each released and what `finish` released.
    func feed(_ pieces: [String], stops: [String]) -> (released: [String], finish: String, stopped: Bool) {
        var matcher = StopStringMatcher(stops: stops)
        let released = pieces.map { matcher.append($0) }
        let stopped = matcher.reachedStop
        return (released, matcher.finish(), stopped)
    }

    @Test func stopSplitOverThreePiecesIsNeverReleased() {
        let run = feed(["Hello", " E", "N", "D and more"], stops: ["END"])
        #expect(run.released == ["Hello", " ", "", ""])
        #expect(run.stopped && run.finish == "")
    }

    @Test func textBeforeTheStopInTheSamePieceIsKept() {
        #expect(feed(["Once ", "upon END there"], stops: ["END"]).released == ["Once ", "upon "])
        // The stop begins mid-piece and ends in the next one.
        let run = feed(["the qu", "ick fox"], stops: ["quick"])
        #expect(run.released == ["the ", ""] && run.stopped)
    }

    @Test func falseStartIsReleasedWhenTheNextPieceSettlesIt() {
        let run = feed(["Hello", " E", "N", "ough"], stops: ["END", "\n\n"])
        #expect(run.released == ["Hello", " ", "", "ENough"])
        #expect(!run.stopped && run.finish == "")
    }

    @Test func falseStartAtTheEndIsReleasedByFinish() {
        let run = feed(["the E"], stops: ["END"])
        #expect(run.released == ["the "])
        #expect(!run.stopped && run.finish == "E")
    }

    @Test func overlappingPrefixesAreHeldUntilSettled() {
        // "aa" could start "aab"; after "aab" arrives the stop starts at the third "a".
        let run = feed(["aa", "aab", "c"], stops: ["aab"])
        #expect(run.released == ["", "aa", ""] && run.stopped)
    }

    @Test func theEarliestStopWinsWhateverTheListOrder() {
        #expect(feed(["xAyB"], stops: ["B", "A"]).released == ["x"])
        #expect(feed(["xAyB"], stops: ["yB", "A"]).released == ["x"])
    }

    @Test func multiByteStopsMatchByScalar() {
        #expect(feed(["Caf\u{E9} \u{2615}", "\u{FE0F} ok"], stops: ["\u{2615}\u{FE0F}"]).released == ["Caf\u{E9} ", ""])
        #expect(feed(["line\r", "\nnext"], stops: ["\n"]).released == ["line\r", ""])
    }

    @Test func withoutStopsEverythingPassesAndLaterInputAfterAStopIsIgnored() {
        #expect(feed(["abc", "", "d"], stops: []).released == ["abc", "", "d"])
        #expect(feed(["abc", "", "d"], stops: [""]).released == ["abc", "", "d"])
        #expect(feed(["a.", "b", "."], stops: ["."]).released == ["a", "", ""])
    }
}
