import ArgumentParser
import EvaluationRuns
import Foundation
import HumanEvaluation
import Sampling

/// `divtune humaneval create --run A=eval/ddpo --run B=eval/dpo --output study.sqlite`: pairs the
/// runs' samples by prompt, draws the items and stores the study (docs/human-evaluation.md §1).
struct HumanEvalCreateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create", abstract: "Create a study from two runs' samples (run folders or samples JSONL).")

    @Option(name: .customLong("run"), help: "LABEL=PATH: an `evaluate run` folder or a samples JSONL file; give exactly two.")
    var runs: [String] = []
    @Option(help: "Items (prompts) in the study; default all the prompts the runs share.") var items: Int?
    @Option(help: "Stories per set.") var setSize = 4
    @Option(help: "Answers wanted per item, each from a different annotator.") var labelsPerItem = 3
    @Option(help: "Items one annotator is given at most.") var itemsPerAnnotator = 25
    @Option(help: "Seconds after which an unanswered item is handed to someone else.") var assignmentTimeout: Double = 1800
    @Option(help: "Longest story shown in full, in characters (without --summarize-with).") var maxStoryCharacters = 2000
    @Option(help: "Longest optional comment, in characters.") var maxCommentCharacters = 2000
    @Option(help: "Summarise each story with this local model (.gguf or HF folder) instead of showing it in full.")
    var summarizeWith: String?
    @Option(help: "A PEFT LoRA adapter for --summarize-with.") var adapter: String?
    @Option(help: "The summary prompt; {story} stands for the story.") var summaryPrompt = HumanEvalCreateCommand.defaultSummaryPrompt
    @Option(help: "Most tokens per summary.") var summaryMaxTokens = 120
    @Option(help: "A completion code shown when an annotator finishes.") var completionCode: String?
    @Option(help: "A link shown when an annotator finishes (e.g. back to a crowd-sourcing platform).") var completionLink: String?
    @Option(help: "Seed of the draw: prompts, samples per set, sides, hand-out order.") var seed: UInt64 = 0
    @Option(help: "The study file to write.") var output: String
    @Flag(help: "Replace an existing study file (its answers are lost).") var overwrite = false

    static let defaultSummaryPrompt = "Summarize the following story in two or three sentences. Keep its plot, characters and tone; add nothing.\n\nStory:\n{story}"

    func validate() throws {
        guard runs.count == 2 else { throw ValidationError("give exactly two --run LABEL=PATH (got \(runs.count))") }
        guard summaryPrompt.contains("{story}") else { throw ValidationError("--summary-prompt must contain {story}") }
        guard maxStoryCharacters >= 1, summaryMaxTokens >= 1 else { throw ValidationError("--max-story-characters and --summary-max-tokens must be ≥ 1") }
        if adapter != nil, summarizeWith == nil { throw ValidationError("--adapter applies to --summarize-with; give the model too") }
    }

    func run() throws {
        let samples = try runs.map { spec -> RunSamples in
            guard let equals = spec.firstIndex(of: "=") else { throw ValidationError("--run \(spec): expected LABEL=PATH") }
            return try RunSamples.load(label: String(spec[..<equals]), path: String(spec[spec.index(after: equals)...]))
        }
        var drafts = try StudyPlan.items(samples[0], samples[1], count: items, setSize: setSize, seed: seed)
        let presentation: StudyDesign.Presentation
        if let model = summarizeWith {
            presentation = .summary(model: model, adapter: adapter, prompt: summaryPrompt)
            let summarizer = ModelSampleGenerator(.init(model: model, adapter: adapter, system: nil, maxTokens: summaryMaxTokens,
                                                        sampling: .greedy, maxBatch: 1))
            let total = drafts.count * 2 * setSize
            var done = 0
            for i in drafts.indices {
                for side in StudyDesign.Side.allCases {
                    for k in drafts[i].stories[side]!.indices {
                        let story = drafts[i].stories[side]![k].text
                        let prompt = summaryPrompt.replacingOccurrences(of: "{story}", with: story)
                        let summary = try summarizer.samples(prompt: prompt, count: 1, firstSeed: seed)[0].text
                            .trimmingCharacters(in: .whitespacesAndNewlines)
                        drafts[i].stories[side]![k].shown = summary
                        done += 1
                        FileHandle.standardError.write(Data("\rsummarised \(done)/\(total)".utf8))
                    }
                }
            }
            FileHandle.standardError.write(Data("\n".utf8))
        } else {
            presentation = .full(maxCharacters: maxStoryCharacters)
            for i in drafts.indices {
                for side in StudyDesign.Side.allCases {
                    for k in drafts[i].stories[side]!.indices {
                        drafts[i].stories[side]![k].shown = StudyPlan.capped(drafts[i].stories[side]![k].text, maxCharacters: maxStoryCharacters)
                    }
                }
            }
        }
        let design = StudyDesign(setSize: setSize, labelsPerItem: labelsPerItem, itemsPerAnnotator: itemsPerAnnotator,
                                 assignmentTimeoutSeconds: assignmentTimeout, questions: StudyDesign.paperQuestions(setSize: setSize),
                                 maxCommentCharacters: maxCommentCharacters, presentation: presentation,
                                 completionCode: completionCode, completionLink: completionLink)
        try StudyStore.create(at: output, design: design, runs: samples, items: drafts, seed: seed, overwrite: overwrite)
        print("wrote \(output): \(drafts.count) items, runs \(samples[0].label) and \(samples[1].label), sets of \(setSize), "
              + "\(labelsPerItem) labels per item, \(itemsPerAnnotator) items per annotator")
    }
}
