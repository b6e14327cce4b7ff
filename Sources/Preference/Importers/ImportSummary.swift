import Foundation

/// What an import did, for the CLI's closing summary and the JSONL log.
public struct ImportSummary: Hashable, Sendable, CustomStringConvertible {
    /// Non-blank input records (JSONL lines or CSV rows after the header).
    public var records = 0
    /// Invalid records left out under `skipInvalid`, with file, line and reason.
    public var skipped: [SkippedLine] = []
    /// Responses dropped as `[deleted]`, `[removed]`, empty, or moderator boilerplate.
    public var removedResponses = 0
    /// Responses whose text repeated an earlier response of the same prompt (merged into it).
    public var duplicateResponses = 0
    /// Prompts left out because they had fewer than the minimum number of responses.
    public var promptsBelowMinimum = 0
    /// Prompts and responses written.
    public var prompts = 0
    public var responses = 0

    public init() {}

    public var description: String {
        func count(_ n: Int, _ noun: String) -> String { "\(n) \(noun)\(n == 1 ? "" : "s")" }
        var parts = ["\(count(records, "record")) → \(count(prompts, "prompt")), \(count(responses, "response"))"]
        if !skipped.isEmpty { parts.append("\(count(skipped.count, "invalid record")) skipped") }
        if removedResponses > 0 { parts.append("\(count(removedResponses, "deleted/removed/empty response")) dropped") }
        if duplicateResponses > 0 { parts.append("\(count(duplicateResponses, "duplicate response")) merged") }
        if promptsBelowMinimum > 0 { parts.append("\(count(promptsBelowMinimum, "prompt")) below the minimum response count dropped") }
        return parts.joined(separator: "; ")
    }

    /// A flat record for ``JSONLinesLog``-style logs.
    public var record: [String: Any] {
        ["records": records, "skipped": skipped.count, "removed_responses": removedResponses,
         "duplicate_responses": duplicateResponses, "prompts_below_minimum": promptsBelowMinimum,
         "prompts": prompts, "responses": responses]
    }
}

/// Grouped prompts plus what happened.
public struct ImportResult: Sendable {
    public var dataset: PreferenceDataset
    public var summary: ImportSummary
}

/// Options shared by the importers.
public struct ImportOptions: Hashable, Sendable {
    /// Drop the first leading bracket tag of each prompt (`[WP] `, `[ EU ]`), as the paper's data prep does.
    public var stripTag = false
    /// Keep prompts with at least this many (distinct) responses; `prepare` needs 2.
    public var minimumResponses = 2
    /// Leave invalid records out (listed in the summary) instead of stopping at the first.
    public var skipInvalid = false

    public init(stripTag: Bool = false, minimumResponses: Int = 2, skipInvalid: Bool = false) {
        self.stripTag = stripTag; self.minimumResponses = minimumResponses; self.skipInvalid = skipInvalid
    }

    func validate() throws {
        guard minimumResponses >= 2 else {
            throw PreferenceError.invalidOption(name: "minimumResponses", reason: "must be ≥ 2 (a preference pair needs two responses), got \(minimumResponses)")
        }
    }
}
