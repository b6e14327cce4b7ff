import Base
import Foundation

/// Collects responses by prompt in order of the prompt's first appearance.
///
/// A response text repeated under the same prompt is one response whose score is the mean of the
/// scores it was given (for TRL pairs with default scores that is its win rate), so `prepare`
/// never pairs a text with itself.
struct PromptGrouper {
    private struct Entry { var text: String; var scoreSum: Double; var count: Int }
    private struct Group { var prompt: String; var line: Int; var entries: [Entry]; var index: [String: Int] }
    private var groups: [Group] = []
    private var order: [String: Int] = [:]
    private(set) var duplicates = 0

    mutating func add(prompt: String, response: String, score: Double, line: Int) {
        let g: Int
        if let existing = order[prompt] { g = existing } else {
            g = groups.count
            order[prompt] = g
            groups.append(Group(prompt: prompt, line: line, entries: [], index: [:]))
        }
        if let e = groups[g].index[response] {
            groups[g].entries[e].scoreSum += score
            groups[g].entries[e].count += 1
            duplicates += 1
        } else {
            groups[g].index[response] = groups[g].entries.count
            groups[g].entries.append(Entry(text: response, scoreSum: score, count: 1))
        }
    }

    /// The prompts with at least `minimumResponses` responses, and how many fell short.
    func finish(minimumResponses: Int) -> (prompts: [PromptResponses], belowMinimum: Int) {
        var kept: [PromptResponses] = []
        for group in groups {
            guard group.entries.count >= minimumResponses else { continue }
            kept.append(PromptResponses(prompt: group.prompt,
                                        responses: group.entries.map { ScoredResponse(text: $0.text, score: $0.scoreSum / Double($0.count)) },
                                        line: group.line))
        }
        return (kept, groups.count - kept.count)
    }
}

/// Text clean-up shared by the importers.
enum ImportText {
    /// Drops the first leading bracket tag and the whitespace around it: `"[WP] A dragon…"` → `"A dragon…"`
    /// (the reference's `re.findall(r'^\[.*?\]', title)` then `.strip()`).
    static func strippingTag(_ prompt: String) -> String {
        guard prompt.hasPrefix("["), let close = prompt.firstIndex(of: "]") else { return prompt }
        return String(prompt[prompt.index(after: close)...]).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Whether a Reddit comment carries no story: deleted, removed, empty, or the subreddit's
    /// moderator boilerplate (the markers the paper's filtering step drops).
    ///
    /// Works on UTF-8 bytes: Foundation's `String.contains` and `trimmingCharacters`
    /// went through UTF-16 and took most of an import's time.
    static func isRemoved(_ comment: String) -> Bool {
        var comment = comment
        return comment.withUTF8 { bytes in
            let isSpace: (UInt8) -> Bool = { $0 == 0x20 || ($0 >= 0x09 && $0 <= 0x0D) }
            guard let first = bytes.firstIndex(where: { !isSpace($0) }), let last = bytes.lastIndex(where: { !isSpace($0) }) else {
                return true  // empty or whitespace only
            }
            let trimmed = UnsafeBufferPointer(rebasing: bytes[first...last])
            if removedTexts.contains(where: { $0.elementsEqual(trimmed) }) { return true }
            return moderatorMarkers.contains { occurs($0, in: bytes) }
        }
    }

    /// Whether `needle` occurs in `haystack` (`memchr` for its first byte, then `memcmp`).
    static func occurs(_ needle: [UInt8], in haystack: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let first = needle.first else { return true }
        guard let base = haystack.baseAddress, haystack.count >= needle.count else { return false }
        let lastStart = haystack.count - needle.count
        var start = 0
        while start <= lastStart, let hit = memchr(base + start, Int32(first), lastStart - start + 1) {
            let offset = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
            if memcmp(base + offset, needle, needle.count) == 0 { return true }
            start = offset + 1
        }
        return false
    }

    /// Whether `text` is empty or only ASCII whitespace (byte-level, see ``isRemoved(_:)``).
    static func isBlank(_ text: String) -> Bool {
        !text.utf8.contains { !($0 == 0x20 || ($0 >= 0x09 && $0 <= 0x0D)) }
    }

    static let removedTexts: [[UInt8]] = [Array("[deleted]".utf8), Array("[removed]".utf8)]
    static let moderatorMarkers: [[UInt8]] = ["**Welcome to the Prompt!**", "this submission has been removed", "**Off-Topic Discussion**"].map { Array($0.utf8) }
}
