import Base
import Foundation

/// TRL preference layouts (docs/formats.md §4.2, `trl:docs/source/dataset_formats.md`).
public enum PreferenceOutputStyle: String, Sendable, CaseIterable {
    /// `{"prompt": str, "chosen": str, "rejected": str, …}`
    case standard
    /// `{"prompt": [{"role":"user","content":…}], "chosen": [{"role":"assistant","content":…}],
    /// "rejected": [{"role":"assistant","content":…}], …}`
    case conversational
}

/// Writes preference pairs as JSON Lines with keys in the order
/// `prompt, chosen, rejected, score_chosen, score_rejected, weight`.
///
/// The file is written atomically: streamed into a temporary file in the same directory, then
/// renamed over the destination, so a crash never leaves a half-written dataset behind.
/// Non-finite numbers are refused (JSON cannot carry them and a NaN weight would be silently wrong).
public enum PreferenceWriter {
    public static func write(_ pairs: [PreferencePair], to url: URL, style: PreferenceOutputStyle = .standard) throws {
        try AtomicFile.write(to: url, chunks: { sink in
            var chunk = ""
            for (index, pair) in pairs.enumerated() {
                guard [pair.scoreChosen, pair.scoreRejected, pair.weight].allSatisfy(\.isFinite) else {
                    throw PreferenceError.unwritable(file: url.path, reason: "pair \(index) has a non-finite score or weight")
                }
                chunk += line(for: pair, style: style)
                chunk += "\n"
                if chunk.utf8.count > 1 << 20 { try sink(Data(chunk.utf8)); chunk = "" }
            }
            if !chunk.isEmpty { try sink(Data(chunk.utf8)) }
        })
    }

    /// One JSON object (no newline).
    public static func line(for pair: PreferencePair, style: PreferenceOutputStyle = .standard) -> String {
        func text(_ s: String, role: String) -> String {
            style == .standard ? JSONText.string(s) : "[{\"role\":\"\(role)\",\"content\":\(JSONText.string(s))}]"
        }
        return "{\"prompt\":\(text(pair.prompt, role: "user")),"
            + "\"chosen\":\(text(pair.chosen, role: "assistant")),"
            + "\"rejected\":\(text(pair.rejected, role: "assistant")),"
            + "\"score_chosen\":\(JSONText.number(pair.scoreChosen)),"
            + "\"score_rejected\":\(JSONText.number(pair.scoreRejected)),"
            + "\"weight\":\(JSONText.number(pair.weight))}"
    }
}

/// Minimal JSON text output (RFC 8259 string escaping, shortest round-trip numbers).
enum JSONText {
    /// `s` as a JSON string literal (escaped in bulk over UTF-8 by `JSONStringBytes`).
    static func string(_ s: String) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(s.utf8.count + 2)
        JSONStringBytes.append(s, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Swift's shortest representation that round-trips ("1.0", "0.25", "1e-05"), valid JSON for finite values.
    static func number(_ x: Double) -> String { "\(x)" }
}
