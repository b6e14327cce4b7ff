import Base
import Foundation

/// Writes prompts with scored responses as the grouped JSONL that `prepare` and
/// ``PreferenceDataset/read(url:format:skipInvalid:)`` read:
/// `{"prompt": str, "responses": [{"text": str, "score": number}, …]}`, one prompt per line,
/// atomically (temporary file, then rename). Whole-number scores are written without a fraction.
public enum GroupedDatasetWriter {
    public static func write(_ prompts: [PromptResponses], to url: URL) throws {
        try writeLines(prompts.count, to: url) { i, out in
            let group = prompts[i]
            JSONStringBytes.append(literal: "{\"prompt\":", to: &out)
            JSONStringBytes.append(group.prompt, to: &out)
            JSONStringBytes.append(literal: ",\"responses\":[", to: &out)
            for (j, response) in group.responses.enumerated() {
                JSONStringBytes.append(literal: j == 0 ? "{\"text\":" : ",{\"text\":", to: &out)
                JSONStringBytes.append(response.text, to: &out)
                JSONStringBytes.append(literal: ",\"score\":\(number(response.score))}", to: &out)
            }
            JSONStringBytes.append(literal: "]}", to: &out)
        }
    }

    /// `12` rather than `12.0` for integers (upvotes), the shortest round-trip form otherwise.
    static func number(_ x: Double) -> String {
        if x == x.rounded(), abs(x) < 1e15 { return String(Int64(x)) }
        return JSONText.number(x)
    }

    /// Streams `count` lines, each appended to the buffer by `line`, into `url` atomically.
    static func writeLines(_ count: Int, to url: URL, _ line: (Int, inout [UInt8]) throws -> Void) throws {
        try AtomicFile.write(to: url) { sink in
            var chunk: [UInt8] = []
            chunk.reserveCapacity(1 << 21)
            for i in 0..<count {
                try line(i, &chunk)
                chunk.append(0x0A)
                if chunk.count > 1 << 20 { try chunk.withUnsafeBytes { try sink($0) }; chunk.removeAll(keepingCapacity: true) }
            }
            if !chunk.isEmpty { try chunk.withUnsafeBytes { try sink($0) } }
        }
    }
}
