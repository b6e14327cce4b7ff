import Foundation

/// Writes prompts with scored responses as the grouped JSONL that `prepare` and
/// ``PreferenceDataset/read(url:format:skipInvalid:)`` read:
/// `{"prompt": str, "responses": [{"text": str, "score": number}, …]}`, one prompt per line,
/// atomically (temporary file, then rename). Whole-number scores are written without a fraction.
public enum GroupedDatasetWriter {
    public static func write(_ prompts: [PromptResponses], to url: URL) throws {
        try writeLines(prompts.count, to: url) { i in
            let group = prompts[i]
            let responses = group.responses.map { "{\"text\":\(JSONText.string($0.text)),\"score\":\(number($0.score))}" }
            return "{\"prompt\":\(JSONText.string(group.prompt)),\"responses\":[\(responses.joined(separator: ","))]}"
        }
    }

    /// `12` rather than `12.0` for integers (upvotes), the shortest round-trip form otherwise.
    static func number(_ x: Double) -> String {
        if x == x.rounded(), abs(x) < 1e15 { return String(Int64(x)) }
        return JSONText.number(x)
    }

    /// Streams `count` lines made by `line` into `url` atomically; refuses non-finite numbers upstream.
    static func writeLines(_ count: Int, to url: URL, _ line: (Int) throws -> String) throws {
        try AtomicFile.write(to: url) { sink in
            var chunk = ""
            for i in 0..<count {
                chunk += try line(i)
                chunk += "\n"
                if chunk.utf8.count > 1 << 20 { try sink(Data(chunk.utf8)); chunk = "" }
            }
            if !chunk.isEmpty { try sink(Data(chunk.utf8)) }
        }
    }
}
