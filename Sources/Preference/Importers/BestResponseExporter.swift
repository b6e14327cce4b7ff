import Foundation

/// SFT data from grouped preference data: each prompt with its best-scored response, as TRL
/// prompt-completion JSONL (docs/formats.md §4.1). Ties go to the response that comes first in the input,
/// so the output is reproducible.
public enum BestResponseExporter {
    public struct Example: Hashable, Sendable {
        public var prompt: String
        public var completion: String
        public var score: Double
    }

    public static func best(_ dataset: PreferenceDataset) -> [Example] {
        dataset.prompts.compactMap { group in
            guard var best = group.responses.first else { return nil }
            for r in group.responses.dropFirst() where r.score > best.score { best = r }
            return Example(prompt: group.prompt, completion: best.text, score: best.score)
        }
    }

    /// `{"prompt": str, "completion": str}` (standard) or message lists (conversational), atomically.
    public static func write(_ examples: [Example], to url: URL, style: PreferenceOutputStyle = .standard) throws {
        try GroupedDatasetWriter.writeLines(examples.count, to: url) { i, out in
            let e = examples[i]
            let conversational = style == .conversational
            JSONStringBytes.append(literal: conversational ? "{\"prompt\":[{\"role\":\"user\",\"content\":" : "{\"prompt\":", to: &out)
            JSONStringBytes.append(e.prompt, to: &out)
            JSONStringBytes.append(literal: conversational ? "}],\"completion\":[{\"role\":\"assistant\",\"content\":" : ",\"completion\":", to: &out)
            JSONStringBytes.append(e.completion, to: &out)
            JSONStringBytes.append(literal: conversational ? "}]}" : "}", to: &out)
        }
    }
}
