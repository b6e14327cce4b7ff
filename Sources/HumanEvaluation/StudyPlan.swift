import Base
import Foundation

/// One item before it is stored: a prompt and one set of stories from each run, with the side
/// (as shown to annotators) each run was put on.
public struct ItemDraft: Hashable, Sendable {
    public struct Story: Hashable, Sendable {
        public var sampleIndex: Int
        public var text: String
        /// What the annotator reads: the text cut to the length cap, or its summary.
        public var shown: String
    }

    public var prompt: String
    public var promptIndex: Int
    /// The run shown as each set.
    public var runs: [StudyDesign.Side: String]
    public var stories: [StudyDesign.Side: [Story]]
}

/// Pairs two runs' samples by prompt and draws the items of a study (docs/human-evaluation.md §1):
/// which prompts (all shared ones, or `count` of them at random), which `setSize` samples of each
/// run (at random when a run has more), and which run is shown as set A — all from `seed`.
public enum StudyPlan {
    public static func items(_ first: RunSamples, _ second: RunSamples, count: Int?, setSize: Int, seed: UInt64) throws -> [ItemDraft] {
        guard first.label != second.label else {
            throw StudyError.invalidRuns(reason: "both runs are labelled \(first.label); give each --run its own label")
        }
        let secondByPrompt = Dictionary(second.prompts.map { ($0.prompt, $0) }, uniquingKeysWith: { a, _ in a })
        let firstPrompts = Set(first.prompts.map(\.prompt))
        for p in first.prompts where secondByPrompt[p.prompt] == nil {
            throw StudyError.invalidRuns(reason: "\(second.source) (run \(second.label)) has no samples for the prompt of \(first.source):\(p.line) (run \(first.label)): \(excerpt(p.prompt)); both runs must sample the same prompts")
        }
        for p in second.prompts where !firstPrompts.contains(p.prompt) {
            throw StudyError.invalidRuns(reason: "\(first.source) (run \(first.label)) has no samples for the prompt of \(second.source):\(p.line) (run \(second.label)): \(excerpt(p.prompt)); both runs must sample the same prompts")
        }
        for run in [first, second] {
            for p in run.prompts where p.samples.count < setSize {
                throw FileError(path: run.source, line: p.line, field: "samples",
                                reason: "run \(run.label) has \(p.samples.count) samples for this prompt, fewer than the set size \(setSize)")
            }
        }
        var rng = SeededGenerator(seed: seed)
        var chosen = Array(first.prompts.indices)
        if let count {
            guard count >= 1, count <= chosen.count else {
                throw StudyError.invalidArgument(name: "--items", reason: "\(count) asked, the runs share \(chosen.count) prompts")
            }
            rng.shuffle(&chosen)
            chosen = Array(chosen.prefix(count)).sorted()
        }
        return chosen.map { i in
            let a = first.prompts[i], b = secondByPrompt[a.prompt]!
            let firstSide: StudyDesign.Side = rng.next(below: 2) == 0 ? .a : .b
            let secondSide: StudyDesign.Side = firstSide == .a ? .b : .a
            func draw(_ samples: [String]) -> [ItemDraft.Story] {
                var indices = Array(samples.indices)
                if indices.count > setSize {
                    rng.shuffle(&indices)
                    indices = Array(indices.prefix(setSize)).sorted()
                }
                return indices.map { ItemDraft.Story(sampleIndex: $0, text: samples[$0], shown: samples[$0]) }
            }
            let firstStories = draw(a.samples), secondStories = draw(b.samples)
            return ItemDraft(prompt: a.prompt, promptIndex: a.promptIndex,
                             runs: [firstSide: first.label, secondSide: second.label],
                             stories: [firstSide: firstStories, secondSide: secondStories])
        }
    }

    /// A story cut to `maxCharacters` at the last word boundary, marked with "…", for full-text studies.
    public static func capped(_ text: String, maxCharacters: Int) -> String {
        guard text.count > maxCharacters else { return text }
        var cut = String(text.prefix(maxCharacters))
        if let space = cut.lastIndex(where: { $0 == " " || $0 == "\n" }), cut.distance(from: cut.startIndex, to: space) > maxCharacters / 2 {
            cut = String(cut[..<space])
        }
        return cut.trimmingCharacters(in: .whitespacesAndNewlines) + " …"
    }

    static func excerpt(_ text: String) -> String {
        let line = text.replacingOccurrences(of: "\n", with: " ")
        return "\"" + (line.count > 60 ? String(line.prefix(60)) + "…" : line) + "\""
    }
}
