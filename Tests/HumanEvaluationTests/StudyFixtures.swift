import Base
import Foundation
@testable import HumanEvaluation

/// Temporary folders and small runs for the study tests.
enum StudyFixtures {
    static func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("humaneval-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// A samples file with `prompts` prompts of `samples` stories each, every story naming its run.
    static func run(_ label: String, in folder: URL, prompts: Int, samples: Int, promptOffset: Int = 0) throws -> URL {
        let url = folder.appendingPathComponent("\(label).jsonl")
        var lines = ""
        for p in 0..<prompts {
            let stories = (0..<samples).map { "\"\(label) story \($0) for prompt \(p + promptOffset)\"" }.joined(separator: ",")
            lines += "{\"prompt_index\": \(p), \"prompt\": \"Prompt number \(p + promptOffset)\", \"samples\": [\(stories)]}\n"
        }
        try Data(lines.utf8).write(to: url)
        return url
    }

    static func design(setSize: Int = 4, labelsPerItem: Int = 3, itemsPerAnnotator: Int = 25, timeout: Double = 1800) -> StudyDesign {
        StudyDesign(setSize: setSize, labelsPerItem: labelsPerItem, itemsPerAnnotator: itemsPerAnnotator, assignmentTimeoutSeconds: timeout,
                    questions: StudyDesign.paperQuestions(setSize: setSize), maxCommentCharacters: 100, presentation: .full(maxCharacters: 1500))
    }

    /// A study of `prompts` items from two runs labelled ddpo and dpo.
    static func study(prompts: Int = 6, design: StudyDesign = design(), seed: UInt64 = 1) throws -> (StudyStore, URL) {
        let folder = try folder()
        let a = try RunSamples.load(label: "ddpo", path: try run("ddpo", in: folder, prompts: prompts, samples: 5).path)
        let b = try RunSamples.load(label: "dpo", path: try run("dpo", in: folder, prompts: prompts, samples: 4).path)
        let items = try StudyPlan.items(a, b, count: nil, setSize: design.setSize, seed: seed)
        let path = folder.appendingPathComponent("study.sqlite").path
        try StudyStore.create(at: path, design: design, runs: [a, b], items: items, seed: seed)
        return (try StudyStore(path: path), folder)
    }

    static let paperAnswer = ["best_story": "A-2", "diverse_set": "B"]
}
